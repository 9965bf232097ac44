"""Style-based generator layers (StyleGAN, StyleGAN2)."""

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.layers.equalized import EqualizedDense
from keras_gan.layers.equalized import _pair
from keras_gan.layers.equalized import conv_output_shape
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class AdaptiveInstanceNormalization(keras.layers.Layer):
    """Adaptive instance normalization (AdaIN) from a style vector.

    `y = scale(w) * (x - mu(x)) / sigma(x) + bias(w)`, where `mu` and
    `sigma` are per-sample, per-channel statistics over the spatial
    positions and `scale(w)`, `bias(w)` are learned affine maps of the style
    vector `w` to one value per channel (`scale` starts at 1, `bias` at 0).
    StyleGAN's generator controls each resolution through it.
    `style_parameters(style)` returns the predicted `(scale, bias)`.

    Args:
        epsilon: float, added to the variance. Defaults to `1e-5`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[x, style]`: `x` of rank >= 3 and `style` `(batch,
            style_dim)`.

    Returns:
        A tensor with the shape of `x`, in the compute dtype.

    Examples:

    >>> adain = AdaptiveInstanceNormalization()
    >>> x = keras.random.normal((2, 8, 8, 16), seed=0)
    >>> w = keras.random.normal((2, 32), seed=1)
    >>> tuple(adain([x, w]).shape)
    (2, 8, 8, 16)

    Reference: Huang & Belongie, "Arbitrary Style Transfer in Real-time with
    Adaptive Instance Normalization", 2017; Karras et al., "A Style-Based
    Generator Architecture for GANs", 2019.
    """

    def __init__(self, epsilon=1e-5, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        x_shape, style_shape = input_shape
        _utils.check_rank(type(self).__name__, x_shape, 3)
        channels = x_shape[_utils.channel_axis(self.data_format)]
        self.style_scale = keras.layers.Dense(
            channels, bias_initializer="ones", dtype=self.dtype_policy,
            name="style_scale",
        )
        self.style_bias = keras.layers.Dense(
            channels, dtype=self.dtype_policy, name="style_bias"
        )
        self.style_scale.build(style_shape)
        self.style_bias.build(style_shape)

    def style_parameters(self, style):
        """The per-sample, per-channel `(scale, bias)`, each `(batch, C)`."""
        return self.style_scale(style), self.style_bias(style)

    def call(self, inputs):
        x, style = inputs
        rank = len(x.shape)
        h = _utils.instance_normalize(x, self.epsilon, self.data_format)
        scale, bias = self.style_parameters(style)
        shape = _utils.per_sample_shape(scale.shape[-1], rank, self.data_format)
        scale = ops.reshape(ops.cast(scale, "float32"), shape)
        bias = ops.reshape(ops.cast(bias, "float32"), shape)
        return ops.cast(h * scale + bias, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }


@keras_gan_export
class ModulatedConv2D(keras.layers.Layer):
    """StyleGAN2's modulated convolution, with optional demodulation.

    A learned affine map of the style vector gives one scale `s_i` per input
    channel (starting at 1). Modulation: `w'_ijk = s_i * w_ijk`.
    Demodulation: `w''_ijk = w'_ijk / sqrt(sum_ik w'_ijk^2 + epsilon)`, so
    that unit-variance inputs give unit-variance outputs, replacing AdaIN
    without its "droplet" artifacts. It is computed as StyleGAN2's
    non-fused path, which is exact: scale the input channels by `s`,
    convolve with the shared equalized kernel, then scale the output
    channels by the demodulation coefficients.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 2 ints.
        demodulate: bool, whether to demodulate. Defaults to `True`.
        padding: `"same"` or `"valid"`. Defaults to `"same"`.
        use_bias: bool, whether to add a bias after the convolution.
            Defaults to `True`.
        activation: activation name or callable, or `None`. Defaults to
            `None`.
        epsilon: float, added under the demodulation square root. Defaults
            to `1e-8`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`. TensorFlow runs
            channels-first convolutions on GPU only.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[x, style]`: `x` `(batch, height, width, channels)`
            (channels-last) and `style` `(batch, style_dim)`.

    Returns:
        A tensor `(batch, height', width', filters)`, in the compute dtype.

    Examples:

    >>> conv = ModulatedConv2D(8, 3)
    >>> x = keras.random.normal((2, 8, 8, 4), seed=0)
    >>> w = keras.random.normal((2, 16), seed=1)
    >>> tuple(conv([x, w]).shape)
    (2, 8, 8, 8)

    Reference: Karras et al., "Analyzing and Improving the Image Quality of
    StyleGAN", 2020, section 2.2.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        demodulate=True,
        padding="same",
        use_bias=True,
        activation=None,
        epsilon=1e-8,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.positive_int("filters", filters)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.demodulate = bool(demodulate)
        self.padding = validation.check_choice(
            "padding", padding, ("same", "valid")
        )
        self.use_bias = bool(use_bias)
        self.activation = keras.activations.get(activation)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        x_shape, style_shape = input_shape
        channels = x_shape[_utils.channel_axis(self.data_format)]
        self.affine = EqualizedDense(
            channels, bias_init=1.0, dtype=self.dtype_policy, name="affine"
        )
        self.affine.build(style_shape)
        fan_in = self.kernel_size[0] * self.kernel_size[1] * channels
        self.kernel_scale = 1.0 / fan_in**0.5
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.filters),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,), initializer="zeros", name="bias"
            )

    def call(self, inputs):
        x, style = inputs
        styles = self.affine(style)  # (batch, in_channels)
        kernel = self.kernel * self.kernel_scale
        in_shape = _utils.per_sample_shape(
            styles.shape[-1], 4, self.data_format
        )
        h = x * ops.reshape(styles, in_shape)
        h = ops.conv(
            h, kernel, padding=self.padding, data_format=self.data_format
        )
        out_shape = _utils.per_sample_shape(self.filters, 4, self.data_format)
        if self.demodulate:
            # sum_ik (s_i w_ijk)^2 = sum_i s_i^2 sum_k w_ijk^2, in float32.
            w2 = ops.sum(ops.square(ops.cast(kernel, "float32")), axis=(0, 1))
            s2 = ops.square(ops.cast(styles, "float32"))
            demod = ops.rsqrt(ops.matmul(s2, w2) + self.epsilon)
            h = h * ops.cast(ops.reshape(demod, out_shape), h.dtype)
        if self.use_bias:
            out_shape[0] = 1
            h = h + ops.reshape(self.bias, out_shape)
        return self.activation(h)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(
            input_shape[0], self.filters, self.kernel_size, (1, 1),
            self.padding, self.data_format,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "demodulate": self.demodulate,
            "padding": self.padding,
            "use_bias": self.use_bias,
            "activation": keras.activations.serialize(self.activation),
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }


@keras_gan_export
class NoiseInjection(keras.layers.Layer):
    """Adds per-pixel Gaussian noise scaled by a learned per-channel weight.

    `y = x + weight_c * noise`, with one N(0, 1) value per sample and
    position shared by all channels, and `weight` initialized to zero, so
    the layer starts as the identity. StyleGAN uses it for stochastic detail
    (hair, freckles). In training, noise is drawn from the layer's
    `SeedGenerator`; in inference, `inference_noise` chooses: fresh noise
    (the default), a fixed noise map (StyleGAN2's `noise_mode="const"`, so
    that a generator is deterministic given its inputs), or none. Pass
    `noise=` to fix it in both modes.

    Args:
        seed: int or None, seeds the layer's `SeedGenerator` (and the fixed
            map's initializer).
        inference_noise: `"random"` (drawn at every call, as in training),
            `"fixed"` (a non-trainable `(1, *spatial, 1)` map drawn once at
            build and saved with the layer; needs known spatial sizes) or
            `"none"` (the layer is the identity). Defaults to `"random"`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor of rank >= 3, `(batch, *spatial, channels)` when
            channels-last.
        noise: optional tensor broadcastable to `inputs` with one channel,
            e.g. `(batch, height, width, 1)`; drawn when omitted.
        training: bool; when falsy, `inference_noise` applies.

    Returns:
        A tensor of the shape of `inputs`, in the compute dtype.

    Examples:

    >>> layer = NoiseInjection(seed=0)
    >>> x = ops.ones((2, 8, 8, 4))
    >>> bool(ops.all(layer(x) == x))  # weight starts at 0
    True

    Reference: Karras et al., "A Style-Based Generator Architecture for
    GANs", 2019, section 3.2.
    """

    def __init__(
        self, seed=None, inference_noise="random", data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.seed = seed
        self.inference_noise = validation.check_choice(
            "inference_noise", inference_noise, ("random", "fixed", "none")
        )
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        _utils.check_rank(type(self).__name__, input_shape, 3)
        axis = _utils.channel_axis(self.data_format)
        channels = input_shape[axis]
        self.weight = self.add_weight(
            shape=(channels,), initializer="zeros", name="weight"
        )
        self.seed_generator = keras.random.SeedGenerator(
            self.seed, name="seed_generator"
        )
        if self.inference_noise == "fixed":
            shape = list(input_shape)
            shape[0], shape[axis] = 1, 1
            if None in shape:
                raise ValueError(
                    '`NoiseInjection(inference_noise="fixed")` needs known '
                    "spatial sizes to draw its noise map. Received: input "
                    f"shape {tuple(input_shape)}"
                )
            self.fixed_noise = self.add_weight(
                shape=tuple(shape),
                initializer=keras.initializers.RandomNormal(seed=self.seed),
                trainable=False,
                name="fixed_noise",
            )

    def call(self, inputs, noise=None, training=None):
        rank = len(inputs.shape)
        if noise is None and not training:
            if self.inference_noise == "none":
                return ops.cast(inputs, self.compute_dtype)
            if self.inference_noise == "fixed":
                noise = self.fixed_noise
        if noise is None:
            shape = list(ops.shape(inputs))
            shape[_utils.channel_axis(self.data_format)] = 1
            noise = keras.random.normal(
                shape, dtype=self.compute_dtype, seed=self.seed_generator
            )
        shape = _utils.per_sample_shape(
            self.weight.shape[0], rank, self.data_format
        )
        shape[0] = 1
        noise = ops.cast(noise, self.compute_dtype)
        return inputs + noise * ops.reshape(self.weight, shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "seed": self.seed,
            "inference_noise": self.inference_noise,
            "data_format": self.data_format,
        }
