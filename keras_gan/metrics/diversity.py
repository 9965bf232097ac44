"""Sample diversity and the discriminator's overfitting signal.

Two cheap health statistics, computed in numpy on a batch, without a
pretrained network: `diversity` (how different the images of a batch are
from each other), `diversity_ratio` (that of generated images over that of
real ones: near 1 healthy, near 0 mode collapse) and `d_overfit` (ADA's
`r_t`, the mean sign of the discriminator's outputs on real images).
`keras_gan.callbacks.TrainingMonitor` logs them during `fit`.
"""

import math

import keras
import numpy as np

from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

#: Pixel features: every spatial side is area-averaged to at most this.
MAX_SIDE = 16


def _as_array(name, images, min_count=2):
    if hasattr(images, "detach"):  # torch, possibly on an accelerator
        images = images.detach().cpu().numpy()
    images = np.asarray(keras.ops.convert_to_numpy(images))
    if images.ndim < 2 or len(images) < min_count:
        raise ValueError(
            f"`{name}` should be an array of at least {min_count} images, "
            "`(n, height, width, channels)` (or `(n, features)`). "
            f"Received shape {images.shape}."
        )
    if not np.issubdtype(images.dtype, np.number):
        raise ValueError(
            f"`{name}` should hold numbers. Received dtype {images.dtype}."
        )
    return images


def _area_pool(x, axis, max_side):
    """Averages groups of `ceil(L / max_side)` entries along `axis`."""
    size = x.shape[axis]
    if size <= max_side:
        return x
    factor = math.ceil(size / max_side)
    starts = np.arange(0, size, factor)
    counts = np.diff(np.append(starts, size)).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = len(starts)
    return np.add.reduceat(x, starts, axis=axis) / counts.reshape(shape)


def pixel_features(images, max_side=MAX_SIDE):
    """The default feature space of `diversity`: small area-averaged pixels.

    Every axis but the first (samples) and, for 4-d arrays, the last
    (channels) is averaged in groups of `ceil(side / max_side)`
    consecutive pixels, so each side ends at most `max_side` long (a
    32x32 image becomes 16x16, 28x28 becomes 14x14, 100x100 becomes
    15x15); the result is flattened. Averaging keeps the colours and the
    layout and drops pixel-level texture, so checkerboard artifacts or
    noise do not count as diversity.

    Args:
        images: array `(n, height, width, channels)`, `(n, height, width)`
            or `(n, features)`.
        max_side: int, the largest side kept. Defaults to 16.

    Returns:
        A float64 array `(n, features)`.

    Examples:

    >>> pixel_features(np.ones((2, 32, 32, 3))).shape
    (2, 768)
    """
    max_side = validation.positive_int("max_side", max_side)
    x = np.asarray(images, dtype="float64")
    spatial = range(1, x.ndim - 1) if x.ndim == 4 else range(1, x.ndim)
    for axis in spatial:
        x = _area_pool(x, axis, max_side)
    return x.reshape(len(x), -1)


def _features(images, features, batch_size):
    if features is None:
        return pixel_features(images)
    if not callable(features):
        raise ValueError(
            "`features` should be None (small pixels) or a callable, e.g. "
            "a Keras model, mapping images to vectors. Received: "
            f"`features={features!r}`"
        )
    out = []
    for start in range(0, len(images), batch_size):
        f = features(images[start : start + batch_size])
        out.append(np.asarray(keras.ops.convert_to_numpy(f), "float64"))
    out = np.concatenate(out)
    return out.reshape(len(out), -1)


def _subset(images, max_samples, seed=0):
    if max_samples is None or len(images) <= max_samples:
        return images
    rng = np.random.default_rng(seed)
    return images[np.sort(rng.choice(len(images), max_samples, False))]


@keras_gan_export
def diversity(images, features=None, max_samples=1000, batch_size=64):
    """The mean pairwise distance between the images of a batch.

    Each image is mapped to a feature vector `f` (by default
    `pixel_features`: pixels area-averaged to at most 16x16 per side and
    flattened; or the given `features` callable, e.g. a feature
    extractor), and the value is the mean over all pairs `i < j` of the
    root-mean-square feature difference `||f_i - f_j|| / sqrt(dim)`. It is
    0 when every image is the same (total mode collapse), and in pixel
    units otherwise: two images of -1s and 1s give 2. It is linear in
    scale (images times `s` give `s` times the value) and its expectation
    does not depend on the batch size, so batches of different sizes
    compare. Compare it with real images through `diversity_ratio`.

    Args:
        images: array `(n, ...)` of n >= 2 images (numpy or a backend
            tensor), channels last.
        features: None (default) for `pixel_features`, or a callable
            mapping a batch of images to vectors (a Keras model).
        max_samples: int or None; larger batches are reduced to a random
            subset (seed 0) of this size, as the cost grows with n
            squared. Defaults to 1000.
        batch_size: int, images per `features` call. Defaults to 64.

    Returns:
        A float >= 0.

    Examples:

    >>> diversity(np.zeros((5, 8, 8, 1)))  # identical images
    0.0
    >>> diversity(np.stack([-np.ones((8, 8, 1)), np.ones((8, 8, 1))]))
    2.0
    """
    images = _as_array("images", images)
    max_samples = validation.check_int(
        "max_samples", max_samples, minimum=2, allow_none=True
    )
    batch_size = validation.positive_int("batch_size", batch_size)
    f = _features(_subset(images, max_samples), features, batch_size)
    # Centring first keeps identical images at exactly 0 in the Gram form.
    f = f - f.mean(axis=0, keepdims=True)
    sq = (f * f).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (f @ f.T), 0.0)
    n = len(f)
    upper = np.sqrt(d2[np.triu_indices(n, k=1)])
    return float(upper.mean() / math.sqrt(max(f.shape[1], 1)))


