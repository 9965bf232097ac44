"""Data preparation: from a folder of images to batches in [-1, 1].

Scan a folder with `scan_images` before training, build the pipeline with
`image_dataset`, hold out data with `split`, augment with `augmentation` and
normalize with `to_unit_range` / `standardize`.

`image_dataset` returns a `tf.data.Dataset` when TensorFlow is installed and
a `keras.utils.PyDataset` otherwise, with the same batches in the same order.
Both decode with Pillow: TensorFlow's decoders refuse `channels=1` for BMP,
GIF and WebP, misread palette BMPs and ignore GIF transparency, and
`keras.utils.image_dataset_from_directory` neither reads WebP nor skips
corrupt files.
"""

import numbers
import os

import keras
import numpy as np

from keras_gan import _data_io
from keras_gan import _data_pipeline
from keras_gan import _data_scan
from keras_gan import _data_split
from keras_gan._data_scan import ScanReport
from keras_gan.utils.export import keras_gan_export

__all__ = [
    "ScanReport",
    "augmentation",
    "compute_stats",
    "destandardize",
    "from_unit_range",
    "image_dataset",
    "load_digits",
    "scan_images",
    "split",
    "standardize",
    "to_unit_range",
]


def _image_size(image_size):
    if isinstance(image_size, numbers.Integral):
        image_size = (image_size, image_size)
    try:
        height, width = image_size
    except (TypeError, ValueError):
        height = width = None
    if not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
        for v in (height, width)
    ):
        raise ValueError(
            "`image_size` should be a positive integer or a tuple "
            f"`(height, width)` of positive integers. Received: "
            f"`image_size={image_size!r}`"
        )
    return int(height), int(width)


def _choice(name, value, allowed):
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(
            f"`{name}` should be one of {options}. Received: "
            f"`{name}={value!r}`"
        )


