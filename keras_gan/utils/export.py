"""One decorator that makes a name public and registers it for saving."""

import keras

PACKAGE = "keras_gan"


def keras_gan_export(obj):
    """Registers `obj` with Keras serialization under the `keras_gan` package.

    Args:
        obj: a class or function to register.

    Returns:
        `obj`, unchanged, so that this works as a decorator.

    Examples:

    >>> import keras
    >>> @keras_gan_export
    ... class Scale(keras.layers.Layer):
    ...     pass
    >>> keras.saving.get_registered_name(Scale)
    'keras_gan>Scale'
    """
    return keras.saving.register_keras_serializable(package=PACKAGE)(obj)


class ConfigObject:
    """Plain (non-Layer) serializable objects: losses, penalties.

    Subclasses return their constructor arguments from `get_config`;
    `from_config` and `repr` follow from it.
    """

    def get_config(self):
        """Returns the constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the object from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
