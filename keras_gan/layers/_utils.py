"""Argument checks and shape helpers shared by the layer families."""

import warnings

import keras
import numpy as np
from keras import ops

from keras_gan.utils import validation

NORMS = (None, "batch", "instance", "layer", "pixel", "group")


def standardize_data_format(data_format):
    if data_format is None:
        return keras.config.image_data_format()
    return validation.check_choice(
        "data_format", data_format, ("channels_last", "channels_first")
    )


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def check_rank(layer_name, shape, min_rank, what="input"):
    if len(shape) < min_rank:
        raise ValueError(
            f"`{layer_name}` expects a rank >= {min_rank} {what} (batch, "
            f"..., channels). Received: {what} shape {tuple(shape)}"
        )


def known_values(x):
    """`x` as numpy when its values are known (eager), else None.

    Inside `jax.jit`, `tf.function` or while Keras infers shapes, values are
    unknown and the conversion raises; that is the only failure expected.
    """
    if isinstance(x, np.ndarray):
        return x
    if keras.backend.is_keras_tensor(x):
        return None
    try:
        with warnings.catch_warnings():
            # numpy 2 warns about torch's `__array__`; not our concern here.
            warnings.simplefilter("ignore", DeprecationWarning)
            return np.asarray(ops.convert_to_numpy(x))
    except Exception:  # tracers and symbolic tensors cannot be read
        return None


def check_labels(labels, num_classes, layer_name):
    """Raises a clear error on out-of-range labels whose values are known."""
    values = known_values(labels)
    if values is None or values.size == 0:
        return
    bad = values[(values < 0) | (values >= num_classes)]
    if bad.size:
        raise ValueError(
            f"`{layer_name}` got labels outside [0, {num_classes - 1}] "
            f"(`num_classes={num_classes}`). Received out-of-range values: "
            f"{sorted(set(bad.ravel().tolist()))[:10]}"
        )


def flat_labels(labels):
    """Integer labels `(batch,)` from `(batch,)` or `(batch, 1)`."""
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[-1] == 1:
        labels = ops.squeeze(labels, axis=-1)
    if len(labels.shape) != 1:
        raise ValueError(
            "Labels should be integers of shape (batch,) or (batch, 1). "
            f"Received: shape {tuple(labels.shape)}"
        )
    return ops.cast(labels, "int32")


def per_sample_shape(channels, rank, data_format):
    """Broadcast shape of a per-sample, per-channel value: (-1, 1, .., C)."""
    shape = [-1] + [1] * (rank - 2)
    if data_format == "channels_last":
        return shape + [channels]
    return [-1, channels] + [1] * (rank - 2)


def instance_normalize(inputs, epsilon, data_format):
    """Each (sample, channel) to mean 0, variance 1 over space, in float32.

    Shared by InstanceNormalization and AdaptiveInstanceNormalization.
    """
    rank = len(inputs.shape)
    x = ops.cast(inputs, "float32")
    if data_format == "channels_last":
        axes = tuple(range(1, rank - 1))
    else:
        axes = tuple(range(2, rank))
    mean, variance = ops.moments(x, axes=axes, keepdims=True)
    return (x - mean) * ops.rsqrt(variance + epsilon)
