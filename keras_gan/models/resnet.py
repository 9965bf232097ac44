"""SNGAN / BigGAN-lite: residual networks with spectral normalization."""

import keras
from keras import layers

from keras_gan.layers import ProjectionHead
from keras_gan.layers import ResidualBlock
from keras_gan.layers import SelfAttention
from keras_gan.models import _conditioning
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_FORMAT = "channels_last"
# Width multipliers stop growing at 16x `filters` (BigGAN's widest layer).
_MAX_MULTIPLIER = 16


def _check_attention(attention, grid):
    if attention is None or attention is False:
        return None
    # Feature maps of both networks exist at every height but the image's.
    valid = grid.heights()[:-1]
    if isinstance(attention, bool) or attention not in valid:
        raise ValueError(
            "`attention` should be False or the height of the feature map "
            f"at which to add self-attention, one of {valid} for "
            f"{grid.height}x{grid.width} images. "
            f"Received: `attention={attention!r}`"
        )
    return int(attention)


def _sn(layer, spectral_norm):
    if spectral_norm:
        return layers.SpectralNormalization(layer, name=f"{layer.name}_sn")
    return layer


@keras_gan_export
def resnet(
    image_shape=(32, 32, 3),
    latent_dim=128,
    filters=64,
    num_classes=None,
    attention=False,
    spectral_norm=True,
):
    """The SNGAN / BigGAN-lite residual architecture, for any image size.

    Generator: `z` -> Dense to a 4x4 map (a small base map in general, see
    below), then one `ResidualBlock` with
    `resample="up"` and batch norm per doubling of the resolution, then
    batch norm, ReLU, a 3x3 convolution and tanh. Discriminator: SNGAN's
    "optimized" first block (conv, ReLU, conv, average pooling, with a
    pooled 1x1 shortcut: no activation on the raw image), `ResidualBlock`s
    with `resample="down"` down to the base map and one more there, then ReLU, a
    sum over positions and a Dense to one logit. Spectral normalization
    (Keras's `SpectralNormalization`) wraps every convolution and dense
    layer of the discriminator; the generator relies on batch norm, as in
    SNGAN. Widths follow BigGAN: the generator's map at resolution `r` has
    `filters * min(16, size // r)` channels, the discriminator doubles
    `filters` at each halving.

    With `num_classes`, the generator takes `[z, labels]` and its blocks
    use `ConditionalBatchNormalization` (a per-class scale and offset,
    initialized to 1 and 0, so the label takes effect as training moves
    them apart); the discriminator takes `[images, labels]` and ends in a
    `ProjectionHead`: `D(x, y) = psi(h) + <embed(y), h>` on the pooled
    features `h` (projection discriminator). With `attention=r`, a
    `SelfAttention` layer follows the `r x r` feature map in both networks
    (SAGAN).

    Any resolution: for an `h x w` image, the number of doublings `n` is
    chosen from the smaller side so that its base side is 4 to 8; the
    generator's base map is `ceil(h / 2**n) x ceil(w / 2**n)` and its last
    map is center-cropped to `h x w` (`Cropping2D`, named "crop"); the
    discriminator zero-pads its input by the same margins
    (`ZeroPadding2D`, "pad") and its sum pool runs over the base map.
    Square power-of-two images need neither (a 4x4 base); 28x28 grows from
    7x7, 48x80 from 6x10. Block names and `attention` use feature-map
    heights (for 28x28 images: 7, 14, 28).

    Args:
        image_shape: tuple `(height, width, channels)`, both sides from 8
            to 256 and 1 to 4 channels. Defaults to (32, 32, 3).
        latent_dim: int, size of `z`. Defaults to 128.
        filters: int, the base width: the channels of the generator's last
            block and the discriminator's first. Defaults to 64.
        num_classes: int or None; when given, a class-conditional pair
            (conditional batch norm in G, projection head in D).
        attention: False, or the height of the feature maps followed by
            self-attention in both networks (4 to size / 2 for a
            power-of-two square; any map but the image-sized one).
            Defaults to False.
        spectral_norm: bool, whether to spectrally normalize the
            discriminator's layers (including its attention and projection
            head). Defaults to True.

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models.

    Examples:

    >>> g, d = resnet(image_shape=(16, 16, 3), latent_dim=16, filters=4,
    ...               num_classes=10, attention=8)
    >>> g.output.shape, d.output.shape
    ((None, 16, 16, 3), (None, 1))
    >>> g.get_layer("attention").output.shape  # SAGAN at 8x8
    (None, 8, 8, 8)

    Reference: Miyato et al., "Spectral Normalization for Generative
    Adversarial Networks", 2018; Miyato & Koyama, "cGANs with Projection
    Discriminator", 2018; Zhang et al., "Self-Attention Generative
    Adversarial Networks", 2019; Brock et al., "Large Scale GAN Training
    for High Fidelity Natural Image Synthesis", 2019.
    """
    image_shape = _conditioning.check_image_shape(
        image_shape, builder="resnet", min_size=8, max_size=256,
        max_channels=4,
    )
    grid = _conditioning.Grid(image_shape[0], image_shape[1])
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    filters = validation.positive_int("filters", filters)
    if num_classes is not None:
        num_classes = validation.positive_int("num_classes", num_classes)
    attention = _check_attention(attention, grid)
    spectral_norm = validation.check_bool("spectral_norm", spectral_norm)
    generator = _generator(
        image_shape, grid, latent_dim, filters, num_classes, attention
    )
    discriminator = _discriminator(
        image_shape, grid, filters, num_classes, attention, spectral_norm
    )
    return generator, discriminator


