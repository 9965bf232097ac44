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
    image_shape, min_size=1, power_of_two=False, max_size=None, builder=None
):
    """Validates `(height, width, channels)`; `max_size` names `builder`."""
    image_shape = tuple(int(d) for d in image_shape)
    if len(image_shape) != 3:
        raise ValueError(
            "`image_shape` should be (height, width, channels). Received: "
            f"`image_shape={image_shape}`"
        )
    h, w, c = image_shape
    if power_of_two and (
        h != w or h < min_size or 2 ** int(math.log2(h)) != h
    ):
        raise ValueError(
            "`image_shape` should be square with a power-of-two side "
            f">= {min_size} (8, 16, ..., 128). Received: "
            f"`image_shape={image_shape}`"
        )
    if c not in (1, 3, 4) and power_of_two:
        raise ValueError(
            f"`image_shape` should have 1 or 3 channels. Received: {c}."
        )
    if max_size is not None and h > max_size:
        raise ValueError(
            f"`{builder}` supports sizes {min_size} to {max_size}. Received: "
            f"`image_shape={image_shape}`"
        )
    return image_shape


def widths(size, filters, max_filters):
    """Channels at resolutions 4, 8, ..., size: doubling as size halves."""
    n = int(math.log2(size)) - 1
    return [min(filters * 2 ** (n - 1 - k), max_filters) for k in range(n)]
