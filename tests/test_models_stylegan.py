"""The StyleGAN2-lite builder and its layers."""

import keras
import numpy as np
import pytest
from helpers import latents
from helpers import np_
from helpers import run_layer_test

import keras_gan
from keras_gan.layers import NoiseInjection
from keras_gan.models import ConstantInput
from keras_gan.models import StyleMixing
from keras_gan.models import stylegan


def noise_layers(generator):
    return [
        layer for layer in generator.layers
        if isinstance(layer, NoiseInjection)
    ]


def set_noise_strength(generator, value):
    for layer in noise_layers(generator):
        layer.weight.assign(np.full(layer.weight.shape, value, "float32"))


# filters=2 at 16x16 gives the 8x8 pair's widths plus one: on JAX, weight
# shapes already seen reuse their compiled initializers.
@pytest.mark.parametrize(
    "image_shape, style_dim, filters",
    [((8, 8, 1), None, 4), ((16, 16, 3), 12, 2)],
)
def test_shapes_and_layout(image_shape, style_dim, filters):
    g, d = stylegan(image_shape, latent_dim=8, style_dim=style_dim,
                    mapping_layers=3, filters=filters)
    assert tuple(g.input.shape) == (None, 8)
    assert tuple(g.output.shape) == (None, *image_shape)
    assert tuple(d.input.shape) == (None, *image_shape)
    assert tuple(d.output.shape) == (None, 1)
    mapping = g.get_layer("mapping")
    assert tuple(mapping.output.shape) == (None, style_dim or 8)
    dense = [layer for layer in mapping.layers
             if isinstance(layer, keras_gan.layers.EqualizedDense)]
    assert len(dense) == 3
    assert all(layer.lr_multiplier == 0.01 for layer in dense)
    stages = int(np.log2(image_shape[0])) - 1  # 4x4, 8x8, ...
    styles = g.get_layer("style_mixing")
    assert styles.num_styles == 2 * stages and styles.probability == 0.9
    modulated = [layer for layer in g.layers
                 if isinstance(layer, keras_gan.layers.ModulatedConv2D)]
    # 4x4: one conv and a toRGB; every other resolution: two and a toRGB.
    assert len(modulated) == 2 + 3 * (stages - 1)
    to_rgb = [layer for layer in modulated if layer.kernel_size == (1, 1)]
    assert len(to_rgb) == stages
    assert not any(layer.demodulate for layer in to_rgb)
    assert all(layer.demodulate for layer in modulated if layer not in to_rgb)
    assert len(noise_layers(g)) == 1 + 2 * (stages - 1)
    # Widths double as the resolution halves (up to 8 * filters).
    assert g.get_layer("constant").shape == (4, 4, filters * 2 ** (stages - 1))
    assert g.get_layer(f"b{image_shape[0]}_1_conv").filters == filters


def test_noise_varies_in_training_only():
    g, _ = stylegan((8, 8, 1), latent_dim=8, filters=4, style_mixing=0.0)
    z = latents()
    # Noise strengths start at zero: without mixing, training mode is
    # deterministic too, and equal to inference.
    reference = np_(g(z))
    np.testing.assert_array_equal(np_(g(z, training=True)), reference)
    set_noise_strength(g, 1.0)
    a, b = np_(g(z, training=True)), np_(g(z, training=True))
    assert np.abs(a - b).max() > 1e-3
    # Inference uses each layer's fixed noise map: deterministic, and not
    # the noise-free output.
    c, e = np_(g(z)), np_(g(z))
    np.testing.assert_array_equal(c, e)
    assert np.abs(c - reference).max() > 1e-3


def test_style_mixing_changes_training_outputs_only():
    g, _ = stylegan((8, 8, 1), latent_dim=8, filters=4, style_mixing=1.0)
    z = latents()
    unmixed = np_(g(z))
    np.testing.assert_array_equal(np_(g(z)), unmixed)
    # Noise strengths are zero: only mixing can change training outputs.
    a, b = np_(g(z, training=True)), np_(g(z, training=True))
    for mixed in (a, b):
        assert np.abs(mixed - unmixed).max(axis=(1, 2, 3)).min() > 1e-4
    assert np.abs(a - b).max() > 1e-4  # a fresh second code each call


def test_style_mixing_layer_crossover():
    n, batch = 6, 256
    w = np.zeros((batch, 3), "float32")
    w_mix = np.ones((batch, 3), "float32")
    always = StyleMixing(n, probability=1.0, seed=1)
    picks = np.stack([np_(s)[:, 0] for s in always([w, w_mix],
                                                    training=True)], 1)
    # Each sample: w up to its crossover c in [1, n - 1], then w_mix.
    crossover = (picks == 0).sum(1)
    np.testing.assert_array_equal(picks, np.arange(n)[None] >= crossover[:,
                                                                         None])
    assert crossover.min() == 1 and crossover.max() == n - 1
    assert len(set(crossover.tolist())) == n - 1
    half = StyleMixing(n, probability=0.5, seed=2)
    picks = np.stack([np_(s)[:, 0] for s in half([w, w_mix], training=True)])
    assert 0.35 < picks[-1].mean() < 0.65  # mixed samples end with w_mix
    assert (picks[0] == 0).all()
    for training in (False, None):
        styles = always([w, w_mix], training=training)
        assert len(styles) == n and all(np_(s).max() == 0 for s in styles)


def test_style_mixing_layer_generic_checks(tmp_path):
    run_layer_test(
        StyleMixing, {"num_styles": 4, "probability": 0.5, "seed": 0},
        [(2, 8), (2, 8)], (2, 8), tmp_path=tmp_path,
        call_kwargs={"training": True},
        training=False,  # no weights
    )


