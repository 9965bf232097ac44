"""DCGAN: strided (transposed) convolutions with batch normalization."""

import keras
from keras import layers

from keras_gan.models import _conditioning
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def dcgan(
    image_shape=(64, 64, 3), latent_dim=100, filters=64, num_classes=None
):
    """The DCGAN architecture (Radford et al. 2016), for any image size.

    Generator: `z` -> Dense to a small base map with `filters * 2**(n-1)`
    channels, then `n` stride-2 transposed convolutions (kernel 4) halving
    the channels, each with batch normalization and ReLU, the last one
    producing the image channels with tanh. Discriminator: the mirror,
    stride-2 convolutions with LeakyReLU(0.2) (batch normalization on all but
    the first), then one logit.

    Any resolution: for an `h x w` image, `n` is chosen from the smaller
    side so that its base side is 4 to 8 (`n = log2(size / 4)` for a
    power-of-two square), the base map is `ceil(h / 2**n) x ceil(w / 2**n)`,
    and the generator center-crops its last map to `h x w`
    (`Cropping2D`, named "crop"); the discriminator zero-pads its input by
    the same margins (`ZeroPadding2D`, "pad"). Square power-of-two images
    need neither: 28x28 grows from 7x7, 25x25 from 7x7 (28x28 cropped),
    48x80 from 6x10.

    Args:
        image_shape: tuple `(height, width, channels)`, both sides from 8
            to 128 and 1 to 4 channels. Defaults to (64, 64, 3).
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
    >>> g, d = dcgan(image_shape=(28, 28, 1), latent_dim=32, filters=8)
    >>> g.output.shape, d.input.shape  # grown from 7x7
    ((None, 28, 28, 1), (None, 28, 28, 1))

    Reference: Radford et al., "Unsupervised Representation Learning with
    Deep Convolutional Generative Adversarial Networks", 2016.
    """
    image_shape = _conditioning.check_image_shape(
        image_shape, builder="dcgan", min_size=8, max_size=128,
        max_channels=4,
    )
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    filters = validation.positive_int("filters", filters)
    num_classes = validation.positive_int(
        "num_classes", num_classes, allow_none=True
    )
    height, width, channels = image_shape
    grid = _conditioning.Grid(height, width)
    widths = [filters * 2**i for i in reversed(range(grid.levels))]

    g_inputs, x = _conditioning.latent_inputs(latent_dim, num_classes)
    x = layers.Dense(grid.base_h * grid.base_w * widths[0], use_bias=False)(x)
    x = layers.Reshape((grid.base_h, grid.base_w, widths[0]))(x)
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
    images = grid.crop(images)
    generator = keras.Model(g_inputs, images, name="generator")

    d_inputs, x = _conditioning.image_inputs(image_shape, num_classes)
    x = grid.pad(x)
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
