"""Where the training data comes from: a folder of images, or the digits.

`image_dataset` turns a folder into batches in [-1, 1] for `GAN.fit`;
`load_digits` returns scikit-learn's bundled digits as arrays. Both live
here because both answer "what do I train on"; the pixel transforms they
share are in `transforms.py`, the pipelines' machinery in `_pipeline.py`.

`image_dataset` returns a `tf.data.Dataset` when TensorFlow is installed and
a `keras.utils.PyDataset` otherwise, with the same batches in the same order.
Both decode with Pillow: TensorFlow's decoders refuse `channels=1` for BMP,
GIF and WebP, misread palette BMPs and ignore GIF transparency, and
`keras.utils.image_dataset_from_directory` neither reads WebP nor skips
corrupt files.
"""

import keras
import numpy as np

from keras_gan.data import _io
from keras_gan.data import _pipeline
from keras_gan.data.splitting import folder_strata
from keras_gan.data.splitting import split_indices
from keras_gan.data.transforms import to_unit_range
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


def _image_size(image_size):
    if validation.is_integer(image_size):
        image_size = (image_size, image_size)
    try:
        height, width = image_size
    except (TypeError, ValueError):
        height = width = None
    if not all(validation.is_integer(v) and v > 0 for v in (height, width)):
        raise ValueError(
            "`image_size` should be a positive integer or a tuple "
            f"`(height, width)` of positive integers. Received: "
            f"`image_size={image_size!r}`"
        )
    return int(height), int(width)


def _channels(channels):
    if not (validation.is_integer(channels) and channels in (1, 3)):
        raise ValueError(
            "`channels` should be 1 or 3. Received: "
            f"`channels={channels!r}`"
        )
    return int(channels)


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
    directory = _io.check_directory(directory)
    decoding = _io.Decoding(
        image_size=_image_size(image_size),
        channels=_channels(channels),
        resize=validation.check_choice("resize", resize, _io.RESIZE_MODES),
        interpolation=validation.check_choice(
            "interpolation", interpolation, _io.INTERPOLATIONS
        ),
    )
    batch_size = validation.positive_int("batch_size", batch_size)
    validation.check_choice("labels", labels, (None, "inferred"))
    validation.check_choice("cache", cache, ("auto", True, False))
    shuffle = validation.check_bool("shuffle", shuffle)
    validation.check_choice("on_error", on_error, ("raise", "skip"))
    validation.check_choice(
        "subset", subset, (None, "training", "validation", "both")
    )
    if data_format is None:
        data_format = keras.config.image_data_format()
    validation.check_choice(
        "data_format", data_format, ("channels_last", "channels_first")
    )
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
    seed = validation.check_int("seed", seed, allow_none=True)
    if seed is None:
        seed = int(np.random.randint(2**31 - 1))
        split_seed = 0
    else:
        split_seed = seed

    paths, targets, class_names = _io.index_directory(directory, labels)
    if not paths:
        raise _io.no_images_error(directory, labels)
    use_tf = _pipeline.import_tensorflow() is not None

    def build(indices):
        source = _pipeline.ImageSource(
            [paths[i] for i in indices],
            decoding=decoding,
            labels=None if targets is None else targets[indices],
            class_names=class_names,
            cache=cache,
            shuffle=shuffle,
            seed=seed,
        )
        source.check(on_error)
        if not len(source):
            raise ValueError(
                f"None of the {len(indices)} image files in {directory!r} "
                "can be read. `keras_gan.data.scan_images` says why."
            )
        pipeline = (
            _pipeline.tf_dataset if use_tf else _pipeline.ImageFolderDataset
        )
        return pipeline(
            source,
            batch_size=batch_size,
            augment=augment,
            data_format=data_format,
        )

    if subset is None:
        return build(np.arange(len(paths)))
    strata = targets if targets is not None else folder_strata(
        directory, paths
    )
    train, test = split_indices(
        len(paths), strata, validation_split, split_seed, "validation_split"
    )
    if subset == "training":
        return build(train)
    if subset == "validation":
        return build(test)
    return build(train), build(test)


@keras_gan_export
def load_digits(image_size=8):
    """scikit-learn's bundled handwritten digits, ready for a GAN.

    The 1,797 8x8 grayscale digits ship with scikit-learn (a dependency
    of keras-gan, so any install has them): nothing is downloaded. Pixel
    values 0..16 are mapped to [-1, 1]; other sizes are made by bilinear
    resizing.

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
    image_size = validation.positive_int("image_size", image_size)
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as e:  # pragma: no cover - a core dependency
        raise ImportError(
            "`load_digits` reads the digits that ship with scikit-learn, a "
            "dependency of keras-gan that is missing here. Install it with "
            "`pip install scikit-learn` (or reinstall `keras-gan`)."
        ) from e

    digits = sk_load_digits()
    images = to_unit_range(digits.images[..., None], from_range=(0, 16))
    if image_size != 8:
        images = keras.ops.convert_to_numpy(
            keras.ops.image.resize(
                images, (image_size, image_size), interpolation="bilinear"
            )
        )
        images = np.clip(images, -1.0, 1.0).astype(np.float32)
    return images, digits.target.astype(np.int32)
