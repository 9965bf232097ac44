"""StyleGAN2-lite: mapping network, modulated convolutions, style mixing."""

import math

import keras
from keras import layers
from keras import ops

from keras_gan.layers.conditioning import ClassEmbedding
from keras_gan.layers.conditioning import ProjectionHead
from keras_gan.layers.equalized import EqualizedConv2D
from keras_gan.layers.equalized import EqualizedDense
from keras_gan.layers.norms import MinibatchStdDev
from keras_gan.layers.norms import PixelNormalization
from keras_gan.layers.output import OutputRange
from keras_gan.layers.style import ModulatedConv2D
from keras_gan.layers.style import NoiseInjection
from keras_gan.models import _conditioning
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_FORMAT = "channels_last"
MAPPING_LR_MULTIPLIER = 0.01  # StyleGAN's lr' = 0.01 lr for the mapping


@keras_gan_export
class ConstantInput(keras.layers.Layer):
    """A learned tensor, repeated over the batch: the synthesis network's start.

    StyleGAN's generator does not feed the latent code to its first layer:
    it starts from a learned constant (4x4 in the paper) and injects the
    code only through styles. The input tensor is used for its batch size
    alone.

    Args:
        shape: tuple of ints, the shape of the constant without the batch
            axis, e.g. `(4, 4, 256)`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: any tensor whose first axis is the batch.

    Returns:
        A tensor `(batch, *shape)`, in the compute dtype.

    Examples:

    >>> const = ConstantInput((4, 4, 8))
    >>> tuple(const(ops.zeros((3, 16))).shape)
    (3, 4, 4, 8)

    Reference: Karras et al., "A Style-Based Generator Architecture for
    GANs", 2019, section 2.
    """

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
        for size in shape:
            validation.positive_int("shape", size)
        self.shape = tuple(int(size) for size in shape)

    def build(self, input_shape):
        self.constant = self.add_weight(
            shape=self.shape,
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="constant",
        )

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        constant = ops.cast(self.constant, self.compute_dtype)
        return ops.broadcast_to(constant[None], (batch, *self.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.shape)

    def get_config(self):
        return {**super().get_config(), "shape": self.shape}


@keras_gan_export
class StyleMixing(keras.layers.Layer):
    """Per-layer styles, mixed from two latent codes in training.

    StyleGAN's mixing regularization: with probability `probability`, a
    sample's layers from a random crossover point `c` on (uniform in
    `[1, num_styles - 1]`) take their style from a second code `w_mix`
    instead of `w`, so the generator cannot assume that neighbouring
    layers' styles are correlated. Each sample draws its own decision and
    crossover from the layer's `SeedGenerator`, with `keras.ops` only (no
    Python branching on tensors), so it runs under `jit`. In inference
    every layer gets `w`.

    Args:
        num_styles: int >= 2, the number of per-layer styles.
        probability: float in [0, 1], the chance that a training sample is
            mixed. Defaults to `0.9`, the paper's value.
        seed: int or None, seeds the layer's `SeedGenerator`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[w, w_mix]`, both `(batch, style_dim)`.
        training: bool; mixing happens only when true.

    Returns:
        A list of `num_styles` tensors `(batch, style_dim)`, in the
        compute dtype.

    Examples:

    >>> mixing = StyleMixing(num_styles=4, probability=1.0, seed=0)
    >>> w, w_mix = ops.zeros((2, 8)), ops.ones((2, 8))
    >>> [float(s[0, 0]) for s in mixing([w, w_mix])]  # inference: w only
    [0.0, 0.0, 0.0, 0.0]
    >>> styles = mixing([w, w_mix], training=True)
    >>> float(styles[0][0, 0]), float(styles[-1][0, 0])
    (0.0, 1.0)

    Reference: Karras et al., "A Style-Based Generator Architecture for
    GANs", 2019, section 3.1.
    """

    def __init__(self, num_styles, probability=0.9, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_styles = validation.positive_int("num_styles", num_styles)
        if self.num_styles < 2:
            raise ValueError(
                "`num_styles` should be at least 2 to mix. Received: "
                f"`num_styles={num_styles}`"
            )
        self.probability = validation.unit_interval(
            "probability", probability, "a probability"
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="seed_generator"
        )

    def call(self, inputs, training=None):
        w, w_mix = (ops.cast(x, self.compute_dtype) for x in inputs)
        if not training or self.probability == 0.0:
            # Distinct tensors: a functional graph tracks each output.
            return [ops.copy(w) for _ in range(self.num_styles)]
        batch = ops.shape(w)[0]
        crossover = keras.random.randint(
            (batch, 1), 1, self.num_styles, seed=self.seed_generator
        )
        mixed = (
            keras.random.uniform((batch, 1), seed=self.seed_generator)
            < self.probability
        )
        # Unmixed samples cross over after the last layer: all `w`.
        crossover = ops.where(mixed, crossover, self.num_styles)
        return [
            ops.where(i >= crossover, w_mix, w) for i in range(self.num_styles)
        ]

    def compute_output_shape(self, input_shape):
        return [tuple(input_shape[0])] * self.num_styles

    def get_config(self):
        return {
            **super().get_config(),
            "num_styles": self.num_styles,
            "probability": self.probability,
            "seed": self.seed,
        }


def _mapping(latent_dim, style_dim, mapping_layers, num_classes):
    """z (and labels) -> w: 2nd-moment normalization, then an MLP."""
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize_z")(z)
    inputs = z
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        embedding = ClassEmbedding(
            num_classes, style_dim, name="label_embedding"
        )(labels)
        embedding = PixelNormalization(name="normalize_label")(embedding)
        x = layers.Concatenate(name="z_and_label")([x, embedding])
        inputs = [z, labels]
    for i in range(mapping_layers):
        x = EqualizedDense(
            style_dim,
            lr_multiplier=MAPPING_LR_MULTIPLIER,
            gain=math.sqrt(2.0),
            name=f"dense_{i}",
        )(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(x)
    return keras.Model(inputs, x, name="mapping")


def _styled_conv(x, style, filters, kernel_size, name):
    """Modulated conv (+ bias), noise, LeakyReLU: one StyleGAN2 layer.

    The convolution's bias is added before the noise rather than after;
    both are additions, so this is StyleGAN2's layer exactly.
    """
    x = ModulatedConv2D(
        filters, kernel_size, data_format=_FORMAT, name=f"{name}_conv"
    )([x, style])
    x = NoiseInjection(
        inference_noise="fixed", data_format=_FORMAT, name=f"{name}_noise"
    )(x)
    return layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)


def _to_rgb(x, style, channels, name):
    return ModulatedConv2D(
        channels, 1, demodulate=False, data_format=_FORMAT, name=name
    )([x, style])


def _generator(image_shape, grid, latent_dim, style_dim, mapping_layers,
               chans, num_classes, style_mixing):
    channels = image_shape[-1]
    n = len(chans)
    num_styles = 2 * n  # one per conv layer, plus the last toRGB's
    mapping = _mapping(latent_dim, style_dim, mapping_layers, num_classes)
    z = keras.Input((latent_dim,), name="z")
    inputs = z
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
    w = mapping(inputs)
    if style_mixing > 0:
        # The second code: N(0, I) in training (GaussianNoise on zeros,
        # seeded and saved with its layer), unused in inference.
        z_mix = layers.GaussianNoise(1.0, name="z_mix")(ops.zeros_like(z))
        w_mix = mapping(z_mix if num_classes is None else [z_mix, labels])
        styles = StyleMixing(num_styles, style_mixing, name="style_mixing")(
            [w, w_mix]
        )
    else:
        styles = [w] * num_styles

    # StyleGAN2's skip generator: every resolution adds its toRGB output
    # to the upsampled image so far. Block k uses styles 2k-1, 2k (its
    # convs) and 2k+1 (its toRGB), as the official code indexes them.
    base = grid.base_h
    x = ConstantInput((base, grid.base_w, chans[0]), name="constant")(w)
    x = _styled_conv(x, styles[0], chans[0], 3, f"b{base}_1")
    image = _to_rgb(x, styles[1], channels, f"b{base}_rgb")
    for k in range(1, n):
        res = base * 2**k
        x = layers.UpSampling2D(
            2, interpolation="bilinear", name=f"b{res}_up"
        )(x)
        x = _styled_conv(x, styles[2 * k - 1], chans[k], 3, f"b{res}_0")
        x = _styled_conv(x, styles[2 * k], chans[k], 3, f"b{res}_1")
        image = layers.UpSampling2D(
            2, interpolation="bilinear", name=f"b{res}_image_up"
        )(image)
        image = layers.Add(name=f"b{res}_skip")(
            [image, _to_rgb(x, styles[2 * k + 1], channels, f"b{res}_rgb")]
        )
    # Linear, as in the paper: the range [-1, 1] is learned, and declared.
    image = OutputRange(-1.0, 1.0, name="output_range")(grid.crop(image))
    return keras.Model(inputs, image, name="generator")


def _discriminator(image_shape, grid, chans, num_classes):
    images = keras.Input(image_shape, name="images")
    inputs = images
    gain = math.sqrt(2.0)

    def conv(x, filters, kernel_size, name, **kwargs):
        return EqualizedConv2D(
            filters, kernel_size, gain=gain, activation="leaky_relu",
            data_format=_FORMAT, name=name, **kwargs,
        )(x)

    n = len(chans)
    x = conv(grid.pad(images), chans[-1], 1, "from_rgb")
    # StyleGAN2's residual discriminator: two convs and a downsampling on
    # the main path, a pooled 1x1 conv on the skip, summed / sqrt(2).
    base = grid.base_h
    for k in reversed(range(1, n)):
        res = base * 2**k
        y = conv(x, chans[k], 3, f"b{res}_0")
        y = conv(y, chans[k - 1], 3, f"b{res}_1")
        y = layers.AveragePooling2D(2, name=f"b{res}_down")(y)
        skip = layers.AveragePooling2D(2, name=f"b{res}_skip_down")(x)
        skip = EqualizedConv2D(
            chans[k - 1], 1, use_bias=False, data_format=_FORMAT,
            name=f"b{res}_skip",
        )(skip)
        x = layers.Add(name=f"b{res}_add")([y, skip])
        x = layers.Rescaling(1.0 / math.sqrt(2.0), name=f"b{res}_scale")(x)
    x = MinibatchStdDev(group_size=4, data_format=_FORMAT, name="mbstd")(x)
    x = conv(x, chans[0], 3, f"b{base}_conv")
    x = layers.Flatten(name="flatten")(x)
    h = EqualizedDense(
        chans[0], gain=gain, activation="leaky_relu", name=f"b{base}_dense"
    )(x)
    if num_classes is None:
        logits = EqualizedDense(1, name="logits")(h)
    else:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [images, labels]
        logits = ProjectionHead(num_classes, name="projection")([h, labels])
    return keras.Model(inputs, logits, name="discriminator")


@keras_gan_export
def stylegan(
    image_shape=(32, 32, 3),
    latent_dim=128,
    style_dim=None,
    mapping_layers=4,
    filters=64,
    num_classes=None,
    style_mixing=0.9,
):
    """A StyleGAN2-lite pair (Karras et al. 2019, 2020), for any image size.

    Generator: a mapping network (pixel norm of `z`, then
    `mapping_layers` equalized dense layers with LeakyReLU(0.2) and the
    paper's 0.01 learning-rate multiplier) turns `z` into a style `w`. The
    synthesis network starts from a learned 4x4 constant (`ConstantInput`)
    and, at every resolution 4, 8, ..., size, applies modulated 3x3
    convolutions with demodulation (`ModulatedConv2D`), per-pixel noise
    (`NoiseInjection`) and LeakyReLU, upsampling bilinearly between
    resolutions; each resolution's 1x1 toRGB output is added to the
    upsampled image so far (StyleGAN2's skip generator). The output is
    linear, as in the paper (clip to [-1, 1] for display), its range
    declared by a final `keras_gan.layers.OutputRange(-1, 1)`. In training,
    style mixing (`StyleMixing`) feeds the layers after a random crossover a
    second style mapped from a fresh `z`; noise is random in training and
    a fixed, saved map in inference, so `generator(z)` is deterministic.

    Discriminator: StyleGAN2's residual network of equalized convolutions
    with average-pool downsampling, then `MinibatchStdDev`, a 3x3 conv, an
    equalized dense layer and one logit. With `num_classes`, the label
    embedding is concatenated to the normalized `z` before the mapping, and
    the discriminator ends in a `ProjectionHead`.

    Any resolution: for an `h x w` image, the number of doublings `n` is
    chosen from the smaller side so that its base side is 4 to 8; the
    constant is `ceil(h / 2**n) x ceil(w / 2**n)` and the generator's
    image is center-cropped to `h x w` at the end (`Cropping2D`, named
    "crop"); the discriminator zero-pads its input by the same margins
    (`ZeroPadding2D`, "pad"). Square power-of-two images need neither (a
    4x4 constant); 28x28 grows from 7x7, 48x80 from 6x10. Layer names use
    feature-map heights (`b7_1`, `b14_0`, ... for 28x28).

    Left out for brevity: the FIR (blur) filters of resampling, the
    truncation trick, path-length regularization, and lazy R1 (pass
    `penalty=keras_gan.penalties.R1(gamma, every=16)` to `compile`).

    Args:
        image_shape: tuple `(height, width, channels)`, both sides >= 8
            and 1 to 4 channels. Defaults to (32, 32, 3).
        latent_dim: int, size of `z`. Defaults to 128.
        style_dim: int or None, size of `w`; None means `latent_dim`.
        mapping_layers: int, dense layers of the mapping network. Defaults
            to 4 (the paper uses 8).
        filters: int, channels at full resolution, doubling at every
            halving of the resolution up to `8 * filters`. Defaults to 64.
        num_classes: int or None; when given, a conditional pair taking
            `[z, labels]` and `[images, labels]`.
        style_mixing: float in [0, 1], the probability of mixing a training
            sample's styles; 0 leaves the mixing layer out. Defaults to 0.9.

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models;
        `generator.get_layer("mapping")` is the mapping network, a model
        from `z` (and labels) to `w`.

    Examples:

    >>> g, d = stylegan(image_shape=(8, 8, 3), latent_dim=16, filters=4)
    >>> g.output.shape, d.output.shape
    ((None, 8, 8, 3), (None, 1))
    >>> g.get_layer("mapping").output.shape
    (None, 16)

    Reference: Karras et al., "A Style-Based Generator Architecture for
    Generative Adversarial Networks", 2019; Karras et al., "Analyzing and
    Improving the Image Quality of StyleGAN", 2020.
    """
    image_shape = _conditioning.check_image_shape(
        image_shape, builder="stylegan", min_size=8, max_channels=4
    )
    grid = _conditioning.Grid(image_shape[0], image_shape[1])
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    if style_dim is None:
        style_dim = latent_dim
    style_dim = validation.positive_int("style_dim", style_dim)
    mapping_layers = validation.positive_int(
        "mapping_layers", mapping_layers
    )
    filters = validation.positive_int("filters", filters)
    if num_classes is not None:
        num_classes = validation.positive_int("num_classes", num_classes)
    style_mixing = validation.unit_interval(
        "style_mixing", style_mixing, "a probability"
    )
    chans = _conditioning.widths(grid.levels, filters, 8 * filters)
    generator = _generator(
        image_shape, grid, latent_dim, style_dim, mapping_layers, chans,
        num_classes, style_mixing,
    )
    discriminator = _discriminator(image_shape, grid, chans, num_classes)
    return generator, discriminator
