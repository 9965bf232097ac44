"""DCGAN: strided (transposed) convolutions with batch normalization."""

import math

import keras
from keras import layers

from keras_gan.models import _conditioning
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def dcgan(
    image_shape=(64, 64, 3), latent_dim=100, filters=64, num_classes=None
):
    """The DCGAN architecture (Radford et al. 2016) for square images.

    Generator: `z` -> Dense to a 4x4 map with `filters * 2**(n-1)` channels,
    then `n = log2(size / 4)` stride-2 transposed convolutions (kernel 4)
    halving the channels, each with batch normalization and ReLU, the last
    one producing the image channels with tanh. Discriminator: the mirror,
    stride-2 convolutions with LeakyReLU(0.2) (batch normalization on all but
    the first), then one logit.

    Args:
        image_shape: tuple `(size, size, channels)`, size a power of two from
            8 to 128 and 1 or 3 channels. Defaults to (64, 64, 3).
        latent_dim: int, size of `z`. Defaults to 100.
        filters: int, the width of the widest layer next to the image.
            Defaults to 64.
        num_classes: int or None; when given, a conditional pair: the
            label's embedding is concatenated to z in G, and appended as one
            extra image channel in D.

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models.

    Examples:

    >>> g, d = dcgan(image_shape=(16, 16, 3), latent_dim=32, filters=8)
    >>> g.output.shape, d.output.shape
    ((None, 16, 16, 3), (None, 1))

    Reference: Radford et al., "Unsupervised Representation Learning with
    Deep Convolutional Generative Adversarial Networks", 2016.
    """
    size, _, channels = _conditioning.check_image_shape(
        image_shape, min_size=8, power_of_two=True, max_size=128,
        builder="dcgan",
    )
    n = int(math.log2(size)) - 2
    widths = [filters * 2**i for i in reversed(range(n))]

    g_inputs, x = _conditioning.latent_inputs(latent_dim, num_classes)
    x = layers.Dense(4 * 4 * widths[0], use_bias=False)(x)
    x = layers.Reshape((4, 4, widths[0]))(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for width in widths[1:]:
        x = layers.Conv2DTranspose(
            width, 4, strides=2, padding="same", use_bias=False
        )(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    images = layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation="tanh"
    )(x)
    generator = keras.Model(g_inputs, images, name="generator")

    d_inputs, x = _conditioning.image_inputs(tuple(image_shape), num_classes)
    for i, width in enumerate(reversed(widths)):
        x = layers.Conv2D(
            width, 4, strides=2, padding="same", use_bias=(i == 0)
        )(x)
        if i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logits = layers.Dense(1)(x)
    discriminator = keras.Model(d_inputs, logits, name="discriminator")
    return generator, discriminator
