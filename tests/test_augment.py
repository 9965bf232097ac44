"""DiffAugment and AdaptiveAugment."""

import keras
import numpy as np
import pytest
from helpers import flat
from helpers import images
from helpers import tiny_pair
from hypothesis import given
from hypothesis import strategies as st
from keras import layers
from keras import ops

import keras_gan
from keras_gan.augment import AdaptiveAugment
from keras_gan.augment import DiffAugment
from keras_gan.augment import cutout
from keras_gan.augment import translate


def np_translate(x, dy, dx):
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    for i in range(len(x)):
        for r in range(h):
            for c in range(w):
                sr, sc = r - dy[i], c - dx[i]
                if 0 <= sr < h and 0 <= sc < w:
                    out[i, r, c] = x[i, sr, sc]
    return out


@given(
    shifts=st.lists(
        st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=1,
        max_size=3,
    )
)
def test_translation_shifts_by_the_known_amount(shifts):
    x = images(len(shifts), shape=(5, 6, 2))
    dy = np.array([s[0] for s in shifts], "int32")
    dx = np.array([s[1] for s in shifts], "int32")
    got = ops.convert_to_numpy(translate(x, dy, dx))
    np.testing.assert_array_equal(got, np_translate(x, dy, dx))


def test_cutout_zeroes_the_specified_fraction():
    x = np.ones((2, 8, 8, 3), "float32")
    out = ops.convert_to_numpy(cutout(x, [2, 0], [1, 4], (4, 4)))
    assert (out == 0).mean() == pytest.approx(0.25)
    assert (out[0, 2:6, 1:5] == 0).all() and (out[1, 0:4, 4:8] == 0).all()
    # The layer's own cutout: a square of half the side, a quarter of the
    # pixels when it lies inside, never more.
    aug = DiffAugment(policy="cutout", seed=1)
    out = ops.convert_to_numpy(aug(np.ones((64, 8, 8, 1)), training=True))
    fractions = (out == 0).reshape(64, -1).mean(axis=1)
    assert fractions.max() == pytest.approx(0.25) and fractions.min() > 0


def test_translation_policy_shifts_within_ratio():
    x = np.zeros((32, 16, 16, 1), "float32")
    x[:, 8, 8] = 1.0  # one lit pixel
    out = ops.convert_to_numpy(
        DiffAugment(policy="translation", seed=0)(x, training=True)
    )
    rows, cols = np.nonzero(out[..., 0].reshape(32, 16, 16).max(axis=0))
    assert np.abs(rows - 8).max() <= 2 and np.abs(cols - 8).max() <= 2
    assert len(set(zip(rows, cols))) > 1  # random per sample


def test_same_seed_same_augmentation_and_identity_outside_training():
    x = images(4, shape=(8, 8, 3))
    a = ops.convert_to_numpy(DiffAugment(seed=3)(x, training=True))
    b = ops.convert_to_numpy(DiffAugment(seed=3)(x, training=True))
    c = ops.convert_to_numpy(DiffAugment(seed=4)(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(DiffAugment(seed=3)(x, training=False)), x
    )


def test_generator_gradients_flow_through_augmentation():
    g, d = tiny_pair(image_shape=(8, 8, 1), batch_norm=False)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1),
                augment=DiffAugment(seed=0))
    before = flat(g.trainable_weights)
    gan.fit(images(8, shape=(8, 8, 1)), batch_size=8, epochs=1, verbose=0)
    after = flat(g.trainable_weights)
    for a, b in zip(before, after):
        assert np.all(np.isfinite(b))
        assert not np.array_equal(a, b)  # every G weight got a gradient


def constant_critic(value, shape=(4, 4, 1)):
    im = keras.Input(shape)
    out = layers.Dense(1, kernel_initializer="zeros",
                       bias_initializer=keras.initializers.Constant(value))(
        layers.Flatten()(im))
    return keras.Model(im, out)


def _ada_run(value, initial_p, epochs=3):
    g, _ = tiny_pair()
    gan = keras_gan.GAN(g, constant_critic(value))
    ada = AdaptiveAugment(target=0.6, interval=2, speed=0.2,
                          initial_p=initial_p, seed=0)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                augment=ada)
    history = gan.fit(images(16), batch_size=4, epochs=epochs, verbose=0)
    return gan, ada, history


def test_ada_p_rises_when_reals_are_judged_real():
    gan, ada, history = _ada_run(5.0, 0.0)
    p = float(ops.convert_to_numpy(ada.p))
    # 12 D updates, an adjustment every 2: 6 * 0.2, clipped at 1.
    assert p == pytest.approx(1.0)
    assert "augment_p" in history.history


