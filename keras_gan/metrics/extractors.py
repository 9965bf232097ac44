"""Feature extractors: Keras's InceptionV3 and a small digits classifier.

An extractor is any Keras model mapping images in [-1, 1] to vectors (to
logits for the Inception Score). `inception_v3()` is Keras's InceptionV3
with ImageNet weights; `digits_classifier()` is a download-free alternative
for scikit-learn's digits; `fid_inception()` (in `fid_network.py`) is the
network of the standard FID.
"""

import os
import warnings

import keras
import numpy as np
from keras import ops

from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import check_bool
from keras_gan.utils.validation import check_choice
from keras_gan.utils.validation import positive_int

INCEPTION_SIZE = 299
_DIGITS_WEIGHTS = "digits_classifier_v1.npz"
_INCEPTION_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/"
)
_INCEPTION_WEIGHTS = {  # include_top: (file name, md5), as in Keras
    False: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63",
    ),
    True: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "9a0d58056eeedaa3f26cb7ebd46da564",
    ),
}


@keras_gan_export
class ImageInput(keras.layers.Layer):
    """Resizes images and matches channels for a feature extractor.

    Resizes with bilinear interpolation (antialiased by default) when the
    spatial size differs from `size`, and repeats a single channel
    `channels` times. It leaves values unchanged: extractors here take
    images in [-1, 1].

    Args:
        size: int or None, the side of the square output images; None
            keeps the input's size.
        channels: int or None, the channels the extractor expects; 1-channel
            inputs are repeated to match. None keeps the input's.
        antialias: bool, antialias when downsampling. Defaults to True;
            `fid_inception()` uses False, as pytorch-fid does.

    Call arguments:
        images: a tensor `(batch, height, width, channels)`.

    Returns:
        A tensor `(batch, size, size, channels)`.

    Examples:

    >>> tuple(ImageInput(4, channels=3)(np.zeros((2, 8, 8, 1))).shape)
    (2, 4, 4, 3)
    """

    def __init__(self, size, channels=None, antialias=True, **kwargs):
        super().__init__(**kwargs)
        self.size = positive_int("size", size, allow_none=True)
        self.channels = positive_int("channels", channels, allow_none=True)
        self.antialias = check_bool("antialias", antialias)

    def call(self, images):
        images = ops.cast(images, self.compute_dtype)
        if self.size is not None and (
            tuple(images.shape[1:3]) != (self.size, self.size)
        ):
            images = ops.image.resize(
                images,
                (self.size, self.size),
                interpolation="bilinear",
                antialias=self.antialias,
            )
        if self.channels and images.shape[-1] == 1 and self.channels != 1:
            images = ops.repeat(images, self.channels, axis=-1)
        return images

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        if self.channels and channels == 1:
            channels = self.channels
        if self.size is None:
            return (*input_shape[:3], channels)
        return (input_shape[0], self.size, self.size, channels)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "channels": self.channels,
            "antialias": self.antialias,
        }


@keras_gan_export
def inception_v3(include_top=False, weights="imagenet"):
    """Keras's InceptionV3 as a GAN feature extractor or classifier.

    Images in [-1, 1] (what InceptionV3's own preprocessing produces) of any
    size are resized to 299 x 299 with bilinear, antialiased interpolation;
    grayscale is repeated to three channels. Keras downloads the ImageNet
    weights once into `~/.keras/models/` (or `$KERAS_HOME/models/`).

    Args:
        include_top: bool. False (default): the 2048 average-pooled features
            used by FID and KID. True: the 1000 ImageNet logits used by the
            Inception Score.
        weights: "imagenet" (default), the path of a local weights file
            (`inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`, or
            the file without `_notop` for `include_top=True`), or None for
            random weights (for timing only: the numbers mean nothing).

    Returns:
        A `keras.Model` mapping `(n, h, w, c)` images to `(n, 2048)`
        features or `(n, 1000)` logits.

    Raises:
        RuntimeError: when the ImageNet weights cannot be loaded (no
            network); the message says how to pass a local file or another
            extractor.

    Examples:

    >>> # Skipped in the doctests: building InceptionV3 takes ~10-30 s.
    >>> net = inception_v3(weights=None)  # doctest: +SKIP
    >>> tuple(net(np.zeros((1, 32, 32, 1))).shape)  # doctest: +SKIP
    (1, 2048)
    """
    if weights == "imagenet":
        # Fetch the file first (what Keras would do after building the
        # network), so a missing file fails fast, with advice.
        weights = _imagenet_weights(include_top)
    net = keras.applications.InceptionV3(
        include_top=include_top,
        weights=weights,
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        pooling=None if include_top else "avg",
        classifier_activation=None,
    )
    return keras.Sequential(
        [ImageInput(INCEPTION_SIZE, channels=3), net],
        name="inception_v3_top" if include_top else "inception_v3_features",
    )


