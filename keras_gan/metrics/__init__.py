"""Sample-quality metrics: Frechet distance, kernel distance, Inception Score.

All of them are streaming `keras.metrics.Metric`s written with `keras.ops`,
so they run on TensorFlow, JAX and PyTorch. They compare images through a
feature extractor: any Keras model mapping images in [-1, 1] to vectors (to
logits for the Inception Score). The default is Keras's InceptionV3 with
ImageNet weights (`inception_v3()`); `digits_classifier()` is a small
download-free alternative for scikit-learn's digits.

The package: `extractors` (the networks), `base` (batching and the shared
metric machinery), `frechet`, `kernel`, `inception_score` (the metrics).
"""

from keras_gan.metrics.base import _accumulator_dtype  # noqa: F401
from keras_gan.metrics.base import _image_batches  # noqa: F401
from keras_gan.metrics.base import _to_numpy  # noqa: F401
from keras_gan.metrics.extractors import INCEPTION_SIZE
from keras_gan.metrics.extractors import ImageInput
from keras_gan.metrics.extractors import digits_classifier
from keras_gan.metrics.extractors import inception_v3
from keras_gan.metrics.fid_network import convert_fid_weights
from keras_gan.metrics.fid_network import fid_inception
from keras_gan.metrics.frechet import FrechetDistance
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.metrics.inception_score import InceptionScore
from keras_gan.metrics.kernel import KernelDistance

__all__ = [
    "INCEPTION_SIZE",
    "FrechetDistance",
    "ImageInput",
    "InceptionScore",
    "KernelDistance",
    "convert_fid_weights",
    "fid_inception",
    "digits_classifier",
    "frechet_distance",
    "inception_v3",
]