def test_ada_p_falls_when_reals_are_judged_fake():
    _, ada, _ = _ada_run(-5.0, 0.9, epochs=1)
    # 4 D updates: 2 adjustments of -0.2.
    assert float(ops.convert_to_numpy(ada.p)) == pytest.approx(0.5)
    _, ada, _ = _ada_run(-5.0, 0.3, epochs=2)
    assert float(ops.convert_to_numpy(ada.p)) == pytest.approx(0.0)


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=20))
def test_ada_p_stays_in_unit_interval(logits):
    ada = AdaptiveAugment(interval=1, speed=0.4, initial_p=0.5)
    for value in logits:
        p = float(ops.convert_to_numpy(ada.update(np.full((2, 1), value))))
        assert 0.0 <= p <= 1.0


def test_ada_p_survives_save_and_load(tmp_path):
    gan, ada, _ = _ada_run(5.0, 0.0, epochs=1)
    p = float(ops.convert_to_numpy(ada.p))
    assert 0 < p < 1
    gan.save(tmp_path / "ada.keras")
    again = keras.saving.load_model(tmp_path / "ada.keras")
    assert isinstance(again.augment, AdaptiveAugment)
    assert float(ops.convert_to_numpy(again.augment.p)) == pytest.approx(p)
    assert again.augment.get_config() == ada.get_config()


def test_usable_as_a_plain_layer_in_a_model(tmp_path):
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, DiffAugment(seed=0)(inputs))
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    x = images(2, shape=(8, 8, 3))
    np.testing.assert_array_equal(ops.convert_to_numpy(again(x)), x)


def test_validation_messages():
    with pytest.raises(ValueError, match="Unknown augmentation 'flip'"):
        DiffAugment(policy="color,flip")
    with pytest.raises(ValueError, match="target"):
        AdaptiveAugment(target=1.5)
    with pytest.raises(ValueError, match="channels-last"):
        DiffAugment()(np.ones((2, 8, 8)), training=True)


# The reference DiffAugment (mit-han-lab/data-efficient-gans,
# DiffAugment_pytorch.py), its colour operations written in numpy for
# channels-first images: one uniform draw per sample and operation.
def ref_brightness(x, u):
    return x + (u - 0.5)


def ref_saturation(x, u):
    mean = x.mean(axis=1, keepdims=True)  # over channels
    return (x - mean) * (u * 2) + mean


def ref_contrast(x, u):
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (u + 0.5) + mean


REF_COLOR = (ref_brightness, ref_saturation, ref_contrast)


def _color_with_draws(x, draws):
    """The layer's colour op with its uniform draws replaced by `draws`."""
    aug = DiffAugment(policy="color")
    queue = [ops.convert_to_tensor(d.reshape(-1, 1, 1, 1), "float32")
             for d in draws]
    aug._uniform = lambda batch, dtype: queue.pop(0)
    out = ops.convert_to_numpy(aug(x, training=True))
    assert not queue  # exactly three draws, in the reference's order
    return out


@pytest.mark.parametrize("op", [0, 1, 2],
                         ids=["brightness", "saturation", "contrast"])
def test_each_colour_operation_matches_the_reference(op):
    rng = np.random.default_rng(op)
    x = rng.uniform(-1, 1, (5, 6, 7, 3)).astype("float32")  # channels-last
    u = rng.uniform(0, 1, 5).astype("float32")
    # u = 0.5 makes the other two operations the identity.
    draws = [np.full(5, 0.5, "float32") for _ in range(3)]
    draws[op] = u
    got = _color_with_draws(x, draws)
    ref = REF_COLOR[op](x.transpose(0, 3, 1, 2).astype("float64"),
                        u.reshape(-1, 1, 1, 1))
    np.testing.assert_allclose(got, ref.transpose(0, 2, 3, 1), atol=1e-5)
    assert not np.allclose(got, x, atol=1e-2)  # it did something


def test_colour_pipeline_matches_the_reference_on_the_layer_draws():
    x = images(6, shape=(8, 8, 3), seed=2)
    got = ops.convert_to_numpy(
        DiffAugment(policy="color", seed=7)(x, training=True)
    )
    # The same draws: a SeedGenerator with the same seed, in the same order.
    seed = keras.random.SeedGenerator(7)
    ref = x.transpose(0, 3, 1, 2).astype("float64")
    for fn in REF_COLOR:
        u = ops.convert_to_numpy(
            keras.random.uniform((6, 1, 1, 1), seed=seed, dtype="float32")
        )
        ref = fn(ref, u.astype("float64"))
    np.testing.assert_allclose(got, ref.transpose(0, 2, 3, 1), atol=1e-5)
