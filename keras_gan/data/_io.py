"""Finding, checking, decoding and resizing image files (Pillow and numpy).

Every image goes through these functions, with or without TensorFlow, so the
tf.data pipeline, the `PyDataset` pipeline and `scan_images` agree on which
files are readable and on the pixels they produce. TensorFlow's own decoders
are not used: `tf.io.decode_image` refuses `channels=1` for BMP, GIF and WebP,
misreads 8-bit palette BMPs and ignores GIF transparency.
"""

import dataclasses
import io
import os
import warnings

import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
RESIZE_MODES = ("crop", "pad", "stretch")
INTERPOLATIONS = ("bilinear", "bicubic", "lanczos", "nearest", "area")


def max_pixels():
    """The largest width * height decoded; larger images are refused.

    Pillow's own limit (`PIL.Image.MAX_IMAGE_PIXELS`, about 89 million
    pixels, 0.27 GB as RGB) where it is set, else 2**30.
    """
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS or 2**30


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow is a dependency
        raise ImportError(
            "keras_gan.data reads image files with Pillow. Install it with "
            "`pip install pillow`."
        ) from e
    return Image


def check_directory(directory):
    """Returns `directory` as a string, or raises if it is not a folder."""
    directory = os.path.normpath(os.fspath(directory))
    if not os.path.isdir(directory):
        raise ValueError(
            f"`directory` should be an existing folder. Received: "
            f"`directory={directory!r}`, which "
            + ("is a file." if os.path.exists(directory) else "does not exist.")
        )
    return directory


def list_files(directory):
    """All files under `directory`, recursively, sorted, skipping hidden
    folders (`.git`, `.ipynb_checkpoints`, ...).

    Returns:
        A tuple `(image_paths, other_paths)`, split by file extension.
    """
    images, others = [], []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.lower().endswith(IMAGE_EXTENSIONS):
                images.append(path)
            else:
                others.append(path)
    return sorted(images), sorted(others)


def class_folders(directory):
    """Sorted names of the non-hidden subfolders of `directory`."""
    return sorted(
        d
        for d in os.listdir(directory)
        if not d.startswith(".") and os.path.isdir(os.path.join(directory, d))
    )


def index_directory(directory, labels):
    """Image paths, integer labels (or None) and class names of a folder.

    With `labels="inferred"` each subfolder is a class (names sorted) and
    images directly inside `directory` are not used.
    """
    directory = check_directory(directory)
    paths, _ = list_files(directory)
    if labels is None:
        return paths, None, None
    class_names = class_folders(directory)
    if not class_names:
        raise ValueError(
            f'`labels="inferred"` needs one subfolder per class in '
            f"{directory!r}, but it has no subfolders. Put each class's "
            "images in its own subfolder, or pass `labels=None`."
        )
    index = {name: i for i, name in enumerate(class_names)}
    kept, targets = [], []
    for path in paths:
        top = os.path.relpath(path, directory).split(os.sep)[0]
        if top in index and top != os.path.basename(path):
            kept.append(path)
            targets.append(index[top])
    return kept, np.asarray(targets, dtype="int32"), class_names


def no_images_error(directory, labels=None):
    where = "its class subfolders" if labels == "inferred" else "it"
    return ValueError(
        f"No images found in {directory!r}: none of the files in {where} "
        f"has an image extension ({', '.join(IMAGE_EXTENSIONS)}). Point "
        "`directory` at the folder that holds the images."
    )


class BadImage(Exception):
    """A file that cannot be used; `str(exception)` is the reason."""


def read_file(path):
    """The bytes of `path`, or `BadImage` if the file cannot be read.

    A dangling symbolic link (its target was moved or deleted), a file
    without read permission or a vanished file are reported as such rather
    than raised as `OSError`, so that `scan_images` lists them and
    `on_error="skip"` leaves them out.
    """
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        if os.path.islink(path) and not os.path.exists(path):
            target = os.readlink(path)
            raise BadImage(
                f"dangling symbolic link: its target {target!r} does not "
                "exist"
            ) from None
        raise BadImage(f"cannot read: {e.strerror or e}") from None