@keras_gan_export
def image_dataset(
    directory,
    image_size,
    batch_size=64,
    channels=3,
    labels=None,
    resize="crop",
    shuffle=True,
    seed=None,
    cache="auto",
    augment=None,
    on_error="raise",
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    data_format=None,
):
    """A folder of images as batches for `GAN.fit`, in [-1, 1].

    Finds png, jpg, jpeg, bmp, gif and webp files in `directory` and its
    subfolders (hidden folders excepted), decodes them once to check them
    (an image whose header declares too many pixels is refused before
    decoding), converts grayscale, RGBA and palette images to `channels`
    (transparency over black), resizes them to `image_size` keeping the
    aspect ratio, scales them to float32 [-1, 1], then shuffles, batches
    and prefetches.

    With TensorFlow installed this is a `tf.data.Dataset`; without it, a
    `keras.utils.PyDataset` built on Pillow and numpy that yields the same
    batches in the same order. Either works with `fit` on every backend and
    carries `class_names` and `file_paths` attributes.

    Args:
        directory: path of the folder.
        image_size: int or `(height, width)`, the output size.
        batch_size: int, images per batch. Defaults to 64.
        channels: 3 (RGB) or 1 (grayscale). Defaults to 3.
        labels: None (images only) or "inferred": each subfolder of
            `directory` is a class, class names sorted; batches are then
            `(images, labels)` with int32 labels. Defaults to None.
        resize: "crop" (largest centred crop with the target aspect ratio),
            "pad" (whole image, black borders) or "stretch" (aspect ratio
            ignored). Defaults to "crop".
        shuffle: bool, reshuffle the files every epoch. Defaults to True.
        seed: int, the shuffling seed; None draws one. Defaults to None.
        cache: True keeps the resized images in memory (uint8) after
            their first decoding, False decodes every epoch, "auto" caches
            when they take at most 1 GiB. Defaults to "auto".
        augment: None or a callable applied to each float batch during
            training, such as `augmentation(...)`. Defaults to None.
        on_error: "raise" stops on the first check with an error naming
            every unreadable file and why; "skip" leaves them out with a
            warning saying how many. Defaults to "raise".
        validation_split: float in (0, 1), the fraction held out, stratified
            by class folder, as `split` does (seed 0 when `seed` is None).
            Defaults to None.
        subset: "training", "validation" or "both" (returns a tuple) with
            `validation_split`. Defaults to None.
        interpolation: "bilinear", "bicubic", "lanczos", "nearest" or
            "area"; Pillow's filters, antialiased when shrinking. Defaults
            to "bilinear".
        data_format: "channels_last" or "channels_first"; defaults to
            `keras.config.image_data_format()`.

    Returns:
        A `tf.data.Dataset` or `keras.utils.PyDataset` of float32 images
        `(batch, height, width, channels)`, or of `(images, labels)`.

    Examples:

    >>> import tempfile
    >>> from PIL import Image
    >>> folder = tempfile.mkdtemp()
    >>> for i, size in enumerate([(40, 20), (16, 16), (9, 30)]):
    ...     Image.new("RGB", size, (255, 0, 0)).save(f"{folder}/{i}.png")
    >>> ds = image_dataset(folder, image_size=8, batch_size=2, seed=0)
    >>> batches = [np.asarray(x) for x in ds]
    >>> [b.shape for b in batches]
    [(2, 8, 8, 3), (1, 8, 8, 3)]
    >>> batches[0][0, 0, 0].tolist()
    [1.0, -1.0, -1.0]
    """
    directory = _data_io.check_directory(directory)
    height, width = _image_size(image_size)
    if (
        not isinstance(batch_size, numbers.Integral)
        or isinstance(batch_size, bool)
        or batch_size <= 0
    ):
        raise ValueError(
            "`batch_size` should be a positive integer. Received: "
            f"`batch_size={batch_size!r}`"
        )
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(
            "`channels` should be 1 or 3. Received: "
            f"`channels={channels!r}`"
        )
    _choice("labels", labels, (None, "inferred"))
    _choice("resize", resize, _data_io.RESIZE_MODES)
    _choice("cache", cache, ("auto", True, False))
    _choice("on_error", on_error, ("raise", "skip"))
    _choice("interpolation", interpolation, _data_io.INTERPOLATIONS)
    _choice("subset", subset, (None, "training", "validation", "both"))
    if data_format is None:
        data_format = keras.config.image_data_format()
    _choice("data_format", data_format, ("channels_last", "channels_first"))
    if (validation_split is None) != (subset is None):
        raise ValueError(
            "`validation_split` and `subset` go together: pass both (e.g. "
            '`validation_split=0.2, subset="training"`) or neither. '
            f"Received: `validation_split={validation_split!r}`, "
            f"`subset={subset!r}`"
        )
    if augment is not None and not callable(augment):
        raise ValueError(
            "`augment` should be None or a callable such as "
            "`keras_gan.data.augmentation()`. Received: "
            f"`augment={augment!r}`"
        )
    if seed is None:
        seed = int(np.random.randint(2**31 - 1))
        split_seed = 0
    else:
        split_seed = seed

    paths, targets, class_names = _data_io.index_directory(directory, labels)
    if not paths:
        raise _data_io.no_images_error(directory, labels)
    tf = _data_pipeline.import_tensorflow()

    def build(indices):
        source = _data_pipeline._Source(
            [paths[i] for i in indices],
            None if targets is None else targets[indices],
            (height, width),
            channels,
            resize,
            interpolation,
            cache,
            shuffle,
            seed,
        )
        source.check(on_error)
        if not len(source):
            raise ValueError(
                f"None of the {len(indices)} image files in {directory!r} "
                "can be read. `keras_gan.data.scan_images` says why."
            )
        args = (source, batch_size, augment, data_format, class_names)
        if tf is None:
            return _data_pipeline.ImageFolderDataset(*args)
        return _data_pipeline.tf_dataset(tf, *args)

    if subset is None:
        return build(np.arange(len(paths)))
    strata = targets if targets is not None else _data_split.folder_strata(
        directory, paths
    )
    train, test = _data_split.split_indices(
        len(paths), strata, validation_split, split_seed, "validation_split"
    )
    if subset == "training":
        return build(train)
    if subset == "validation":
        return build(test)
    return build(train), build(test)


@keras_gan_export
def scan_images(directory, labels="auto"):
    """Checks a folder of images before training; modifies nothing.

    Reads every image file (recursively; the extensions `image_dataset`
    uses) and reports: counts; unreadable files with the reason for each
    (empty, truncated, not an image despite the extension, decompression
    bombs refused from their header); the distribution of sizes, aspect
    ratios, colour modes and formats; exact duplicates (SHA-256 of the
    bytes) and near duplicates (a 64-bit difference hash); suspicious
    images (constant, almost black, almost white); pixel value ranges; and
    class balance when subfolders are classes. Files are only read.

    Args:
        directory: path of the folder.
        labels: "auto" treats subfolders as classes when every image lies
            in one of at least two subfolders; "inferred" always does; None
            never. Defaults to "auto".

    Returns:
        A `ScanReport`; `report.summary()` prints it as a table and
        `report.bad_files` lists what `on_error="skip"` would leave out.

    Examples:

    >>> import tempfile
    >>> from PIL import Image
    >>> folder = tempfile.mkdtemp()
    >>> Image.new("L", (30, 20), 128).save(f"{folder}/a.png")
    >>> Image.new("L", (30, 20), 128).save(f"{folder}/copy.png")
    >>> with open(f"{folder}/notes.jpg", "w") as f:
    ...     _ = f.write("not an image")
    >>> report = scan_images(folder)
    >>> report.num_files, report.num_images, report.bad_files == [
    ...     f"{folder}/notes.jpg"]
    (3, 2, True)
    >>> report.unreadable[f"{folder}/notes.jpg"]
    'not an image: Pillow cannot identify its format'
    >>> [[os.path.basename(p) for p in g] for g in report.exact_duplicates]
    [['a.png', 'copy.png']]
    >>> dict(report.sizes), dict(report.modes)
    ({(30, 20): 2}, {'L': 2})
    """
    _choice("labels", labels, ("auto", "inferred", None))
    return _data_scan.scan(directory, labels)


