"""R3GAN: the normalization-free modern baseline (Huang et al. 2024)."""

import math

import keras
from keras import layers
from keras import ops

from keras_gan.layers.output import OutputRange
from keras_gan.layers.resample import BlurResample
from keras_gan.models import _conditioning
from keras_gan.models.stylegan import ConstantInput
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

# The gain of LeakyReLU(0.2), sqrt(2 / (1 + 0.2^2)): He initialization.
LRELU_GAIN = math.sqrt(2.0 / (1.0 + 0.2**2))
LINEAR_LAYERS = 3  # L: the linear layers of one residual block


def _msr(gain, fan_in):
    """MSR / He init: N(0, (gain / sqrt(fan_in))^2), as `MSRInitializer`."""
    return keras.initializers.RandomNormal(stddev=gain / math.sqrt(fan_in))


@keras.saving.register_keras_serializable(package="keras_gan")
class SplitGroupConv2D(layers.Conv2D):
    """`keras.layers.Conv2D` whose groups run as one convolution each.

    The same layer as `Conv2D(groups=...)` (same kernel, same config, same
    output), computed as `groups` dense convolutions of the channel slices,
    concatenated. A grouped convolution's gradient runs several times
    slower than the dense one on XLA's and TensorFlow's CPU kernels, while
    the split costs the grouped FLOPs. With the sliding-sum blur of
    `BlurResample`, the 32x32 r3gan step (width 32, batch 32, no penalty)
    went from 3.3 to 0.34 s on JAX and from 4.1 to 0.40 s on TensorFlow
    (2-core CPU, otherwise idle). PyTorch's grouped kernel is the faster
    there (0.52 s against 0.57 s split) and is kept, as is TensorFlow's
    for `channels_first` (its CPU kernel takes no NCHW). Used by `r3gan`'s
    3x3 convolutions.
    """

    def convolution_op(self, inputs, kernel):
        backend = keras.backend.backend()
        if (
            self.groups == 1
            or backend == "torch"
            # TensorFlow's CPU convolution takes no NCHW input; Keras runs
            # a grouped NCHW one through XLA, so the split would not.
            or (backend == "tensorflow"
                and self.data_format == "channels_first")
        ):
            return super().convolution_op(inputs, kernel)
        axis = -1 if self.data_format == "channels_last" else 1
        pieces = zip(ops.split(inputs, self.groups, axis=axis),
                     ops.split(kernel, self.groups, axis=-1))
        return ops.concatenate(
            [super(SplitGroupConv2D, self).convolution_op(x, k)
             for x, k in pieces],
            axis=axis,
        )


def _conv(filters, kernel_size, gain, fan_in, name, groups=1, bias=False):
    return SplitGroupConv2D(
        filters, kernel_size, padding="same", groups=groups, use_bias=bias,
        kernel_initializer=_msr(gain, fan_in), bias_initializer="zeros",
        name=name,
    )


def _residual_block(x, width, expansion, group_size, num_blocks, name):
    """`x + conv1x1(act(gconv3x3(act(conv1x1(x)))))`, last conv at zero.

    The fix-up style init of the paper: with `M` blocks in the network and
    `L = 3` linear layers per block, the first two are He-initialized with
    an extra factor `M ** (-1 / (2L - 2))` and the last is zero, so each
    block starts as the identity and the network's variance does not grow
    with depth. The activation's bias (R3GAN's `BiasedActivation`) is the
    bias of the convolution before it, zero at init.
    """
    expanded = width * expansion
    groups = expanded // group_size
    gain = LRELU_GAIN * num_blocks ** (-1.0 / (2 * LINEAR_LAYERS - 2))
    y = _conv(expanded, 1, gain, width, f"{name}_conv1", bias=True)(x)
    y = layers.LeakyReLU(0.2, name=f"{name}_act1")(y)
    y = _conv(
        expanded, 3, gain, group_size * 9, f"{name}_conv2", groups=groups,
        bias=True,
    )(y)
    y = layers.LeakyReLU(0.2, name=f"{name}_act2")(y)
    y = layers.Conv2D(
        width, 1, use_bias=False, kernel_initializer="zeros",
        name=f"{name}_conv3",
    )(y)
    return layers.Add(name=f"{name}_add")([x, y])


def _check_widths(width, num_stages, expansion, group_size):
    if isinstance(width, (list, tuple)):
        widths = [validation.positive_int("width", w) for w in width]
        if len(widths) != num_stages:
            raise ValueError(
                f"`width` should be an int or {num_stages} ints (one per "
                f"stage, base to full resolution) for this image size. "
                f"Received: `width={width!r}`"
            )
    else:
        widths = [validation.positive_int("width", width)] * num_stages
    for w in widths:
        if (w * expansion) % group_size:
            raise ValueError(
                "`group_size` should divide every stage's expanded width "
                f"(`width * expansion` = {w * expansion}). Received: "
                f"`group_size={group_size}`"
            )
    return widths


