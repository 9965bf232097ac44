"""The machinery the metrics share: input batching and extractor calls.

`_ImageMetric` runs an extractor on batches of images; `_FeatureMetric`
adds real and generated statistics, with real ones that can be fixed once
(`set_reference`), saved and loaded; `_FeatureListMetric` keeps the
features themselves, for the metrics that need samples, not moments.
"""

import os

import keras
import numpy as np
from keras import ops

from keras_gan.metrics.extractors import inception_v3
from keras_gan.metrics.fid_network import fid_inception
from keras_gan.utils.validation import check_bool
from keras_gan.utils.validation import positive_int


def _accumulator_dtype():
    """float64 where the backend computes in it, else float32.

    JAX silently truncates float64 to float32 unless `jax_enable_x64` is
    set, so there we keep float32 and rely on a stable update instead.
    """
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return "float32"
    return "float64"


def _matmul(a, b):
    """`a @ b` for 2-d tensors, keeping float64.

    Keras's `ops.matmul` on PyTorch returns float32 for two float64
    tensors (its dtype promotion misreads torch dtypes); einsum does not.
    """
    return ops.einsum("ij,jk->ik", a, b)


def _to_numpy(batch):
    """A batch from numpy, tf.data, a torch DataLoader or a backend tensor."""
    if isinstance(batch, np.ndarray):
        return batch
    if hasattr(batch, "detach"):  # torch, possibly on an accelerator
        return batch.detach().cpu().numpy()
    return np.asarray(batch)


def _image_batches(data, batch_size, num_samples=None):
    """Yields numpy image batches from arrays or iterables of batches.

    Elements that are `(images, labels)` tuples contribute their images.
    """
    if isinstance(data, tuple) and all(hasattr(d, "shape") for d in data):
        data = data[0]  # (images, labels) arrays, as Keras's fit() takes
    if hasattr(data, "shape") and not hasattr(data, "element_spec"):
        data = _to_numpy(data)
        batches = (
            data[i : i + batch_size] for i in range(0, len(data), batch_size)
        )
    elif isinstance(data, keras.utils.PyDataset):
        batches = (data[i] for i in range(len(data)))
    else:
        batches = iter(data)
    seen = 0
    for batch in batches:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        batch = _to_numpy(batch)
        if num_samples is not None:
            batch = batch[: num_samples - seen]
        if len(batch):
            yield batch
            seen += len(batch)
        if num_samples is not None and seen >= num_samples:
            return


