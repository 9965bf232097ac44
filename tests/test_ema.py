"""Exponential moving average of the generator's weights."""

import keras
import numpy as np
import pytest
from helpers import flat
from helpers import images
from helpers import tiny_pair

import keras_gan


def _gan(decay, warmup=0):
    g, d = tiny_pair(batch_norm=False)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1),
                ema_decay=decay, ema_warmup=warmup)
    return gan, g


@pytest.mark.parametrize("warmup", [0, 2])
def test_ema_matches_the_closed_form(warmup):
    decay = 0.6
    gan, g = _gan(decay, warmup)
    x = images(8)
    weights = [flat(g.weights)]
    for _ in range(4):
        gan.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
        weights.append(flat(g.weights))
    # ema_0 = w_0; ema_t = d * ema_{t-1} + (1 - d) * w_t, and during the
    # first `warmup` G updates the average copies the weights.
    expected = weights[0]
    for t, w in enumerate(weights[1:]):
        d = 0.0 if t < warmup else decay
        expected = [d * e + (1 - d) * wi for e, wi in zip(expected, w)]
    for e, got in zip(expected, flat(gan.ema_generator.weights)):
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-7)
    assert not np.allclose(flat(g.weights)[0], expected[0])


def test_generate_uses_ema_by_default(tmp_path):
    gan, g = _gan(0.9)
    gan.fit(images(16), batch_size=8, epochs=2, verbose=0)
    z = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    with_ema = gan.generate(4, seed=0)
    without = gan.generate(4, seed=0, use_ema=False)
    assert not np.allclose(with_ema, without)
    expected = keras.ops.convert_to_numpy(gan.ema_generator(z))
    rng_z = np.random.default_rng(0).standard_normal((4, 4)).astype(
        "float32"
    )
    np.testing.assert_allclose(z, rng_z)
    np.testing.assert_allclose(with_ema, expected, rtol=1e-5, atol=1e-6)

    gan.save(tmp_path / "ema.keras")
    again = keras.saving.load_model(tmp_path / "ema.keras")
    assert again.ema_decay == 0.9
    for a, b in zip(flat(gan.ema_generator.weights),
                    flat(again.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(again.generate(4, seed=0), with_ema,
                               rtol=1e-6, atol=1e-6)


def test_ema_generator_is_a_usable_model_and_not_trained(tmp_path):
    gan, g = _gan(0.5)
    assert gan.ema_generator.trainable_weights == []
    assert all(
        not any(v is w for w in gan.ema_generator.weights)
        for v in gan.trainable_variables
    )
    gan.ema_generator.save(tmp_path / "g.keras")
    assert keras.saving.load_model(tmp_path / "g.keras").output.shape[1:] == (
        4, 4, 1)


def test_ema_validation():
    with pytest.raises(ValueError, match="ema_decay"):
        _gan(1.5)
