"""Normalization layers of GAN architectures, and the minibatch statistic.

Statistics are computed in float32 whatever the compute dtype (float16
overflows on sums of squares), and the result is cast back.
"""

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class InstanceNormalization(keras.layers.Layer):
    """Instance normalization: each sample's channels normalized on their own.

    For a sample `n` and channel `c`, with `mu` and `var` the mean and
    variance over the spatial positions,
    `y = gamma_c * (x - mu_nc) / sqrt(var_nc + epsilon) + beta_c`. Unlike
    batch normalization it does not mix samples, so generated images do not
    depend on what else is in the batch: the norm of image-to-image GANs
    (pix2pix, CycleGAN) and of style transfer. It is exactly
    `keras.layers.GroupNormalization(groups=-1)`, computed here directly so
    that `data_format` and the float32 statistics are explicit.

    Args:
        center: bool, whether to add a learned per-channel offset `beta`.
            Defaults to `True`.
        scale: bool, whether to multiply by a learned per-channel `gamma`.
            Defaults to `True`.
        epsilon: float, added to the variance. Defaults to `1e-5`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Call arguments:
        inputs: a tensor of rank >= 3, `(batch, *spatial, channels)` when
            channels-last.

    Returns:
        A tensor of the same shape, in the compute dtype.

    Examples:

    >>> x = keras.random.normal((2, 8, 8, 3), mean=5.0, seed=0)
    >>> y = InstanceNormalization()(x)
    >>> tuple(y.shape)
    (2, 8, 8, 3)
    >>> bool(ops.all(ops.abs(ops.mean(y, axis=(1, 2))) < 1e-4))
    True

    Reference: Ulyanov et al., "Instance Normalization: The Missing
    Ingredient for Fast Stylization", 2016.
    """

    def __init__(
        self, center=True, scale=True, epsilon=1e-5, data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.center = bool(center)
        self.scale = bool(scale)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        _utils.check_rank(type(self).__name__, input_shape, 3)
        channels = input_shape[_utils.channel_axis(self.data_format)]
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,), initializer="ones", name="gamma",
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,), initializer="zeros", name="beta",
                autocast=False,
            )

    def call(self, inputs):
        rank = len(inputs.shape)
        y = _utils.instance_normalize(inputs, self.epsilon, self.data_format)
        channels = inputs.shape[_utils.channel_axis(self.data_format)]
        shape = _utils.per_sample_shape(channels, rank, self.data_format)
        shape[0] = 1
        if self.scale:
            y = y * ops.reshape(ops.cast(self.gamma, "float32"), shape)
        if self.center:
            y = y + ops.reshape(ops.cast(self.beta, "float32"), shape)
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "center": self.center,
            "scale": self.scale,
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }


@keras_gan_export
class PixelNormalization(keras.layers.Layer):
    """Pixelwise feature normalization (ProGAN).

    Each position's feature vector is scaled to unit root mean square:
    `y = x / sqrt(mean_c(x ** 2) + epsilon)`. ProGAN puts it after every
    generator convolution in place of batch norm, to keep signal magnitudes
    from escalating; StyleGAN applies it to the latent `z`. No weights.

    Args:
        epsilon: float, added to the mean square. Defaults to `1e-8`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`. A rank-2 input `(batch,
            features)` is normalized over its features in both formats.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor of rank >= 2.

    Returns:
        A tensor of the same shape, in the compute dtype.

    Examples:

    >>> y = PixelNormalization()(3.0 * ops.ones((2, 4, 4, 8)))
    >>> tuple(y.shape), round(float(y[0, 0, 0, 0]), 4)
    ((2, 4, 4, 8), 1.0)

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 4.2.
    """

    def __init__(self, epsilon=1e-8, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        _utils.check_rank(type(self).__name__, input_shape, 2)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        axis = _utils.channel_axis(self.data_format)
        mean_square = ops.mean(ops.square(x), axis=axis, keepdims=True)
        y = x * ops.rsqrt(mean_square + self.epsilon)
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }


