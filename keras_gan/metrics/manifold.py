"""k-nearest-neighbour metrics: precision, recall, density, coverage.

Each set of features is a union of balls, one per sample, whose radius is
the distance to its k-th nearest neighbour in the same set: an estimate of
the support ("manifold") of its distribution. Precision asks how many
generated samples fall in the real manifold (fidelity), recall how many
real samples fall in the generated one (diversity); density and coverage
are the versions that outliers cannot inflate. The values are those of
the authors' `prdc` package (Euclidean distances, strict inequalities).
"""

import keras  # noqa: F401 (the examples use it)
import numpy as np

from keras_gan.metrics.base import _FeatureListMetric
from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import positive_int

_ROWS = 1024  # rows of a distance block: 1024 x n float64 at a time


def _as_features(name, features):
    features = np.asarray(features, dtype="float64")
    if features.ndim != 2:
        features = features.reshape(len(features), -1)
    return features


def _blocks(a, b):
    """Yields (rows, distances of a[rows] to every row of b), float64."""
    b_sq = np.einsum("ij,ij->i", b, b)
    for start in range(0, len(a), _ROWS):
        rows = a[start : start + _ROWS]
        sq = np.einsum("ij,ij->i", rows, rows)[:, None] + b_sq[None, :]
        sq -= 2.0 * rows @ b.T
        yield slice(start, start + len(rows)), np.sqrt(np.maximum(sq, 0.0))


def knn_radii(features, k):
    """The distance of each sample to its k-th nearest other sample.

    Args:
        features: array `(n, d)`, n > k.
        k: int, the neighbour.

    Returns:
        A float64 array `(n,)`.
    """
    features = _as_features("features", features)
    radii = np.empty(len(features))
    for rows, d in _blocks(features, features):
        # Column k of the partition: the (k+1)-th smallest, the sample
        # itself (distance 0) being the first.
        radii[rows] = np.partition(d, k, axis=1)[:, k]
    return radii


def _check(real, fake, k):
    k = positive_int("k", k)
    real = _as_features("real_features", real)
    fake = _as_features("fake_features", fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "`real_features` and `fake_features` should have the same "
            f"feature size. Received {real.shape[1]} and {fake.shape[1]}."
        )
    if min(len(real), len(fake)) <= k:
        raise ValueError(
            f"k-NN metrics with k={k} need more than {k} real and {k} "
            f"generated samples. Received {len(real)} and {len(fake)}."
        )
    return real, fake, k


def _prdc(real, fake, k):
    real, fake, k = _check(real, fake, k)
    real_radii, fake_radii = knn_radii(real, k), knn_radii(fake, k)
    in_real = np.zeros(len(fake), dtype=bool)  # fake j in some real ball
    real_balls = np.zeros(len(fake))  # the number of such balls
    in_fake = np.zeros(len(real), dtype=bool)  # real i in some fake ball
    covered = np.zeros(len(real), dtype=bool)  # real ball i holds a fake
    for rows, d in _blocks(real, fake):
        inside = d < real_radii[rows, None]
        in_real |= inside.any(axis=0)
        real_balls += inside.sum(axis=0)
        in_fake[rows] = (d < fake_radii[None, :]).any(axis=1)
        covered[rows] = d.min(axis=1) < real_radii[rows]
    return {
        "precision": float(in_real.mean()),
        "recall": float(in_fake.mean()),
        "density": float(real_balls.mean() / k),
        "coverage": float(covered.mean()),
    }


