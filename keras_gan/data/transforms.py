"""Pixel transforms: [-1, 1] scaling, standardization, augmentation.

`to_unit_range` / `from_unit_range` map between a file's value range and the
[-1, 1] of a tanh generator; `standardize` / `destandardize` with
`compute_stats` do the same with per-channel statistics; `augmentation`
builds the dataset-side random transforms from Keras's preprocessing layers.
"""

import keras
import numpy as np

from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def to_unit_range(images, from_range=(0, 255)):
    """Maps images linearly from `from_range` to [-1, 1], as float32.

    Args:
        images: array-like of any shape.
        from_range: `(low, high)` of the input values. Defaults to (0, 255).

    Returns:
        A float32 numpy array with `low` mapped to -1 and `high` to 1.

    Examples:

    >>> to_unit_range(np.array([0, 255])).tolist()
    [-1.0, 1.0]
    """
    low, high = (float(v) for v in from_range)
    if not high > low:
        raise ValueError(
            "`from_range` should be (low, high) with high > low. Received: "
            f"`from_range={from_range}`"
        )
    images = np.asarray(images, dtype=np.float64)
    return ((images - low) / (high - low) * 2.0 - 1.0).astype(np.float32)


@keras_gan_export
def from_unit_range(images, to_range=(0, 255)):
    """Maps images from [-1, 1] back to `to_range` (the inverse of
    `to_unit_range`).

    Args:
        images: array-like in [-1, 1].
        to_range: `(low, high)` of the output values. Defaults to (0, 255).

    Returns:
        A float32 numpy array (no rounding, no clipping).

    Examples:

    >>> from_unit_range(np.array([-1.0, 1.0])).tolist()
    [0.0, 255.0]
    """
    low, high = (float(v) for v in to_range)
    images = np.asarray(images, dtype=np.float64)
    return ((images + 1.0) / 2.0 * (high - low) + low).astype(np.float32)


def _as_float64(images):
    return np.asarray(images, dtype=np.float64)


def _check_std(std):
    std = _as_float64(std)
    if not np.all(std > 0):
        raise ValueError(
            "`std` should be positive everywhere (a channel with zero "
            f"spread cannot be standardized). Received: `std={std.tolist()}`"
        )
    return std


@keras_gan_export
def standardize(images, mean, std):
    """Maps images to `(images - mean) / std`, as float32.

    Args:
        images: array-like, channels last.
        mean: float or per-channel array, e.g. from `compute_stats`.
        std: positive float or per-channel array.

    Returns:
        A float32 numpy array, computed in float64; `destandardize` undoes it.

    Examples:

    >>> standardize(np.array([[0.0, 2.0]]), mean=1.0, std=2.0).tolist()
    [[-0.5, 0.5]]
    """
    std = _check_std(std)
    return ((_as_float64(images) - _as_float64(mean)) / std).astype(np.float32)


@keras_gan_export
def destandardize(images, mean, std):
    """Maps standardized images back: `images * std + mean`, as float32.

    Args:
        images: array-like, output of `standardize`.
        mean: the `mean` given to `standardize`.
        std: the `std` given to `standardize`.

    Returns:
        A float32 numpy array.

    Examples:

    >>> destandardize(np.array([[-0.5, 0.5]]), mean=1.0, std=2.0).tolist()
    [[0.0, 2.0]]
    """
    std = _check_std(std)
    return (_as_float64(images) * std + _as_float64(mean)).astype(np.float32)


