"""The training seam: the backend-free step and one driver per backend.

- `step.py`: the phases of a GAN step, `keras.ops` only;
- `driver.py`: the `Driver` protocol the step calls;
- `optimizer.py`: `GANOptimizer`, one optimizer object owning D's and G's;
- `seed.py`: the seed generator that gives data-parallel replicas their
  own latent streams;
- `tensorflow.py`, `jax.py`, `torch.py`: each backend's driver, trainer
  mixin and data-parallel code.
"""

import keras


def trainer_mixin():
    """Returns the `train_step` mixin of the current Keras backend.

    Returns:
        A class to put before `keras.Model` in `GAN`'s bases.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from keras_gan.training.tensorflow import TensorFlowTrainer

        return TensorFlowTrainer
    if backend == "jax":
        from keras_gan.training.jax import JAXTrainer

        return JAXTrainer
    if backend == "torch":
        from keras_gan.training.torch import TorchTrainer

        return TorchTrainer
    raise ValueError(
        "keras-gan supports the tensorflow, jax and torch backends. "
        f"Received: KERAS_BACKEND={backend!r}"
    )
