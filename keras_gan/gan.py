"""The GAN model (being written)."""

import keras


class GAN(keras.Model):
    """A generator and a discriminator trained with `fit()`."""
