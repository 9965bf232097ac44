"""The training spine: keras_gan.GAN with fit() on every backend."""

import keras
import numpy as np
import pytest
from helpers import assert_weights_untouched
from helpers import flat
from helpers import images
from helpers import linear_pair
from helpers import tiny_pair
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import keras_gan

BACKEND = keras.backend.backend()


def sgd(lr):
    return keras.optimizers.SGD(lr)


def one_step(gan, x, batch_size=None):
    batch_size = batch_size or len(x)
    return gan.fit(
        x, batch_size=batch_size, epochs=1, steps_per_epoch=1, shuffle=False,
        verbose=0,
    )


def test_logs_and_history():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()
    history = gan.fit(images(16), batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == [
        "bad_steps", "d_fake", "d_loss", "d_real", "g_loss", "loss"
    ]
    for values in history.history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))


@pytest.mark.parametrize("phase", ["d", "g"])
def test_a_phase_leaves_the_other_network_bitwise_unchanged(phase):
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    # Only the phase under test has a learning rate; any change to the
    # other network would come from this phase.
    lrs = {"d": (0.5, 0.0), "g": (0.0, 0.5)}[phase]
    gan.compile(d_optimizer=sgd(lrs[0]), g_optimizer=sgd(lrs[1]))
    moved, still = (d, g) if phase == "d" else (g, d)
    moved_before, still_before = (
        flat(moved.trainable_weights), flat(still.trainable_weights)
    )
    one_step(gan, images(8))
    for a, b in zip(still_before, flat(still.trainable_weights)):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(moved_before, flat(moved.trainable_weights))
    )


def test_d_steps_counts_updates():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile(d_steps=3)
    gan.fit(images(32), batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4
    assert int(gan.d_optimizer.iterations) == 12
    assert int(gan.optimizer.iterations) == 4


def test_batch_norm_statistics_update_in_both_networks():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()

    def moving_means(net):
        return flat(
            [w for w in net.non_trainable_weights if "moving_mean" in w.path]
        )

    g_before, d_before = moving_means(g), moving_means(d)
    assert g_before and d_before
    one_step(gan, images(8))
    for before, after in ((g_before, moving_means(g)),
                          (d_before, moving_means(d))):
        assert not np.allclose(before[0], after[0])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_one_step_matches_hand_computed_sgd_updates():
    """Linear G and D, non-saturating loss, SGD: one step by hand."""
    g, d = linear_pair()
    a, b, w, c = 0.7, -0.2, 1.3, 0.1
    g.set_weights([np.array([[a]]), np.array([b])])
    d.set_weights([np.array([[w]]), np.array([c])])
    lr, seed = 0.1, 11
    gan = keras_gan.GAN(g, d, seed=seed)
    gan.compile(d_optimizer=sgd(lr), g_optimizer=sgd(lr))
    x = np.array([[0.5], [1.5], [-0.3], [2.0]], "float32")
    one_step(gan, x)

    # The GAN draws D's latents, then G's, from SeedGenerator(seed).
    sg = keras.random.SeedGenerator(seed)
    z1 = keras.ops.convert_to_numpy(keras.random.normal((4, 1), seed=sg))
    z2 = keras.ops.convert_to_numpy(keras.random.normal((4, 1), seed=sg))
    x, z1, z2 = (v.astype("float64").ravel() for v in (x, z1, z2))
    # D phase: L = mean softplus(-r) + mean softplus(f)
    fake = a * z1 + b
    r, f = w * x + c, w * fake + c
    dw = np.mean(-sigmoid(-r) * x) + np.mean(sigmoid(f) * fake)
    dc = np.mean(-sigmoid(-r)) + np.mean(sigmoid(f))
    w, c = w - lr * dw, c - lr * dc
    # G phase through the updated D: L = mean softplus(-f)
    f2 = w * (a * z2 + b) + c
    da = np.mean(-sigmoid(-f2) * w * z2)
    db = np.mean(-sigmoid(-f2) * w)
    a, b = a - lr * da, b - lr * db

    got_a, got_b = (float(v.ravel()[0]) for v in g.get_weights())
    got_w, got_c = (float(v.ravel()[0]) for v in d.get_weights())
    np.testing.assert_allclose([got_w, got_c], [w, c], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([got_a, got_b], [a, b], rtol=1e-5, atol=1e-6)


@pytest.mark.large
def test_learns_a_one_dimensional_gaussian():
    keras.utils.set_random_seed(1)
    layers = keras.layers
    z = keras.Input((4,))
    h = layers.Dense(16, activation="leaky_relu")(z)
    g = keras.Model(z, layers.Dense(1)(h))
    x = keras.Input((1,))
    h = layers.Dense(32, activation="leaky_relu")(x)
    h = layers.Dense(32, activation="leaky_relu")(h)
    d = keras.Model(x, layers.Dense(1)(h))
    gan = keras_gan.GAN(g, d, seed=1)
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        data_range=None,  # a linear G for 1-D data around 3
    )
    rng = np.random.default_rng(0)
    data = (3.0 + 0.5 * rng.standard_normal((8192, 1))).astype("float32")
    gan.fit(data, batch_size=128, epochs=28, verbose=0)  # 1,792 steps
    samples = gan.generate(8000, seed=2)
    assert abs(samples.mean() - 3.0) < 0.2, samples.mean()
    assert abs(samples.std() - 0.5) < 0.2, samples.std()


def _tf_dataset(x, batch_size):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(x).batch(batch_size)


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        return self.x[i * self.batch_size : (i + 1) * self.batch_size]


def _torch_loader(x, batch_size):
    import torch

    # Batches as tuples, the usual TensorDataset idiom: Keras 3.15's
    # DataLoader adapter fails on bare-tensor batches under TensorFlow.
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size)


