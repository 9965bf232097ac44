"""Top-k generator training, APA, EMA in kimg, standing batch statistics."""

import keras
import numpy as np
import pytest
from helpers import flat
from helpers import images
from helpers import linear_pair
from helpers import tiny_pair
from keras import ops

import keras_gan
from keras_gan import augment
from keras_gan import topk
from keras_gan.training import networks


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _linear_gan(seed=11, **options):
    g, d = linear_pair()
    a, b, w, c = 0.7, -0.2, 1.3, 0.1
    g.set_weights([np.array([[a]]), np.array([b])])
    d.set_weights([np.array([[w]]), np.array([c])])
    gan = keras_gan.GAN(g, d, seed=seed)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1),
                **options)
    return gan, (a, b, w, c)


def _latents(seed, n):
    # The GAN draws D's latents, then G's, from SeedGenerator(seed).
    sg = keras.random.SeedGenerator(seed)
    z1 = ops.convert_to_numpy(keras.random.normal((n, 1), seed=sg))
    z2 = ops.convert_to_numpy(keras.random.normal((n, 1), seed=sg))
    return z1.astype("float64").ravel(), z2.astype("float64").ravel()


def _weights(net):
    return [float(v.ravel()[0]) for v in net.get_weights()]


X = np.array([[0.5], [1.5], [-0.3], [2.0]], "float32")


def _d_update(x, fake, w, c, lr=0.1):
    r, f = w * x + c, w * fake + c
    dw = np.mean(-sigmoid(-r) * x) + np.mean(sigmoid(f) * fake)
    dc = np.mean(-sigmoid(-r)) + np.mean(sigmoid(f))
    return w - lr * dw, c - lr * dc


@pytest.mark.parametrize("fraction", [0.5, 0.25])
def test_top_k_gradient_comes_from_the_best_scored_fakes(fraction):
    gan, (a, b, w, c) = _linear_gan(top_k=fraction)
    gan.fit(X, batch_size=4, epochs=1, shuffle=False, verbose=0)
    x = X.astype("float64").ravel()
    z1, z2 = _latents(11, 4)
    w, c = _d_update(x, a * z1 + b, w, c)
    # G: non-saturating loss over the k fakes D (updated) scores highest.
    f2 = w * (a * z2 + b) + c
    k = int(4 * fraction)
    top = np.argsort(-f2)[:k]
    da = np.mean(-sigmoid(-f2[top]) * w * z2[top])
    db = np.mean(-sigmoid(-f2[top]) * w)
    np.testing.assert_allclose(_weights(gan.generator),
                               [a - 0.1 * da, b - 0.1 * db], rtol=1e-5)
    if k < 4:  # the full-batch update differs: the selection matters
        full = np.mean(-sigmoid(-f2) * w * z2)
        assert abs(full - da) > 1e-3


def test_top_k_schedule_and_mask():
    schedule = keras_gan.TopK(start=0.9, decay=0.5, minimum=0.2,
                              decay_steps=3)
    got = [float(schedule.k(t, 10)) for t in range(10)]
    # fraction 0.9, 0.45, 0.225, then the floor 0.2; k = floor(10 f)
    assert got == [9, 9, 9, 4, 4, 4, 2, 2, 2, 2]
    loss = ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    scores = ops.convert_to_tensor([[3.0], [1.0], [4.0], [1.5], [9.0]])
    assert float(topk.top_k_mean(loss, scores, 1)) == 5.0
    assert float(topk.top_k_mean(loss, scores, 3)) == pytest.approx(3.0)
    assert float(topk.top_k_mean(loss, scores, 5)) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="minimum"):
        keras_gan.TopK(start=0.5, minimum=0.7)
    with pytest.raises(ValueError, match="top_k"):
        topk.get(1.5)


def test_top_k_refuses_a_loss_without_per_sample_values():
    class Plain(keras_gan.losses.AdversarialLoss):
        def discriminator_loss(self, r, f, rl=None, fl=None):
            return ops.mean(f) - ops.mean(r)

        def generator_loss(self, r, f, rl=None, fl=None):
            return -ops.mean(f)

    g, d = linear_pair()
    with pytest.raises(ValueError, match="generator_loss_per_sample"):
        keras_gan.GAN(g, d).compile(loss=Plain(), top_k=0.5)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_apa_replaces_reals_by_fakes_with_probability_p(p):
    # interval 1000: p does not move during the step.
    apa = augment.AdaptivePseudoAugment(initial_p=p, interval=1000, seed=0)
    gan, (a, b, w, c) = _linear_gan(augment=apa)
    gan.fit(X, batch_size=4, epochs=1, shuffle=False, verbose=0)
    x = X.astype("float64").ravel()
    z1, _ = _latents(11, 4)
    fake = a * z1 + b
    # p = 0: D's batch is untouched; p = 1: every real is the fake.
    w, c = _d_update(fake if p else x, fake, w, c)
    np.testing.assert_allclose(_weights(gan.discriminator), [w, c],
                               rtol=1e-5)


def test_apa_pseudo_augment_and_labels():
    real, fake = ops.zeros((64, 2, 2, 1)), ops.ones((64, 2, 2, 1))
    labels, f_labels = ops.zeros((64,), "int32"), ops.ones((64,), "int32")
    apa = augment.AdaptivePseudoAugment(initial_p=0.5, seed=1)
    mixed, mixed_labels = apa.pseudo_augment(real, fake, labels, f_labels)
    mixed = ops.convert_to_numpy(mixed)
    swapped = mixed.reshape(64, -1).max(axis=1)
    assert set(np.unique(mixed)) == {0.0, 1.0}
    assert 10 < swapped.sum() < 54  # about half, per sample
    np.testing.assert_array_equal(ops.convert_to_numpy(mixed_labels),
                                  swapped.astype("int32"))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(apa(real, training=True)), 0.0)  # no policy


