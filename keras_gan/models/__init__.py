"""Architecture builders returning `(generator, discriminator)`."""

from keras_gan.models.dcgan import dcgan
from keras_gan.models.mlp import mlp
from keras_gan.models.stylegan import ConstantInput
from keras_gan.models.stylegan import StyleMixing
from keras_gan.models.stylegan import stylegan

__all__ = [
    "ConstantInput",
    "StyleMixing",
    "dcgan",
    "mlp",
    "stylegan",
]