def test_constant_input_generic_checks(tmp_path):
    run_layer_test(
        ConstantInput, {"shape": (4, 4, 3)}, (2, 5), (2, 4, 4, 3),
        other_shapes=[((3, 2, 2), (3, 4, 4, 3))], tmp_path=tmp_path,
    )
    const = ConstantInput((2, 3))
    y = np_(const(np.zeros((5, 7), "float32")))
    np.testing.assert_array_equal(y, np.broadcast_to(np_(const.constant),
                                                     (5, 2, 3)))


def test_noise_injection_inference_modes(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(
        "float32")
    fixed = NoiseInjection(seed=1, inference_noise="fixed")
    none = NoiseInjection(seed=1, inference_noise="none")
    for layer in (fixed, none):
        layer.build(x.shape)
        layer.weight.assign(np.ones(3, "float32"))
    assert tuple(fixed.fixed_noise.shape) == (1, 4, 4, 1)
    assert not fixed.fixed_noise.trainable
    np.testing.assert_allclose(np_(fixed(x)), x + np_(fixed.fixed_noise),
                               atol=1e-6)
    np.testing.assert_array_equal(np_(none(x)), x)
    for layer in (fixed, none):  # training draws fresh noise
        assert np.abs(np_(layer(x, training=True)) - np_(layer(x))).max() > 0.1
    run_layer_test(
        NoiseInjection, {"seed": 3, "inference_noise": "fixed"},
        (2, 4, 4, 3), (2, 4, 4, 3), tmp_path=tmp_path,
    )


def test_noise_injection_validates():
    with pytest.raises(ValueError, match="`inference_noise` should be one"):
        NoiseInjection(inference_noise="const")
    with pytest.raises(ValueError, match="needs known spatial sizes"):
        NoiseInjection(inference_noise="fixed")(keras.Input((None, 4, 2)))


def test_save_load_round_trip(tmp_path):
    g, _ = stylegan((8, 8, 1), latent_dim=8, filters=4)
    set_noise_strength(g, 0.5)
    path = str(tmp_path / "g.keras")
    g.save(path)
    loaded = keras.saving.load_model(path)
    z = latents(seed=3)
    # Inference is deterministic given z: the fixed noise maps and every
    # weight came back. (Keras does not save layers' seed states, so
    # training-mode draws after loading are not a replay.)
    expected = np_(g(z))
    np.testing.assert_array_equal(np_(loaded(z)), expected)
    assert type(loaded.get_layer("style_mixing")) is StyleMixing
    assert type(loaded.get_layer("constant")) is ConstantInput
    set_noise_strength(g, 0.0)
    assert np.abs(np_(g(z)) - expected).max() > 1e-4  # the noise mattered


def test_conditional_pair_trains_with_gan():
    # The conditional pair runs every layer of the unconditional one, plus
    # the label embedding and the projection head.
    g, d = stylegan((8, 8, 1), latent_dim=8, filters=4, num_classes=3)
    assert [tuple(i.shape) for i in g.inputs] == [(None, 8), (None,)]
    assert [tuple(i.shape) for i in d.inputs] == [(None, 8, 8, 1), (None,)]
    assert isinstance(d.get_layer("projection"),
                      keras_gan.layers.ProjectionHead)
    gan = keras_gan.GAN(g, d, num_classes=3)
    gan.compile()  # jit_compile="auto"
    before = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    rng = np.random.default_rng(0)
    x = np.tanh(rng.standard_normal((8, 8, 8, 1))).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
    history = gan.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    after = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    changed = [np.any(a != b) for a, b in zip(after, before)]
    assert np.mean(changed) > 0.9
    images = gan.generate(4, labels=[0, 1, 2, 0], seed=0)
    assert images.shape == (4, 8, 8, 1) and np.isfinite(images).all()


def test_unconditional_pair_is_a_gan():
    g, d = stylegan((8, 8, 1), latent_dim=8, filters=4)
    gan = keras_gan.GAN(g, d)
    assert gan.latent_dim == 8 and gan.image_shape == (8, 8, 1)
    images = gan.generate(4, seed=0)
    assert images.shape == (4, 8, 8, 1) and np.isfinite(images).all()
    np.testing.assert_array_equal(gan.generate(4, seed=0), images)
    logits = np_(d(images))
    assert logits.shape == (4, 1) and np.isfinite(logits).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (7, 12, 3)}, "`stylegan` supports .* >= 8"),
        ({"image_shape": (4, 4, 3)}, ">= 8"),
        ({"image_shape": (8, 8, 0)}, "1 to 4 channels"),
        ({"image_shape": (16, 16)}, "height, width, channels"),
        ({"latent_dim": 0}, "`latent_dim` should be a positive integer"),
        ({"style_dim": 2.5}, "`style_dim` should be a positive integer"),
        ({"mapping_layers": 0}, "`mapping_layers` should be a positive"),
        ({"filters": -1}, "`filters` should be a positive integer"),
        ({"style_mixing": 1.5}, "`style_mixing` should be a probability"),
        ({"num_classes": 0}, "`num_classes` should be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stylegan(**{"image_shape": (8, 8, 1), "latent_dim": 8,
                    "filters": 4, **kwargs})


def test_layer_arguments_are_validated():
    with pytest.raises(ValueError, match="`num_styles` should be at least 2"):
        StyleMixing(1)
    with pytest.raises(ValueError, match="`probability` should be a prob"):
        StyleMixing(4, probability=-0.1)
    with pytest.raises(ValueError, match="`shape` should be a positive"):
        ConstantInput((4, 0))
