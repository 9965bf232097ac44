"""Sample-quality metrics: Frechet distance, kernel distance, Inception Score.

All three are streaming `keras.metrics.Metric`s written with `keras.ops`, so
they run on TensorFlow, JAX and PyTorch. They compare images through a
feature extractor: any Keras model mapping images in [-1, 1] to vectors (to
logits for the Inception Score). The default is Keras's InceptionV3 with
ImageNet weights (`inception_v3()`); `digits_classifier()` is a small
download-free alternative for scikit-learn's digits.
"""

import os
import warnings

import keras
import numpy as np
from keras import ops

from keras_gan.utils.export import keras_gan_export

INCEPTION_SIZE = 299
_DIGITS_WEIGHTS = "digits_classifier_v1.npz"
_INCEPTION_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/"
)
_INCEPTION_WEIGHTS = {  # include_top: (file name, md5), as in Keras
    False: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63",
    ),
    True: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "9a0d58056eeedaa3f26cb7ebd46da564",
    ),
}


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


@keras_gan_export
class ImageInput(keras.layers.Layer):
    """Resizes images and matches channels for a feature extractor.

    Resizes with bilinear, antialiased interpolation when the spatial size
    differs from `size`, and repeats a single channel `channels` times. It
    leaves values unchanged: extractors here take images in [-1, 1].

    Args:
        size: int, the side of the square output images.
        channels: int or None, the channels the extractor expects; 1-channel
            inputs are repeated to match. None keeps the input's.

    Call arguments:
        images: a tensor `(batch, height, width, channels)`.

    Returns:
        A tensor `(batch, size, size, channels)`.

    Examples:

    >>> tuple(ImageInput(4, channels=3)(np.zeros((2, 8, 8, 1))).shape)
    (2, 4, 4, 3)
    """

    def __init__(self, size, channels=None, **kwargs):
        super().__init__(**kwargs)
        if int(size) != size or size <= 0:
            raise ValueError(
                "`size` should be a positive integer. Received: "
                f"`size={size}`"
            )
        self.size = int(size)
        self.channels = channels

    def call(self, images):
        images = ops.cast(images, self.compute_dtype)
        if tuple(images.shape[1:3]) != (self.size, self.size):
            images = ops.image.resize(
                images,
                (self.size, self.size),
                interpolation="bilinear",
                antialias=True,
            )
        if self.channels and images.shape[-1] == 1 and self.channels != 1:
            images = ops.repeat(images, self.channels, axis=-1)
        return images

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        if self.channels and channels == 1:
            channels = self.channels
        return (input_shape[0], self.size, self.size, channels)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "channels": self.channels,
        }


@keras_gan_export
def inception_v3(include_top=False, weights="imagenet"):
    """Keras's InceptionV3 as a GAN feature extractor or classifier.

    Images in [-1, 1] (what InceptionV3's own preprocessing produces) of any
    size are resized to 299 x 299 with bilinear, antialiased interpolation;
    grayscale is repeated to three channels. Keras downloads the ImageNet
    weights once into `~/.keras/models/` (or `$KERAS_HOME/models/`).

    Args:
        include_top: bool. False (default): the 2048 average-pooled features
            used by FID and KID. True: the 1000 ImageNet logits used by the
            Inception Score.
        weights: "imagenet" (default), the path of a local weights file
            (`inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`, or
            the file without `_notop` for `include_top=True`), or None for
            random weights (for timing only: the numbers mean nothing).

    Returns:
        A `keras.Model` mapping `(n, h, w, c)` images to `(n, 2048)`
        features or `(n, 1000)` logits.

    Raises:
        RuntimeError: when the ImageNet weights cannot be loaded (no
            network); the message says how to pass a local file or another
            extractor.

    Examples:

    >>> # Skipped in the doctests: building InceptionV3 takes ~10-30 s.
    >>> net = inception_v3(weights=None)  # doctest: +SKIP
    >>> tuple(net(np.zeros((1, 32, 32, 1))).shape)  # doctest: +SKIP
    (1, 2048)
    """
    if weights == "imagenet":
        # Fetch the file first (what Keras would do after building the
        # network), so a missing file fails fast, with advice.
        weights = _imagenet_weights(include_top)
    net = keras.applications.InceptionV3(
        include_top=include_top,
        weights=weights,
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        pooling=None if include_top else "avg",
        classifier_activation=None,
    )
    return keras.Sequential(
        [ImageInput(INCEPTION_SIZE, channels=3), net],
        name="inception_v3_top" if include_top else "inception_v3_features",
    )


