"""The classic fully connected GAN."""

import math

import keras
from keras import layers

from keras_gan.models import _conditioning
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def mlp(image_shape=(28, 28, 1), latent_dim=100, num_classes=None):
    """The classic dense GAN (Goodfellow et al. 2014, as in most tutorials).

    Generator: Dense 256-512-1024, each with LeakyReLU(0.2) and batch
    normalization, then a tanh Dense reshaped to `image_shape`.
    Discriminator: Flatten, Dense 1024-512-256 with LeakyReLU(0.2), one
    logit.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            (28, 28, 1).
        latent_dim: int, size of `z`. Defaults to 100.
        num_classes: int or None; when given, both networks take labels
            (embedding concatenated to z in G, an embedding channel in D).

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models.

    Examples:

    >>> g, d = mlp(image_shape=(8, 8, 1), latent_dim=16)
    >>> g.output.shape, d.output.shape
    ((None, 8, 8, 1), (None, 1))
    """
    image_shape = _conditioning.check_image_shape(image_shape, builder="mlp")
    g_inputs, x = _conditioning.latent_inputs(latent_dim, num_classes)
    for units in (256, 512, 1024):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    images = layers.Reshape(image_shape)(x)
    generator = keras.Model(g_inputs, images, name="generator")

    d_inputs, x = _conditioning.image_inputs(image_shape, num_classes)
    x = layers.Flatten()(x)
    for units in (1024, 512, 256):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1)(x)
    discriminator = keras.Model(d_inputs, logits, name="discriminator")
    return generator, discriminator
