"""keras_gan.augment: see the docs."""
