"""Memorization: generated samples that sit closer to a training image
than that image's own nearest training neighbour."""

import keras  # noqa: F401 (the examples use it)
import numpy as np

from keras_gan.metrics.base import _FeatureListMetric
from keras_gan.metrics.manifold import _as_features
from keras_gan.metrics.manifold import _blocks
from keras_gan.metrics.manifold import knn_radii
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def memorization(train_features, fake_features):
    """The fraction of generated samples that copy a training sample.

    A generated sample g counts as memorized when its nearest training
    sample r is closer to g than to any other training sample:
    d(g, r) < min_{r' != r} d(r, r'). The test adapts itself to the local
    density of the training set (a fixed distance threshold would not),
    needs no held-out data, and is the authenticity test of Alaa et al.
    (2022) without their learned embedding: this value is 1 minus their
    authenticity, in the same features as FID. We chose it over their
    full score because it has no trained part and a closed form at both
    ends: exact copies give 1, samples away from the training data 0.
    Fresh samples of the training distribution score above 0 too (for
    2,000 standard Gaussians: 0.61 in 2 dimensions, 0.31 in 16, 0.19 in
    64): compare with the value of held-out real images, not with 0.

    Args:
        train_features: array `(n, d)`, n >= 2, of training features (the
            images the GAN was trained on).
        fake_features: array `(m, d)` of generated features.

    Returns:
        A float in [0, 1], lower is better.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> train = rng.normal(size=(100, 4))
    >>> memorization(train, train[:10] + 1e-6)  # near copies
    1.0
    >>> memorization(train, train[:10] + 100.0)  # nothing like them
    0.0

    Reference:
        Alaa et al., "How Faithful is your Synthetic Data? Sample-level
        Metrics for Evaluating and Auditing Generative Models", ICML 2022.
    """
    train = _as_features("train_features", train_features)
    fake = _as_features("fake_features", fake_features)
    if len(train) < 2 or len(fake) < 1 or train.shape[1] != fake.shape[1]:
        raise ValueError(
            "`memorization()` needs at least 2 training and 1 generated "
            "sample of the same feature size. Received "
            f"{train.shape} and {fake.shape}."
        )
    own = knn_radii(train, 1)  # each training sample's nearest neighbour
    copied = np.zeros(len(fake), dtype=bool)
    for rows, d in _blocks(fake, train):
        nearest = d.argmin(axis=1)
        copied[rows] = d[np.arange(len(nearest)), nearest] < own[nearest]
    return float(copied.mean())


@keras_gan_export
class Memorization(_FeatureListMetric):
    """Streaming `memorization()`: the fraction of copied training images.

    The real images given to `update_state(real=...)` or `set_reference()`
    are the training set; `result()` is `memorization(real, fake)` on the
    features of every image seen. See `memorization()` for the test and
    why it was chosen.

    Args:
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "memorization".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a float in [0, 1], lower is better.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> metric = Memorization(flat)
    >>> train = np.random.default_rng(0).normal(size=(50, 3, 1, 1))
    >>> metric.update_state(real=train, fake=train[:5])  # copies
    >>> metric.result()
    1.0

    Reference:
        Alaa et al., "How Faithful is your Synthetic Data? Sample-level
        Metrics for Evaluating and Auditing Generative Models", ICML 2022.
    """

    def __init__(self, feature_extractor=None, batch_size=64,
                 name="memorization", weights=None, verify_checksum=True,
                 **kwargs):
        super().__init__(feature_extractor, batch_size, name=name,
                         weights=weights, verify_checksum=verify_checksum,
                         **kwargs)

    def result(self):
        real, fake = self._all("real"), self._all("fake")
        if real is None or fake is None:
            raise ValueError(
                "Memorization needs training and generated images: call "
                "`update_state(real=..., fake=...)` or `set_reference()` "
                "first."
            )
        if self._cache is None:
            self._cache = memorization(real, fake)
        return self._cache
