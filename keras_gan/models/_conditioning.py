"""Shared label plumbing for the conditional architecture builders."""

import math

import keras
from keras import layers


def latent_inputs(latent_dim, num_classes, embed_dim=None):
    """Generator inputs and the latent tensor to build from.

    Unconditional: `z`. Conditional: `[z, labels]`, with the label's learned
    embedding concatenated to z (the cGAN recipe).
    """
    z = keras.Input((latent_dim,), name="z")
    if num_classes is None:
        return z, z
    labels = keras.Input((), dtype="int32", name="labels")
    embedding = layers.Embedding(
        num_classes, embed_dim or min(latent_dim, 50), name="label_embedding"
    )(labels)
    return [z, labels], layers.Concatenate(name="z_and_label")([z, embedding])


def image_inputs(image_shape, num_classes):
    """Discriminator inputs and the image tensor to build from.

    Conditional: `[images, labels]`, with the label's learned embedding
    appended to the image as one extra channel.
    """
    images = keras.Input(image_shape, name="images")
    if num_classes is None:
        return images, images
    labels = keras.Input((), dtype="int32", name="labels")
    h, w = image_shape[0], image_shape[1]
    plane = layers.Embedding(num_classes, h * w, name="label_plane")(labels)
    plane = layers.Reshape((h, w, 1))(plane)
    return [images, labels], layers.Concatenate(name="image_and_label")(
        [images, plane]
    )


def check_image_shape(
    image_shape, builder=None, min_size=1, max_size=None, max_channels=None,
    power_of_two=False,
):
    """Validates `(height, width, channels)`: the one image-shape check.

    Args:
        image_shape: the value received.
        builder: str or None, the builder's name, for the messages.
        min_size: int, the smallest side allowed.
        max_size: int or None, the largest side allowed.
        max_channels: int or None, the most channels allowed.
        power_of_two: bool, whether the image must be square with a
            power-of-two side (the progressive builder's fixed stages).

    Returns:
        The shape as a tuple of three ints.
    """
    who = f"`{builder}`" if builder else "This builder"
    try:
        if isinstance(image_shape, str):
            raise TypeError(image_shape)
        shape = tuple(int(d) for d in image_shape)
        ok = len(shape) == 3 and all(
            int(d) == d for d in image_shape
        )
    except (TypeError, ValueError):
        shape, ok = image_shape, False
    if not ok:
        raise ValueError(
            "`image_shape` should be (height, width, channels), three "
            f"integers. Received: `image_shape={image_shape!r}`"
        )
    h, w, c = shape
    if power_of_two:
        sides = ", ".join(str(2**i) for i in range(
            max(3, math.ceil(math.log2(min_size))),
            int(math.log2(max_size or 256)) + 1,
        ))
        if h != w or h < min_size or 2 ** int(math.log2(h)) != h:
            raise ValueError(
                f"{who} supports square images with a power-of-two side "
                f"({sides}{'' if max_size else ', ...'}); any other size "
                "is taken by `dcgan`, `resnet`, `stylegan` and `r3gan`. "
                f"Received: `image_shape={shape}`"
            )
    if min(h, w) < min_size or (max_size is not None and max(h, w) > max_size):
        limit = f"{min_size} to {max_size}" if max_size else f">= {min_size}"
        raise ValueError(
            f"{who} supports images whose height and width are {limit}. "
            f"Received: `image_shape={shape}`"
        )
    if c < 1 or (max_channels is not None and c > max_channels):
        raise ValueError(
            f"{who} supports images with 1 to {max_channels} channels. "
            f"Received: `image_shape={shape}`"
        )
    return shape


class Grid:
    """How a builder reaches any `(height, width)` from a small base grid.

    `levels` doublings take the base grid `base_h x base_w` to
    `padded_h x padded_w` (each `base * 2**levels`), the smallest such map
    that covers the image; the generator center-crops it to the image and
    the discriminator zero-pads the image to it (the crop's mirror), so
    both networks run on exact doublings. `levels` is chosen from the
    smaller side so that its base side is 4 to 8: squares with a
    power-of-two side get a 4x4 base and no crop at all.
    """

    def __init__(self, height, width):
        self.height, self.width = height, width
        self.levels = max(1, (min(height, width) // 4).bit_length() - 1)
        scale = 2**self.levels
        self.base_h = -(-height // scale)
        self.base_w = -(-width // scale)
        self.padded_h = self.base_h * scale
        self.padded_w = self.base_w * scale

    def heights(self):
        """The feature-map heights, base to full: `base_h * 2**i`."""
        return [self.base_h * 2**i for i in range(self.levels + 1)]

    def _margins(self):
        dh = self.padded_h - self.height
        dw = self.padded_w - self.width
        return ((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2))

    def crop(self, x, name="crop"):
        """`x` (padded size) center-cropped to the image size."""
        margins = self._margins()
        if margins == ((0, 0), (0, 0)):
            return x
        return layers.Cropping2D(margins, name=name)(x)

    def pad(self, x, name="pad"):
        """`x` (image size) zero-padded to the padded size, centered."""
        margins = self._margins()
        if margins == ((0, 0), (0, 0)):
            return x
        return layers.ZeroPadding2D(margins, name=name)(x)


def widths(levels, filters, max_filters):
    """Channels at the `levels + 1` resolutions, base to full: doubling
    at every halving of the resolution, from `filters` up to
    `max_filters`."""
    n = levels + 1
    return [min(filters * 2 ** (n - 1 - k), max_filters) for k in range(n)]
