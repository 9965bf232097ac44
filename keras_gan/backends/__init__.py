"""Per-backend gradient drivers: the only backend-specific training code."""

import keras


def trainer_mixin():
    """Returns the `train_step` mixin for the current Keras backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from keras_gan.backends.tensorflow import TensorFlowTrainer

        return TensorFlowTrainer
    if backend == "jax":
        from keras_gan.backends.jax import JAXTrainer

        return JAXTrainer
    if backend == "torch":
        from keras_gan.backends.torch import TorchTrainer

        return TorchTrainer
    raise ValueError(
        f"keras-gan supports the tensorflow, jax and torch backends. "
        f"Received: KERAS_BACKEND={backend!r}"
    )
