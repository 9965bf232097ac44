"""keras_gan.metrics: see the docs."""
