"""LeCam, bCR and zCR: exact values, anchors through fit, G's term, saving."""

import keras
import numpy as np
import pytest
from helpers import images
from keras import layers
from keras import ops

import keras_gan
from keras_gan import penalties
from keras_gan.layers import OutputRange
from keras_gan.training import step

SHAPE = (2, 2, 1)
W = np.array([[0.3], [-1.2], [2.0], [0.5]], "float32")


def linear_critic():
    """D(x) = w . flatten(x), no bias."""
    im = keras.Input(SHAPE)
    d = keras.Model(im, layers.Dense(1, use_bias=False)(layers.Flatten()(im)))
    d.set_weights([W])
    return d


def linear_generator(kernel=None, bias=0.0, latent_dim=2):
    """G(z) = reshape(z K + b)."""
    z = keras.Input((latent_dim,))
    dense = layers.Dense(4)
    # Linear on purpose: it says so (no compile warning).
    g = keras.Model(z, OutputRange(None, None)(layers.Reshape(SHAPE)(dense(z))))
    if kernel is None:
        kernel = np.zeros((latent_dim, 4), "float32")
    dense.set_weights([kernel, np.full((4,), bias, "float32")])
    return g


def logits(x):
    return x.reshape(len(x), -1).astype("float64") @ W.astype("float64")


def debiased_ema(means, decay):
    biased, out = 0.0, []
    for t, m in enumerate(means, 1):
        biased = decay * biased + (1 - decay) * m
        out.append(biased / (1 - decay**t))
    return out


def numpy_of(variable):
    return float(ops.convert_to_numpy(variable))


def test_lecam_anchors_follow_an_ema_through_fit_and_are_saved(tmp_path):
    # Nothing trains (SGD(0)): D's logits on each real batch are w . x and
    # on the constant fakes (G = 0.25 everywhere) sum(w) / 4.
    weight, decay, batch = 0.7, 0.6, 3
    x = images(9, shape=SHAPE)
    gan = keras_gan.GAN(linear_generator(bias=0.25), linear_critic(), seed=0)
    lecam = penalties.LeCam(weight=weight, decay=decay)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                loss="wasserstein", penalty=lecam)
    history = gan.fit(x, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    real = logits(x).reshape(3, batch)
    fake = 0.25 * W.sum()
    alpha_r = debiased_ema(real.mean(axis=1), decay)
    alpha_f = debiased_ema([fake] * 3, decay)
    values = [
        weight * (np.mean(np.maximum(r - a_f, 0) ** 2)
                  + np.maximum(a_r - fake, 0) ** 2)
        for r, a_r, a_f in zip(real, alpha_r, alpha_f)
    ]
    assert history.history["penalty"][0] == pytest.approx(
        np.mean(values), rel=1e-5
    )
    anchors = lecam.anchors
    assert numpy_of(anchors.real_anchor) == pytest.approx(alpha_r[-1], 1e-5)
    assert numpy_of(anchors.fake_anchor) == pytest.approx(fake, rel=1e-5)
    assert int(ops.convert_to_numpy(anchors.updates)) == 3
    # The anchors are the GAN's non-trainable state and saved with it.
    assert any(v is anchors.real_anchor for v in gan.non_trainable_variables)
    gan.save(tmp_path / "lecam.keras")
    again = keras.saving.load_model(tmp_path / "lecam.keras")
    (loaded,) = again.penalties
    assert isinstance(loaded, penalties.LeCam)
    assert loaded.get_config() == lecam.get_config()
    assert numpy_of(loaded.anchors.real_anchor) == pytest.approx(
        alpha_r[-1], rel=1e-6
    )
    assert int(ops.convert_to_numpy(loaded.anchors.updates)) == 3
    # The loaded anchors are the loaded GAN's state (carried by its step).
    assert any(
        v is loaded.anchors.real_anchor for v in again.non_trainable_variables
    )


def test_lecam_lazy_updates_its_anchors_on_due_steps_only():
    x = images(8, shape=SHAPE)
    gan = keras_gan.GAN(linear_generator(bias=0.25), linear_critic(), seed=0)
    lecam = penalties.LeCam(weight=1.0, decay=0.5, every=3)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                loss="wasserstein", penalty=lecam)
    gan.fit(x, batch_size=2, epochs=1, shuffle=False, verbose=0)  # 4 steps
    assert int(ops.convert_to_numpy(lecam.anchors.updates)) == 2  # 0 and 3
    real = logits(x).reshape(4, 2).mean(axis=1)
    expected = debiased_ema([real[0], real[3]], 0.5)[-1]
    assert numpy_of(lecam.anchors.real_anchor) == pytest.approx(
        expected, rel=1e-5
    )


