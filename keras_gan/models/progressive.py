"""Progressive growing (ProGAN) with fixed shapes: fade-in by a variable."""

import math

import keras
from keras import layers
from keras import ops

from keras_gan.layers.equalized import EqualizedConv2D
from keras_gan.layers.equalized import EqualizedDense
from keras_gan.layers.norms import MinibatchStdDev
from keras_gan.layers.norms import PixelNormalization
from keras_gan.layers.output import OutputRange
from keras_gan.models import _conditioning
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_FORMAT = "channels_last"


@keras_gan_export
class FadeIn(keras.layers.Layer):
    """Blends a stage's new path into the previous one, as progress grows.

    `y = (1 - alpha) * low + alpha * high` with
    `alpha = clip(progress - stage + 1, 0, 1)`, where `progress` is a
    non-trainable scalar variable of the layer (saved with the model):
    below `stage - 1` the layer passes `low` through exactly, above `stage`
    it passes `high`, and in between it fades linearly (ProGAN's fade-in).
    Because `progress` is a variable and not a Python number, changing it
    retraces nothing: a progressive network keeps one fixed shape and
    trains under `jit` on every backend. Set it on all the fade-in layers
    of a network at once with `keras_gan.models.set_progress`.

    Args:
        stage: int >= 1, the stage whose path is `high`.
        initial_progress: float >= 0, the starting value of `progress`.
            Defaults to `0.0`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[low, high]`, two tensors of the same shape.

    Returns:
        A tensor of that shape, in the compute dtype.

    Examples:

    >>> fade = FadeIn(stage=1, initial_progress=0.25)
    >>> y = fade([ops.zeros((1, 2)), ops.ones((1, 2))])
    >>> [round(float(v), 2) for v in y[0]]
    [0.25, 0.25]

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 2.
    """

    def __init__(self, stage, initial_progress=0.0, **kwargs):
        super().__init__(**kwargs)
        self.stage = validation.positive_int("stage", stage)
        self.initial_progress = validation.non_negative_float(
            "initial_progress", initial_progress
        )

    def build(self, input_shape):
        self.progress = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.initial_progress),
            trainable=False,
            autocast=False,
            name="progress",
        )

    def alpha(self):
        """The current weight of `high`, a float32 scalar in [0, 1]."""
        return ops.clip(self.progress - (self.stage - 1.0), 0.0, 1.0)

    def call(self, inputs):
        low, high = inputs
        alpha = ops.cast(self.alpha(), self.compute_dtype)
        low = ops.cast(low, self.compute_dtype)
        high = ops.cast(high, self.compute_dtype)
        return (1.0 - alpha) * low + alpha * high

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {
            **super().get_config(),
            "stage": self.stage,
            "initial_progress": self.initial_progress,
        }


def _fade_layers(obj, found=None, seen=None):
    """Every `FadeIn` layer in `obj` (a layer, model, GAN, or a list)."""
    found = [] if found is None else found
    seen = set() if seen is None else seen
    if isinstance(obj, (list, tuple)):
        for item in obj:
            _fade_layers(item, found, seen)
        return found
    if not isinstance(obj, keras.layers.Layer) or id(obj) in seen:
        return found
    seen.add(id(obj))
    if isinstance(obj, FadeIn):
        found.append(obj)
    for layer in getattr(obj, "layers", []):
        _fade_layers(layer, found, seen)
    return found


