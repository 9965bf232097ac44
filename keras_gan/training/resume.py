"""Exact resume: the data order and the epoch come from the GAN's state.

The GAN saves, with its seed-generator state, its training progress: a
shuffle seed, the epochs it has completed (over every `fit`) and the epoch
of the current `fit`. From them:

- in-memory arrays with `shuffle=True` are served by `ShuffledArrays`,
  whose order in each epoch is a permutation drawn from
  `(shuffle_seed, epochs completed)`, so save -> load -> fit sees the
  batches an uninterrupted run sees;
- after `BackupAndRestore` restores a backup, the epoch `fit` continues
  from is the one stored in the backup's weights, never a metadata file
  written separately (`FaultMonitor` sets it).
"""

import math

import keras
import numpy as np

from keras_gan.training import checkpoint
from keras_gan.training import faults


class ShuffledArrays(keras.utils.PyDataset):
    """In-memory arrays in batches, shuffled from the GAN's saved state.

    Args:
        gan: the GAN (its `training_progress` gives the epoch and seed).
        x: images, a numpy array.
        y: labels or None.
        batch_size: int.
    """

    def __init__(self, gan, x, y, batch_size):
        super().__init__()
        self.gan = gan
        self.x = x
        self.y = y
        self.batch_size = batch_size
        self.order = np.arange(len(x))

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def on_epoch_begin(self):
        seed, epoch, _ = self.gan.training_progress
        rng = np.random.default_rng([seed, epoch])
        self.order = rng.permutation(len(self.x))

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:][: self.batch_size]
        if self.y is None:
            return (self.x[rows],)
        return self.x[rows], self.y[rows]


class Progress(keras.callbacks.Callback):
    """Counts epochs into the GAN's state; checks backups first.

    `GAN.fit` puts it first among the callbacks, so the count is up to
    date when `ModelCheckpoint` or `BackupAndRestore` save at epoch end.

    Args:
        backups: the `keras.callbacks.BackupAndRestore` callbacks of this
            `fit`, whose files are checked before they are loaded.
    """

    def __init__(self, backups=()):
        super().__init__()
        self.backups = list(backups)

    def on_train_begin(self, logs=None):
        for backup in self.backups:
            checkpoint.repair_backup(backup)

    def on_epoch_end(self, epoch, logs=None):
        seed, done, _ = self.model.training_progress
        self.model.training_progress = (seed, done + 1, epoch + 1)


_FIT_ARGS = ("batch_size", "epochs", "verbose", "callbacks")


def fit_arguments(gan, x, y, args, kwargs):
    """`GAN.fit`'s arguments: checks, data wrapper and fault callbacks.

    Args:
        gan: the GAN.
        x, y: `fit`'s data.
        args, kwargs: `fit`'s other arguments.

    Returns:
        `(x, y, kwargs)` for `keras.Model.fit`.
    """
    if len(args) > len(_FIT_ARGS):
        raise TypeError(
            "`GAN.fit()` takes `batch_size, epochs, verbose, callbacks` "
            "positionally; pass the other arguments by name."
        )
    kwargs = dict(kwargs)
    kwargs.update(zip(_FIT_ARGS, args))
    faults.check_arrays(x, gan.data_range)
    # In-memory arrays are checked whole, here and in `GAN.fit` (labels):
    # the eager backends then skip the per-batch host check, which on JAX
    # waits for each batch's transfer and so for the step before it.
    gan.batches_prechecked = isinstance(x, np.ndarray) and (
        y is None or isinstance(y, np.ndarray)
    )
    gan.full_batch_size = None
    x = pin_image_shape(x, gan.image_shape)
    callbacks = list(kwargs.get("callbacks") or [])
    backups = [
        c for c in callbacks
        if isinstance(c, keras.callbacks.BackupAndRestore)
    ]
    kwargs["callbacks"] = (
        [Progress(backups)]
        + callbacks
        + [faults.FaultMonitor(gan.max_bad_steps, gan.step_config(), backups)]
    )
    shuffle = kwargs.get("shuffle", True)
    if isinstance(x, np.ndarray) and shuffle is True and (
        y is None or isinstance(y, np.ndarray)
    ) and kwargs.get("sample_weight") is None:
        batch_size = kwargs.pop("batch_size", None) or 32
        # Every batch is full: TensorFlow's step can be traced for that
        # batch size (Keras declares a PyDataset's batch size unknown).
        gan.full_batch_size = (
            batch_size if len(x) % batch_size == 0 else None
        )
        x = ShuffledArrays(gan, x, y, batch_size)
        y = None
        kwargs["shuffle"] = False
    seed, done, _ = gan.training_progress
    gan.training_progress = (seed, done, 0)
    return x, y, kwargs


def pin_image_shape(data, image_shape):
    """A tf.data pipeline of unknown image sizes, pinned to the GAN's.

    On TensorFlow a pipeline that declares `(None, None, None, c)` traces
    the step without sizes, and XLA then fails on a batch of another size
    with a raw matmul error. `tf.ensure_shape` in the pipeline gives the
    step static sizes and refuses such a batch before any step runs
    (`clean_data_error` names it). Anything else is returned as is.

    Args:
        data: `fit`'s `x`.
        image_shape: the generator's output shape.

    Returns:
        `data`, or the pinned `tf.data.Dataset`.
    """
    if keras.backend.backend() != "tensorflow":
        return data
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return data
    spec = data.element_spec
    first = spec[0] if isinstance(spec, tuple) else spec
    if (
        not isinstance(first, tf.TensorSpec)
        or first.shape.rank != len(image_shape) + 1
        or first.shape[1:].is_fully_defined()
    ):
        return data

    def pin(*element):
        images = tf.ensure_shape(element[0], (None,) + tuple(image_shape))
        return (images,) + element[1:] if len(element) > 1 else images

    return data.map(pin)


def clean_data_error(error, config):
    """TensorFlow's assertion error of a refused batch, as a `DataError`."""
    if isinstance(error, faults.DataError):
        return error
    text = str(error).replace("\\'", "'")
    if "is not compatible with expected shape" in text:
        # `pin_image_shape`'s `tf.ensure_shape` refused a batch.
        return faults.DataError(faults.message(config, 4))
    for code in (1, 2, 3, 4):
        if code == 3 and config.num_classes is None:
            continue
        if code == 2 and config.data_range is None:
            continue
        message = faults.message(config, code)
        if message[:60] in text:
            return faults.DataError(message)
    return error