class _ImageMetric(keras.metrics.Metric):
    """A metric of images seen through an extractor, run in batches.

    Holds the extractor (built on first use by `_default_extractor()` when
    None was given), runs it compiled on batches of `batch_size`, and
    serializes it under the constructor argument `_extractor_arg`.
    Subclasses keep what they need of the features.
    """

    _extractor_arg = "feature_extractor"

    def __init__(self, extractor=None, batch_size=64, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.batch_size = positive_int("batch_size", batch_size)
        if extractor is not None and not callable(extractor):
            raise ValueError(
                f"`{self._extractor_arg}` should be a Keras model mapping "
                "images to vectors, or None for the default. Received: "
                f"`{self._extractor_arg}={extractor!r}`"
            )
        self._extractor = extractor
        self._acc_dtype = _accumulator_dtype()

    def _default_extractor(self):
        raise NotImplementedError

    def _get_extractor(self):
        if self._extractor is None:
            self._extractor = self._default_extractor()
        return self._extractor

    def features(self, images):
        """Runs the extractor in batches.

        Args:
            images: array `(n, height, width, channels)` in [-1, 1].

        Returns:
            A float32 tensor `(n, d)`.
        """
        images = _to_numpy(images)
        outputs = []
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            out = self._call_extractor(batch.astype("float32"))
            if isinstance(out, (dict, list, tuple)):
                raise ValueError(
                    f"{type(self).__name__} needs an extractor with a single "
                    f"output. Received {type(out).__name__} outputs."
                )
            outputs.append(ops.reshape(ops.cast(out, "float32"),
                                       (len(batch), -1)))
        if not outputs:
            raise ValueError("Received an empty batch of images.")
        return ops.concatenate(outputs) if len(outputs) > 1 else outputs[0]

    def _call_extractor(self, batch):
        extractor = self._get_extractor()
        if isinstance(extractor, keras.Model):
            # The compiled inference function (tf.function / jax.jit): far
            # faster than an eager call for a network like InceptionV3.
            return ops.convert_to_tensor(extractor.predict_on_batch(batch))
        return extractor(ops.convert_to_tensor(batch), training=False)

    def get_config(self):
        extractor = self._extractor
        if extractor is not None:
            extractor = keras.saving.serialize_keras_object(extractor)
        return {
            **super().get_config(),
            self._extractor_arg: extractor,
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get(cls._extractor_arg) is not None:
            config[cls._extractor_arg] = (
                keras.saving.deserialize_keras_object(
                    config[cls._extractor_arg]
                )
            )
        return cls(**config)


class _Estimates:
    """Mixin: `result()` / `result_std()` over a list of `_estimates()`.

    The list is computed once per state; `_cache = None` invalidates it.
    """

    _cache = None

    def result(self):
        """The mean of the estimates (over KID subsets or IS splits)."""
        return self._mean_and_std()[0]

    def result_std(self):
        """The standard deviation of the estimates.

        Returns:
            A scalar tensor.
        """
        return self._mean_and_std()[1]

    def _mean_and_std(self):
        if self._cache is None:
            values = ops.stack(self._estimates())
            self._cache = (ops.mean(values), ops.std(values))
        return self._cache


class _FeatureMetric(_ImageMetric):
    """Compares real with generated images; real statistics can be fixed.

    Subclasses implement `_add(which, features)`, `_clear(which)`,
    `_arrays(which)` / `_load(which, arrays)` for the real ("real") and
    generated ("fake") statistics, and `result()`.
    """

    uses_real_images = True  # GANEvaluator gives such metrics a reference

    def __init__(self, feature_extractor=None, batch_size=64, name=None,
                 weights=None, verify_checksum=True, **kwargs):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        if weights is not None and feature_extractor is not None:
            raise ValueError(
                "Pass `feature_extractor` or `weights` (the FID Inception "
                "weights), not both. Received: "
                f"`feature_extractor={feature_extractor!r}`, "
                f"`weights={weights!r}`"
            )
        self.weights = None if weights is None else os.fspath(weights)
        self.verify_checksum = check_bool("verify_checksum", verify_checksum)
        self._has_reference = False
        # What `set_reference` saw (None when loaded or not set).
        self.reference_count = None
        self.reference_range = None

    def _default_extractor(self):
        if self.weights is not None:
            return fid_inception(self.weights, self.verify_checksum)
        return inception_v3(include_top=False)

    @property
    def feature_extractor(self):
        """The extractor; a default one is built on first use."""
        return self._get_extractor()

    def get_config(self):
        return {
            **super().get_config(),
            "weights": self.weights,
            "verify_checksum": self.verify_checksum,
        }

    @property
    def has_reference(self):
        """True when the real statistics were fixed by `set_reference`."""
        return self._has_reference

    def update_state(self, real=None, fake=None):
        """Adds batches of real and/or generated images.

        Args:
            real: array `(n, height, width, channels)` in [-1, 1], or None.
            fake: generated images, same form, or None.
        """
        if real is None and fake is None:
            raise ValueError(
                f"{type(self).__name__}.update_state() needs `real=` images, "
                "`fake=` images, or both. Received neither."
            )
        if real is not None:
            if self._has_reference:
                raise ValueError(
                    "The real statistics are fixed by `set_reference()` or "
                    "`load_reference()`. Pass only `fake=` images, or call "
                    "`clear_reference()` first."
                )
            self._add("real", self.features(real))
        if fake is not None:
            self._add("fake", self.features(fake))

    def reset_state(self):
        """Clears the generated statistics, and the real ones unless fixed
        by `set_reference()` / `load_reference()`."""
        self._clear("fake")
        if not self._has_reference:
            self._clear("real")

    def set_reference(self, data, num_samples=None, batch_size=None):
        """Computes the real statistics once, to reuse across evaluations.

        Args:
            data: images `(n, h, w, c)` in [-1, 1], an `(images, labels)`
                tuple, or an iterable of batches (`tf.data.Dataset`,
                `keras.utils.PyDataset`, torch `DataLoader`) yielding images
                or `(images, labels)`.
            num_samples: int or None: use the first `num_samples` images
                (needed for an infinite dataset). None uses all.
            batch_size: int or None, for arrays. Defaults to the metric's.

        Returns:
            The metric itself. `reference_count` and `reference_range`
            (the images' lowest and highest value) describe the images
            used; `GANEvaluator` checks them.
        """
        self._clear("real")
        self._has_reference = False
        self.reference_count = self.reference_range = None
        count, low, high = 0, np.inf, -np.inf
        for batch in _image_batches(
            data, batch_size or self.batch_size, num_samples
        ):
            self._add("real", self.features(batch))
            count += len(batch)
            values = np.asarray(batch, "float32")
            low = min(low, float(np.min(values)))
            high = max(high, float(np.max(values)))
        if count < 2:
            raise ValueError(
                f"`set_reference()` needs at least 2 images. Received {count}."
            )
        self._has_reference = True
        self.reference_count = count
        self.reference_range = (low, high)
        return self

    def clear_reference(self):
        """Forgets the fixed real statistics."""
        self._has_reference = False
        self.reference_count = self.reference_range = None
        self._clear("real")

    def save_reference(self, path):
        """Saves the real statistics to a `.npz` file.

        Args:
            path: str, the file to write (`.npz` is appended if missing).
        """
        arrays = self._arrays("real")
        if arrays is None:
            raise ValueError(
                "There are no real statistics to save: call "
                "`set_reference()` or `update_state(real=...)` first."
            )
        np.savez(path, **arrays)

    def load_reference(self, path):
        """Loads real statistics written by `save_reference()` and fixes them.

        Args:
            path: str, a `.npz` file from `save_reference()`.

        Returns:
            The metric itself.
        """
        with np.load(path) as stored:
            self._load("real", {k: stored[k] for k in stored.files})
        self._has_reference = True
        self.reference_count = self.reference_range = None
        return self


class _FeatureListMetric(_FeatureMetric):
    """Keeps all features (KID, precision / recall... need samples)."""

    def __init__(self, feature_extractor=None, batch_size=64, name=None,
                 **kwargs):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        self._parts = {"real": [], "fake": []}

    def _add(self, which, features):
        self._parts[which].append(ops.convert_to_numpy(features))
        self._cache = None

    def _clear(self, which):
        self._parts[which] = []
        self._cache = None

    def _all(self, which):
        parts = self._parts[which]
        return np.concatenate(parts) if parts else None

    def _arrays(self, which):
        features = self._all(which)
        return None if features is None else {"features": features}

    def _load(self, which, arrays):
        self._parts[which] = [arrays["features"].astype("float32")]
        self._cache = None