def _generator(image_shape, grid, latent_dim, filters, num_classes,
               attention):
    channels = image_shape[2]
    size = grid.padded_h

    def width(resolution):
        return filters * min(_MAX_MULTIPLIER, size // resolution)

    z = keras.Input((latent_dim,), name="z")
    inputs = z
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
    resolution = grid.base_h
    x = layers.Dense(
        grid.base_h * grid.base_w * width(resolution), name="dense"
    )(z)
    x = layers.Reshape((grid.base_h, grid.base_w, width(resolution)))(x)
    while True:
        if resolution == attention:
            x = SelfAttention(data_format=_FORMAT, name="attention")(x)
        if resolution == size:
            break
        resolution *= 2
        block = ResidualBlock(
            width(resolution),
            resample="up",
            norm="batch",
            num_classes=num_classes,
            data_format=_FORMAT,
            name=f"block_{resolution}",
        )
        x = block(x if num_classes is None else [x, labels])
    x = layers.BatchNormalization(name="output_norm")(x)
    x = layers.ReLU()(x)
    images = layers.Conv2D(
        channels, 3, padding="same", activation="tanh", name="output_conv"
    )(x)
    images = grid.crop(images)
    return keras.Model(inputs, images, name="generator")


def _discriminator(image_shape, grid, filters, num_classes, attention,
                   spectral_norm):
    size = grid.padded_h
    images = keras.Input(image_shape, name="images")
    inputs = images
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [images, labels]

    def conv(units, kernel_size, name):
        return _sn(
            layers.Conv2D(units, kernel_size, padding="same", name=name),
            spectral_norm,
        )

    padded = grid.pad(images)
    # SNGAN's "optimized block": the raw image gets no activation first.
    h = conv(filters, 3, "input_conv1")(padded)
    h = layers.ReLU()(h)
    h = conv(filters, 3, "input_conv2")(h)
    h = layers.AveragePooling2D(2)(h)
    skip = layers.AveragePooling2D(2)(padded)
    skip = conv(filters, 1, "input_shortcut")(skip)
    x = layers.Add(name="block_input")([h, skip])
    resolution, units = size // 2, filters
    while True:
        if resolution == attention:
            x = SelfAttention(
                spectral_norm=spectral_norm, data_format=_FORMAT,
                name="attention",
            )(x)
        if resolution == grid.base_h:
            break
        resolution //= 2
        units = min(2 * units, _MAX_MULTIPLIER * filters)
        x = ResidualBlock(
            units, resample="down", spectral_norm=spectral_norm,
            data_format=_FORMAT, name=f"block_{resolution}",
        )(x)
    x = ResidualBlock(
        units, spectral_norm=spectral_norm, data_format=_FORMAT,
        name=f"block_{grid.base_h}_final",
    )(x)
    x = layers.ReLU()(x)
    # Global sum pooling (SNGAN): the mean over positions, times their count.
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Rescaling(
        float(grid.base_h * grid.base_w), name="sum_pool"
    )(x)
    if num_classes is None:
        logits = _sn(layers.Dense(1, name="logits"), spectral_norm)(x)
    else:
        logits = ProjectionHead(
            num_classes, spectral_norm=spectral_norm, name="projection"
        )([x, labels])
    return keras.Model(inputs, logits, name="discriminator")
