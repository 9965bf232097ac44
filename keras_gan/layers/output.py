"""A generator's declared output range (an identity layer)."""

import keras

from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class OutputRange(keras.layers.Layer):
    """Declares the value range of a generator whose output is linear.

    The identity: it changes no value. `GAN.compile(data_range="auto")`
    reads it as the generator's output range, as it reads a final tanh
    ([-1, 1]) or sigmoid ([0, 1]); the data is then checked against it, and
    the warning about a generator without a bounded output is not raised.
    Use it as the generator's last layer when the output is linear on
    purpose (R3GAN, StyleGAN and ProGAN learn their range in training; the
    builders of `keras_gan.models` end with it). `OutputRange()` with no
    bounds declares an output unbounded on purpose (e.g. real-valued
    sequences): no warning, and no data-range check. It saves with the
    model, so a loaded generator keeps its declaration.

    Args:
        low: float or None, the lowest value of the data. Defaults to -1.
        high: float or None, the highest value of the data. Defaults to 1.
            Both None: unbounded on purpose.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Call arguments:
        inputs: a tensor, returned unchanged.

    Returns:
        `inputs`.

    Examples:

    >>> import numpy as np
    >>> layer = OutputRange(-1.0, 1.0)
    >>> layer.value_range
    (-1.0, 1.0)
    >>> x = np.array([[3.0, -2.0]], "float32")
    >>> bool((keras.ops.convert_to_numpy(layer(x)) == x).all())
    True
    >>> OutputRange(None, None).value_range is None
    True
    """

    def __init__(self, low=-1.0, high=1.0, **kwargs):
        super().__init__(**kwargs)
        if (low is None) != (high is None):
            raise ValueError(
                "`OutputRange` takes both bounds or neither. Received: "
                f"`low={low!r}`, `high={high!r}`"
            )
        if low is not None:
            low = validation.check_float("low", low)
            high = validation.check_float("high", high)
            if not low < high:
                raise ValueError(
                    "`OutputRange` needs `low < high`. Received: "
                    f"`low={low!r}`, `high={high!r}`"
                )
        self.low = low
        self.high = high
        self.supports_masking = True

    @property
    def value_range(self):
        """`(low, high)`, or None for an output unbounded on purpose."""
        return None if self.low is None else (self.low, self.high)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high}
