"""The two pipelines behind `image_dataset`: tf.data, and a `PyDataset`.

Both draw on one `_Source`: the checked file list, labels, a per-epoch file
order from numpy, an optional in-memory cache of resized uint8 images, and
the Pillow decoder. So, for the same folder and seed, they yield the same
batches in the same order, and a JAX- or PyTorch-only user without
TensorFlow gets the same data.
"""

import concurrent.futures
import math
import os
import warnings

import keras
import numpy as np

from keras_gan import _data_io

# Cache decoded images in memory when they take less than this (uint8).
AUTO_CACHE_BYTES = 2**30


def import_tensorflow():
    """TensorFlow if it is installed, else None (the `PyDataset` path)."""
    try:
        import tensorflow as tf
    except ImportError:
        return None
    return tf


class _Source:
    """Checked files, labels, epoch orders and the decoder shared by both
    pipelines."""

    def __init__(
        self,
        paths,
        labels,
        image_size,
        channels,
        resize,
        interpolation,
        cache,
        shuffle,
        seed,
    ):
        self.paths = list(paths)
        self.labels = labels
        self.image_size = image_size
        self.channels = channels
        self.resize = resize
        self.interpolation = interpolation
        self.shuffle = shuffle
        self.seed = seed
        height, width = image_size
        nbytes = len(self.paths) * height * width * channels
        if cache == "auto":
            cache = nbytes <= AUTO_CACHE_BYTES
        self._images = None
        if cache:
            shape = (len(self.paths), height, width, channels)
            self._images = np.zeros(shape, dtype=np.uint8)
            self._cached = np.zeros(len(self.paths), dtype=bool)

    def __len__(self):
        return len(self.paths)

    def load(self, index):
        """uint8 image `index`, decoded or from the cache."""
        if self._images is not None and self._cached[index]:
            return self._images[index]
        image = _data_io.load_array(
            self.paths[index],
            self.image_size,
            self.channels,
            self.resize,
            self.interpolation,
        )
        if self._images is not None:
            self._images[index] = image
            self._cached[index] = True
        return image

    def check(self, on_error):
        """Decodes every file once (filling the cache), then raises on, or
        drops, the unreadable ones."""

        def attempt(index):
            try:
                self.load(index)
            except _data_io.BadImage as e:
                return str(e)
            return None

        workers = min(8, os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            reasons = list(pool.map(attempt, range(len(self.paths))))
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
        self, source, batch_size, augment, data_format, class_names, **kwargs
    ):
        super().__init__(**kwargs)
        self._source = source
        self._batch_size = batch_size
        self._augment = augment
        self._data_format = data_format
        self._epoch = 0
        self._order = source.order(0)
        self.class_names = class_names
        self.file_paths = list(source.paths)

    def __len__(self):
        return math.ceil(len(self._source) / self._batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} of a dataset of {len(self)}.")
        start = index * self._batch_size
        items = self._order[start : start + self._batch_size]
        images = _to_unit(np.stack([self._source.load(i) for i in items]))
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


def tf_dataset(tf, source, batch_size, augment, data_format, class_names):
    """The tf.data pipeline: a numpy epoch order, parallel Pillow decoding,
    batching and prefetching."""
    height, width = source.image_size
    epochs = [0]

    def order():
        # Called once per pass over the dataset, so each pass reshuffles.
        epoch = epochs[0]
        epochs[0] += 1
        yield from source.order(epoch).tolist()

    ds = tf.data.Dataset.from_generator(
        order, output_signature=tf.TensorSpec((), tf.int64)
    )
    labels = source.labels

    def load(index):
        image = source.load(int(index))
        if labels is None:
            return image
        return image, labels[int(index)]

    def load_tf(index):
        if labels is None:
            image = tf.numpy_function(load, [index], tf.uint8)
            image.set_shape((height, width, source.channels))
            return image
        image, label = tf.numpy_function(load, [index], (tf.uint8, tf.int32))
        image.set_shape((height, width, source.channels))
        label.set_shape(())
        return image, label

    ds = ds.map(load_tf, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch_size)

    def scale(images):
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
        if data_format == "channels_first":
            images = tf.transpose(images, (0, 3, 1, 2))
        if augment is not None:
            images = _apply_augment(augment, images)
        return images

    if labels is None:
        ds = ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(
            lambda x, y: (scale(x), y), num_parallel_calls=tf.data.AUTOTUNE
        )
    num_batches = math.ceil(len(source) / batch_size)
    ds = ds.apply(tf.data.experimental.assert_cardinality(num_batches))
    ds = ds.prefetch(tf.data.AUTOTUNE)
    ds.class_names = class_names
    ds.file_paths = list(source.paths)
    return ds