@keras_gan_export
def set_progress(models, progress):
    """Sets the progress of every `FadeIn` layer of progressive networks.

    `progress` 0 means the 4x4 stage only; `k` means stages up to `k`
    fully on; `k - 1 + t` (0 < t < 1) fades stage `k` in with weight `t`.
    Set it on the generator and the discriminator together (pass both, or
    the `GAN`, which includes its EMA generator). It is an assignment to
    variables, so it takes effect at the next call, also inside an
    already compiled training step; during `fit`, change it between
    epochs (as `keras_gan.callbacks.ProgressiveGrowing` does), since JAX
    keeps the variables' values outside the model while an epoch runs.

    Args:
        models: a Keras model or layer, a `keras_gan.GAN`, or a list or
            tuple of them, e.g. the `(generator, discriminator)` pair.
        progress: float in `[0, num_stages - 1]`.

    Returns:
        The number of `FadeIn` layers set.

    Examples:

    >>> g, d = progressive(image_shape=(16, 16, 1), latent_dim=8, filters=4)
    >>> set_progress((g, d), 0.5)
    4
    >>> float(g.get_layer("fade_8").progress)
    0.5

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 2.
    """
    fades = _fade_layers(models)
    if not fades:
        raise ValueError(
            "`set_progress` found no `FadeIn` layers in `models`: pass "
            "networks built by `keras_gan.models.progressive` (or a GAN "
            f"holding them). Received: {type(models).__name__}"
        )
    last = max(layer.stage for layer in fades)
    try:
        ok = 0.0 <= float(progress) <= last
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"`progress` should be in [0, {last}] for these networks "
            f"({last + 1} stages). Received: `progress={progress!r}`"
        )
    for layer in fades:
        layer.progress.assign(float(progress))
    return len(fades)


def _generator(latent_dim, chans, channels, progress):
    gain = math.sqrt(2.0)

    def conv(x, filters, kernel_size, name):
        x = EqualizedConv2D(
            filters, kernel_size, gain=gain, data_format=_FORMAT, name=name
        )(x)
        x = layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)
        return PixelNormalization(data_format=_FORMAT, name=f"{name}_pn")(x)

    def to_rgb(x, name):
        return EqualizedConv2D(channels, 1, data_format=_FORMAT, name=name)(x)

    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize_z")(z)
    # ProGAN's first layer: a dense "4x4 transposed convolution" of z.
    x = EqualizedDense(16 * chans[0], gain=gain / 4, name="b4_dense")(x)
    x = layers.Reshape((4, 4, chans[0]), name="b4_reshape")(x)
    x = layers.LeakyReLU(0.2, name="b4_dense_lrelu")(x)
    x = PixelNormalization(data_format=_FORMAT, name="b4_dense_pn")(x)
    x = conv(x, chans[0], 3, "b4_conv")
    image = to_rgb(x, "b4_rgb")
    for k in range(1, len(chans)):
        res = 4 * 2**k
        x = layers.UpSampling2D(2, name=f"b{res}_up")(x)
        x = conv(x, chans[k], 3, f"b{res}_conv0")
        x = conv(x, chans[k], 3, f"b{res}_conv1")
        # The previous stage's image, nearest-upsampled: the output while
        # this stage is faded out.
        image = layers.UpSampling2D(2, name=f"b{res}_image_up")(image)
        image = FadeIn(k, progress, name=f"fade_{res}")(
            [image, to_rgb(x, f"b{res}_rgb")]
        )
    # Linear, as in the paper: the range [-1, 1] is learned, and declared.
    image = OutputRange(-1.0, 1.0, name="output_range")(image)
    return keras.Model(z, image, name="generator")


