"""Writes images to TensorBoard event files, with or without TensorFlow.

With TensorFlow installed this is `tf.summary.image`. Without it (a JAX- or
PyTorch-only install) the same record is built by hand: the `tensorboard`
package's pure-Python event writer and protocol buffers, the image
PNG-encoded by Pillow. Both write TensorBoard's "images" plugin format (a
string tensor `[width, height, png]`), so the dashboard shows them alike.
"""

import importlib.util
import io
import time

import numpy as np


def _has_tensorflow():
    return importlib.util.find_spec("tensorflow") is not None


def write_image(logdir, tag, image, step):
    """Appends one image summary to an event file in `logdir`.

    Args:
        logdir: str, the TensorBoard log directory (created if missing).
        tag: str, the summary's name, e.g. "samples".
        image: uint8 array `(height, width, channels)`, channels 1, 3 or 4.
        step: int, the step (epoch) the image belongs to.

    Returns:
        None.

    Examples:

    >>> import tempfile
    >>> write_image(tempfile.mkdtemp(), "grid", np.zeros((4, 6, 1), "uint8"),
    ...             step=1)
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ValueError(
            "`image` should have shape (height, width, channels) with 1, 3 "
            f"or 4 channels. Received shape {image.shape}."
        )
    if image.dtype != np.uint8:
        raise ValueError(
            f"`image` should be uint8 (0..255). Received dtype {image.dtype}."
        )
    try:
        import tensorboard  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "Writing TensorBoard images needs the `tensorboard` package: "
            "`pip install tensorboard` (or `keras-gan[tensorboard]`), or "
            "leave `tensorboard_dir=None`."
        ) from e
    if _has_tensorflow():
        _write_with_tensorflow(str(logdir), tag, image, int(step))
    else:
        _write_without_tensorflow(str(logdir), tag, image, int(step))


def _write_with_tensorflow(logdir, tag, image, step):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        tf.summary.image(tag, image[None], step=step)
    writer.close()


def _write_without_tensorflow(logdir, tag, image, step):
    from PIL import Image
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.compat.proto import tensor_pb2
    from tensorboard.compat.proto import tensor_shape_pb2
    from tensorboard.compat.proto import types_pb2
    from tensorboard.plugins.image import metadata
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    height, width, channels = image.shape
    png = io.BytesIO()
    Image.fromarray(image[..., 0] if channels == 1 else image).save(
        png, format="PNG"
    )
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=3)]
        ),
        string_val=[str(width).encode(), str(height).encode(), png.getvalue()],
    )
    value = summary_pb2.Summary.Value(
        tag=tag,
        tensor=tensor,
        metadata=metadata.create_summary_metadata(
            display_name=tag, description=""
        ),
    )
    event = event_pb2.Event(
        wall_time=time.time(),
        step=step,
        summary=summary_pb2.Summary(value=[value]),
    )
    writer = EventFileWriter(logdir)
    writer.add_event(event)
    writer.close()