def _keras_home():
    return os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )


def _default_cache_dir():
    return os.path.join(_keras_home(), "keras_gan")


def _imagenet_weights(include_top):
    """The local path of InceptionV3's ImageNet weights, downloaded once."""
    name, file_hash = _INCEPTION_WEIGHTS[include_top]
    try:
        return keras.utils.get_file(
            name,
            _INCEPTION_URL + name,
            cache_subdir="models",
            file_hash=file_hash,
            cache_dir=_keras_home(),
        )
    except Exception as error:
        raise RuntimeError(
            "Could not load the ImageNet weights of InceptionV3, which Keras "
            "downloads once into $KERAS_HOME/models/ (default ~/.keras/"
            f"models/): {error}. Without network access, either copy `{name}` "
            "into that folder, or pass the file: `keras_gan.metrics."
            "inception_v3(weights='/path/to/that.h5')`, or pass another "
            "extractor, e.g. `FrechetDistance(feature_extractor=keras_gan."
            "metrics.digits_classifier())` for 8x8 digits."
        ) from error


def _train_digits_weights(path):
    """Fits a 64-64-10 MLP with scikit-learn and stores its weights."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from keras_gan.data import load_digits

    images, labels = load_digits()
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-3, max_iter=300, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(images.reshape(len(images), -1), labels)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.tmp.npz"
    np.savez(
        partial,
        **{f"w{i}": w for i, w in enumerate(mlp.coefs_)},
        **{f"b{i}": b for i, b in enumerate(mlp.intercepts_)},
    )
    os.replace(partial, path)  # atomic: concurrent processes never see half


@keras_gan_export
def digits_classifier(output="features", cache_dir=None):
    """A small classifier of scikit-learn's digits, for download-free metrics.

    A 64-64-10 perceptron fitted with scikit-learn (a second or two on CPU,
    deterministic, the same weights on every backend) on
    `keras_gan.data.load_digits()`; it classifies all 1,797 of them
    correctly. Its weights are cached in `cache_dir`. Grayscale images in
    [-1, 1] of any size are resized to 8 x 8 first (bilinear, antialiased).

    Metric values computed with it are comparable with each other (same
    cached weights, same sample counts), never with published FIDs, which
    use InceptionV3 on natural images.

    Args:
        output: "features" (default): the 64 hidden ReLU activations, for
            `FrechetDistance` and `KernelDistance`; "logits": the 10 class
            logits, for `InceptionScore`.
        cache_dir: str or None, where the weights are stored. Defaults to
            `$KERAS_HOME/keras_gan` (`~/.keras/keras_gan`).

    Returns:
        A `keras.Model` mapping `(n, h, w, 1)` images to `(n, 64)` features
        or `(n, 10)` logits.

    Examples:

    >>> import tempfile
    >>> from keras_gan.data import load_digits
    >>> images, labels = load_digits()
    >>> net = digits_classifier("logits", cache_dir=tempfile.mkdtemp())
    >>> logits = keras.ops.convert_to_numpy(net(images[:100]))
    >>> bool((logits.argmax(-1) == labels[:100]).mean() > 0.9)
    True
    """
    check_choice("output", output, ("features", "logits"))
    path = os.path.join(cache_dir or _default_cache_dir(), _DIGITS_WEIGHTS)
    if not os.path.exists(path):
        _train_digits_weights(path)
    with np.load(path) as stored:
        params = {k: stored[k].astype("float32") for k in stored.files}
    images = keras.Input((None, None, 1))
    x = ImageInput(8, channels=1)(images)
    x = keras.layers.Flatten()(x)
    hidden = keras.layers.Dense(64, activation="relu", name="features")
    features = hidden(x)
    classify = keras.layers.Dense(10, name="logits")
    logits = classify(features)
    hidden.set_weights([params["w0"], params["b0"]])
    classify.set_weights([params["w1"], params["b1"]])
    outputs = features if output == "features" else logits
    return keras.Model(images, outputs, name=f"digits_{output}")
