"""Architecture builders returning `(generator, discriminator)`."""

from keras_gan.models.dcgan import dcgan
from keras_gan.models.mlp import mlp
from keras_gan.models.resnet import resnet
from keras_gan.models.sequence import sequence

__all__ = ["dcgan", "mlp", "resnet", "sequence"]
