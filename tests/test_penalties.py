"""Gradient penalties: exact values and second-order gradients."""

import keras
import numpy as np
import pytest
from helpers import images
from keras import layers
from keras import ops

import keras_gan
from keras_gan import penalties


class HalfSquaredNorm(layers.Layer):
    """D(x) = a / 2 * ||x||^2, with a trainable scalar a."""

    def build(self, input_shape):
        self.a = self.add_weight(shape=(), initializer="ones", name="a")

    def call(self, x):
        axes = tuple(range(1, len(x.shape)))
        return ops.expand_dims(0.5 * self.a * ops.sum(x * x, axis=axes), -1)


def zero_generator(shape=(2, 2, 1), latent_dim=2):
    z = keras.Input((latent_dim,))
    x = layers.Dense(int(np.prod(shape)), kernel_initializer="zeros")(z)
    # Linear on purpose, declared: no bounded-output warning.
    x = keras_gan.layers.OutputRange(None, None)(layers.Reshape(shape)(x))
    return keras.Model(z, x)


def run_steps(gan, x, steps):
    logs = []
    for _ in range(steps):
        h = gan.fit(x, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
        logs.append(h.history["penalty"][0])
    return logs


def test_gradient_penalty_on_linear_critic_is_exact():
    w = np.array([[0.3], [-1.2], [2.0], [0.5]], "float32")
    im = keras.Input((2, 2, 1))
    d = keras.Model(im, layers.Dense(1, use_bias=False)(layers.Flatten()(im)))
    d.set_weights([w])
    gan = keras_gan.GAN(zero_generator(), d)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                loss="wasserstein",
                penalty=penalties.GradientPenalty(weight=10.0))
    (value,) = run_steps(gan, images(8, shape=(2, 2, 1)), 1)
    expected = 10.0 * (np.linalg.norm(w) - 1.0) ** 2
    assert value == pytest.approx(expected, rel=1e-5)


def _r1_gan(penalty, lr=0.0):
    im = keras.Input((2, 2, 1))
    d = keras.Model(im, HalfSquaredNorm()(im))
    gan = keras_gan.GAN(zero_generator(), d)
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(0.0),
                loss="wasserstein", penalty=penalty)
    return gan, d


def test_r1_on_quadratic_critic_is_exact():
    gan, d = _r1_gan(penalties.R1(gamma=3.0))
    d.set_weights([np.array(1.5, "float32")])
    x = images(8, shape=(2, 2, 1))
    (value,) = run_steps(gan, x, 1)
    mean_sq = np.mean(np.sum(x.reshape(8, -1) ** 2, axis=1))
    assert value == pytest.approx(3.0 / 2 * 1.5**2 * mean_sq, rel=1e-5)


def test_r2_uses_the_fakes():
    # The generator outputs zeros: the gradient a * x of the critic is 0.
    gan, d = _r1_gan(penalties.R2(gamma=3.0))
    (value,) = run_steps(gan, images(8, shape=(2, 2, 1)), 1)
    assert value == pytest.approx(0.0, abs=1e-7)


def test_r1_second_order_gradient_reaches_the_critic():
    """SGD on a with the Wasserstein loss plus R1, by hand.

    With G(z) = 0: L(a) = -a/2 m + gamma/2 a^2 m, m = mean ||x||^2, so
    dL/da = -m/2 + gamma a m. Only a second-order gradient gives the
    gamma * a * m term.
    """
    lr, gamma, a = 0.01, 2.0, 1.5
    gan, d = _r1_gan(penalties.R1(gamma=gamma), lr=lr)
    d.set_weights([np.array(a, "float32")])
    x = images(8, shape=(2, 2, 1))
    run_steps(gan, x, 1)
    m = np.mean(np.sum(x.reshape(8, -1).astype("float64") ** 2, axis=1))
    expected = a - lr * (-m / 2 + gamma * a * m)
    got = float(ops.convert_to_numpy(d.weights[0]))
    assert got == pytest.approx(expected, rel=1e-5)


def test_lazy_regularization_applies_every_k_with_weight_k():
    gan, d = _r1_gan(penalties.R1(gamma=1.0, every=3))
    x = images(4, shape=(2, 2, 1))
    logs = run_steps(gan, x, 6)
    mean_sq = np.mean(np.sum(x.reshape(4, -1) ** 2, axis=1))
    full = 3 * 0.5 * mean_sq
    np.testing.assert_allclose(
        logs, [full, 0, 0, full, 0, 0], rtol=1e-5, atol=1e-7
    )


def test_config_round_trip_and_validation():
    for p in (penalties.GradientPenalty(5.0, every=2), penalties.R1(1.0, 16),
              penalties.R2(0.5)):
        again = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(p)
        )
        assert type(again) is type(p)
        assert again.get_config() == p.get_config()
    with pytest.raises(ValueError, match="every"):
        penalties.R1(every=0)
    with pytest.raises(ValueError, match="gamma"):
        penalties.R1(gamma=-1)