def _keras_home():
    return os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )


def _default_cache_dir():
    return os.path.join(_keras_home(), "keras_gan")


def _imagenet_weights(include_top):
    """The local path of InceptionV3's ImageNet weights, downloaded once."""
    name, file_hash = _INCEPTION_WEIGHTS[include_top]
    try:
        return keras.utils.get_file(
            name,
            _INCEPTION_URL + name,
            cache_subdir="models",
            file_hash=file_hash,
            cache_dir=_keras_home(),
        )
    except Exception as error:
        raise RuntimeError(
            "Could not load the ImageNet weights of InceptionV3, which Keras "
            "downloads once into $KERAS_HOME/models/ (default ~/.keras/"
            f"models/): {error}. Without network access, either copy `{name}` "
            "into that folder, or pass the file: `keras_gan.metrics."
            "inception_v3(weights='/path/to/that.h5')`, or pass another "
            "extractor, e.g. `FrechetDistance(feature_extractor=keras_gan."
            "metrics.digits_classifier())` for 8x8 digits."
        ) from error


def _train_digits_weights(path):
    """Fits a 64-64-10 MLP with scikit-learn and stores its weights."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from keras_gan.data import load_digits

    images, labels = load_digits()
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-3, max_iter=300, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(images.reshape(len(images), -1), labels)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.tmp.npz"
    np.savez(
        partial,
        **{f"w{i}": w for i, w in enumerate(mlp.coefs_)},
        **{f"b{i}": b for i, b in enumerate(mlp.intercepts_)},
    )
    os.replace(partial, path)  # atomic: concurrent processes never see half


@keras_gan_export
def digits_classifier(output="features", cache_dir=None):
    """A small classifier of scikit-learn's digits, for download-free metrics.

    A 64-64-10 perceptron fitted with scikit-learn (a second or two on CPU,
    deterministic, the same weights on every backend) on
    `keras_gan.data.load_digits()`; it classifies all 1,797 of them
    correctly. Its weights are cached in `cache_dir`. Grayscale images in
    [-1, 1] of any size are resized to 8 x 8 first (bilinear, antialiased).

    Metric values computed with it are comparable with each other (same
    cached weights, same sample counts), never with published FIDs, which
    use InceptionV3 on natural images.

    Args:
        output: "features" (default): the 64 hidden ReLU activations, for
            `FrechetDistance` and `KernelDistance`; "logits": the 10 class
            logits, for `InceptionScore`.
        cache_dir: str or None, where the weights are stored. Defaults to
            `$KERAS_HOME/keras_gan` (`~/.keras/keras_gan`).

    Returns:
        A `keras.Model` mapping `(n, h, w, 1)` images to `(n, 64)` features
        or `(n, 10)` logits.

    Examples:

    >>> import tempfile
    >>> from keras_gan.data import load_digits
    >>> images, labels = load_digits()
    >>> net = digits_classifier("logits", cache_dir=tempfile.mkdtemp())
    >>> logits = keras.ops.convert_to_numpy(net(images[:100]))
    >>> bool((logits.argmax(-1) == labels[:100]).mean() > 0.9)
    True
    """
    if output not in ("features", "logits"):
        raise ValueError(
            '`output` should be "features" or "logits". Received: '
            f"`output={output!r}`"
        )
    path = os.path.join(cache_dir or _default_cache_dir(), _DIGITS_WEIGHTS)
    if not os.path.exists(path):
        _train_digits_weights(path)
    with np.load(path) as stored:
        params = {k: stored[k].astype("float32") for k in stored.files}
    images = keras.Input((None, None, 1))
    x = ImageInput(8, channels=1)(images)
    x = keras.layers.Flatten()(x)
    hidden = keras.layers.Dense(64, activation="relu", name="features")
    features = hidden(x)
    classify = keras.layers.Dense(10, name="logits")
    logits = classify(features)
    hidden.set_weights([params["w0"], params["b0"]])
    classify.set_weights([params["w1"], params["b1"]])
    outputs = features if output == "features" else logits
    return keras.Model(images, outputs, name=f"digits_{output}")


class _FeatureMetric(keras.metrics.Metric):
    """Shared machinery: the extractor, batching, and reference statistics.

    Subclasses implement `_add(which, features)`, `_clear(which)`,
    `_arrays(which)` / `_load(which, arrays)` for the real ("real") and
    generated ("fake") statistics, and `result()`.
    """

    _default_include_top = False
    uses_real_images = True  # GANEvaluator gives such metrics a reference

    def __init__(self, feature_extractor=None, batch_size=64, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        if int(batch_size) != batch_size or batch_size <= 0:
            raise ValueError(
                "`batch_size` should be a positive integer. Received: "
                f"`batch_size={batch_size}`"
            )
        if feature_extractor is not None and not callable(feature_extractor):
            raise ValueError(
                "`feature_extractor` should be a Keras model mapping images "
                "to vectors, or None for InceptionV3. Received: "
                f"`feature_extractor={feature_extractor!r}`"
            )
        self._extractor = feature_extractor
        self.batch_size = int(batch_size)
        self._acc_dtype = _accumulator_dtype()
        self._has_reference = False

    @property
    def feature_extractor(self):
        """The extractor; the default InceptionV3 is built on first use."""
        if self._extractor is None:
            self._extractor = inception_v3(
                include_top=self._default_include_top
            )
        return self._extractor

    @property
    def has_reference(self):
        """True when the real statistics were fixed by `set_reference`."""
        return self._has_reference

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
        extractor = self.feature_extractor
        if isinstance(extractor, keras.Model):
            # The compiled inference function (tf.function / jax.jit): far
            # faster than an eager call for a network like InceptionV3.
            return ops.convert_to_tensor(extractor.predict_on_batch(batch))
        return extractor(ops.convert_to_tensor(batch), training=False)

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
            The metric itself.
        """
        self._clear("real")
        self._has_reference = False
        count = 0
        for batch in _image_batches(
            data, batch_size or self.batch_size, num_samples
        ):
            self._add("real", self.features(batch))
            count += len(batch)
        if count < 2:
            raise ValueError(
                f"`set_reference()` needs at least 2 images. Received {count}."
            )
        self._has_reference = True
        return self

    def clear_reference(self):
        """Forgets the fixed real statistics."""
        self._has_reference = False
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
        return self

    def get_config(self):
        extractor = self._extractor
        if extractor is not None:
            extractor = keras.saving.serialize_keras_object(extractor)
        return {
            **super().get_config(),
            "feature_extractor": extractor,
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("feature_extractor") is not None:
            config["feature_extractor"] = (
                keras.saving.deserialize_keras_object(
                    config["feature_extractor"]
                )
            )
        return cls(**config)


@keras_gan_export
class FrechetDistance(_FeatureMetric):
    """Frechet distance between feature Gaussians: FID with InceptionV3.

    Fits a Gaussian to the features of real and of generated images and
    returns

        ||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2)).

    Lower is better; 0 means identical first and second moments. The means
    and covariances are streamed: each batch's mean and centered
    co-moment are merged into the running ones (Chan et al.'s pairwise
    update), which avoids the cancellation of `sum(x^2) - n mean^2`. They
    are kept in float64 on TensorFlow and PyTorch, and on JAX when
    `jax_enable_x64` is set; on JAX otherwise in float32 (about 6
    significant digits: enough for FID, whose sampling noise is far
    larger). The trace of the square root uses the symmetric form
    Tr((S_r^(1/2) S_f S_r^(1/2))^(1/2)) with two symmetric
    eigendecompositions and negative round-off eigenvalues clipped to 0, so
    the result is real, finite and non-negative even for rank-deficient
    covariances (fewer samples than feature dimensions).

    The real statistics do not change between evaluations: compute them
    once with `set_reference()` (or `save_reference()` / `load_reference()`),
    then `reset_state()` clears only the generated ones.

    FID is biased upwards at small sample counts: compare runs only at the
    same `num_samples`, extractor and resizing.

    Args:
        feature_extractor: a Keras model mapping images in [-1, 1] to
            vectors (outputs are flattened), or None (default) for
            `inception_v3()`, built on first use (its ImageNet weights must
            be available).
        batch_size: int, images per extractor call. Defaults to 64.
        name: str, the metric's name and its key in the logs. Defaults to
            "fid".

    Returns:
        `result()`: a scalar tensor.

    Examples:

    >>> identity = keras.Sequential([keras.layers.Flatten()])
    >>> fid = FrechetDistance(identity)
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(0.0, 1.0, (4000, 2, 1, 1))
    >>> fid.update_state(real=real, fake=real + 1.0)
    >>> round(float(fid.result()), 2)  # mean shift 1 in two dimensions
    2.0

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium", NeurIPS 2017.
    """

    def __init__(self, feature_extractor=None, batch_size=64, name="fid",
                 **kwargs):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        self._stats = {}

    def _build(self, dim):
        for which in ("real", "fake"):
            self._stats[which] = tuple(
                self.add_variable(shape, "zeros", self._acc_dtype,
                                  name=f"{which}_{part}")
                for part, shape in (
                    ("count", ()), ("mean", (dim,)), ("m2", (dim, dim))
                )
            )

    def _add(self, which, features):
        features = ops.cast(features, self._acc_dtype)
        dim = features.shape[-1]
        if not self._stats:
            self._build(dim)
        count, mean, m2 = self._stats[which]
        if mean.shape[0] != dim:
            raise ValueError(
                f"Feature size changed: the statistics hold {mean.shape[0]} "
                f"features, the new batch has {dim}."
            )
        n_b = ops.cast(features.shape[0], self._acc_dtype)
        mean_b = ops.mean(features, axis=0)
        centered = features - mean_b
        m2_b = ops.matmul(ops.transpose(centered), centered)
        total = count + n_b
        delta = mean_b - mean
        # Chan, Golub & LeVeque (1979): merging two sets' centered moments.
        mean.assign(mean + delta * (n_b / total))
        m2.assign(m2 + m2_b + ops.outer(delta, delta) * (count * n_b / total))
        count.assign(total)

    def _clear(self, which):
        for variable in self._stats.get(which, ()):
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def _moments(self, which):
        count, mean, m2 = self._stats.get(which, (None,) * 3)
        n = 0 if count is None else float(ops.convert_to_numpy(count))
        if n < 2:
            return None
        return mean, m2 / (n - 1.0), n

    def _arrays(self, which):
        moments = self._moments(which)
        if moments is None:
            return None
        mean, cov, n = moments
        # mu / sigma: the names pytorch-fid and clean-fid use.
        return {
            "mu": ops.convert_to_numpy(mean),
            "sigma": ops.convert_to_numpy(cov),
            "num_samples": np.asarray(n),
        }

    def _load(self, which, arrays):
        mu, sigma = arrays["mu"], arrays["sigma"]
        n = float(arrays.get("num_samples", 2.0))
        if not self._stats:
            self._build(mu.shape[-1])
        count, mean, m2 = self._stats[which]
        if mean.shape[0] != mu.shape[-1]:
            raise ValueError(
                f"The reference has {mu.shape[-1]} features; this metric "
                f"holds {mean.shape[0]}."
            )
        count.assign(ops.convert_to_tensor(n, self._acc_dtype))
        mean.assign(ops.convert_to_tensor(mu, self._acc_dtype))
        m2.assign(ops.convert_to_tensor(sigma * (n - 1.0), self._acc_dtype))

    def result(self):
        real, fake = self._moments("real"), self._moments("fake")
        if real is None or fake is None:
            raise ValueError(
                "FrechetDistance needs at least 2 real and 2 generated "
                "images: call `update_state(real=..., fake=...)` or "
                "`set_reference()` first."
            )
        (mu_r, s_r, _), (mu_f, s_f, _) = real, fake
        return frechet_distance(mu_r, s_r, mu_f, s_f)


def _sym_sqrt(matrix):
    values, vectors = ops.eigh((matrix + ops.transpose(matrix)) / 2.0)
    roots = ops.sqrt(ops.maximum(values, 0.0))
    return ops.matmul(vectors * roots[None, :], ops.transpose(vectors))


@keras_gan_export
def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet distance between two Gaussians, computed stably.

    Uses Tr((S1 S2)^(1/2)) = Tr((S1^(1/2) S2 S1^(1/2))^(1/2)), with symmetric
    eigendecompositions and negative round-off eigenvalues clipped to 0: no
    complex numbers, no NaN for singular covariances.

    Args:
        mu1, sigma1: mean `(d,)` and covariance `(d, d)` of the first.
        mu2, sigma2: those of the second.

    Returns:
        A non-negative scalar tensor, in the inputs' float dtype.

    Examples:

    >>> eye = np.eye(3)
    >>> float(frechet_distance(np.zeros(3), eye, np.ones(3), 4 * eye))
    6.0
    """
    mu1, sigma1 = ops.convert_to_tensor(mu1), ops.convert_to_tensor(sigma1)
    mu2, sigma2 = ops.convert_to_tensor(mu2), ops.convert_to_tensor(sigma2)
    root1 = _sym_sqrt(sigma1)
    middle = ops.matmul(ops.matmul(root1, sigma2), root1)
    values, _ = ops.eigh((middle + ops.transpose(middle)) / 2.0)
    trace_sqrt = ops.sum(ops.sqrt(ops.maximum(values, 0.0)))
    diff = mu1 - mu2
    distance = (
        ops.sum(diff * diff)
        + ops.trace(sigma1)
        + ops.trace(sigma2)
        - 2.0 * trace_sqrt
    )
    # Round-off can leave -1e-7 for identical inputs; the true value is >= 0.
    return ops.maximum(distance, 0.0)


class _FeatureListMetric(_FeatureMetric):
    """Keeps all features (KID and IS need samples, not moments)."""

    def __init__(self, feature_extractor, batch_size, name, seed, **kwargs):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        self.seed = seed
        self._parts = {"real": [], "fake": []}
        self._cache = None

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

    def result(self):
        """The mean over subsets (KID) or splits (IS)."""
        return self._mean_and_std()[0]

    def result_std(self):
        """The standard deviation over subsets (KID) or splits (IS).

        Returns:
            A scalar tensor.
        """
        return self._mean_and_std()[1]

    def _mean_and_std(self):
        if self._cache is None:
            values = ops.stack(self._estimates())
            self._cache = (ops.mean(values), ops.std(values))
        return self._cache

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras_gan_export
class KernelDistance(_FeatureListMetric):
    """Kernel Inception Distance (KID): an unbiased squared MMD of features.

    The squared maximum mean discrepancy between real and generated
    features with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3,
    estimated without bias on `subsets` random subsets of `subset_size`
    real and generated samples. The result is the mean over subsets;
    `result_std()` gives their standard deviation. Unlike FID, its expected
    value does not depend on the sample count (only its variance does), so
    it suits small sample sizes; a value close to 0, or below its standard
    deviation, means the two sets are indistinguishable through the
    extractor. Features are kept (all of them: 4 bytes x d per image) and
    the kernels computed in float64 where the backend allows.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `inception_v3()`.
        subsets: int, the number of random subsets. Defaults to 100.
        subset_size: int, samples per subset, capped at the smaller sample
            count. Defaults to 1000.
        batch_size: int, images per extractor call. Defaults to 64.
        seed: int or None, seed of the subset draws; a fixed seed gives the
            same subsets for the same counts. Defaults to 0.
        name: str. Defaults to "kid".

    Returns:
        `result()`: a scalar tensor (may be slightly negative: unbiased).

    Examples:

    >>> identity = keras.Sequential([keras.layers.Flatten()])
    >>> kid = KernelDistance(identity, subsets=10, subset_size=100)
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 4, 1, 1))
    >>> kid.update_state(real=real, fake=real + 2.0)
    >>> bool(kid.result() > 10 * kid.result_std())
    True

    Reference:
        Binkowski et al., "Demystifying MMD GANs", ICLR 2018.
    """

    def __init__(self, feature_extractor=None, subsets=100, subset_size=1000,
                 batch_size=64, seed=0, name="kid", **kwargs):
        super().__init__(feature_extractor, batch_size, name, seed, **kwargs)
        for arg, value in (("subsets", subsets), ("subset_size", subset_size)):
            if int(value) != value or value <= 0:
                raise ValueError(
                    f"`{arg}` should be a positive integer. Received: "
                    f"`{arg}={value}`"
                )
        self.subsets = int(subsets)
        self.subset_size = int(subset_size)

    def _estimates(self):
        real, fake = self._all("real"), self._all("fake")
        if real is None or fake is None or min(len(real), len(fake)) < 2:
            raise ValueError(
                "KernelDistance needs at least 2 real and 2 generated images: "
                "call `update_state(real=..., fake=...)` or `set_reference()` "
                "first."
            )
        m = min(self.subset_size, len(real), len(fake))
        rng = np.random.default_rng(self.seed)
        real = ops.convert_to_tensor(real, self._acc_dtype)
        fake = ops.convert_to_tensor(fake, self._acc_dtype)
        dim = real.shape[-1]

        def kernel(a, b):
            return (ops.matmul(a, ops.transpose(b)) / dim + 1.0) ** 3

        def off_diagonal_mean(k):
            return (ops.sum(k) - ops.trace(k)) / (m * (m - 1))

        estimates = []
        for _ in range(self.subsets):
            x = ops.take(real, rng.choice(len(real), m, replace=False), 0)
            y = ops.take(fake, rng.choice(len(fake), m, replace=False), 0)
            estimates.append(
                off_diagonal_mean(kernel(x, x))
                + off_diagonal_mean(kernel(y, y))
                - 2.0 * ops.mean(kernel(x, y))
            )
        return estimates

    def get_config(self):
        return {
            **super().get_config(),
            "subsets": self.subsets,
            "subset_size": self.subset_size,
        }


@keras_gan_export
class InceptionScore(_FeatureListMetric):
    """Inception Score: exp(E_x KL(p(y|x) || p(y))), averaged over splits.

    High when each generated image is classified confidently (low-entropy
    p(y|x)) and the classes are diverse (high-entropy marginal p(y)). It
    ranges from 1 (one class, or uniform predictions) to the number of
    classes. It ignores real data entirely, so it cannot see a generator
    that copies the training set or gets class-internal detail wrong; and
    it is only meaningful for a classifier trained on the same kind of
    images. The generated images are cut into `splits` consecutive parts;
    the result is the mean of the per-split scores, `result_std()` their
    standard deviation.

    Args:
        classifier: a Keras model mapping images to class logits (or
            probabilities with `from_logits=False`), or None (default) for
            `inception_v3(include_top=True)` (1000 ImageNet logits).
        splits: int, the number of splits. Defaults to 10.
        from_logits: bool, whether the classifier outputs logits. Defaults
            to True.
        batch_size: int, images per classifier call. Defaults to 64.
        name: str. Defaults to "is".

    Returns:
        `result()`: a scalar tensor between 1 and the number of classes.

    Examples:

    >>> one_hot = keras.Sequential([keras.layers.Flatten()])
    >>> score = InceptionScore(one_hot, splits=1, from_logits=False)
    >>> score.update_state(fake=np.eye(4).reshape(4, 4, 1, 1))
    >>> round(float(score.result()), 3)  # four classes, each confident
    4.0

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS
        2016.
    """

    _default_include_top = True
    uses_real_images = False

    def __init__(self, classifier=None, splits=10, from_logits=True,
                 batch_size=64, name="is", **kwargs):
        kwargs.pop("seed", None)
        super().__init__(classifier, batch_size, name, None, **kwargs)
        if int(splits) != splits or splits <= 0:
            raise ValueError(
                "`splits` should be a positive integer. Received: "
                f"`splits={splits}`"
            )
        self.splits = int(splits)
        self.from_logits = bool(from_logits)

    @property
    def classifier(self):
        """The classifier (the same object as `feature_extractor`)."""
        return self.feature_extractor

    def update_state(self, real=None, fake=None):
        """Adds generated images (the score uses no real images).

        Args:
            real: must be None; accepted so that all metrics share one
                signature.
            fake: images `(n, height, width, channels)` in [-1, 1].
        """
        if real is not None:
            raise ValueError(
                "InceptionScore scores generated images only: pass them as "
                "`fake=` (to score real images, pass those as `fake=`)."
            )
        super().update_state(fake=fake)

    def set_reference(self, data, num_samples=None, batch_size=None):
        """Not used: the Inception Score has no real statistics."""
        raise ValueError("InceptionScore has no reference statistics.")

    def _estimates(self):
        outputs = self._all("fake")
        if outputs is None or len(outputs) < self.splits:
            raise ValueError(
                f"InceptionScore with splits={self.splits} needs at least "
                f"{self.splits} generated images. Received "
                f"{0 if outputs is None else len(outputs)}."
            )
        outputs = ops.convert_to_tensor(outputs, self._acc_dtype)
        if self.from_logits:
            probs = ops.softmax(outputs, axis=-1)
        else:
            probs = outputs
        tiny = 1e-12  # p log p -> 0 at p = 0, without 0 * log(0) = NaN
        log_probs = ops.log(ops.maximum(probs, tiny))
        scores = []
        for part in np.array_split(np.arange(len(outputs)), self.splits):
            p = ops.take(probs, part, 0)
            log_p = ops.take(log_probs, part, 0)
            log_marginal = ops.log(ops.maximum(ops.mean(p, axis=0), tiny))
            kl = ops.sum(p * (log_p - log_marginal[None, :]), axis=-1)
            scores.append(ops.exp(ops.mean(kl)))
        return scores

    def get_config(self):
        config = super().get_config()
        config["classifier"] = config.pop("feature_extractor")
        config.pop("seed")
        return {
            **config,
            "splits": self.splits,
            "from_logits": self.from_logits,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("classifier") is not None:
            config["classifier"] = keras.saving.deserialize_keras_object(
                config["classifier"]
            )
        return cls(**config)