@pytest.mark.parametrize(
    "kind", ["numpy", "tf.data", "PyDataset", "torch DataLoader"]
)
def test_input_kinds_train(kind):
    x = images(16)
    data = {
        "numpy": lambda: x,
        "tf.data": lambda: _tf_dataset(x, 8),
        "PyDataset": lambda: _Batches(x, 8),
        "torch DataLoader": lambda: _torch_loader(x, 8),
    }[kind]()
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()
    before = flat(g.trainable_weights)
    kwargs = {"batch_size": 8} if kind == "numpy" else {}
    gan.fit(data, epochs=1, verbose=0, **kwargs)
    assert int(gan.g_optimizer.iterations) == 2
    assert not np.allclose(before[0], flat(g.trainable_weights)[0])


def _train_weights(jit_compile, seed=5):
    keras.utils.set_random_seed(seed)
    g, d = tiny_pair()
    if BACKEND == "tensorflow":
        # TF's stateless RNG picks another algorithm under XLA, so the same
        # seed draws other latents; make G ignore z to compare the step's
        # math alone.
        z = keras.Input((4,))
        g = keras.Model(z, g(keras.layers.Lambda(lambda t: 0.0 * t)(z)))
    gan = keras_gan.GAN(g, d, seed=seed)
    # SGD: Adam turns float noise in (mathematically) zero gradients, such
    # as a bias before batch norm, into full-size steps.
    gan.compile(sgd(0.1), sgd(0.1), jit_compile=jit_compile)
    gan.fit(images(16), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return flat(g.weights + d.weights)


@pytest.mark.skipif(
    BACKEND == "torch",
    reason="jit_compile=True means torch.compile on PyTorch, not XLA/jax.jit",
)
def test_jit_on_and_off_agree():
    on, off = _train_weights(True), _train_weights(False)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_generate_is_reproducible_and_shaped():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    a, b = gan.generate(5, seed=3), gan.generate(5, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 4, 4, 1) and a.dtype == np.float32
    assert not np.allclose(a, gan.generate(5, seed=4))
    z = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(gan(z)), gan.predict(z, verbose=0),
        rtol=1e-5, atol=1e-6,
    )


def _fresh_gan(seed=7):
    keras.utils.set_random_seed(seed)
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=seed)
    gan.compile(
        keras.optimizers.Adam(1e-2, beta_1=0.5), keras.optimizers.Adam(2e-2)
    )
    return gan


