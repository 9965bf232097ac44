"""keras_gan.penalties: see the docs."""
