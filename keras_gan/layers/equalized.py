"""Equalized learning rate layers (ProGAN, StyleGAN).

The stored weights are drawn from N(0, 1 / lr_multiplier^2) and multiplied
at run time by `gain * lr_multiplier / sqrt(fan_in)` (the He constant), so
that every weight sees the same effective learning rate under adaptive
optimizers such as Adam, whatever its layer's fan-in.
"""

import math

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


class _Equalized(keras.layers.Layer):
    """The shared constructor, runtime scales and config."""

    def __init__(
        self,
        use_bias=True,
        bias_init=0.0,
        lr_multiplier=1.0,
        gain=1.0,
        activation=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)
        self.bias_init = float(bias_init)
        self.lr_multiplier = validation.positive_float(
            "lr_multiplier", lr_multiplier
        )
        self.gain = validation.positive_float("gain", gain)
        self.activation = keras.activations.get(activation)

    def _add_weights(self, kernel_shape, fan_in, units):
        self.kernel_scale = self.gain * self.lr_multiplier / math.sqrt(fan_in)
        self.kernel = self.add_weight(
            shape=kernel_shape,
            initializer=keras.initializers.RandomNormal(
                stddev=1.0 / self.lr_multiplier
            ),
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(units,),
                initializer=keras.initializers.Constant(
                    self.bias_init / self.lr_multiplier
                ),
                name="bias",
            )

    def runtime_kernel(self):
        """The kernel the layer applies: stored kernel times its scale."""
        return self.kernel * self.kernel_scale

    def runtime_bias(self):
        """The bias the layer adds: stored bias times `lr_multiplier`."""
        return self.bias * self.lr_multiplier

    def get_config(self):
        return {
            **super().get_config(),
            "use_bias": self.use_bias,
            "bias_init": self.bias_init,
            "lr_multiplier": self.lr_multiplier,
            "gain": self.gain,
            "activation": keras.activations.serialize(self.activation),
        }


@keras_gan_export
class EqualizedDense(_Equalized):
    """A dense layer with equalized learning rate.

    `y = activation(x @ (w * gain * lr_multiplier / sqrt(fan_in)) +
    b * lr_multiplier)`, with `w ~ N(0, 1 / lr_multiplier^2)` as stored and
    `b` stored as `bias_init / lr_multiplier`. ProGAN uses it everywhere
    (with `gain=sqrt(2)` before leaky ReLU); StyleGAN's mapping network uses
    `lr_multiplier=0.01`.

    Args:
        units: int, the output size.
        use_bias: bool, whether to add a bias. Defaults to `True`.
        bias_init: float, the initial value of the effective bias. Defaults
            to `0.0`.
        lr_multiplier: float, the learning-rate multiplier. Defaults to
            `1.0`.
        gain: float, the gain of the He constant. Defaults to `1.0`.
        activation: activation name or callable, or `None`. Defaults to
            `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor `(..., features)`.

    Returns:
        A tensor `(..., units)`, in the compute dtype.

    Examples:

    >>> layer = EqualizedDense(8, lr_multiplier=0.01)
    >>> tuple(layer(ops.ones((2, 16))).shape)
    (2, 8)
    >>> round(layer.kernel_scale, 4)  # 0.01 / sqrt(16)
    0.0025

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 4.1.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = validation.positive_int("units", units)

    def build(self, input_shape):
        fan_in = input_shape[-1]
        self._add_weights((fan_in, self.units), fan_in, self.units)

    def call(self, inputs):
        y = ops.matmul(inputs, self.runtime_kernel())
        if self.use_bias:
            y = y + self.runtime_bias()
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras_gan_export
class EqualizedConv2D(_Equalized):
    """A 2-D convolution with equalized learning rate.

    `y = activation(conv(x, w * gain * lr_multiplier / sqrt(fan_in)) +
    b * lr_multiplier)` with `fan_in = kernel_h * kernel_w * in_channels`,
    the convolution of ProGAN and StyleGAN.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints. Defaults to `1`.
        padding: `"same"` or `"valid"`. Defaults to `"same"`.
        use_bias, bias_init, lr_multiplier, gain, activation: as in
            `EqualizedDense`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`. TensorFlow runs
            channels-first convolutions on GPU only.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor `(batch, height, width, channels)` (channels-last).

    Returns:
        A tensor `(batch, new_height, new_width, filters)`.

    Examples:

    >>> conv = EqualizedConv2D(4, 3, gain=2 ** 0.5)
    >>> tuple(conv(ops.ones((2, 8, 8, 3))).shape)
    (2, 8, 8, 4)

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 4.1.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="same",
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.positive_int("filters", filters)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.padding = validation.check_choice(
            "padding", padding, ("same", "valid")
        )
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        channels = input_shape[_utils.channel_axis(self.data_format)]
        fan_in = self.kernel_size[0] * self.kernel_size[1] * channels
        self._add_weights(
            (*self.kernel_size, channels, self.filters), fan_in, self.filters
        )

    def call(self, inputs):
        y = ops.conv(
            inputs,
            self.runtime_kernel(),
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
        )
        if self.use_bias:
            shape = _utils.per_sample_shape(self.filters, 4, self.data_format)
            shape[0] = 1
            y = y + ops.reshape(self.runtime_bias(), shape)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(
            input_shape, self.filters, self.kernel_size, self.strides,
            self.padding, self.data_format,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }


def _pair(name, value):
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"`{name}` should be an int or a tuple of 2 ints. Received: "
                f"`{name}={value!r}`"
            )
        return tuple(validation.positive_int(name, v) for v in value)
    v = validation.positive_int(name, value)
    return (v, v)


def conv_output_shape(
    input_shape, filters, kernel_size, strides, padding, data_format
):
    """The output shape of a 2-D convolution."""
    spatial = (1, 2) if data_format == "channels_last" else (2, 3)
    out = list(input_shape)
    for i, axis in enumerate(spatial):
        size = input_shape[axis]
        if size is None:
            continue
        if padding == "same":
            out[axis] = -(-size // strides[i])
        else:
            out[axis] = (size - kernel_size[i]) // strides[i] + 1
    out[_utils.channel_axis(data_format)] = filters
    return tuple(out)