def test_save_load_resumes_exactly(tmp_path):
    x = images(16)
    fit = dict(batch_size=8, shuffle=False, verbose=0)
    start = _fresh_gan()
    start.save(tmp_path / "start.keras")

    uninterrupted = keras.saving.load_model(tmp_path / "start.keras")
    uninterrupted.fit(x, epochs=2, **fit)

    first = keras.saving.load_model(tmp_path / "start.keras")
    first.fit(x, epochs=1, **fit)
    first.save(tmp_path / "middle.keras")
    resumed = keras.saving.load_model(tmp_path / "middle.keras")
    assert isinstance(resumed, keras_gan.GAN)
    assert int(resumed.d_optimizer.iterations) == 2
    assert resumed.get_compile_config() == first.get_compile_config()
    resumed.fit(x, epochs=1, **fit)

    for a, b in zip(
        flat(uninterrupted.weights + uninterrupted.optimizer.variables),
        flat(resumed.weights + resumed.optimizer.variables),
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_backup_and_restore_sees_both_optimizers(tmp_path):
    gan = _fresh_gan()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"),
                                              delete_checkpoint=False)
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0,
            callbacks=[backup])
    again = _fresh_gan(seed=8)
    again.fit(images(16), batch_size=8, epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(
                  str(tmp_path / "backup"), delete_checkpoint=False)])
    # Restored at epoch 1 of 1: nothing more to train, state is the backup.
    assert int(again.d_optimizer.iterations) == 2
    assert int(again.g_optimizer.iterations) == 2
    for a, b in zip(flat(gan.weights), flat(again.weights)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@settings(max_examples=5)
@given(batch=st.integers(1, 9), latent_dim=st.integers(1, 6))
def test_shapes_for_any_batch_and_latent_size(batch, latent_dim):
    g, d = tiny_pair(image_shape=(2, 3, 2), latent_dim=latent_dim,
                     batch_norm=False)
    gan = keras_gan.GAN(g, d)
    assert gan.latent_dim == latent_dim
    assert gan.generate(batch, seed=0).shape == (batch, 2, 3, 2)


# ----------------------------------------------------------------------
# Errors, raised before any weight changes


def test_error_shape_mismatch_names_both_shapes():
    g, _ = tiny_pair(image_shape=(4, 4, 1))
    _, d = tiny_pair(image_shape=(8, 8, 1))
    with pytest.raises(ValueError, match=r"\(4, 4, 1\).*\(8, 8, 1\)"):
        keras_gan.GAN(g, d)


def test_error_latent_dim_disagrees():
    g, d = tiny_pair(latent_dim=4)
    with pytest.raises(ValueError, match="latent_dim=5.*size 4"):
        keras_gan.GAN(g, d, latent_dim=5)


def test_error_wrong_rank_before_weights_change():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()

    def fit():
        with pytest.raises(ValueError, match="rank 3.*x\\[..., None\\]"):
            gan.fit(images(8)[..., 0], batch_size=4, epochs=1, verbose=0)

    assert_weights_untouched(gan, fit)


def test_error_wrong_image_shape_before_weights_change():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()

    def fit():
        with pytest.raises(ValueError, match=r"\(5, 5, 1\).*\(4, 4, 1\)"):
            gan.fit(images(8, shape=(5, 5, 1)), batch_size=4, verbose=0)

    assert_weights_untouched(gan, fit)


def test_error_fit_before_compile():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    with pytest.raises(ValueError, match="before `GAN.compile\\(\\)`"):
        gan.fit(images(8), batch_size=4, verbose=0)


def test_error_unknown_loss_lists_names():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    with pytest.raises(ValueError, match="non_saturating"):
        gan.compile(loss="nonsaturating")


def test_error_same_optimizer_object():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different"):
        gan.compile(d_optimizer=opt, g_optimizer=opt)


def test_error_d_steps():
    g, d = tiny_pair()
    with pytest.raises(ValueError, match="d_steps"):
        keras_gan.GAN(g, d).compile(d_steps=0)


def test_spectral_normalization_kernel_is_normalized_after_fit():
    """A layer may write its own weights in the forward pass (Keras's
    SpectralNormalization stores W / sigma); the step keeps that write on
    every backend, so inference uses the normalized kernel too."""
    layers = keras.layers
    g, _ = tiny_pair(batch_norm=False)
    im = keras.Input((4, 4, 1))
    sn = layers.SpectralNormalization(layers.Dense(8))
    d = keras.Model(im, layers.Dense(1)(sn(layers.Flatten()(im))))
    rng = np.random.default_rng(0)
    sn.layer.kernel.assign(3 * rng.standard_normal((16, 8)).astype("float32"))
    gan = keras_gan.GAN(g, d)
    gan.compile()
    gan.fit(images(16), batch_size=8, epochs=2, verbose=0)
    kernel = keras.ops.convert_to_numpy(sn.layer.kernel)
    assert np.linalg.svd(kernel, compute_uv=False)[0] == pytest.approx(
        1.0, abs=0.05
    )