@keras_gan_export
def r3gan(
    image_shape=(32, 32, 3),
    latent_dim=64,
    num_classes=None,
    width=64,
    blocks_per_stage=2,
    expansion=2,
    group_size=16,
):
    """The R3GAN pair (Huang et al. 2024): a modern GAN without normalization.

    Both networks are stages of residual blocks at resolutions base,
    2 x base, ..., full, and neither has a normalization layer. A block is
    `x + conv1x1(act(gconv3x3(act(conv1x1(x)))))`: a 1x1 convolution
    expanding the width `expansion` times, a grouped 3x3 convolution
    (`group_size` channels per group: the paper's cardinality is
    `width * expansion / group_size`), a 1x1 convolution back, with
    LeakyReLU(0.2) and a learned bias between. The paper's variance-scaling
    init (fix-up style) makes depth harmless: with `M` blocks per network,
    the first two layers of a block are He-initialized times
    `M ** (-1/4)` and the last one starts at zero, so every block is the
    identity at init. Resampling uses the `[1, 2, 1]` low-pass filter
    (`keras_gan.layers.BlurResample`), with a 1x1 convolution where the
    width changes (before upsampling, after downsampling).

    Generator: `z` (concatenated, with `num_classes`, to a learned label
    embedding of size `latent_dim`) gives one coefficient per channel of a
    learned constant basis (`ConstantInput`, the size of the base map):
    `basis * dense(z)`; then the stages, and a 1x1 convolution to the
    image channels. The output is linear, as in the paper (no tanh); a
    final `keras_gan.layers.OutputRange(-1, 1)` declares its range.
    Discriminator: a 1x1 convolution from the image, the stages, then a
    learned basis again (a depthwise convolution the size of the base map,
    valid padding) and a dense layer to one logit; with `num_classes`, the
    dense layer gives `width[0]` features `h` and the logit is the
    projection `<h, embed(y)>` onto a learned class embedding.

    Any resolution: for an `h x w` image, the number of doublings `n` is
    chosen from the smaller side so that its base side is 4 to 8 (4x4 for
    power-of-two squares, as in the paper); the base map is
    `ceil(h / 2**n) x ceil(w / 2**n)`, the generator center-crops its last
    map to `h x w` (`Cropping2D`, named "crop") and the discriminator
    zero-pads its input by the same margins (`ZeroPadding2D`, "pad").
    28x28 grows from 7x7, 48x80 from 6x10. Layer names use feature-map
    heights (`b4_block0_conv1`, ...).

    Scaled down from the paper's CIFAR-10 networks (768 channels at every
    stage, 2 blocks per stage, expansion 2, cardinality 96, i.e. 16
    channels per group, bfloat16 in the high-resolution stages) to a CPU:
    `width=64` by default. Train it with the relativistic pairing loss and
    both R1 and R2 (`keras_gan.penalties.R1`, `R2`); see the
    Architectures guide for the paper's optimizer settings.

    Args:
        image_shape: tuple `(height, width, channels)`, both sides >= 8
            and 1 to 4 channels. Defaults to (32, 32, 3).
        latent_dim: int, size of `z`. Defaults to 64 (the paper's).
        num_classes: int or None; when given, a class-conditional pair
            taking `[z, labels]` and `[images, labels]`.
        width: int, the channels of every stage, or a list of ints, one per
            stage from the base resolution to the full one (the same list
            for both networks, at matching resolutions). Defaults to 64.
        blocks_per_stage: int, residual blocks per stage. Defaults to 2.
        expansion: int, the width multiplier inside a block. Defaults to 2.
        group_size: int, channels per group of the grouped 3x3
            convolutions; it must divide `width * expansion`. Defaults to
            16 (the paper's).

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models.

    Examples:

    >>> g, d = r3gan(image_shape=(16, 16, 3), latent_dim=16, width=8,
    ...              group_size=8)
    >>> g.output.shape, d.output.shape
    ((None, 16, 16, 3), (None, 1))
    >>> g.get_layer("b8_block0_conv2").groups  # 16 channels, 2 groups
    2
    >>> g, d = r3gan(image_shape=(28, 28, 1), width=8, group_size=8,
    ...              num_classes=10)
    >>> g.output.shape, [tuple(i.shape) for i in d.inputs]
    ((None, 28, 28, 1), [(None, 28, 28, 1), (None,)])

    Reference: Huang, Gokaslan, Kuleshov & Tompkin, "The GAN is dead; long
    live the GAN! A Modern GAN Baseline", NeurIPS 2024; reference code
    github.com/brownvc/R3GAN.
    """
    image_shape = _conditioning.check_image_shape(
        image_shape, builder="r3gan", min_size=8, max_channels=4
    )
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    num_classes = validation.positive_int(
        "num_classes", num_classes, allow_none=True
    )
    blocks_per_stage = validation.positive_int(
        "blocks_per_stage", blocks_per_stage
    )
    expansion = validation.positive_int("expansion", expansion)
    group_size = validation.positive_int("group_size", group_size)
    grid = _conditioning.Grid(image_shape[0], image_shape[1])
    widths = _check_widths(width, grid.levels + 1, expansion, group_size)
    # M, the variance-scaling parameter: the blocks of one network.
    num_blocks = blocks_per_stage * len(widths)
    blocks = (blocks_per_stage, expansion, group_size, num_blocks)
    generator = _generator(
        image_shape, grid, latent_dim, num_classes, widths, blocks
    )
    discriminator = _discriminator(
        image_shape, grid, num_classes, widths, blocks
    )
    return generator, discriminator


