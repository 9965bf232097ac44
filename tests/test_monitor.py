"""TrainingMonitor and the diversity statistics it logs."""

import math
import warnings

import keras
import numpy as np
import pytest
from helpers import images
from helpers import tiny_pair
from keras import layers

import keras_gan
from keras_gan.callbacks import TrainingMonitor
from keras_gan.metrics import d_overfit
from keras_gan.metrics import diversity
from keras_gan.metrics import diversity_ratio
from keras_gan.metrics import pixel_features

SHAPE = (4, 4, 1)


# ----------------------------------------------------------------------
# Closed-form statistics
def test_diversity_of_identical_and_opposite_images():
    same = np.broadcast_to(images(1, (8, 8, 3)), (6, 8, 8, 3))
    assert diversity(same) == 0.0
    pair = np.stack([-np.ones((8, 8, 1)), np.ones((8, 8, 1))])
    assert diversity(pair) == pytest.approx(2.0)
    # Three images of constant value 0, 1, 3: pair distances 1, 3, 2.
    three = np.stack([np.full((4, 4, 1), v) for v in (0.0, 1.0, 3.0)])
    assert diversity(three) == pytest.approx(2.0)


def test_diversity_ratio_of_scaled_data_and_given_features():
    real = np.random.default_rng(0).uniform(-1, 1, (40, 8, 8, 3))
    assert diversity_ratio(real, 0.25 * real) == pytest.approx(0.25)
    assert diversity_ratio(real, real) == pytest.approx(1.0)
    # A feature map keeping one number per image: |0-2| / |0-1| = 2.
    first = lambda x: np.asarray(x).reshape(len(x), -1)[:, :1]  # noqa: E731
    a = np.zeros((2, 4, 4, 1))
    a[1, 0, 0, 0] = 1.0
    b = np.zeros((2, 4, 4, 1))
    b[1, 0, 0, 0] = 2.0
    assert diversity_ratio(a, b, features=first) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="all identical"):
        diversity_ratio(np.zeros((3, 4, 4, 1)), real[:3, :4, :4, :1])
    with pytest.raises(ValueError, match="same image shape"):
        diversity_ratio(real, real[:, :4])


def test_pixel_features_area_average_to_16():
    x = np.arange(32 * 32, dtype="float64").reshape(1, 32, 32, 1)
    f = pixel_features(x).reshape(16, 16)
    # Top-left 2x2 block: pixels 0, 1, 32, 33.
    assert f[0, 0] == pytest.approx((0 + 1 + 32 + 33) / 4)
    assert pixel_features(np.zeros((2, 28, 20, 3))).shape == (2, 14 * 10 * 3)
    # 100 = 6 groups of 7 (ceil(100 / 16)) and one of 2: 15 per side.
    assert pixel_features(np.zeros((1, 100, 8, 1))).shape == (1, 15 * 8)
    assert pixel_features(np.zeros((3, 7, 5))).shape == (3, 35)


def test_d_overfit_is_the_mean_sign_of_real_logits():
    d = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    d.set_weights([np.array([[1.0], [0.0]]), np.zeros(1)])
    x = np.array([[2.0, 5.0], [3.0, -1.0], [-1.0, 0.0], [1.0, 1.0]])
    assert d_overfit(d, x) == pytest.approx(0.5)  # (1 + 1 - 1 + 1) / 4
    assert d_overfit(d, x, batch_size=3) == pytest.approx(0.5)


def test_d_overfit_runs_batch_norm_as_in_training_and_restores_it():
    d = keras.Sequential([
        keras.Input((1,)),
        layers.BatchNormalization(center=False, scale=False),
        layers.Dense(1, kernel_initializer="ones", use_bias=False),
    ])
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    before = [keras.ops.convert_to_numpy(w) for w in d.non_trainable_weights]
    # Batch statistics: x - 2.5 has signs - - + +; moving ones: all +.
    assert d_overfit(d, x) == 0.0
    assert d_overfit(d, x, training=False) == 1.0
    for w, b in zip(d.non_trainable_weights, before):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(w), b)


# ----------------------------------------------------------------------
# Networks for the runs
def _constant_generator(latent_dim=4, image_shape=SHAPE):
    """G ignores z: a frozen zero layer, then a (trainable) bias."""
    z = keras.Input((latent_dim,))
    x = layers.Dense(4, kernel_initializer="zeros", use_bias=False,
                     trainable=False)(z)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    return keras.Model(z, layers.Reshape(image_shape)(x))


def _identity_generator(image_shape=SHAPE):
    """G(z) = tanh(z): exactly the distribution of `helpers.images`."""
    dim = math.prod(image_shape)
    z = keras.Input((dim,))
    x = layers.Dense(dim, kernel_initializer="identity", use_bias=False)(z)
    x = layers.Activation("tanh")(x)
    return keras.Model(z, layers.Reshape(image_shape)(x))


