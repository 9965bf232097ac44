"""Filtered (blur) resampling by a factor of 2."""

import keras
import numpy as np
from keras import ops

from keras_gan.layers import _utils
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


def _lowpass_taps(taps):
    """The normalized 1-D filter: `taps` convolved with `[1, 1]`."""
    taps = np.convolve(np.asarray(taps, "float64"), [1.0, 1.0])
    return taps / taps.sum()


def lowpass_kernel(taps):
    """The 2-D resampling filter that a 1-D binomial `taps` stands for.

    As in R3GAN's interpolative resamplers (and StyleGAN2's `upfirdn2d`),
    the taps are convolved with `[1, 1]` (the box of a factor-2 step), the
    outer product is taken and the result normalized to sum 1: `[1, 2, 1]`
    gives the separable `[1, 3, 3, 1] / 8` in each axis, the bilinear
    filter.

    Args:
        taps: sequence of non-negative numbers, the 1-D taps.

    Returns:
        A float32 numpy array `(len(taps) + 1, len(taps) + 1)`.
    """
    taps = _lowpass_taps(taps)
    return np.outer(taps, taps).astype("float32")


@keras_gan_export
class BlurResample(keras.layers.Layer):
    """Upsamples or downsamples by 2 with a low-pass (blur) filter.

    A GAN's nearest-neighbour upsampling and strided or pooled
    downsampling alias: they leave the high frequencies that give
    checkerboard patterns, and a discriminator can key on them. Filtering
    around the rate change removes them. With `mode="down"`, every channel
    is zero-padded, convolved with the filter of `lowpass_kernel(taps)`
    and subsampled by 2; with `mode="up"`, zeros are inserted between the
    pixels and the result is convolved with 4 times the filter (so a
    constant image stays constant away from the borders). The default
    taps `[1, 2, 1]` give `[1, 3, 3, 1] / 8` per axis: bilinear
    interpolation, with zeros beyond the image as in R3GAN and StyleGAN2
    (`upfirdn2d`'s padding) rather than repeated edge pixels. No weights;
    channels are filtered independently.

    Args:
        mode: `"up"` or `"down"`.
        taps: tuple of non-negative numbers, the 1-D binomial taps.
            Defaults to `(1, 2, 1)` (R3GAN's filter).
        data_format: `"channels_last"` or `"channels_first"`; `None` means
            `keras.config.image_data_format()`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: a 4-D tensor of images or feature maps, known channels.

    Returns:
        A tensor with both spatial sides doubled (`"up"`) or halved, rounded
        up (`"down"`), in the compute dtype.

    Examples:

    >>> x = ops.ones((1, 4, 4, 1))
    >>> up = BlurResample("up")(x)
    >>> tuple(up.shape), round(float(up[0, 3, 3, 0]), 4)  # inside: still 1
    ((1, 8, 8, 1), 1.0)
    >>> round(float(up[0, 0, 0, 0]), 4)  # a corner: 3/4 * 3/4
    0.5625
    >>> down = BlurResample("down")(ops.ones((1, 5, 6, 1)))
    >>> tuple(down.shape), round(float(down[0, 1, 1, 0]), 4)
    ((1, 3, 3, 1), 1.0)

    Reference: Huang et al., "The GAN is dead; long live the GAN! A Modern
    GAN Baseline", NeurIPS 2024 (the `[1, 2, 1]` resamplers); Karras et
    al., "Analyzing and Improving the Image Quality of StyleGAN", 2020;
    Zhang, "Making Convolutional Networks Shift-Invariant Again", 2019.
    """

    def __init__(self, mode, taps=(1, 2, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.mode = validation.check_choice("mode", mode, ("up", "down"))
        if not isinstance(taps, (list, tuple)) or not taps:
            raise ValueError(
                "`taps` should be a non-empty tuple of non-negative "
                f"numbers. Received: `taps={taps!r}`"
            )
        for tap in taps:
            validation.non_negative_float("taps", tap)
        if sum(taps) <= 0:
            raise ValueError(
                f"`taps` should not sum to zero. Received: `taps={taps!r}`"
            )
        self.taps = tuple(taps)
        self.data_format = _utils.standardize_data_format(data_format)
        taps = _lowpass_taps(self.taps)  # lowpass_kernel: its outer product
        if self.mode == "up":
            taps = taps * 2.0  # the gain of the inserted zeros, per axis
        # A true convolution: the taps flipped for the sliding sum.
        self._taps = tuple(float(t) for t in taps[::-1])
        size = len(taps)
        # upfirdn2d's padding: the output is exactly 2x (or 1/2x) the input.
        if self.mode == "up":
            self._pads = ((size + 1) // 2, (size - 2) // 2)
        else:
            self._pads = ((size - 1) // 2, (size - 2) // 2)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                "`BlurResample` expects 4-D inputs (batch, height, width, "
                f"channels). Received: input shape {tuple(input_shape)}"
            )
        axis = _utils.channel_axis(self.data_format)
        if input_shape[axis] is None:
            raise ValueError(
                "`BlurResample` needs a known number of channels. Received: "
                f"input shape {tuple(input_shape)}"
            )
        self._channels = int(input_shape[axis])

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        # Unknown sides count as even.
        height, width = (side or 0 for side in x.shape[1:3])
        before, after = self._pads
        if self.mode == "up":
            x = _insert_zeros(x, self._channels)
            pads = ((before, after), (before, after))
        else:
            # Odd sides get one more zero, so the output is ceil(side / 2).
            pads = ((before, after + height % 2), (before, after + width % 2))
        x = ops.pad(x, ((0, 0), *pads, (0, 0)))
        # The filter is separable: one sliding sum of shifted slices per
        # axis. Elementwise work, where a depthwise convolution (and its
        # gradient) runs several times slower on XLA's and TensorFlow's CPU
        # kernels.
        stride = 1 if self.mode == "up" else 2
        x = _sliding_sum(x, self._taps, 1, stride)
        x = _sliding_sum(x, self._taps, 2, stride)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        for axis in axes:
            if shape[axis] is not None:
                shape[axis] = (
                    2 * shape[axis] if self.mode == "up"
                    else -(-shape[axis] // 2)
                )
        return tuple(shape)

    def get_config(self):
        return {
            **super().get_config(),
            "mode": self.mode,
            "taps": self.taps,
            "data_format": self.data_format,
        }


def _insert_zeros(x, channels):
    """(b, h, w, c) -> (b, 2h, 2w, c) with x at the even positions."""
    _, height, width, _ = ops.shape(x)
    x = ops.stack([x, ops.zeros_like(x)], axis=2)  # (b, h, 2, w, c)
    x = ops.reshape(x, (-1, 2 * height, width, channels))
    x = ops.stack([x, ops.zeros_like(x)], axis=3)  # (b, 2h, w, 2, c)
    return ops.reshape(x, (-1, 2 * height, 2 * width, channels))


def _sliding_sum(x, taps, axis, stride):
    """`y[o] = sum_k taps[k] * x[stride * o + k]` along `axis` (valid)."""
    last = len(taps) - 1
    total = None
    for k, tap in enumerate(taps):
        end = k - last if k < last else None
        index = [slice(None)] * 4
        index[axis] = slice(k, end, stride)
        term = x[tuple(index)] * tap
        total = term if total is None else total + term
    return total