def _discriminator(image_shape, chans, progress):
    gain = math.sqrt(2.0)

    def conv(x, filters, kernel_size, name, padding="same"):
        x = EqualizedConv2D(
            filters, kernel_size, gain=gain, padding=padding,
            data_format=_FORMAT, name=name,
        )(x)
        return layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)

    n = len(chans)
    images = keras.Input(image_shape, name="images")
    # The input at every resolution: 2x2 average pooling, repeatedly.
    pooled = [images]
    for k in reversed(range(n - 1)):
        res = 4 * 2**k
        pooled.insert(
            0, layers.AveragePooling2D(2, name=f"images_{res}")(pooled[0])
        )
    x = conv(images, chans[-1], 1, f"b{4 * 2 ** (n - 1)}_from_rgb")
    for k in reversed(range(1, n)):
        res = 4 * 2**k
        x = conv(x, chans[k], 3, f"b{res}_conv0")
        x = conv(x, chans[k - 1], 3, f"b{res}_conv1")
        x = layers.AveragePooling2D(2, name=f"b{res}_down")(x)
        # While stage k is faded out, D reads the pooled image directly.
        direct = conv(pooled[k - 1], chans[k - 1], 1, f"b{res // 2}_from_rgb")
        x = FadeIn(k, progress, name=f"fade_{res}")([direct, x])
    x = MinibatchStdDev(group_size=4, data_format=_FORMAT, name="mbstd")(x)
    x = conv(x, chans[0], 3, "b4_conv")
    x = conv(x, chans[0], 4, "b4_conv_4x4", padding="valid")
    x = layers.Flatten(name="flatten")(x)
    logits = EqualizedDense(1, name="logits")(x)
    return keras.Model(images, logits, name="discriminator")


@keras_gan_export
def progressive(image_shape=(32, 32, 3), latent_dim=128, filters=64):
    """A progressively growing pair (ProGAN, Karras et al. 2018).

    Both networks contain every resolution from 4x4 up to `image_shape`
    from the start and keep one fixed shape, so that `gan.fit` runs under
    `jit` on every backend; growth is a fade controlled by variables. The
    generator maps `z` (pixel-normalized) to a 4x4 map, then at every
    resolution upsamples (nearest) and applies two 3x3 equalized
    convolutions, each with LeakyReLU(0.2) and `PixelNormalization`. Its
    output is the chain `out_k = FadeIn_k(upsample(out_{k-1}),
    toRGB_k(h_k))`: while stage `k` is faded out, the image is the previous
    stage's, nearest-upsampled (blocks of equal pixels). The
    discriminator mirrors it: at each resolution, the features coming down
    from the higher stage are blended with a 1x1 `fromRGB` of the
    average-pooled input, then `MinibatchStdDev`, a 3x3 and a 4x4
    convolution and one logit. At progress 0 it sees only the 4x4 average
    of its input. The output is linear, as in the paper, its range
    declared by a final `keras_gan.layers.OutputRange(-1, 1)`.

    The networks are built with every stage on (`progress = num_stages -
    1`), a plain GAN pair; grow them from 4x4 with
    `keras_gan.callbacks.ProgressiveGrowing`, or set the stage by hand with
    `keras_gan.models.set_progress`. Stages that are faded out still cost
    their compute (the price of fixed shapes). Real images are not blurred
    during a fade, unlike the paper.

    Args:
        image_shape: tuple `(size, size, channels)`, square with a power
            of two side (8, 16, 32, ...: the fixed 4x4-based stages) and 1
            to 4 channels. Defaults to (32, 32, 3). The
            number of stages is `log2(size) - 1` (4x4, 8x8, ..., size).
        latent_dim: int, size of `z`. Defaults to 128.
        filters: int, channels at full resolution, doubling at every
            halving of the resolution up to `8 * filters`. Defaults to 64.

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models;
        their `FadeIn` layers are named `fade_8`, `fade_16`, ... after
        their resolution.

    Examples:

    >>> g, d = progressive(image_shape=(16, 16, 3), latent_dim=8, filters=4)
    >>> g.output.shape, d.output.shape
    ((None, 16, 16, 3), (None, 1))
    >>> float(g.get_layer("fade_16").progress)  # every stage on
    2.0

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018.
    """
    image_shape = _conditioning.check_image_shape(
        image_shape, builder="progressive", min_size=8, max_channels=4,
        power_of_two=True,
    )
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    filters = validation.positive_int("filters", filters)
    levels = int(math.log2(image_shape[0])) - 2
    chans = _conditioning.widths(levels, filters, 8 * filters)
    progress = float(len(chans) - 1)
    generator = _generator(latent_dim, chans, image_shape[-1], progress)
    discriminator = _discriminator(image_shape, chans, progress)
    return generator, discriminator