def _gan(generator, d_lr=1e-4, g_lr=1e-4, loss="non_saturating"):
    _, d = tiny_pair(image_shape=SHAPE, batch_norm=False)
    gan = keras_gan.GAN(generator, d, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(g_lr, beta_1=0.5),
        loss=loss,
        # Tiny networks: compiling costs more than it saves, but for JAX.
        jit_compile=keras.backend.backend() == "jax",
    )
    return gan


def _monitor_warnings(record):
    return [w for w in record if "TrainingMonitor" in str(w.message)]


# ----------------------------------------------------------------------
# Runs
def test_healthy_run_logs_both_keys_and_is_not_flagged():
    real = images(64, SHAPE, seed=1)
    gan = _gan(_identity_generator())
    monitor = TrainingMonitor(real, every_n_epochs=2, warmup_steps=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = gan.fit(real[:32], batch_size=16, epochs=4, verbose=0,
                          callbacks=[monitor])
    assert _monitor_warnings(record) == [] and monitor.flags == []
    # Only evaluated epochs carry the keys, as for GANEvaluator.
    assert monitor.epochs == [2, 4]
    assert len(history.history["diversity"]) == 2
    assert len(history.history["d_overfit"]) == 2
    # tanh(z) against tanh(noise): the same distribution, ratio near 1.
    assert 0.8 < history.history["diversity"][-1] < 1.2
    assert -1.0 <= history.history["d_overfit"][-1] <= 1.0
    assert not gan.stop_training


def test_collapse_is_flagged_once_with_what_to_try():
    real = images(32, SHAPE)
    gan = _gan(_constant_generator())
    monitor = TrainingMonitor(real, warmup_steps=0, patience=2)
    with pytest.warns(UserWarning, match="TrainingMonitor.*collapsed") as rec:
        history = gan.fit(real, batch_size=16, epochs=4, verbose=0,
                          callbacks=[monitor])
    collapse = [w for w in rec if "collapsed" in str(w.message)]
    assert len(collapse) == 1  # flagged at epochs 2, 3, 4: warned once
    message = str(collapse[0].message)
    assert "recipes.build" in message and "R1" in message
    assert history.history["diversity"] == [0.0] * 4
    assert [e for e, k in monitor.flags if k == "collapse"] == [2, 3, 4]
    assert len(history.history["d_loss"]) == 4  # "warn" does not stop


def test_flags_wait_for_warmup_steps():
    real = images(32, SHAPE)
    gan = _gan(_constant_generator())
    monitor = TrainingMonitor(real, warmup_steps=6)  # 2 per epoch here
    with pytest.warns(UserWarning, match="collapsed"):
        gan.fit(real, batch_size=16, epochs=4, verbose=0,
                callbacks=[monitor])
    assert monitor.flags == [(3, "collapse"), (4, "collapse")]


def _shifted_generator(image_shape=SHAPE):
    """G(z) = 0.1 tanh(z) - 0.8: as varied as `_shifted_data`, far from it."""
    z = keras.Input((math.prod(image_shape),))
    x = _identity_generator(image_shape)(z)
    return keras.Model(z, layers.Rescaling(0.1, offset=-0.8)(x))


def _shifted_data(n):
    return 0.1 * images(n, SHAPE, seed=1) + 0.8


def test_winning_discriminator_stops_training():
    # D learns 100x faster than G and the fakes sit far from the data: D
    # separates them, d_loss -> 0 and g_loss climbs; diversity stays ~1.
    real = _shifted_data(32)
    gan = _gan(_shifted_generator(), d_lr=5e-2, g_lr=5e-4)
    monitor = TrainingMonitor(real, on_failure="stop", warmup_steps=0)
    with pytest.warns(UserWarning, match="discriminator has won") as rec:
        history = gan.fit(real, batch_size=8, epochs=30, verbose=0,
                          callbacks=[monitor])
    won = [str(w.message) for w in rec if "has won" in str(w.message)]
    assert "stopped" in won[0] and "lower discriminator learning" in won[0]
    epochs_run = len(history.history["d_loss"])
    assert epochs_run < 30
    assert monitor.flags == [(epochs_run, "discriminator_won")]
    assert max(history.history["d_loss"][-2:]) < 0.05
    assert history.history["g_loss"][-1] > history.history["g_loss"][0]
    assert history.history["d_overfit"][-1] == 1.0
    assert min(history.history["diversity"]) > 0.8


def _ready_monitor(**kwargs):
    gan = _gan(_identity_generator())
    monitor = TrainingMonitor(images(16, SHAPE), warmup_steps=0, **kwargs)
    monitor.set_model(gan)
    monitor.on_train_begin()
    return gan, monitor


def test_non_finite_loss_is_flagged_and_stops():
    gan, monitor = _ready_monitor()
    with pytest.warns(UserWarning, match="TrainingMonitor.*non-finite.*d_loss"):
        monitor.on_epoch_end(0, {"d_loss": float("nan"), "g_loss": 1.0})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        monitor.on_epoch_end(1, {"d_loss": 1.0, "g_loss": float("inf")})
    assert _monitor_warnings(record) == []  # once per kind
    assert monitor.flags == [(1, "non_finite"), (2, "non_finite")]
    assert not gan.stop_training
    gan, monitor = _ready_monitor(on_failure="stop")
    with pytest.warns(UserWarning, match="bad_steps.*stopped"):
        monitor.on_epoch_end(0, {"d_loss": 1.0, "g_loss": 1.0,
                                 "bad_steps": 3.0})
    assert gan.stop_training


def test_unbounded_losses_never_count_as_won():
    gan, monitor = _ready_monitor()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for epoch, g_loss in enumerate([1.0, 2.0, 3.0]):  # Wasserstein-like
            monitor.on_epoch_end(epoch, {"d_loss": -5.0, "g_loss": g_loss})
        # A penalty keeps d_loss up; its adversarial part is what counts.
        for epoch, g_loss in enumerate([4.0, 5.0], start=3):
            monitor.on_epoch_end(epoch, {"d_loss": 0.52, "penalty": 0.5,
                                         "g_loss": g_loss})
    assert [k for _, k in monitor.flags] == ["discriminator_won"]
    assert len(_monitor_warnings(record)) == 1


def _conditional_pair(num_classes=3, latent_dim=4, image_shape=SHAPE):
    """Dense G([z, label]) and D([images, label]), labels embedded."""
    z = keras.Input((latent_dim,))
    label = keras.Input((), dtype="int32")
    e = layers.Flatten()(layers.Embedding(num_classes, 4)(label))
    x = layers.Dense(math.prod(image_shape), activation="tanh")(
        layers.Concatenate()([z, e])
    )
    g = keras.Model([z, label], layers.Reshape(image_shape)(x))
    image = keras.Input(image_shape)
    d_label = keras.Input((), dtype="int32")
    e = layers.Flatten()(layers.Embedding(num_classes, 4)(d_label))
    h = layers.Concatenate()([layers.Flatten()(image), e])
    d = keras.Model([image, d_label], layers.Dense(1)(h))
    return g, d


def test_conditional_gan_uses_labels():
    g, d = _conditional_pair()
    gan = keras_gan.GAN(g, d, num_classes=3, seed=0)
    gan.compile(jit_compile=keras.backend.backend() == "jax")
    x = images(12, SHAPE)
    y = np.arange(12) % 3
    monitor = TrainingMonitor((x, y), num_samples=9, warmup_steps=10**6)
    history = gan.fit(x, y, batch_size=6, epochs=1, verbose=0,
                      callbacks=[monitor])
    expected = d_overfit(gan.discriminator, x[np.sort(
        np.random.default_rng(0).choice(12, 9, False))],
        y[np.sort(np.random.default_rng(0).choice(12, 9, False))])
    assert history.history["d_overfit"] == [pytest.approx(expected)]
    fake = gan.generate(9, labels=np.arange(9) % 3, seed=0, use_ema=False)
    reference = diversity(monitor._real[0])
    assert history.history["diversity"] == [
        pytest.approx(diversity(fake) / reference)
    ]
    bare = TrainingMonitor(x)
    bare.set_model(gan)
    with pytest.raises(ValueError, match=r"real_data=\(images, labels\)"):
        bare.on_train_begin()
    raw = TrainingMonitor(((x + 1) * 127.5, y))  # pixels in [0, 255]
    raw.set_model(gan)
    with pytest.raises(ValueError, match="`real_data` has values"):
        raw.on_train_begin()


def test_validation_and_config():
    with pytest.raises(ValueError, match="on_failure"):
        TrainingMonitor(images(4), on_failure="raise")
    with pytest.raises(ValueError, match="num_samples"):
        TrainingMonitor(images(4), num_samples=1)
    with pytest.raises(ValueError, match="real_data"):
        TrainingMonitor(None)
    monitor = TrainingMonitor(images(4), every_n_epochs=3, patience=4,
                              on_failure="stop", collapse_threshold=0.1)
    config = monitor.get_config()
    assert "real_data" not in config
    assert TrainingMonitor(images(4), **config).get_config() == config
