"""Sample-quality metrics: FID, KID, IS, precision / recall, density /
coverage, intra-class FID, classification accuracy score, memorization.

The metrics are streaming `keras.metrics.Metric`s written with `keras.ops`,
so they run on TensorFlow, JAX and PyTorch. They compare images through a
feature extractor: any Keras model mapping images in [-1, 1] to vectors (to
logits for the Inception Score). The default is Keras's InceptionV3 with
ImageNet weights (`inception_v3()`); `digits_classifier()` is a small
download-free alternative for scikit-learn's digits.

The package: `extractors` and `fid_network` (the networks), `base`
(batching and the shared metric machinery), `frechet`, `kernel`,
`inception_score`, `manifold`, `conditional`, `memorization`,
`diversity` (the metrics), `cli` (`python -m keras_gan.metrics`).
"""

from keras_gan.metrics.base import _accumulator_dtype  # noqa: F401
from keras_gan.metrics.base import _image_batches  # noqa: F401
from keras_gan.metrics.base import _to_numpy  # noqa: F401
from keras_gan.metrics.conditional import IntraClassFrechetDistance
from keras_gan.metrics.conditional import classification_accuracy_score
from keras_gan.metrics.diversity import d_overfit
from keras_gan.metrics.diversity import diversity
from keras_gan.metrics.diversity import diversity_ratio
from keras_gan.metrics.diversity import pixel_features
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
from keras_gan.metrics.kernel import kernel_distance
from keras_gan.metrics.manifold import Coverage
from keras_gan.metrics.manifold import Density
from keras_gan.metrics.manifold import ImprovedPrecision
from keras_gan.metrics.manifold import ImprovedRecall
from keras_gan.metrics.manifold import density_coverage
from keras_gan.metrics.manifold import knn_radii
from keras_gan.metrics.manifold import precision_recall
from keras_gan.metrics.memorization import Memorization
from keras_gan.metrics.memorization import memorization

__all__ = [
    "INCEPTION_SIZE",
    "Coverage",
    "Density",
    "FrechetDistance",
    "ImageInput",
    "ImprovedPrecision",
    "ImprovedRecall",
    "InceptionScore",
    "IntraClassFrechetDistance",
    "KernelDistance",
    "Memorization",
    "classification_accuracy_score",
    "convert_fid_weights",
    "d_overfit",
    "density_coverage",
    "digits_classifier",
    "diversity",
    "diversity_ratio",
    "fid_inception",
    "frechet_distance",
    "inception_v3",
    "kernel_distance",
    "knn_radii",
    "memorization",
    "pixel_features",
    "precision_recall",
]
