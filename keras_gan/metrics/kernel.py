"""Kernel Inception Distance: an unbiased squared MMD of features."""

import keras  # noqa: F401 (the examples use it)
import numpy as np
from keras import ops

from keras_gan.metrics.base import _accumulator_dtype
from keras_gan.metrics.base import _Estimates
from keras_gan.metrics.base import _FeatureListMetric
from keras_gan.metrics.base import _matmul
from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import check_int
from keras_gan.utils.validation import positive_int


@keras_gan_export
class KernelDistance(_Estimates, _FeatureListMetric):
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
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        subsets: int, the number of random subsets. Defaults to 100.
        subset_size: int, samples per subset, capped at the smaller sample
            count. Defaults to 1000.
        batch_size: int, images per extractor call. Defaults to 64.
        seed: int or None, seed of the subset draws; a fixed seed gives the
            same subsets for the same counts. Defaults to 0.
        name: str. Defaults to "kid".
        weights: str or None, the path of pytorch-fid's FID Inception
            weights (`pt_inception-2015-12-05-6726825d.pth`, or a `.npz`
            converted from it). Given, and with no `feature_extractor`, the
            extractor is `fid_inception(weights)`: the network of the
            standard FID, whose values compare with papers. Defaults to
            None.
        verify_checksum: bool, passed to `fid_inception()`. Defaults to
            True.

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
                 batch_size=64, seed=0, name="kid", weights=None,
                 verify_checksum=True, **kwargs):
        super().__init__(feature_extractor, batch_size, name=name,
                         weights=weights, verify_checksum=verify_checksum,
                         **kwargs)
        self.subsets = positive_int("subsets", subsets)
        self.subset_size = positive_int("subset_size", subset_size)
        self.seed = check_int("seed", seed, allow_none=True)

    def _estimates(self):
        real, fake = self._all("real"), self._all("fake")
        if real is None or fake is None or min(len(real), len(fake)) < 2:
            raise ValueError(
                "KernelDistance needs at least 2 real and 2 generated images: "
                "call `update_state(real=..., fake=...)` or `set_reference()` "
                "first."
            )
        return _estimates(real, fake, self.subsets, self.subset_size,
                          self.seed, self._acc_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "subsets": self.subsets,
            "subset_size": self.subset_size,
            "seed": self.seed,
        }


def _estimates(real, fake, subsets, subset_size, seed, dtype):
    """The unbiased MMD^2 of `subsets` random subsets, as tensors."""
    m = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    real = ops.convert_to_tensor(real, dtype)
    fake = ops.convert_to_tensor(fake, dtype)
    dim = real.shape[-1]

    def kernel(a, b):
        return (_matmul(a, ops.transpose(b)) / dim + 1.0) ** 3

    def off_diagonal_mean(k):
        return (ops.sum(k) - ops.trace(k)) / (m * (m - 1))

    estimates = []
    for _ in range(subsets):
        x = ops.take(real, rng.choice(len(real), m, replace=False), 0)
        y = ops.take(fake, rng.choice(len(fake), m, replace=False), 0)
        estimates.append(
            off_diagonal_mean(kernel(x, x))
            + off_diagonal_mean(kernel(y, y))
            - 2.0 * ops.mean(kernel(x, y))
        )
    return estimates


@keras_gan_export
def kernel_distance(real_features, fake_features, subsets=100,
                    subset_size=1000, seed=0):
    """KID of two feature arrays: the mean and std of the subset MMD^2.

    What `KernelDistance` computes from the features it keeps.

    Args:
        real_features: array `(n, d)`, n >= 2.
        fake_features: array `(m, d)`, m >= 2.
        subsets: int, the number of random subsets. Defaults to 100.
        subset_size: int, samples per subset, capped at the smaller
            count. Defaults to 1000.
        seed: int or None, seed of the subset draws. Defaults to 0.

    Returns:
        A tuple of floats `(mean, std)`.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 4))
    >>> mean, std = kernel_distance(real, real + 2.0, subsets=10)
    >>> bool(mean > 10 * std)
    True
    """
    real = np.asarray(real_features, dtype="float64")
    fake = np.asarray(fake_features, dtype="float64")
    if min(len(real), len(fake)) < 2:
        raise ValueError(
            "`kernel_distance()` needs at least 2 real and 2 generated "
            f"samples. Received {len(real)} and {len(fake)}."
        )
    values = ops.convert_to_numpy(ops.stack(_estimates(
        real.reshape(len(real), -1), fake.reshape(len(fake), -1),
        positive_int("subsets", subsets),
        positive_int("subset_size", subset_size),
        check_int("seed", seed, allow_none=True), _accumulator_dtype(),
    )))
    return float(values.mean()), float(values.std())
