"""Frechet distance: FID, the distance between two feature Gaussians."""

import keras  # noqa: F401 (the examples use it)
import numpy as np
from keras import ops

from keras_gan.metrics.base import _FeatureMetric
from keras_gan.metrics.base import _matmul
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class FrechetDistance(_FeatureMetric):
    """Frechet distance between feature Gaussians: FID with an Inception.

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
            `fid_inception(weights)` when `weights` is given, else
            `inception_v3()`; built on first use (its weights must be
            available).
        batch_size: int, images per extractor call. Defaults to 64.
        name: str, the metric's name and its key in the logs. Defaults to
            "fid".
        weights: str or None, the path of pytorch-fid's FID Inception
            weights (`pt_inception-2015-12-05-6726825d.pth`, or a `.npz`
            converted from it). Given, and with no `feature_extractor`, the
            extractor is `fid_inception(weights)`: the network of the
            standard FID, whose values compare with papers. Defaults to
            None.
        verify_checksum: bool, passed to `fid_inception()`. Defaults to
            True.

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
                 weights=None, verify_checksum=True, **kwargs):
        super().__init__(feature_extractor, batch_size, name=name,
                         weights=weights, verify_checksum=verify_checksum,
                         **kwargs)
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
        m2_b = _matmul(ops.transpose(centered), centered)
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


# `ops.relu`, not `ops.maximum(x, 0.0)`: on PyTorch the latter returns
# float32 for float64 `x`, which cost FID its float64 precision there.
def _sym_sqrt(matrix):
    values, vectors = ops.eigh((matrix + ops.transpose(matrix)) / 2.0)
    roots = ops.sqrt(ops.relu(values))
    return _matmul(vectors * roots[None, :], ops.transpose(vectors))


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
    middle = _matmul(_matmul(root1, sigma2), root1)
    values, _ = ops.eigh((middle + ops.transpose(middle)) / 2.0)
    trace_sqrt = ops.sum(ops.sqrt(ops.relu(values)))
    diff = mu1 - mu2
    distance = (
        ops.sum(diff * diff)
        + ops.trace(sigma1)
        + ops.trace(sigma2)
        - 2.0 * trace_sqrt
    )
    # Round-off can leave -1e-7 for identical inputs; the true value is >= 0.
    return ops.relu(distance)
