"""The two pipelines behind `image_dataset`: tf.data, and a `PyDataset`.

Both draw on one `ImageSource`: the checked file list, labels, a per-epoch
file order from numpy, an optional in-memory cache of resized uint8 images,
and the Pillow decoder, run on a thread pool one batch at a time (Pillow
releases the GIL while it decodes and resizes). So, for the same folder and
seed, they yield the same batches in the same order, and a JAX- or
PyTorch-only user without TensorFlow gets the same data.
"""

import concurrent.futures
import math
import os
import threading
import warnings

import keras
import numpy as np

from keras_gan.data import _io

# Cache decoded images in memory when they take less than this (uint8).
AUTO_CACHE_BYTES = 2**30
# Threads that decode; more than the cores helps while files are read.
MAX_DECODE_THREADS = 8


def import_tensorflow():
    """TensorFlow if it is installed, else None (the `PyDataset` path)."""
    try:
        import tensorflow as tf
    except ImportError:
        return None
    return tf


def decode_threads():
    """Threads of a decoding pool: the cores, at most 8."""
    return min(MAX_DECODE_THREADS, os.cpu_count() or 1)


class ImageSource:
    """Checked files, labels, epoch orders and the decoder shared by both
    pipelines.

    Args:
        paths: the image files.
        decoding: an `_io.Decoding`, how each file becomes an array.
        labels: int32 array, one label per path, or None.
        class_names: the class names in label order, or None.
        cache: True, False or "auto" (when the images take at most
            `AUTO_CACHE_BYTES`).
        shuffle: bool, whether `order` permutes the items.
        seed: int, the seed of the epoch permutations.
    """

    def __init__(
        self,
        paths,
        *,
        decoding,
        labels=None,
        class_names=None,
        cache="auto",
        shuffle=True,
        seed=0,
    ):
        self.paths = list(paths)
        self.decoding = decoding
        self.labels = labels
        self.class_names = class_names
        self.shuffle = shuffle
        self.seed = seed
        shape = (len(self.paths), *decoding.shape)
        if cache == "auto":
            cache = math.prod(shape) <= AUTO_CACHE_BYTES
        self._images = None
        if cache:
            self._images = np.zeros(shape, dtype=np.uint8)
            self._cached = np.zeros(len(self.paths), dtype=bool)
        self._pool = None
        self._pool_lock = threading.Lock()

    def __len__(self):
        return len(self.paths)

    def __getstate__(self):
        # A PyDataset with `use_multiprocessing=True` is pickled: each
        # process then starts its own pool.
        state = self.__dict__.copy()
        state["_pool"] = None
        del state["_pool_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._pool_lock = threading.Lock()

    def _map(self, function, items):
        """`[function(i) for i in items]`, on the decoding threads."""
        threads = decode_threads()
        if len(items) <= 1 or threads <= 1:
            return [function(i) for i in items]
        with self._pool_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    threads, thread_name_prefix="keras_gan_decode"
                )
        return list(self._pool.map(function, items))

    def load(self, index):
        """uint8 image `index`, decoded or from the cache."""
        if self._images is not None and self._cached[index]:
            return self._images[index]
        image = self.decoding.load(self.paths[index])
        if self._images is not None:
            self._images[index] = image
            self._cached[index] = True
        return image

    def load_batch(self, indices):
        """uint8 images `(len(indices), height, width, channels)`; those
        not in the cache are decoded in parallel."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if self._images is not None:
            self._map(self.load, indices[~self._cached[indices]].tolist())
            return self._images[indices]
        batch = np.empty((len(indices), *self.decoding.shape), np.uint8)
        for position, image in enumerate(self._map(self.load, indices)):
            batch[position] = image
        return batch

    def check(self, on_error):
        """Decodes every file once (filling the cache), then raises on, or
        drops, the unreadable ones."""

        def attempt(index):
            try:
                self.load(index)
            except _io.BadImage as e:
                return str(e)
            return None

        reasons = self._map(attempt, range(len(self.paths)))
        bad = [i for i, reason in enumerate(reasons) if reason is not None]
        if not bad:
            return
        if on_error == "raise":
            lines = [f"  {self.paths[i]}: {reasons[i]}" for i in bad[:10]]
            more = f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else ""
            raise ValueError(
                f"{len(bad)} of {len(self.paths)} image files cannot be "
                "read:\n" + "\n".join(lines) + more + "\nRemove or fix "
                'them, or pass `on_error="skip"` to train without them '
                "(`keras_gan.data.scan_images` lists them all)."
            )
        first = ", ".join(
            f"{os.path.basename(self.paths[i])} ({reasons[i]})" for i in bad[:3]
        )
        keep = np.asarray([r is None for r in reasons])
        self.paths = [p for p, k in zip(self.paths, keep) if k]
        if self.labels is not None:
            self.labels = self.labels[keep]
        if self._images is not None:
            self._images = self._images[keep]
            self._cached = self._cached[keep]
        warnings.warn(
            f"Skipped {len(bad)} unreadable image file(s) of "
            f"{len(keep)} (on_error='skip'): {first}"
            + (", ..." if len(bad) > 3 else "")
            + ". `keras_gan.data.scan_images` lists them all.",
            UserWarning,
            stacklevel=4,
        )

    def order(self, epoch):
        """Item order of `epoch`: a seeded permutation, or file order."""
        if not self.shuffle:
            return np.arange(len(self.paths))
        return np.random.default_rng([self.seed, epoch]).permutation(
            len(self.paths)
        )


def _to_unit(images):
    return (images.astype(np.float32) / np.float32(127.5)) - np.float32(1.0)


def _finish(images, data_format):
    if data_format == "channels_first":
        return np.moveaxis(images, -1, -3)
    return images


class ImageFolderDataset(keras.utils.PyDataset):
    """The `PyDataset` pipeline: Pillow and numpy, no TensorFlow.

    Attributes:
        class_names: class names in label order, or None.
        file_paths: the image files used, in label / file order.
    """

    def __init__(
        self, source, *, batch_size, augment=None, data_format, **kwargs
    ):
        super().__init__(**kwargs)
        self._source = source
        self._batch_size = batch_size
        self._augment = augment
        self._data_format = data_format
        self._epoch = 0
        self._order = source.order(0)
        self.class_names = source.class_names
        self.file_paths = list(source.paths)

    def __len__(self):
        return math.ceil(len(self._source) / self._batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} of a dataset of {len(self)}.")
        start = index * self._batch_size
        items = self._order[start : start + self._batch_size]
        images = _to_unit(self._source.load_batch(items))
        images = _finish(images, self._data_format)
        if self._augment is not None:
            images = keras.ops.convert_to_numpy(
                _apply_augment(self._augment, images)
            ).astype(np.float32)
        if self._source.labels is None:
            return images
        return images, self._source.labels[items]

    def on_epoch_end(self):
        self._epoch += 1
        self._order = self._source.order(self._epoch)


def _apply_augment(augment, images):
    layers = getattr(augment, "layers", None)
    if isinstance(augment, keras.Sequential) and layers:
        # Layer by layer: inside tf.data each preprocessing layer switches
        # itself to TensorFlow ops; a Sequential would not.
        for layer in layers:
            if not isinstance(layer, keras.layers.Identity):
                images = layer(images, training=True)
        return images
    if isinstance(augment, keras.layers.Layer):
        return augment(images, training=True)
    return augment(images)


def tf_dataset(source, *, batch_size, augment=None, data_format):
    """The tf.data pipeline: the batches of a numpy epoch order, Pillow
    decoding of each batch on the source's threads (several batches at
    once, `AUTOTUNE`), scaling and prefetching."""
    tf = import_tensorflow()
    epochs = [0]

    def batches():
        # Called once per pass over the dataset, so each pass reshuffles.
        epoch = epochs[0]
        epochs[0] += 1
        order = source.order(epoch)
        for start in range(0, len(order), batch_size):
            yield order[start : start + batch_size]

    ds = tf.data.Dataset.from_generator(
        batches, output_signature=tf.TensorSpec((None,), tf.int64)
    )
    labels = None
    if source.labels is not None:
        labels = tf.constant(source.labels, tf.int32)

    def load(indices):
        images = tf.numpy_function(source.load_batch, [indices], tf.uint8)
        images.set_shape((None, *source.decoding.shape))
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
        if data_format == "channels_first":
            images = tf.transpose(images, (0, 3, 1, 2))
        if augment is not None:
            images = _apply_augment(augment, images)
        if labels is None:
            return images
        return images, tf.gather(labels, indices)

    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    num_batches = math.ceil(len(source) / batch_size)
    ds = ds.apply(tf.data.experimental.assert_cardinality(num_batches))
    ds = ds.prefetch(tf.data.AUTOTUNE)
    ds.class_names = source.class_names
    ds.file_paths = list(source.paths)
    return ds