def _stage(x, width, res, blocks):
    blocks_per_stage, expansion, group_size, num_blocks = blocks
    for j in range(blocks_per_stage):
        x = _residual_block(
            x, width, expansion, group_size, num_blocks, f"b{res}_block{j}"
        )
    return x


def _generator(image_shape, grid, latent_dim, num_classes, widths, blocks):
    z = keras.Input((latent_dim,), name="z")
    inputs, code = z, z
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
        # A linear map of the one-hot label (R3GAN's `EmbeddingLayer`).
        embedding = layers.Embedding(
            num_classes, latent_dim, name="label_embedding",
            embeddings_initializer=_msr(1.0, num_classes),
        )(labels)
        code = layers.Concatenate(name="z_and_label")([z, embedding])
    fan_in = latent_dim * (1 if num_classes is None else 2)
    # The generative basis: a learned map, one coefficient per channel.
    basis = ConstantInput(
        (grid.base_h, grid.base_w, widths[0]), name="basis_constant"
    )(code)
    coefficients = layers.Dense(
        widths[0], use_bias=False, kernel_initializer=_msr(1.0, fan_in),
        name="basis_dense",
    )(code)
    coefficients = layers.Reshape((1, 1, widths[0]))(coefficients)
    x = layers.Multiply(name="basis")([basis, coefficients])
    heights = grid.heights()
    x = _stage(x, widths[0], heights[0], blocks)
    for i in range(1, len(widths)):
        res = heights[i]
        if widths[i] != widths[i - 1]:
            x = _conv(widths[i], 1, 1.0, widths[i - 1], f"b{res}_up_conv")(x)
        x = BlurResample("up", data_format="channels_last", name=f"b{res}_up")(
            x
        )
        x = _stage(x, widths[i], res, blocks)
    x = _conv(image_shape[-1], 1, 1.0, widths[-1], "to_image")(x)
    # Linear, as in the paper: the range [-1, 1] is learned, and declared.
    x = OutputRange(-1.0, 1.0, name="output_range")(grid.crop(x))
    return keras.Model(inputs, x, name="generator")


def _discriminator(image_shape, grid, num_classes, widths, blocks):
    images = keras.Input(image_shape, name="images")
    inputs = images
    x = grid.pad(images)
    x = _conv(widths[-1], 1, 1.0, image_shape[-1], "from_image")(x)
    heights = grid.heights()
    for i in reversed(range(1, len(widths))):
        res = heights[i]
        x = _stage(x, widths[i], res, blocks)
        x = BlurResample(
            "down", data_format="channels_last", name=f"b{res}_down"
        )(x)
        if widths[i - 1] != widths[i]:
            x = _conv(widths[i - 1], 1, 1.0, widths[i], f"b{res}_down_conv")(
                x
            )
    x = _stage(x, widths[0], heights[0], blocks)
    # The discriminative basis: one learned base-sized filter per channel.
    x = layers.DepthwiseConv2D(
        (grid.base_h, grid.base_w), padding="valid", use_bias=False,
        depthwise_initializer=_msr(1.0, grid.base_h * grid.base_w),
        name="basis_conv",
    )(x)
    x = layers.Flatten(name="flatten")(x)
    units = 1 if num_classes is None else widths[0]
    x = layers.Dense(
        units, use_bias=False, kernel_initializer=_msr(1.0, widths[0]),
        name="basis_dense",
    )(x)
    if num_classes is None:
        return keras.Model(inputs, x, name="discriminator")
    labels = keras.Input((), dtype="int32", name="labels")
    # Projection: the logit is <h, embed(y)>, the embedding scaled by
    # 1 / sqrt(width) so that the logit starts at unit scale.
    embedding = layers.Embedding(
        num_classes, units, name="label_embedding",
        embeddings_initializer=_msr(1.0 / math.sqrt(units), num_classes),
    )(labels)
    logits = layers.Dot(axes=1, name="projection")([x, embedding])
    return keras.Model([images, labels], logits, name="discriminator")