@keras_gan_export
def diversity_ratio(real_images, fake_images, features=None, **kwargs):
    """The diversity of generated images relative to that of real ones.

    `diversity(fake_images) / diversity(real_images)` in the same feature
    space: about 1 when the samples vary as much as the data, near 0 under
    mode collapse (every sample alike); above 1 for samples noisier than
    the data. `TrainingMonitor` flags a ratio below 0.25.

    Args:
        real_images: array `(n, ...)` of n >= 2 real images.
        fake_images: array `(m, ...)` of m >= 2 generated images, of the
            same shape per image.
        features: None (default, small pixels) or a callable, as for
            `diversity`.
        **kwargs: `max_samples`, `batch_size`, as for `diversity`.

    Returns:
        A float >= 0.

    Examples:

    >>> real = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 3))
    >>> diversity_ratio(real, real)
    1.0
    >>> round(diversity_ratio(real, 0.5 * real), 6)
    0.5
    """
    real = _as_array("real_images", real_images)
    fake = _as_array("fake_images", fake_images)
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(
            "`real_images` and `fake_images` should have the same image "
            f"shape. Received {real.shape[1:]} and {fake.shape[1:]}."
        )
    reference = diversity(real, features, **kwargs)
    if reference == 0.0:
        raise ValueError(
            "`real_images` are all identical (diversity 0): there is no "
            "reference to compare with. Pass varied real images."
        )
    return diversity(fake, features, **kwargs) / reference


@keras_gan_export
def d_overfit(
    discriminator, images, labels=None, batch_size=256, training=True
):
    """ADA's overfitting heuristic `r_t = E[sign(D(x_real))]`.

    The mean sign of the discriminator's raw outputs (logits) on real
    images, here on a given batch and without augmentation. By default
    the discriminator runs as in the training step (`training=True`:
    batch statistics in batch normalization, whose moving averages and
    any other non-trainable state, such as spectral normalization's
    vectors, are put back afterwards): in inference mode a batch-norm
    discriminator can score the same reals very differently. Near 0 the
    discriminator cannot tell these images from fakes; near 1 it calls
    every one of them real, which on training images means it has
    memorized them (ADA raises its augmentation when `r_t` exceeds 0.6).
    It reads the sign, so it suits losses whose decision boundary is logit
    0 (non-saturating, minimax, hinge); for Wasserstein or relativistic
    losses only its changes mean something.

    Args:
        discriminator: the discriminator network (for an AC-GAN, its first
            output is used).
        images: array `(n, ...)` of real images.
        labels: int labels `(n,)` for a discriminator that takes
            `[images, labels]`, else None.
        batch_size: int, images per call. Defaults to 256.
        training: bool, run D in training mode (see above). Defaults to
            True.

    Returns:
        A float in [-1, 1].

    Examples:

    >>> d = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> d.set_weights([np.ones((4, 1)), np.zeros(1)])
    >>> d_overfit(d, np.array([[1.0] * 4, [1.0] * 4, [-1.0] * 4]))
    0.3333333333333333

    Reference: Karras et al., "Training Generative Adversarial Networks
    with Limited Data", NeurIPS 2020, section 3.
    """
    images = _as_array("images", images, min_count=1)
    batch_size = validation.positive_int("batch_size", batch_size)
    training = validation.check_bool("training", training)
    if labels is not None:
        labels = np.asarray(labels, "int32").reshape(-1)
    state = [
        (v, keras.ops.convert_to_numpy(v))
        for v in discriminator.non_trainable_variables
    ]
    try:
        total = _sign_sum(discriminator, images, labels, batch_size, training)
    finally:
        for variable, value in state:
            variable.assign(value)
    return float(total / len(images))


def _sign_sum(discriminator, images, labels, batch_size, training):
    total = 0.0
    for start in range(0, len(images), batch_size):
        inputs = images[start : start + batch_size].astype("float32")
        if labels is not None:
            inputs = [inputs, labels[start : start + batch_size]]
        out = discriminator(inputs, training=training)
        if isinstance(out, (list, tuple)):
            out = out[0]
        out = np.asarray(keras.ops.convert_to_numpy(out), "float64")
        total += np.sign(out.reshape(len(out), -1)[:, 0]).sum()
    return total
