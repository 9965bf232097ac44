"""One decorator that makes a name public and registers it for saving."""

import keras

PACKAGE = "keras_gan"


def keras_gan_export(obj):
    """Registers `obj` with Keras serialization under the `keras_gan` package.

    Args:
        obj: a class or function to register.

    Returns:
        `obj`, unchanged, so that this works as a decorator.

    Example:

    >>> import keras
    >>> @keras_gan_export
    ... class Scale(keras.layers.Layer):
    ...     pass
    >>> keras.saving.get_registered_name(Scale)
    'keras_gan>Scale'
    """
    return keras.saving.register_keras_serializable(package=PACKAGE)(obj)
