"""The residual block of SNGAN / BigGAN-style networks (`ResidualBlock`)."""

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.layers.blocks import _norm_layer
from keras_gan.layers.blocks import _resampled_shape
from keras_gan.layers.norms import ConditionalBatchNormalization
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class ResidualBlock(keras.layers.Layer):
    """A pre-activation residual block, optionally resampling (SNGAN).

    Main path: `norm -> activation -> [up] -> conv -> norm -> activation ->
    conv -> [down]`; shortcut: `[up] -> conv1x1 -> [down]`, the learned
    1x1 convolution present only when the shape changes (channels differ or
    `resample` is set), otherwise the identity. Output: their sum. `"up"`
    is nearest-neighbour upsampling (generators), `"down"` 2x2 average
    pooling (discriminators). Generators use `norm="batch"` (or
    class-conditional batch norm with `num_classes`), discriminators
    `spectral_norm=True` and no norm.

    Args:
        filters: int, the number of output channels.
        resample: `None`, `"up"` or `"down"`. Defaults to `None`.
        norm: as in `ConvBlock`. Defaults to `None`.
        spectral_norm: bool, whether to wrap every convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        activation: activation name or callable. Defaults to `"relu"`.
        kernel_size: int, the main path's kernel side. Defaults to `3`.
        num_classes: int or None; if set, both norms are
            `ConditionalBatchNormalization` (needs `norm="batch"`) and the
            block is called on `[x, labels]` (BigGAN's generator blocks).
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`. TensorFlow runs
            channels-first convolutions on GPU only.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `x` `(batch, height, width, channels)` (channels-last), or
            `[x, labels]` with `num_classes`.
        training: bool, for batch norm and spectral norm.

    Returns:
        A tensor `(batch, height', width', filters)`: the same size, twice
        it (`"up"`) or half of it rounded up (`"down"`).

    Examples:

    >>> block = ResidualBlock(32, resample="down", spectral_norm=True)
    >>> tuple(block(ops.ones((2, 8, 8, 16))).shape)
    (2, 4, 4, 32)

    Reference: Miyato et al., "Spectral Normalization for Generative
    Adversarial Networks", 2018, appendix B; Gulrajani et al., "Improved
    Training of Wasserstein GANs", 2017.
    """

    def __init__(
        self,
        filters,
        resample=None,
        norm=None,
        spectral_norm=False,
        activation="relu",
        kernel_size=3,
        num_classes=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = validation.positive_int("filters", filters)
        self.resample = validation.check_choice(
            "resample", resample, (None, "up", "down")
        )
        self.norm = validation.check_choice("norm", norm, _utils.NORMS)
        self.spectral_norm = bool(spectral_norm)
        self.activation = keras.activations.get(activation)
        self.kernel_size = validation.positive_int("kernel_size", kernel_size)
        if num_classes is not None:
            num_classes = validation.positive_int("num_classes", num_classes)
            if norm != "batch":
                raise ValueError(
                    "`num_classes` makes the norms class-conditional batch "
                    "norms and needs `norm='batch'`. Received: "
                    f"`norm={norm!r}`"
                )
        self.num_classes = num_classes
        self.data_format = _utils.standardize_data_format(data_format)

    def _conv(self, kernel_size, name):
        conv = keras.layers.Conv2D(
            self.filters, kernel_size, padding="same",
            use_bias=kernel_size == 1 or self.norm in (None, "pixel"),
            data_format=self.data_format, dtype=self.dtype_policy, name=name,
        )
        if self.spectral_norm:
            conv = keras.layers.SpectralNormalization(
                conv, dtype=self.dtype_policy, name=f"{name}_sn"
            )
        return conv

    def _norm(self, channels, name):
        if self.num_classes is not None:
            return ConditionalBatchNormalization(
                self.num_classes, data_format=self.data_format,
                dtype=self.dtype_policy, name=name,
            )
        return _norm_layer(
            self.norm, channels, self.data_format, self.dtype_policy, name
        )

    def build(self, input_shape):
        if self.num_classes is not None:
            input_shape, labels_shape = input_shape
        channels = input_shape[_utils.channel_axis(self.data_format)]
        dtype = self.dtype_policy
        self.upsample = self.downsample = None
        if self.resample == "up":
            self.upsample = keras.layers.UpSampling2D(
                2, data_format=self.data_format, dtype=dtype, name="upsample"
            )
        elif self.resample == "down":
            self.downsample = keras.layers.AveragePooling2D(
                2, padding="same", data_format=self.data_format, dtype=dtype,
                name="downsample",
            )
        self.norm1 = self._norm(channels, "norm1")
        self.conv1 = self._conv(self.kernel_size, "conv1")
        self.norm2 = self._norm(self.filters, "norm2")
        self.conv2 = self._conv(self.kernel_size, "conv2")
        self.shortcut = None
        if channels != self.filters or self.resample is not None:
            self.shortcut = self._conv(1, "shortcut")

        def build_norm(norm, shape):
            if norm is None:
                return
            norm.build([shape, labels_shape] if self.num_classes else shape)

        shape = tuple(input_shape)
        build_norm(self.norm1, shape)
        if self.upsample is not None:
            # Built here, not on first call: a functional model infers the
            # block's output from `compute_output_shape` without calling
            # it, and Keras's trainers rebuild a model (calling it on a
            # data batch) while any of its layers is unbuilt.
            self.upsample.build(shape)
            shape = self.upsample.compute_output_shape(shape)
        short_shape = shape
        self.conv1.build(shape)
        shape = self.conv1.compute_output_shape(shape)
        build_norm(self.norm2, shape)
        self.conv2.build(shape)
        if self.shortcut is not None:
            self.shortcut.build(short_shape)

    def call(self, inputs, training=None):
        if self.num_classes is not None:
            x, labels = inputs
        else:
            x, labels = inputs, None

        def norm(layer, h):
            if layer is None:
                return h
            if labels is not None:
                return layer([h, labels], training=training)
            return layer(h, training=training)

        h = self.activation(norm(self.norm1, x))
        skip = x
        if self.upsample is not None:
            h = self.upsample(h)
            skip = self.upsample(skip)
        h = self.conv1(h, training=training)
        h = self.activation(norm(self.norm2, h))
        h = self.conv2(h, training=training)
        if self.shortcut is not None:
            skip = self.shortcut(skip, training=training)
        if self.downsample is not None:
            h = self.downsample(h)
            skip = self.downsample(skip)
        return ops.add(h, skip)

    def compute_output_shape(self, input_shape):
        if self.num_classes is not None:
            input_shape = input_shape[0]
        scale = {None: 1, "up": 2, "down": 0.5}[self.resample]
        return _resampled_shape(
            input_shape, self.filters, scale, self.data_format
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "resample": self.resample,
            "norm": self.norm,
            "spectral_norm": self.spectral_norm,
            "activation": keras.activations.serialize(self.activation),
            "kernel_size": self.kernel_size,
            "num_classes": self.num_classes,
            "data_format": self.data_format,
        }