def open_image(path, data=None):
    """Opens and fully decodes `path` with Pillow, or raises `BadImage`.

    The file is read into memory (`data`, when given, is its bytes), so no
    file handle outlives the call. The header is read first and an image
    whose declared width * height is above `max_pixels()` is refused
    without being decoded.
    """
    Image = _pil()
    if data is None:
        data = read_file(path)
    if not data:
        raise BadImage("empty file (0 bytes)")
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            # We apply the limit ourselves below, with a clearer reason.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise BadImage(f"decompression bomb: {e}") from None
    except Image.UnidentifiedImageError:
        raise BadImage("not an image: Pillow cannot identify its format")
    except OSError as e:
        raise BadImage(f"cannot open: {e}") from None
    width, height = image.size
    if width * height > limit:
        image.close()
        gib = width * height * 4 / 2**30
        raise BadImage(
            f"decompression bomb: declares {width}x{height} pixels "
            f"(~{gib:.1f} GiB to decode), above the limit of {limit:,} "
            "pixels; refused without decoding"
        )
    if width == 0 or height == 0:
        raise BadImage(f"declares an empty size {width}x{height}")
    try:
        image.load()
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError
        image.close()
        raise BadImage(f"truncated or corrupt: {e}") from None
    return image


def to_mode(image, channels):
    """Converts a decoded Pillow image to "L" (channels=1) or "RGB" (3).

    16-bit images are scaled to 8 bits; transparency is composited over
    black, so hidden colours under transparent pixels never leak in.
    """
    Image = _pil()
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        array = np.asarray(image, dtype=np.float64)
        scale = 255.0 / 65535.0 if image.mode != "F" else 255.0
        array = np.clip(np.round(array * scale), 0, 255).astype(np.uint8)
        image = Image.fromarray(array, mode="L")
    if image.mode == "P":
        has_alpha = "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        image = Image.alpha_composite(black, rgba)
    target = "L" if channels == 1 else "RGB"
    if image.mode != target:
        image = image.convert(target)
    return image


def _resample(interpolation):
    Image = _pil()
    return {
        "bilinear": Image.Resampling.BILINEAR,
        "bicubic": Image.Resampling.BICUBIC,
        "lanczos": Image.Resampling.LANCZOS,
        "nearest": Image.Resampling.NEAREST,
        "area": Image.Resampling.BOX,
    }[interpolation]


def resize(image, size, mode, interpolation="bilinear"):
    """Resizes a Pillow image to `size=(height, width)`.

    "crop" takes the largest centred window with the target aspect ratio
    (as `keras.preprocessing.image.smart_resize` does), "pad" fits the whole
    image and fills the borders with black, "stretch" ignores the aspect
    ratio. Pillow filters are antialiased when shrinking.
    """
    Image = _pil()
    target_h, target_w = size
    width, height = image.size
    resample = _resample(interpolation)
    if mode == "stretch":
        return image.resize((target_w, target_h), resample)
    if mode == "crop":
        crop_h = max(min(height, int(width * target_h / target_w)), 1)
        crop_w = max(min(width, int(height * target_w / target_h)), 1)
        top = int((height - crop_h) / 2)
        left = int((width - crop_w) / 2)
        box = (left, top, left + crop_w, top + crop_h)
        return image.resize((target_w, target_h), resample, box=box)
    scale = min(target_w / width, target_h / height)
    new_w = max(1, min(target_w, round(width * scale)))
    new_h = max(1, min(target_h, round(height * scale)))
    canvas = Image.new(image.mode, (target_w, target_h))
    canvas.paste(
        image.resize((new_w, new_h), resample),
        ((target_w - new_w) // 2, (target_h - new_h) // 2),
    )
    return canvas


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How a file becomes a uint8 array: the options of `load_array`.

    Attributes:
        image_size: `(height, width)` of the output.
        channels: 1 or 3.
        resize: one of `RESIZE_MODES`.
        interpolation: one of `INTERPOLATIONS`.
    """

    image_size: tuple
    channels: int = 3
    resize: str = "crop"
    interpolation: str = "bilinear"

    @property
    def shape(self):
        """`(height, width, channels)` of a decoded image."""
        return (*self.image_size, self.channels)

    def load(self, path):
        """`path` decoded with these options, or `BadImage`."""
        return load_array(
            path,
            self.image_size,
            self.channels,
            self.resize,
            self.interpolation,
        )


def load_array(path, size, channels, mode, interpolation):
    """Decoded, converted and resized image as uint8 `(height, width, C)`."""
    from PIL import ImageOps

    with open_image(path) as image:
        # Phone photos store their rotation in EXIF; honour it.
        upright = ImageOps.exif_transpose(image)
        resized = resize(to_mode(upright, channels), size, mode, interpolation)
    return np.asarray(resized, dtype=np.uint8).reshape(
        size[0], size[1], channels
    )


def dhash(image, hash_size=8):
    """Difference hash: 64 bits comparing neighbouring pixels of a
    9x8 grayscale thumbnail. Robust to resizing, recompression and small
    brightness changes; returned as a Python int.
    """
    Image = _pil()
    small = to_mode(image, 1).resize(
        (hash_size + 1, hash_size), Image.Resampling.BOX
    )
    pixels = np.asarray(small, dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)