def _context(real, fake, critic, **kwargs):
    return penalties.PenaltyContext(
        real=real, fake=fake, real_labels=None, fake_labels=None,
        real_logits=critic(real), fake_logits=critic(fake),
        critic=lambda im, lab, augment=False: critic(im),
        input_gradients=None, seed_generator=kwargs.pop("seed", None),
        step=ops.zeros((), "int32"), **kwargs,
    )


def test_balanced_consistency_closed_form():
    d = linear_critic()
    real = ops.convert_to_tensor(images(4, shape=SHAPE))
    fake = ops.convert_to_tensor(images(4, shape=SHAPE, seed=1))
    context = _context(real, fake, d)
    identity = penalties.BalancedConsistency(augment=lambda x: x)
    assert numpy_of(identity.compute(context)) == pytest.approx(0.0, abs=1e-7)
    # T(x) = x + 1 moves every logit by sum(w).
    shift = penalties.BalancedConsistency(
        weight_real=3.0, weight_fake=0.5, augment=lambda x: x + 1.0
    )
    assert numpy_of(shift.compute(context)) == pytest.approx(
        3.5 * W.sum() ** 2, rel=1e-5
    )


def test_latent_consistency_terms_closed_form():
    kernel = np.arange(8, dtype="float32").reshape(2, 4) / 8 - 0.4
    g = linear_generator(kernel, bias=0.1)
    d = linear_critic()
    z = keras.random.normal((6, 2), seed=3)
    noise = ops.convert_to_numpy(
        keras.random.normal((6, 2), seed=keras.random.SeedGenerator(5))
    ).astype("float64")
    zcr = penalties.LatentConsistency(weight_d=2.0, weight_g=0.5, sigma=0.1)
    moved = 0.1 * noise @ kernel.astype("float64")  # G(z') - G(z)
    context = _context(
        g(z), g(z), d, latents=z, generator=lambda z, lab: g(z),
        seed=keras.random.SeedGenerator(5),
    )
    expected_d = 2.0 * np.mean((moved @ W.astype("float64")) ** 2)
    assert numpy_of(zcr.compute(context)) == pytest.approx(expected_d, rel=1e-4)
    g_context = penalties.GeneratorContext(
        latents=z, fake=g(z), fake_labels=None, fake_logits=d(g(z)),
        generator=lambda z, lab: g(z), critic=None,
        seed_generator=keras.random.SeedGenerator(5), step=0,
    )
    expected_g = -0.5 * np.mean(moved**2)
    assert numpy_of(zcr.generator_term(g_context)) == pytest.approx(
        expected_g, rel=1e-4
    )


def _zcr_gan(weight_d, weight_g, g_lr, every=1):
    kernel = np.arange(8, dtype="float32").reshape(2, 4) / 8 - 0.4
    g = linear_generator(kernel)
    gan = keras_gan.GAN(g, linear_critic(), seed=0)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(g_lr),
                loss="wasserstein",
                penalty=penalties.LatentConsistency(weight_d, weight_g,
                                                    sigma=0.5, every=every))
    return gan, g, kernel


