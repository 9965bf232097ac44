"""Data preparation: datasets in the generator's range, [-1, 1]."""

import numpy as np

from keras_gan._export import keras_gan_export


@keras_gan_export
def to_unit_range(images, from_range=(0, 255)):
    """Maps images linearly from `from_range` to [-1, 1], as float32.

    Args:
        images: array-like of any shape.
        from_range: `(low, high)` of the input values. Defaults to (0, 255).

    Returns:
        A float32 numpy array with `low` mapped to -1 and `high` to 1.

    Example:

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

    Example:

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

    Example:

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
