"""Architecture builders returning `(generator, discriminator)`."""

from keras_gan.models.dcgan import dcgan
from keras_gan.models.mlp import mlp
from keras_gan.models.resnet import resnet

__all__ = ["dcgan", "mlp", "resnet"]
