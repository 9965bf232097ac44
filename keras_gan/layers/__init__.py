"""GAN building blocks, written with `keras.ops` only.

Every layer runs on TensorFlow, JAX and PyTorch, under float32 and the
`mixed_float16` / `mixed_bfloat16` policies, and is registered for saving
under the `keras_gan` package.
"""

from keras_gan.layers.attention import SelfAttention
from keras_gan.layers.blocks import ConvBlock
from keras_gan.layers.blocks import DownsampleBlock
from keras_gan.layers.blocks import UpsampleBlock
from keras_gan.layers.conditioning import ClassEmbedding
from keras_gan.layers.conditioning import ProjectionHead
from keras_gan.layers.equalized import EqualizedConv2D
from keras_gan.layers.equalized import EqualizedDense
from keras_gan.layers.norms import ConditionalBatchNormalization
from keras_gan.layers.norms import InstanceNormalization
from keras_gan.layers.norms import MinibatchStdDev
from keras_gan.layers.norms import PixelNormalization
from keras_gan.layers.output import OutputRange
from keras_gan.layers.resample import BlurResample
from keras_gan.layers.residual import ResidualBlock
from keras_gan.layers.style import AdaptiveInstanceNormalization
from keras_gan.layers.style import ModulatedConv2D
from keras_gan.layers.style import NoiseInjection

__all__ = [
    "AdaptiveInstanceNormalization",
    "BlurResample",
    "ClassEmbedding",
    "ConditionalBatchNormalization",
    "ConvBlock",
    "DownsampleBlock",
    "EqualizedConv2D",
    "EqualizedDense",
    "InstanceNormalization",
    "MinibatchStdDev",
    "ModulatedConv2D",
    "NoiseInjection",
    "OutputRange",
    "PixelNormalization",
    "ProjectionHead",
    "ResidualBlock",
    "SelfAttention",
    "UpsampleBlock",
]
