"""Convolution blocks: conv + normalization + activation, and resampling.

Every block (and `ResidualBlock`, in residual.py) builds its sublayers in
`build` (their sizes depend on the input), wraps its convolutions in
`keras.layers.SpectralNormalization` when `spectral_norm=True`, and
chooses its normalization by name:

- `None`: none; the convolution has a bias.
- `"batch"`: `keras.layers.BatchNormalization`.
- `"instance"`: `InstanceNormalization`.
- `"layer"`: `keras.layers.GroupNormalization(groups=1)`, over (H, W, C)
  as in WGAN-GP critics.
- `"pixel"`: `PixelNormalization` (ProGAN); the convolution has a bias.
- `"group"`: `keras.layers.GroupNormalization(groups=gcd(32, filters))`.
"""

import math

import keras
from keras import ops  # noqa: F401 (the examples use it)

from keras_gan.layers import _utils
from keras_gan.layers.norms import InstanceNormalization
from keras_gan.layers.norms import PixelNormalization
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_UP_MODES = ("transpose", "nearest", "bilinear")
_DOWN_MODES = ("strided", "avg_pool", "max_pool")


def _norm_layer(norm, channels, data_format, dtype, name):
    axis = _utils.channel_axis(data_format)
    if norm is None:
        return None
    if norm == "batch":
        return keras.layers.BatchNormalization(axis=axis, dtype=dtype,
                                               name=name)
    if norm == "instance":
        return InstanceNormalization(data_format=data_format, dtype=dtype,
                                     name=name)
    if norm == "layer":
        return keras.layers.GroupNormalization(
            groups=1, axis=axis, epsilon=1e-5, dtype=dtype, name=name
        )
    if norm == "pixel":
        return PixelNormalization(data_format=data_format, dtype=dtype,
                                  name=name)
    return keras.layers.GroupNormalization(
        groups=math.gcd(32, channels), axis=axis, epsilon=1e-5, dtype=dtype,
        name=name,
    )