@keras_gan_export
def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall of generated samples (k-NN manifolds).

    Precision: the fraction of generated samples inside the real manifold
    (within the k-NN radius of some real sample). Recall: the fraction of
    real samples inside the generated manifold. Both in [0, 1], higher is
    better; as `prdc.compute_prdc` computes them.

    Args:
        real_features: array `(n, d)` of real features (e.g. FID Inception
            features; other shapes are flattened per sample).
        fake_features: array `(m, d)` of generated features.
        k: int, the neighbour that sets the radii. Defaults to 3, the
            paper's choice.

    Returns:
        A tuple of floats `(precision, recall)`.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 2))
    >>> precision_recall(real, real + 100.0)  # disjoint sets
    (0.0, 0.0)
    >>> precision_recall(real, real)  # identical sets
    (1.0, 1.0)

    Reference:
        Kynkaanniemi et al., "Improved Precision and Recall Metric for
        Assessing Generative Models", NeurIPS 2019.
    """
    values = _prdc(real_features, fake_features, k)
    return values["precision"], values["recall"]


@keras_gan_export
def density_coverage(real_features, fake_features, k=5):
    """Density and coverage of generated samples (k-NN balls of real ones).

    Density: the mean number of real k-NN balls that contain a generated
    sample, divided by k (about 1 when the two distributions are the same;
    can exceed 1). Coverage: the fraction of real balls that contain at
    least one generated sample, in [0, 1]. Unlike precision and recall,
    both use only the real manifold, which outliers among the generated
    samples cannot inflate. As `prdc.compute_prdc` computes them.

    Args:
        real_features: array `(n, d)` of real features.
        fake_features: array `(m, d)` of generated features.
        k: int, the neighbour that sets the radii. Defaults to 5, the
            paper's choice.

    Returns:
        A tuple of floats `(density, coverage)`.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 2))
    >>> density_coverage(real, real)  # identical sets (no ties)
    (1.0, 1.0)

    Reference:
        Naeem et al., "Reliable Fidelity and Diversity Metrics for
        Generative Models", ICML 2020.
    """
    values = _prdc(real_features, fake_features, k)
    return values["density"], values["coverage"]


class _KNNMetric(_FeatureListMetric):
    """Keeps real and generated features; one of the four k-NN values."""

    _value = None  # "precision", "recall", "density" or "coverage"
    _default_k = 3

    def __init__(self, feature_extractor=None, k=None, batch_size=64,
                 name=None, weights=None, verify_checksum=True, **kwargs):
        super().__init__(feature_extractor, batch_size,
                         name=name or self._value, weights=weights,
                         verify_checksum=verify_checksum, **kwargs)
        self.k = positive_int("k", self._default_k if k is None else k)

    def result(self):
        real, fake = self._all("real"), self._all("fake")
        if real is None or fake is None:
            raise ValueError(
                f"{type(self).__name__} needs real and generated images: "
                "call `update_state(real=..., fake=...)` or "
                "`set_reference()` first."
            )
        if self._cache is None:
            self._cache = _prdc(real, fake, self.k)
        return self._cache[self._value]

    def get_config(self):
        return {**super().get_config(), "k": self.k}


@keras_gan_export
class ImprovedPrecision(_KNNMetric):
    """Improved precision (fidelity): generated samples in the real manifold.

    A streaming `keras.metrics.Metric`: `update_state(real=..., fake=...)`
    (or `set_reference()` for the real images) keeps the features of
    every image, and `result()` is `precision_recall(real, fake, k)[0]`
    on them. Memory: 4 bytes x features per image; time: real x generated
    distances, in blocks.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        k: int, the neighbour that sets the radii. Defaults to 3.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "precision".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a float.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> metric = ImprovedPrecision(flat)
    >>> real = np.random.default_rng(0).normal(size=(50, 3, 1, 1))
    >>> metric.update_state(real=real, fake=real)  # identical sets
    >>> metric.result()
    1.0

    Reference:
        Kynkaanniemi et al., "Improved Precision and Recall Metric for
        Assessing Generative Models", NeurIPS 2019.
    """

    _value = "precision"
    _default_k = 3


@keras_gan_export
class ImprovedRecall(_KNNMetric):
    """Improved recall (diversity): real samples in the generated manifold.

    A streaming `keras.metrics.Metric`: `update_state(real=..., fake=...)`
    (or `set_reference()` for the real images) keeps the features of
    every image, and `result()` is `precision_recall(real, fake, k)[1]`
    on them. Memory: 4 bytes x features per image; time: real x generated
    distances, in blocks.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        k: int, the neighbour that sets the radii. Defaults to 3.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "recall".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a float.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> metric = ImprovedRecall(flat)
    >>> real = np.random.default_rng(0).normal(size=(50, 3, 1, 1))
    >>> metric.update_state(real=real, fake=real)  # identical sets
    >>> metric.result()
    1.0

    Reference:
        Kynkaanniemi et al., "Improved Precision and Recall Metric for
        Assessing Generative Models", NeurIPS 2019.
    """

    _value = "recall"
    _default_k = 3


@keras_gan_export
class Density(_KNNMetric):
    """Density (fidelity): real k-NN balls per generated sample, over k.

    A streaming `keras.metrics.Metric`: `update_state(real=..., fake=...)`
    (or `set_reference()` for the real images) keeps the features of
    every image, and `result()` is `density_coverage(real, fake, k)[0]`
    on them. Memory: 4 bytes x features per image; time: real x generated
    distances, in blocks.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        k: int, the neighbour that sets the radii. Defaults to 5.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "density".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a float.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> metric = Density(flat)
    >>> real = np.random.default_rng(0).normal(size=(50, 3, 1, 1))
    >>> metric.update_state(real=real, fake=real)  # identical sets
    >>> metric.result()
    1.0

    Reference:
        Naeem et al., "Reliable Fidelity and Diversity Metrics for
        Generative Models", ICML 2020.
    """

    _value = "density"
    _default_k = 5


@keras_gan_export
class Coverage(_KNNMetric):
    """Coverage (diversity): the fraction of real balls with a generated one.

    A streaming `keras.metrics.Metric`: `update_state(real=..., fake=...)`
    (or `set_reference()` for the real images) keeps the features of
    every image, and `result()` is `density_coverage(real, fake, k)[1]`
    on them. Memory: 4 bytes x features per image; time: real x generated
    distances, in blocks.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        k: int, the neighbour that sets the radii. Defaults to 5.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "coverage".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a float.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> metric = Coverage(flat)
    >>> real = np.random.default_rng(0).normal(size=(50, 3, 1, 1))
    >>> metric.update_state(real=real, fake=real)  # identical sets
    >>> metric.result()
    1.0

    Reference:
        Naeem et al., "Reliable Fidelity and Diversity Metrics for
        Generative Models", ICML 2020.
    """

    _value = "coverage"
    _default_k = 5