@pytest.mark.large
def test_wgan_gp_learns_a_one_dimensional_gaussian():
    """WGAN-GP with 5 critic steps per G step learns N(3, 0.5^2).

    G(z) = a z + b on 1-D z; the critic is a tanh MLP whose first-layer
    biases are spread over [-8, 8], so that its features cover the data
    range from the start. A small penalty weight (0.1) makes the optimal
    critic's slope grow with the gap between the two distributions
    (slope = 1 + gap / (2 * weight) for a linear critic), so SGD steps on G
    shrink as G approaches the target instead of overshooting it. The critic
    uses Adam(beta_1=0, beta_2=0.9) as in the WGAN-GP toy experiments.
    """
    keras.utils.set_random_seed(0)
    z = keras.Input((1,))
    g = keras.Model(z, layers.Dense(1)(z))
    x = keras.Input((1,))
    h = layers.Dense(
        64,
        activation="tanh",
        kernel_initializer=keras.initializers.RandomUniform(-1, 1),
        bias_initializer=keras.initializers.RandomUniform(-8, 8),
    )(x)
    h = layers.Dense(64, activation="tanh")(h)
    d = keras.Model(x, layers.Dense(1)(h))
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.SGD(1e-2),
        loss="wasserstein",
        d_steps=5,
        penalty=penalties.GradientPenalty(weight=0.1),
        data_range=None,  # a linear G for 1-D data around 3
    )
    rng = np.random.default_rng(0)
    data = (3.0 + 0.5 * rng.standard_normal((4096, 1))).astype("float32")
    gan.fit(data, batch_size=256, epochs=10, verbose=0)  # 160 G, 800 D steps
    assert int(gan.d_optimizer.iterations) == 5 * 160
    samples = gan.generate(8000, seed=2)
    assert abs(samples.mean() - 3.0) < 0.2, samples.mean()
    assert abs(samples.std() - 0.5) < 0.2, samples.std()


class CountingR1(penalties.R1):
    """R1 that counts how often its work runs (eager modes only)."""

    calls = 0

    def compute(self, context):
        CountingR1.calls += 1
        return super().compute(context)


@pytest.mark.parametrize("every, expected", [(1, 6), (3, 2)])
def test_lazy_penalty_does_no_work_on_the_other_steps(every, expected):
    # Eagerly every call of `compute` is one computation: a lazy penalty
    # must run on the due steps only (0 and 3 of 6), not run and be zeroed.
    CountingR1.calls = 0
    im = keras.Input((2, 2, 1))
    d = keras.Model(im, HalfSquaredNorm()(im))
    gan = keras_gan.GAN(zero_generator(), d)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                loss="wasserstein", penalty=CountingR1(1.0, every=every),
                run_eagerly=True)
    x = images(4, shape=(2, 2, 1))
    logs = run_steps(gan, x, 6)
    assert CountingR1.calls == expected
    mean_sq = np.mean(np.sum(x.reshape(4, -1) ** 2, axis=1))
    due = [i % every == 0 for i in range(6)]
    np.testing.assert_allclose(
        logs, [every * 0.5 * mean_sq if on else 0.0 for on in due],
        rtol=1e-5, atol=1e-7,
    )


def test_penalty_augment_argument_penalizes_the_augmented_critic():
    # With a deterministic augmentation x -> 2x and D(x) = a/2 ||x||^2,
    # grad_x D(2x) = 4 a x: the augmented R1 is 16x the plain one.
    x = images(4, shape=(2, 2, 1))
    values = {}
    for augment in (False, True):
        im = keras.Input((2, 2, 1))
        d = keras.Model(im, HalfSquaredNorm()(im))
        gan = keras_gan.GAN(zero_generator(), d)
        gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0),
                    loss="wasserstein",
                    penalty=penalties.R1(1.0, augment=augment),
                    augment=layers.Rescaling(2.0))
        (values[augment],) = run_steps(gan, x, 1)
    mean_sq = np.mean(np.sum(x.reshape(4, -1) ** 2, axis=1))
    assert values[False] == pytest.approx(0.5 * mean_sq, rel=1e-5)
    assert values[True] == pytest.approx(16 * values[False], rel=1e-5)


def test_gamma_schedule_is_evaluated_at_the_discriminator_step():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [1], [2.0, 0.5]
    )
    gan, d = _r1_gan(penalties.R1(gamma=schedule))
    x = images(4, shape=(2, 2, 1))
    logs = run_steps(gan, x, 3)
    mean_sq = np.mean(np.sum(x.reshape(4, -1) ** 2, axis=1))
    # Steps 0 and 1 use 2.0 (boundary 1 is inclusive), step 2 uses 0.5.
    np.testing.assert_allclose(
        logs, [mean_sq, mean_sq, 0.25 * mean_sq], rtol=1e-5
    )
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(gan.penalties[0])
    )
    assert again.get_config() == gan.penalties[0].get_config()