@keras_gan_export
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization whose scale and offset are chosen by the label.

    `y = gamma[label] * BN(x) + beta[label]`, where `BN` is
    `keras.layers.BatchNormalization(center=False, scale=False)` (batch
    statistics in training, moving averages in inference) and `gamma`,
    `beta` are `(num_classes, channels)` tables initialized to ones and
    zeros. The class-conditional generator norm of cGANs with projection
    discriminators, SNGAN and BigGAN.

    Args:
        num_classes: int, the number of classes.
        momentum: float, momentum of the moving statistics. Defaults to
            `0.99`.
        epsilon: float, added to the variance. Defaults to `1e-3`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[x, labels]`: `x` of rank >= 2, `labels` integers of shape
            `(batch,)` or `(batch, 1)` in `[0, num_classes)`; out-of-range
            labels raise an error when their values are known (eagerly).
        training: bool, whether to use the batch statistics and update the
            moving ones.

    Returns:
        A tensor with the shape of `x`, in the compute dtype.

    Examples:

    >>> cbn = ConditionalBatchNormalization(num_classes=10)
    >>> x = keras.random.normal((4, 8, 8, 16), seed=0)
    >>> y = cbn([x, ops.array([0, 1, 2, 3])], training=True)
    >>> tuple(y.shape)
    (4, 8, 8, 16)

    Reference: de Vries et al., "Modulating early visual processing by
    language", 2017; Miyato & Koyama, "cGANs with Projection
    Discriminator", 2018.
    """

    def __init__(
        self,
        num_classes,
        momentum=0.99,
        epsilon=1e-3,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = validation.positive_int("num_classes", num_classes)
        self.momentum = validation.check_float(
            "momentum", momentum, 0.0, 1.0, max_inclusive=False
        )
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        x_shape, _ = input_shape
        _utils.check_rank(type(self).__name__, x_shape, 2)
        axis = _utils.channel_axis(self.data_format)
        if len(x_shape) == 2:
            axis = -1
        channels = x_shape[axis]
        self.batch_norm = keras.layers.BatchNormalization(
            axis=axis,
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=False,
            scale=False,
            dtype=self.dtype_policy,
            name="batch_norm",
        )
        self.batch_norm.build(x_shape)
        self.gamma = self.add_weight(
            shape=(self.num_classes, channels), initializer="ones",
            name="gamma", autocast=False,
        )
        self.beta = self.add_weight(
            shape=(self.num_classes, channels), initializer="zeros",
            name="beta", autocast=False,
        )

    def call(self, inputs, training=None):
        x, labels = inputs
        labels = _utils.flat_labels(labels)
        _utils.check_labels(labels, self.num_classes, type(self).__name__)
        y = ops.cast(self.batch_norm(x, training=training), "float32")
        rank = len(x.shape)
        channels = self.gamma.shape[-1]
        fmt = self.data_format if rank > 2 else "channels_last"
        shape = _utils.per_sample_shape(channels, rank, fmt)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), shape)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), shape)
        y = y * ops.cast(gamma, "float32") + ops.cast(beta, "float32")
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }


@keras_gan_export
class MinibatchStdDev(keras.layers.Layer):
    """Appends the minibatch standard deviation as one extra feature map.

    The batch is split into groups of `group_size` samples: sample `n`
    belongs to group `n mod M`, with `M = ceil(batch / group_size)` groups
    (StyleGAN's grouping when the batch is a multiple of `group_size`; with
    other batch sizes the groups differ in size by at most one). For each
    group, the standard deviation of every feature over the group's samples,
    `sqrt(var + epsilon)`, is averaged over all features and positions; that
    scalar fills one extra channel of every sample of the group. A
    discriminator that sees the batch's variety can penalize a generator
    that collapses to a few modes.

    Args:
        group_size: int, the number of samples per group. Defaults to `4`.
        epsilon: float, added to the variance. Defaults to `1e-8`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor `(batch, *spatial, channels)` (channels-last) of
            rank >= 2, any batch size.

    Returns:
        A tensor with one more channel, in the compute dtype.

    Examples:

    >>> y = MinibatchStdDev(group_size=2)(keras.random.normal((4, 8, 8, 3)))
    >>> tuple(y.shape)
    (4, 8, 8, 4)

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 3.
    """

    def __init__(self, group_size=4, epsilon=1e-8, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.group_size = validation.positive_int("group_size", group_size)
        self.epsilon = validation.positive_float("epsilon", epsilon)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        _utils.check_rank(type(self).__name__, input_shape, 2)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        batch = ops.shape(x)[0]
        num_groups = (batch + self.group_size - 1) // self.group_size
        # membership[n, m] = 1 when sample n is in group m = n mod M; a
        # matrix rather than a reshape, so any batch size works.
        group_of = ops.mod(ops.arange(batch), num_groups)
        membership = ops.cast(
            ops.equal(
                ops.expand_dims(group_of, 1),
                ops.expand_dims(ops.arange(num_groups), 0),
            ),
            "float32",
        )
        flat = ops.reshape(x, (batch, -1))
        counts = ops.sum(membership, axis=0)[:, None]
        group_mean = ops.matmul(ops.transpose(membership), flat) / counts
        centered = flat - ops.matmul(membership, group_mean)
        group_var = (
            ops.matmul(ops.transpose(membership), ops.square(centered))
            / counts
        )
        group_std = ops.mean(ops.sqrt(group_var + self.epsilon), axis=1)
        stat = ops.matmul(membership, group_std[:, None])  # (batch, 1)
        axis = _utils.channel_axis(self.data_format)
        if len(inputs.shape) == 2:
            axis = -1
        rank = len(inputs.shape)
        stat = ops.reshape(stat, [-1] + [1] * (rank - 1))
        map_shape = list(ops.shape(x))
        map_shape[axis] = 1
        stat_map = ops.broadcast_to(stat, map_shape)
        y = ops.concatenate([x, stat_map], axis=axis)
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = _utils.channel_axis(self.data_format)
        if len(shape) == 2:
            axis = -1
        if shape[axis] is not None:
            shape[axis] += 1
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "group_size": self.group_size,
            "epsilon": self.epsilon,
            "data_format": self.data_format,
        }
