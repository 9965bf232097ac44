"""Architecture builders returning `(generator, discriminator)`."""

from keras_gan.models.dcgan import dcgan
from keras_gan.models.mlp import mlp
from keras_gan.models.progressive import FadeIn
from keras_gan.models.progressive import progressive
from keras_gan.models.progressive import set_progress
from keras_gan.models.r3gan import r3gan
from keras_gan.models.resnet import resnet
from keras_gan.models.sequence import sequence
from keras_gan.models.stylegan import ConstantInput
from keras_gan.models.stylegan import StyleMixing
from keras_gan.models.stylegan import stylegan

__all__ = [
    "ConstantInput",
    "FadeIn",
    "StyleMixing",
    "dcgan",
    "mlp",
    "progressive",
    "r3gan",
    "resnet",
    "sequence",
    "set_progress",
    "stylegan",
]