def test_apa_p_rises_when_d_overfits_and_falls_otherwise():
    apa = augment.AdaptivePseudoAugment(interval=2, speed=0.1)
    confident = ops.ones((8, 1))
    ps = [float(apa.update(confident)) for _ in range(4)]
    np.testing.assert_allclose(ps, [0.0, 0.1, 0.1, 0.2], atol=1e-6)
    unsure = -ops.ones((8, 1))
    ps = [float(apa.update(unsure)) for _ in range(4)]
    np.testing.assert_allclose(ps, [0.2, 0.1, 0.1, 0.0], atol=1e-6)
    # r_t = 0.5 < target 0.6: p goes down (clipped at 0)
    half = ops.convert_to_tensor([[1.0]] * 3 + [[-1.0]])
    assert float(apa.update(half)) == 0.0 and float(apa.update(half)) == 0.0


def _ema_gan(**options):
    g, d = tiny_pair(batch_norm=False)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1),
                **options)
    return gan, g


@pytest.mark.parametrize("rampup", [None, 0.5])
def test_ema_kimg_matches_the_closed_form(rampup):
    kimg, batch = 0.016, 8  # a half-life of 16 images, two batches
    gan, g = _ema_gan(ema_kimg=kimg, ema_rampup=rampup)
    x = images(8)
    weights = [flat(g.weights)]
    for _ in range(4):
        gan.fit(x, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        weights.append(flat(g.weights))
    expected = weights[0]
    for t, w in enumerate(weights[1:]):
        nimg = kimg * 1000
        if rampup is not None:  # t * batch images before this update
            nimg = min(nimg, t * batch * rampup)
        beta = 0.5 ** (batch / nimg) if nimg > 0 else 0.0
        expected = [beta * e + (1 - beta) * wi for e, wi in zip(expected, w)]
    if rampup is None:
        assert 0.5 ** (batch / 16) == pytest.approx(0.70710678)
    for e, got in zip(expected, flat(gan.ema_generator.weights)):
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-7)


def test_ema_options_are_checked():
    g, d = tiny_pair(batch_norm=False)
    gan = keras_gan.GAN(g, d)
    with pytest.raises(ValueError, match="not both"):
        gan.compile(ema_decay=0.99, ema_kimg=10)
    with pytest.raises(ValueError, match="ema_rampup"):
        gan.compile(ema_rampup=0.05)
    with pytest.raises(ValueError, match="ema_kimg"):
        gan.compile(ema_kimg=-1)


def test_compile_config_round_trip(tmp_path):
    g, d = tiny_pair(batch_norm=False)
    gan = keras_gan.GAN(g, d, seed=0)
    schedule = keras_gan.TopK(start=1.0, decay=0.99, minimum=0.75,
                              decay_steps=7)
    apa = augment.AdaptivePseudoAugment(policy="translation", target=0.7,
                                        interval=1, speed=0.25, seed=0)
    gan.compile(top_k=schedule, ema_kimg=2.5, ema_rampup=0.05, augment=apa)
    config = gan.get_compile_config()
    assert config["ema_kimg"] == 2.5 and config["ema_rampup"] == 0.05
    other = keras_gan.GAN(*tiny_pair(batch_norm=False))
    other.compile_from_config(config)
    assert other.top_k.get_config() == schedule.get_config()
    assert other.augment.target == 0.7
    again = other.get_compile_config()
    for key in ("top_k", "ema_kimg", "ema_rampup", "ema_decay", "augment"):
        assert again[key] == config[key], key
    history = gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    # Two adjustments of 0.25 from 0, averaged over the two steps.
    assert history.history["augment_p"][0] in (0.0, 0.125, 0.25, 0.375)
    gan.save(tmp_path / "gan.keras")
    again = keras.saving.load_model(tmp_path / "gan.keras")
    assert (again.ema_kimg, again.ema_rampup) == (2.5, 0.05)
    assert again.top_k.decay_steps == 7 and again.ema_decay is None
    assert isinstance(again.augment, augment.AdaptivePseudoAugment)
    assert again.augment.policy == "translation"
    assert float(again.augment.p) == pytest.approx(float(apa.p))


def test_recompute_batch_stats_is_the_mean_of_the_batch_moments():
    z = keras.Input((3,))
    dense = keras.layers.Dense(2)
    bn = keras.layers.BatchNormalization()
    g = keras.Model(z, keras_gan.layers.OutputRange(None, None)(
        keras.layers.Reshape((1, 2, 1))(bn(dense(z)))
    ))
    x = keras.Input((1, 2, 1))
    d = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    gan = keras_gan.GAN(g, d)
    gan.compile(ema_decay=0.9)
    assert networks.recompute_batch_stats(
        gan, num_batches=3, batch_size=5, seed=4) == 1
    kernel, bias = (np.asarray(v, "float64") for v in dense.get_weights())
    rng = np.random.default_rng(4)
    h = [rng.standard_normal((5, 3)).astype("float32") @ kernel + bias
         for _ in range(3)]
    ema_bn = networks.batch_norm_layers(gan.ema_generator)[0]
    mean = ops.convert_to_numpy(ema_bn.moving_mean)
    var = ops.convert_to_numpy(ema_bn.moving_variance)
    np.testing.assert_allclose(mean, np.mean([b.mean(0) for b in h], 0),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(var, np.mean([b.var(0) for b in h], 0),
                               rtol=1e-4, atol=1e-6)
    # The raw generator's statistics and the layers' settings are kept.
    np.testing.assert_array_equal(ops.convert_to_numpy(bn.moving_mean), 0.0)
    assert not ema_bn.trainable and ema_bn.momentum == bn.momentum