@keras_gan_export
def split(directory_or_arrays, test_fraction=0.2, seed=0):
    """Splits a folder's files or arrays into training and test parts.

    Deterministic for a seed and stratified by class: each class is within
    one item of its share `test_fraction`. A folder's classes are its
    top-level subfolders (when every image lies in one of at least two);
    an array tuple's classes are its second array when that is 1-D. Items
    keep their original order within each part.

    Args:
        directory_or_arrays: a folder path; an array (or anything with a
            length and numpy indexing); or a tuple `(x, y)` of such, with
            `y` the labels.
        test_fraction: float in (0, 1), the test share, rounded to whole
            items. Defaults to 0.2.
        seed: int, the random seed. Defaults to 0.

    Returns:
        A tuple `(train, test)`: lists of file paths for a folder, arrays
        for an array, `(x, y)` tuples for a tuple.

    Examples:

    >>> x, y = load_digits()
    >>> (x_train, y_train), (x_test, y_test) = split((x, y), seed=0)
    >>> len(x_train), len(x_test)
    (1438, 359)
    >>> np.bincount(y_test).tolist()
    [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    """
    if isinstance(directory_or_arrays, (str, os.PathLike)):
        directory = _data_io.check_directory(directory_or_arrays)
        paths, _ = _data_io.list_files(directory)
        if not paths:
            raise _data_io.no_images_error(directory)
        strata = _data_split.folder_strata(directory, paths)
        train, test = _data_split.split_indices(
            len(paths), strata, test_fraction, seed
        )
        return [paths[i] for i in train], [paths[i] for i in test]
    if isinstance(directory_or_arrays, tuple):
        arrays = [np.asarray(a) for a in directory_or_arrays]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(
                "The arrays passed to `split` should have the same length. "
                f"Received lengths {[len(a) for a in arrays]}."
            )
        strata = arrays[1] if len(arrays) > 1 and arrays[1].ndim == 1 else None
        train, test = _data_split.split_indices(
            len(arrays[0]), strata, test_fraction, seed
        )
        return tuple(a[train] for a in arrays), tuple(a[test] for a in arrays)
    array = np.asarray(directory_or_arrays)
    train, test = _data_split.split_indices(
        len(array), None, test_fraction, seed
    )
    return array[train], array[test]


def _factor(name, value, high=None):
    if not isinstance(value, numbers.Real) or value < 0 or (
        high is not None and value > high
    ):
        limit = f"between 0 and {high}" if high is not None else "at least 0"
        raise ValueError(
            f"`{name}` should be a number {limit}. Received: "
            f"`{name}={value!r}`"
        )
    return float(value)


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
    _choice(
        "flip",
        flip,
        (False, "horizontal", "vertical", "horizontal_and_vertical"),
    )
    rotation = _factor("rotation", rotation)
    translation = _factor("translation", translation, 1.0)
    zoom = _factor("zoom", zoom)
    brightness = _factor("brightness", brightness, 1.0)
    contrast = _factor("contrast", contrast, 1.0)
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


@keras_gan_export
def load_digits(image_size=8):
    """scikit-learn's bundled handwritten digits, ready for a GAN.

    The 1,797 8x8 grayscale digits ship with scikit-learn, so nothing is
    downloaded. Pixel values 0..16 are mapped to [-1, 1]; other sizes are
    made by bilinear resizing.

    Args:
        image_size: int, the side of the square images. Defaults to 8.

    Returns:
        A tuple `(images, labels)`: float32 `(1797, image_size, image_size,
        1)` in [-1, 1] and int32 `(1797,)` in 0..9.

    Examples:

    >>> x, y = load_digits()
    >>> x.shape, y.shape, float(x.min()), float(x.max())
    ((1797, 8, 8, 1), (1797,), -1.0, 1.0)
    """
    if int(image_size) != image_size or image_size <= 0:
        raise ValueError(
            "`image_size` should be a positive integer. Received: "
            f"`image_size={image_size}`"
        )
    from sklearn.datasets import load_digits as sk_load_digits

    digits = sk_load_digits()
    images = to_unit_range(digits.images[..., None], from_range=(0, 16))
    if image_size != 8:
        import keras

        images = keras.ops.convert_to_numpy(
            keras.ops.image.resize(
                images, (image_size, image_size), interpolation="bilinear"
            )
        )
        images = np.clip(images, -1.0, 1.0).astype(np.float32)
    return images, digits.target.astype(np.int32)


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