def test_latent_consistency_terms_reach_the_right_network():
    """D's term leaves G alone; G's term reaches G's gradient, exactly.

    G's term T(K) = -c ||sigma N K||^2 is quadratic in G's kernel K, so
    <grad T, K> = 2 T and the change of K that the term causes in one SGD
    step, -lr grad T, satisfies <dK, K> = -2 lr T (T: the logged
    `g_penalty`). Runs with the same seed draw the same latents and noise,
    and D does not train (SGD(0)), so differences between runs isolate a
    term.
    """
    x = images(8, shape=SHAPE)
    kernels, logs = {}, {}
    for weights in ((0.0, 0.0), (50.0, 0.0), (50.0, 2.0)):
        gan, g, kernel = _zcr_gan(*weights, g_lr=0.1)
        h = gan.fit(x, batch_size=8, epochs=1, verbose=0)
        kernels[weights] = ops.convert_to_numpy(g.weights[0])
        logs[weights] = {k: v[0] for k, v in h.history.items()}
    # D's term: in D's loss, not in G's update.
    assert logs[50.0, 0.0]["penalty"] > 0 and logs[0.0, 0.0]["penalty"] == 0
    assert not np.allclose(kernels[0.0, 0.0], kernel)  # G did train
    np.testing.assert_array_equal(kernels[50.0, 0.0], kernels[0.0, 0.0])
    # G's term: in G's loss and in G's update.
    term = logs[50.0, 2.0]["g_penalty"]
    assert term < 0 and logs[50.0, 0.0]["g_penalty"] == 0.0
    assert logs[50.0, 2.0]["g_loss"] - logs[50.0, 0.0]["g_loss"] == (
        pytest.approx(term, rel=1e-4)
    )
    change = (kernels[50.0, 2.0] - kernels[50.0, 0.0]).astype("float64")
    assert np.sum(change * kernel) == pytest.approx(-2 * 0.1 * term, rel=1e-3)


def test_latent_consistency_lazy_generator_term():
    gan, _, _ = _zcr_gan(1.0, 1.0, g_lr=0.0, every=2)
    x = images(4, shape=SHAPE)
    histories = [
        gan.fit(x, batch_size=4, epochs=1, verbose=0).history
        for _ in range(3)
    ]
    assert sorted(histories[0]) == sorted(
        step.log_names(gan.penalties, gan.augment)
    )
    terms = [h["g_penalty"][0] for h in histories]
    assert terms[0] < 0 and terms[1] == 0.0 and terms[2] < 0


def test_balanced_consistency_trains_and_round_trips(tmp_path):
    bcr = penalties.BalancedConsistency(
        5.0, 1.0, augment=keras_gan.augment.DiffAugment("translation", seed=1)
    )
    g, d = linear_generator(bias=0.25), linear_critic()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(loss="non_saturating", penalty=[bcr, penalties.R1(1.0)])
    state = ops.convert_to_numpy(bcr.augment.seed_generator.state).copy()
    h = gan.fit(images(8, shape=SHAPE), batch_size=4, epochs=1, verbose=0)
    assert h.history["penalty"][0] > 0
    # The augmentation's seed state is carried by the step (JAX included).
    assert not np.array_equal(
        ops.convert_to_numpy(bcr.augment.seed_generator.state), state
    )
    gan.save(tmp_path / "bcr.keras")
    again = keras.saving.load_model(tmp_path / "bcr.keras")
    loaded = again.penalties[0]
    assert isinstance(loaded, penalties.BalancedConsistency)
    assert loaded.weight_real == 5.0 and loaded.augment.policy == "translation"
    assert isinstance(again.penalties[1], penalties.R1)


def test_configs_round_trip_and_validation():
    for p in (penalties.LeCam(0.5, decay=0.9, every=2),
              penalties.BalancedConsistency(2.0, 3.0),
              penalties.LatentConsistency(1.0, 0.2, sigma=0.1, every=4)):
        again = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(p)
        )
        assert type(again) is type(p)
        assert again.get_config() == p.get_config()
    bad = [
        (lambda: penalties.LeCam(decay=1.0), "decay"),
        (lambda: penalties.LeCam(weight=-1), "weight"),
        (lambda: penalties.BalancedConsistency(augment=3), "augment"),
        (lambda: penalties.BalancedConsistency(weight_fake=-2), "weight_fake"),
        (lambda: penalties.LatentConsistency(sigma=0), "sigma"),
        (lambda: penalties.LatentConsistency(every=0), "every"),
    ]
    for make, name in bad:
        with pytest.raises(ValueError, match=f"`{name}`.*Received"):
            make()