@keras_gan_export
def compute_stats(dataset, axis=-1):
    """Per-channel mean and standard deviation of a whole dataset.

    Streams over the batches in float64 (Chan et al.'s parallel update),
    so a dataset larger than memory works.

    Args:
        dataset: an array of images; a tuple `(images, labels)`; a
            `tf.data.Dataset`, `keras.utils.PyDataset` or any iterable of
            batches of images or of `(images, labels)`.
        axis: int, the channel axis of the images. Defaults to -1.

    Returns:
        A tuple `(mean, std)` of float32 arrays with one value per channel,
        ready for `standardize(images, mean, std)`.

    Examples:

    >>> images = np.array([[[[0.0], [2.0]], [[4.0], [6.0]]]])
    >>> mean, std = compute_stats(images)
    >>> mean.tolist(), std.tolist()
    ([3.0], [2.2360680103302])
    """
    if isinstance(dataset, tuple) and len(dataset) == 2:
        dataset = dataset[0]
    if isinstance(dataset, np.ndarray) or hasattr(dataset, "__array__"):
        batches = [dataset]
    elif isinstance(dataset, keras.utils.PyDataset):
        batches = (dataset[i] for i in range(len(dataset)))
    else:
        batches = iter(dataset)
    count, mean, m2 = 0, None, None
    for batch in batches:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        batch = _as_float64(keras.ops.convert_to_numpy(batch))
        batch = np.moveaxis(batch, axis, -1).reshape(-1, batch.shape[axis])
        n = batch.shape[0]
        if n == 0:
            continue
        batch_mean = batch.mean(axis=0)
        batch_m2 = ((batch - batch_mean) ** 2).sum(axis=0)
        if mean is None:
            count, mean, m2 = n, batch_mean, batch_m2
            continue
        delta = batch_mean - mean
        total = count + n
        mean = mean + delta * n / total
        m2 = m2 + batch_m2 + delta**2 * count * n / total
        count = total
    if mean is None:
        raise ValueError("`dataset` is empty: there are no images to measure.")
    return mean.astype(np.float32), np.sqrt(m2 / count).astype(np.float32)


@keras_gan_export
def augmentation(
    flip=True,
    rotation=0.0,
    translation=0.0,
    zoom=0.0,
    brightness=0.0,
    contrast=0.0,
    seed=None,
):
    """Dataset-side augmentation from Keras's random preprocessing layers.

    These change the training images themselves, so the generator learns
    the augmented distribution: keep them to transformations that leave an
    image plausible (a mirrored face is still a face). To augment only what
    the discriminator sees, use `keras_gan.augment.DiffAugment` instead.
    Pass the result to `image_dataset(augment=...)`, or call it on a batch.

    Args:
        flip: True or "horizontal" (mirror left-right), "vertical",
            "horizontal_and_vertical", or False. Defaults to True.
        rotation: float, the largest rotation as a fraction of a full turn
            (`keras.layers.RandomRotation`). Defaults to 0.
        translation: float, the largest shift as a fraction of the height
            and width. Defaults to 0.
        zoom: float, the largest zoom in or out as a fraction. Defaults to 0.
        brightness: float in [0, 1], the largest brightness change as a
            fraction of the [-1, 1] range. Defaults to 0.
        contrast: float in [0, 1], the largest contrast change. Defaults to
            0.
        seed: int or None, for reproducible augmentation. Defaults to None.

    Returns:
        A `keras.Sequential` of the layers asked for (an identity layer
        when none are), for images in [-1, 1].

    Examples:

    >>> augment = augmentation(flip=True, zoom=0.1, seed=0)
    >>> [layer.__class__.__name__ for layer in augment.layers]
    ['RandomFlip', 'RandomZoom']
    >>> images = np.linspace(-1, 1, 2 * 8 * 8 * 3).reshape(2, 8, 8, 3)
    >>> tuple(augment(images).shape)
    (2, 8, 8, 3)
    """
    if flip is True:
        flip = "horizontal"
    validation.check_choice(
        "flip",
        flip,
        (False, "horizontal", "vertical", "horizontal_and_vertical"),
    )
    rotation = validation.non_negative_float("rotation", rotation)
    translation = validation.unit_interval("translation", translation)
    zoom = validation.non_negative_float("zoom", zoom)
    brightness = validation.unit_interval("brightness", brightness)
    contrast = validation.unit_interval("contrast", contrast)
    seed = validation.check_int("seed", seed, allow_none=True)
    seeds = iter(range(6)) if seed is None else iter(range(seed, seed + 6))

    def next_seed():
        offset = next(seeds)
        return None if seed is None else offset

    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip(flip, seed=next_seed()))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, seed=next_seed()))
    if translation:
        layers.append(
            keras.layers.RandomTranslation(
                translation, translation, seed=next_seed()
            )
        )
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, seed=next_seed()))
    if brightness:
        layers.append(
            keras.layers.RandomBrightness(
                brightness, value_range=(-1.0, 1.0), seed=next_seed()
            )
        )
    if contrast:
        layers.append(
            keras.layers.RandomContrast(
                contrast, value_range=(-1.0, 1.0), seed=next_seed()
            )
        )
    if not layers:
        layers.append(keras.layers.Identity())
    return keras.Sequential(layers, name="augmentation")
