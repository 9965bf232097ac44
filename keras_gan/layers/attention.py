"""Self-attention over spatial positions (SAGAN)."""

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class SelfAttention(keras.layers.Layer):
    """SAGAN's non-local self-attention block.

    With `N = height * width` positions and 1x1 projections `f` (queries),
    `g` (keys) to `C / reduction` channels, `h` (values) to
    `C / reduction` channels and `v` back to `C` channels, the attention map
    is `beta = softmax(f(x) g(x)^T)` (each row, a query position, sums to 1
    over the key positions) and `y = x + gamma * v(beta h(x))`. The scale
    `gamma` starts at 0, so the layer starts as the identity and the
    network learns to rely on long-range dependencies gradually. The
    softmax is computed in float32.

    Args:
        reduction: int, the channel reduction of queries, keys and values.
            Defaults to `8`, as in SAGAN; at least one channel is kept.
        spectral_norm: bool, whether to wrap the four projections in
            `keras.layers.SpectralNormalization` (SAGAN does, in both
            networks). Defaults to `False`.
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a tensor `(batch, height, width, channels)` (channels-last).
        return_attention: bool; if `True`, also returns the attention map
            `(batch, N, N)`. Defaults to `False`.
        training: bool, passed to the spectral normalization.

    Returns:
        A tensor of the shape of `inputs`, or `(outputs, attention)`.

    Examples:

    >>> attention = SelfAttention()
    >>> x = keras.random.normal((2, 4, 4, 16), seed=0)
    >>> y, beta = attention(x, return_attention=True)
    >>> tuple(y.shape), tuple(beta.shape)
    ((2, 4, 4, 16), (2, 16, 16))
    >>> bool(ops.all(y == x))  # gamma starts at 0
    True

    Reference: Zhang et al., "Self-Attention Generative Adversarial
    Networks", 2019.
    """

    def __init__(
        self, reduction=8, spectral_norm=False, data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.reduction = validation.positive_int("reduction", reduction)
        self.spectral_norm = bool(spectral_norm)
        self.data_format = _utils.standardize_data_format(data_format)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                "`SelfAttention` expects inputs (batch, height, width, "
                f"channels). Received: shape {tuple(input_shape)}"
            )
        channels = input_shape[_utils.channel_axis(self.data_format)]
        inner = max(1, channels // self.reduction)

        def projection(units, name):
            layer = keras.layers.Dense(
                units, use_bias=False, dtype=self.dtype_policy, name=name
            )
            if self.spectral_norm:
                layer = keras.layers.SpectralNormalization(
                    layer, dtype=self.dtype_policy, name=f"{name}_sn"
                )
            return layer

        self.query = projection(inner, "query")
        self.key = projection(inner, "key")
        self.value = projection(inner, "value")
        self.output_projection = projection(channels, "output_projection")
        for layer in (self.query, self.key, self.value):
            layer.build((None, None, channels))
        self.output_projection.build((None, None, inner))
        self.gamma = self.add_weight(
            shape=(), initializer="zeros", name="gamma"
        )

    def call(self, inputs, return_attention=False, training=None):
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        shape = ops.shape(x)
        flat = ops.reshape(x, (shape[0], -1, shape[3]))
        query = self.query(flat, training=training)
        key = self.key(flat, training=training)
        value = self.value(flat, training=training)
        logits = ops.matmul(
            ops.cast(query, "float32"),
            ops.transpose(ops.cast(key, "float32"), (0, 2, 1)),
        )
        attention = ops.softmax(logits, axis=-1)
        out = ops.matmul(ops.cast(attention, value.dtype), value)
        out = self.output_projection(out, training=training)
        out = ops.reshape(out, shape)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        y = inputs + self.gamma * out
        if return_attention:
            return y, attention
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention=False,
                            training=None):
        outputs = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not return_attention:
            return outputs
        if self.data_format == "channels_last":
            h, w = inputs.shape[1], inputs.shape[2]
        else:
            h, w = inputs.shape[2], inputs.shape[3]
        n = None if h is None or w is None else h * w
        attention = keras.KerasTensor((inputs.shape[0], n, n), "float32")
        return outputs, attention

    def get_config(self):
        return {
            **super().get_config(),
            "reduction": self.reduction,
            "spectral_norm": self.spectral_norm,
            "data_format": self.data_format,
        }
