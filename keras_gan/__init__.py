"""keras-gan: train GANs with Keras 3 `compile()` / `fit()` on any backend."""

from keras_gan import augment
from keras_gan import callbacks
from keras_gan import data
from keras_gan import layers
from keras_gan import losses
from keras_gan import metrics
from keras_gan import models
from keras_gan import penalties
from keras_gan import recipes
from keras_gan.gan import GAN
from keras_gan.topk import TopK
from keras_gan.training.checkpoint import load

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "TopK",
    "augment",
    "callbacks",
    "data",
    "layers",
    "load",
    "losses",
    "metrics",
    "models",
    "penalties",
    "recipes",
]
