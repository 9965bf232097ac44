"""Small networks and data shared by the tests."""

import math

import keras
import numpy as np
from keras import layers


def tiny_pair(image_shape=(4, 4, 1), latent_dim=4, batch_norm=True):
    """A small dense generator / discriminator pair, BN in both."""
    z = keras.Input((latent_dim,))
    x = layers.Dense(8)(z)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    g = keras.Model(z, layers.Reshape(image_shape)(x), name="g")
    images = keras.Input(image_shape)
    x = layers.Flatten()(images)
    x = layers.Dense(8)(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    d = keras.Model(images, layers.Dense(1)(x), name="d")
    return g, d


def linear_pair():
    """G(z) = a z + b on 1-D z, D(x) = w x + c on 1-D x."""
    z = keras.Input((1,))
    g = keras.Model(z, layers.Dense(1)(z), name="g")
    x = keras.Input((1,))
    d = keras.Model(x, layers.Dense(1)(x), name="d")
    return g, d


def images(n=32, shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.standard_normal((n, *shape))).astype("float32")


def flat(weights):
    return [np.array(keras.ops.convert_to_numpy(w)) for w in weights]


def assert_weights_untouched(model, fn):
    """Runs `fn` and checks that no weight of `model` changed, bitwise."""
    before = flat(model.weights)
    fn()
    for a, b in zip(before, flat(model.weights)):
        np.testing.assert_array_equal(a, b)


def np_(x):
    """A backend tensor (or array) as a numpy array."""
    return np.asarray(keras.ops.convert_to_numpy(x))


def latents(n=4, dim=8, seed=0):
    """`n` standard-normal latent vectors of size `dim`, as float32."""
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(
        "float32"
    )