class _ConvNormAct(keras.layers.Layer):
    """[resize] -> conv -> [pool] -> [norm] -> activation -> [dropout]."""

    def __init__(
        self,
        filters,
        kernel_size=3,
        norm=None,
        activation="leaky_relu",
        spectral_norm=False,
        dropout=0.0,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.positive_int("filters", filters)
        if kernel_size is not None:
            kernel_size = validation.positive_int("kernel_size", kernel_size)
        self.kernel_size = kernel_size
        self.norm = validation.check_choice("norm", norm, _utils.NORMS)
        self.activation = keras.activations.get(activation)
        self.spectral_norm = bool(spectral_norm)
        self.dropout = validation.check_float(
            "dropout", dropout, 0.0, 1.0, max_inclusive=False
        )
        self.seed = seed
        self.data_format = _utils.standardize_data_format(data_format)

    # Subclasses choose the resampling around the convolution.
    def _make_resize(self):
        return None

    def _make_conv(self, **kwargs):
        return keras.layers.Conv2D(**kwargs)

    def _conv_kwargs(self):
        return {}

    def _make_pool(self):
        return None

    def build(self, input_shape):
        dtype = self.dtype_policy
        self.resize = self._make_resize()
        conv = self._make_conv(
            filters=self.filters,
            kernel_size=self.kernel_size,
            padding="same",
            use_bias=self.norm in (None, "pixel"),
            data_format=self.data_format,
            dtype=dtype,
            name="conv",
            **self._conv_kwargs(),
        )
        if self.spectral_norm:
            conv = keras.layers.SpectralNormalization(
                conv, dtype=dtype, name="conv_sn"
            )
        self.conv = conv
        self.pool = self._make_pool()
        self.norm_layer = _norm_layer(
            self.norm, self.filters, self.data_format, dtype, "norm"
        )
        self.dropout_layer = None
        if self.dropout > 0:
            self.dropout_layer = keras.layers.Dropout(
                self.dropout, seed=self.seed, dtype=dtype, name="dropout"
            )
        shape = tuple(input_shape)
        for layer in (self.resize, self.conv, self.pool, self.norm_layer):
            if layer is not None:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        x = inputs
        if self.resize is not None:
            x = self.resize(x)
        x = self.conv(x, training=training)
        if self.pool is not None:
            x = self.pool(x)
        if self.norm_layer is not None:
            x = self.norm_layer(x, training=training)
        x = self.activation(x)
        if self.dropout_layer is not None:
            x = self.dropout_layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        return _resampled_shape(
            input_shape, self.filters, self._scale, self.data_format
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "norm": self.norm,
            "activation": keras.activations.serialize(self.activation),
            "spectral_norm": self.spectral_norm,
            "dropout": self.dropout,
            "seed": self.seed,
            "data_format": self.data_format,
        }


def _resampled_shape(input_shape, filters, scale, data_format):
    shape = list(input_shape)
    spatial = (1, 2) if data_format == "channels_last" else (2, 3)
    for axis in spatial:
        if shape[axis] is not None:
            if scale == 2:
                shape[axis] = 2 * shape[axis]
            elif scale == 0.5:
                shape[axis] = -(-shape[axis] // 2)
    shape[_utils.channel_axis(data_format)] = filters
    return tuple(shape)


_COMMON_ARGS = """norm: `None`, `"batch"`, `"instance"`, `"layer"`,
            `"pixel"` or `"group"` (see the guide). Defaults to
            `None`.
        activation: activation name or callable, or `None`. Defaults to
            `"leaky_relu"` (negative slope 0.2, the GAN convention).
        spectral_norm: bool, whether to wrap the convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        dropout: float in [0, 1), the dropout rate after the activation.
            Defaults to `0.0`.
        seed: int or None, seeds the dropout.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`. TensorFlow runs
            channels-first convolutions on GPU only.
        **kwargs: `keras.layers.Layer` arguments."""


@keras_gan_export
class ConvBlock(_ConvNormAct):
    """Convolution, optional normalization, activation, optional dropout.

    The unit of DCGAN-style networks: `dropout(activation(norm(conv(x))))`
    with `"same"` padding. The convolution has no bias when a normalization
    with its own offset follows.

    Args:
        filters: int, the number of output channels.
        kernel_size: int, the side of the square kernel. Defaults to `3`.
        strides: int, the stride. Defaults to `1`.
        {common}

    Call arguments:
        inputs: a tensor `(batch, height, width, channels)` (channels-last).
        training: bool, for batch norm, dropout and spectral norm.

    Returns:
        A tensor `(batch, ceil(height / strides), ceil(width / strides),
        filters)`.

    Examples:

    >>> block = ConvBlock(16, norm="batch", spectral_norm=True)
    >>> tuple(block(ops.ones((2, 8, 8, 3))).shape)
    (2, 8, 8, 16)

    Reference: Radford et al., "Unsupervised Representation Learning with
    Deep Convolutional GANs", 2016.
    """

    def __init__(self, filters, kernel_size=3, strides=1, **kwargs):
        if kernel_size is None:
            kernel_size = 3
        super().__init__(filters, kernel_size=kernel_size, **kwargs)
        self.strides = validation.positive_int("strides", strides)

    def _conv_kwargs(self):
        return {"strides": self.strides}

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        spatial = (1, 2) if self.data_format == "channels_last" else (2, 3)
        for axis in spatial:
            if shape[axis] is not None:
                shape[axis] = -(-shape[axis] // self.strides)
        shape[_utils.channel_axis(self.data_format)] = self.filters
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "strides": self.strides}


@keras_gan_export
class UpsampleBlock(_ConvNormAct):
    """Doubles the height and width, then normalization and activation.

    `mode="transpose"`: a stride-2 transposed convolution (DCGAN).
    `mode="nearest"` or `"bilinear"`: resize by 2, then a stride-1
    convolution; this avoids the checkerboard artifacts of transposed
    convolutions whose kernel overlaps unevenly (Odena et al., 2016).

    Args:
        filters: int, the number of output channels.
        mode: `"transpose"`, `"nearest"` or `"bilinear"`. Defaults to
            `"transpose"`.
        kernel_size: int or None; `None` means 4 for `"transpose"` (a
            multiple of the stride, for even overlap) and 3 otherwise.
        {common}

    Call arguments:
        inputs: a tensor `(batch, height, width, channels)` (channels-last).
        training: bool, for batch norm, dropout and spectral norm.

    Returns:
        A tensor `(batch, 2 * height, 2 * width, filters)`.

    Examples:

    >>> block = UpsampleBlock(8, mode="nearest", norm="batch")
    >>> tuple(block(ops.ones((2, 4, 4, 16))).shape)
    (2, 8, 8, 8)

    Reference: Radford et al., "Unsupervised Representation Learning with
    Deep Convolutional GANs", 2016; Odena et al., "Deconvolution and
    Checkerboard Artifacts", Distill, 2016.
    """

    _scale = 2

    def __init__(self, filters, mode="transpose", kernel_size=None, **kwargs):
        validation.check_choice("mode", mode, _UP_MODES)
        super().__init__(filters, kernel_size=kernel_size, **kwargs)
        self.mode = mode

    def _kernel(self):
        if self.kernel_size is not None:
            return self.kernel_size
        return 4 if self.mode == "transpose" else 3

    def _make_resize(self):
        if self.mode == "transpose":
            return None
        return keras.layers.UpSampling2D(
            2, interpolation=self.mode, data_format=self.data_format,
            dtype=self.dtype_policy, name="resize",
        )

    def _make_conv(self, kernel_size, **kwargs):
        if self.mode == "transpose":
            return keras.layers.Conv2DTranspose(
                kernel_size=self._kernel(), strides=2, **kwargs
            )
        return keras.layers.Conv2D(kernel_size=self._kernel(), **kwargs)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras_gan_export
class DownsampleBlock(_ConvNormAct):
    """Halves the height and width, with normalization and activation.

    `mode="strided"`: a stride-2 convolution (DCGAN discriminators).
    `mode="avg_pool"` or `"max_pool"`: a stride-1 convolution, then 2x2
    pooling. Odd sizes round up (`"same"` padding in every mode).

    Args:
        filters: int, the number of output channels.
        mode: `"strided"`, `"avg_pool"` or `"max_pool"`. Defaults to
            `"strided"`.
        kernel_size: int or None; `None` means 4 for `"strided"` (DCGAN's
            discriminator) and 3 otherwise.
        {common}

    Call arguments:
        inputs: a tensor `(batch, height, width, channels)` (channels-last).
        training: bool, for batch norm, dropout and spectral norm.

    Returns:
        A tensor `(batch, ceil(height / 2), ceil(width / 2), filters)`.

    Examples:

    >>> block = DownsampleBlock(16, mode="avg_pool", spectral_norm=True)
    >>> tuple(block(ops.ones((2, 8, 8, 3))).shape)
    (2, 4, 4, 16)

    Reference: Radford et al., "Unsupervised Representation Learning with
    Deep Convolutional GANs", 2016.
    """

    _scale = 0.5

    def __init__(self, filters, mode="strided", kernel_size=None, **kwargs):
        validation.check_choice("mode", mode, _DOWN_MODES)
        super().__init__(filters, kernel_size=kernel_size, **kwargs)
        self.mode = mode

    def _make_conv(self, kernel_size, **kwargs):
        if self.kernel_size is not None:
            kernel = self.kernel_size
        else:
            kernel = 4 if self.mode == "strided" else 3
        strides = 2 if self.mode == "strided" else 1
        return keras.layers.Conv2D(
            kernel_size=kernel, strides=strides, **kwargs
        )

    def _make_pool(self):
        if self.mode == "strided":
            return None
        pool = (
            keras.layers.AveragePooling2D
            if self.mode == "avg_pool"
            else keras.layers.MaxPooling2D
        )
        return pool(
            2, padding="same", data_format=self.data_format,
            dtype=self.dtype_policy, name="pool",
        )

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


for _cls in (ConvBlock, UpsampleBlock, DownsampleBlock):
    _cls.__doc__ = _cls.__doc__.replace("{common}", _COMMON_ARGS)
