"""The standard FID network: pytorch-fid's port of the 2015 Inception graph.

FID as papers report it (TTUR, pytorch-fid, clean-fid, StudioGAN, the
StyleGAN repositories) uses the Inception graph TensorFlow published on
2015-12-05, not the ImageNet InceptionV3 of `keras.applications`: its
weights differ, and so do a few blocks (average pools that do not count
padding, a max pool in the last block). pytorch-fid ported it to PyTorch
as `FIDInceptionA / C / E` blocks with the weights file
`pt_inception-2015-12-05-6726825d.pth`; `fid_inception()` builds the same
network with Keras layers and loads that file (or a `.npz` converted from
it), so the features agree with pytorch-fid's on every backend.
"""

import hashlib
import os

import keras
import numpy as np
from keras import layers

from keras_gan.metrics.extractors import INCEPTION_SIZE
from keras_gan.metrics.extractors import ImageInput
from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import check_bool
from keras_gan.utils.validation import check_choice

FID_WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/"
    "fid_weights/" + FID_WEIGHTS_NAME
)
FID_WEIGHTS_SHA256_PREFIX = "6726825d"  # torch hub's rule: a prefix
_SOURCE_KEY = "__source_sha256__"  # in converted files


class _Builder:
    """Builds Conv-BN-ReLU units named after pytorch-fid's modules."""

    def __init__(self):
        self.units = {}  # torch prefix -> (Conv2D, BatchNormalization)

    def conv(self, x, prefix, filters, kernel, strides=1, padding="same"):
        name = prefix.replace(".", "_")
        conv = layers.Conv2D(filters, kernel, strides=strides,
                             padding=padding, use_bias=False,
                             name=f"{name}_conv")
        bn = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_bn")
        self.units[prefix] = (conv, bn)
        return layers.ReLU()(bn(conv(x)))

    def block_a(self, x, p, pool_features):
        b1 = self.conv(x, f"{p}.branch1x1", 64, 1)
        b5 = self.conv(x, f"{p}.branch5x5_1", 48, 1)
        b5 = self.conv(b5, f"{p}.branch5x5_2", 64, 5)
        b3 = self.conv(x, f"{p}.branch3x3dbl_1", 64, 1)
        b3 = self.conv(b3, f"{p}.branch3x3dbl_2", 96, 3)
        b3 = self.conv(b3, f"{p}.branch3x3dbl_3", 96, 3)
        # "same" average pooling does not count the padding, as in TF.
        pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
        pool = self.conv(pool, f"{p}.branch_pool", pool_features, 1)
        return layers.Concatenate()([b1, b5, b3, pool])

    def block_b(self, x, p):
        b3 = self.conv(x, f"{p}.branch3x3", 384, 3, 2, "valid")
        d = self.conv(x, f"{p}.branch3x3dbl_1", 64, 1)
        d = self.conv(d, f"{p}.branch3x3dbl_2", 96, 3)
        d = self.conv(d, f"{p}.branch3x3dbl_3", 96, 3, 2, "valid")
        pool = layers.MaxPooling2D(3, strides=2)(x)
        return layers.Concatenate()([b3, d, pool])

    def block_c(self, x, p, c7):
        b1 = self.conv(x, f"{p}.branch1x1", 192, 1)
        b7 = self.conv(x, f"{p}.branch7x7_1", c7, 1)
        b7 = self.conv(b7, f"{p}.branch7x7_2", c7, (1, 7))
        b7 = self.conv(b7, f"{p}.branch7x7_3", 192, (7, 1))
        d = self.conv(x, f"{p}.branch7x7dbl_1", c7, 1)
        for i, kernel in enumerate([(7, 1), (1, 7), (7, 1)], start=2):
            d = self.conv(d, f"{p}.branch7x7dbl_{i}", c7, kernel)
        d = self.conv(d, f"{p}.branch7x7dbl_5", 192, (1, 7))
        pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
        pool = self.conv(pool, f"{p}.branch_pool", 192, 1)
        return layers.Concatenate()([b1, b7, d, pool])

    def block_d(self, x, p):
        b3 = self.conv(x, f"{p}.branch3x3_1", 192, 1)
        b3 = self.conv(b3, f"{p}.branch3x3_2", 320, 3, 2, "valid")
        b7 = self.conv(x, f"{p}.branch7x7x3_1", 192, 1)
        b7 = self.conv(b7, f"{p}.branch7x7x3_2", 192, (1, 7))
        b7 = self.conv(b7, f"{p}.branch7x7x3_3", 192, (7, 1))
        b7 = self.conv(b7, f"{p}.branch7x7x3_4", 192, 3, 2, "valid")
        pool = layers.MaxPooling2D(3, strides=2)(x)
        return layers.Concatenate()([b3, b7, pool])

    def block_e(self, x, p, max_pool):
        b1 = self.conv(x, f"{p}.branch1x1", 320, 1)
        b3 = self.conv(x, f"{p}.branch3x3_1", 384, 1)
        b3 = layers.Concatenate()([
            self.conv(b3, f"{p}.branch3x3_2a", 384, (1, 3)),
            self.conv(b3, f"{p}.branch3x3_2b", 384, (3, 1)),
        ])
        d = self.conv(x, f"{p}.branch3x3dbl_1", 448, 1)
        d = self.conv(d, f"{p}.branch3x3dbl_2", 384, 3)
        d = layers.Concatenate()([
            self.conv(d, f"{p}.branch3x3dbl_3a", 384, (1, 3)),
            self.conv(d, f"{p}.branch3x3dbl_3b", 384, (3, 1)),
        ])
        # The 2015 graph's last block max-pools (pytorch-fid's
        # FIDInceptionE_2); the others average without the padding.
        pool_layer = layers.MaxPooling2D if max_pool else (
            layers.AveragePooling2D
        )
        pool = pool_layer(3, strides=1, padding="same")(x)
        pool = self.conv(pool, f"{p}.branch_pool", 192, 1)
        return layers.Concatenate()([b1, b3, d, pool])


def _build(resize, output):
    build = _Builder()
    images = keras.Input((None, None, 3))
    x = build.conv(images, "Conv2d_1a_3x3", 32, 3, 2, "valid")
    x = build.conv(x, "Conv2d_2a_3x3", 32, 3, 1, "valid")
    x = build.conv(x, "Conv2d_2b_3x3", 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = build.conv(x, "Conv2d_3b_1x1", 80, 1)
    x = build.conv(x, "Conv2d_4a_3x3", 192, 3, 1, "valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    for p, pool_features in (("Mixed_5b", 32), ("Mixed_5c", 64),
                             ("Mixed_5d", 64)):
        x = build.block_a(x, p, pool_features)
    x = build.block_b(x, "Mixed_6a")
    for p, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160),
                  ("Mixed_6e", 192)):
        x = build.block_c(x, p, c7)
    x = build.block_d(x, "Mixed_7a")
    x = build.block_e(x, "Mixed_7b", max_pool=False)
    x = build.block_e(x, "Mixed_7c", max_pool=True)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    fc = None
    if output == "logits":
        fc = layers.Dense(1008, name="fc")
        x = fc(x)
    name = "fid_inception" + ("_logits" if output == "logits" else "")
    # pytorch-fid: F.interpolate(bilinear, align_corners=False), so no
    # antialiasing; grayscale is repeated to RGB.
    size = INCEPTION_SIZE if resize else None
    model = keras.Sequential([
        ImageInput(size, channels=3, antialias=False),
        keras.Model(images, x, name=f"{name}_network"),
    ], name=name)
    return model, build.units, fc


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _missing(path):
    cache = os.path.join(
        os.environ.get("TORCH_HOME")
        or os.path.join(os.path.expanduser("~"), ".cache", "torch"),
        "hub", "checkpoints", FID_WEIGHTS_NAME,
    )
    return FileNotFoundError(
        f"No FID Inception weights at `{path}`. pytorch-fid publishes them "
        f"as {FID_WEIGHTS_URL} (pytorch-fid itself caches the file in "
        f"{cache}). Download that file and pass its path: "
        "`keras_gan.metrics.fid_inception(weights='/path/to/"
        f"{FID_WEIGHTS_NAME}')`, or `FrechetDistance(weights=...)`. "
        "Reading a .pth needs torch; without it, convert once where torch "
        "is installed: `python -m keras_gan.metrics convert-fid-weights "
        f"{FID_WEIGHTS_NAME} fid_inception.npz`, and pass the .npz."
    )


def _wrong_file(path, what, actual):
    return ValueError(
        f"`{path}` is not pytorch-fid's {FID_WEIGHTS_NAME}: {what} starts "
        f"with {actual[:8]!r}, not {FID_WEIGHTS_SHA256_PREFIX!r}. Download "
        f"the file from {FID_WEIGHTS_URL}, or pass `verify_checksum=False` "
        "to load other weights (FIDs are then not comparable with papers)."
    )


def _read_torch(path):
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"Reading `{path}` needs torch. Convert it once where torch is "
            "installed: `python -m keras_gan.metrics convert-fid-weights "
            f"{path} fid_inception.npz`, and pass the .npz."
        ) from error
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {
        k: v.detach().cpu().numpy() for k, v in state.items()
        if not k.endswith("num_batches_tracked")
    }


def load_fid_weights(path, verify_checksum=True):
    """The state dict of a `.pth` or converted `.npz` file, as numpy arrays.

    Args:
        path: str, pytorch-fid's `.pth` or a `.npz` from `convert_fid_weights`.
        verify_checksum: bool: require the official file (its SHA-256, or
            for a `.npz` the SHA-256 of the `.pth` it was converted from,
            starts with the prefix in the official file name).

    Returns:
        A dict from pytorch-fid's parameter names to arrays.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise _missing(path)
    if path.endswith(".npz"):
        with np.load(path) as stored:
            state = {k: stored[k] for k in stored.files}
        source = str(state.pop(_SOURCE_KEY, "none"))
        if verify_checksum and not source.startswith(
            FID_WEIGHTS_SHA256_PREFIX
        ):
            raise _wrong_file(path, "the SHA-256 of its source .pth", source)
        return state
    if verify_checksum:
        actual = _sha256(path)
        if not actual.startswith(FID_WEIGHTS_SHA256_PREFIX):
            raise _wrong_file(path, "its SHA-256", actual)
    return _read_torch(path)


@keras_gan_export
def convert_fid_weights(source, target):
    """Converts pytorch-fid's `.pth` to a `.npz` that loads without torch.

    The command line does the same:
    `python -m keras_gan.metrics convert-fid-weights IN.pth OUT.npz`.

    Args:
        source: str, the `.pth` file (reading it needs torch).
        target: str, the `.npz` file to write. The SHA-256 of `source` is
            stored in it, for `fid_inception(verify_checksum=True)`.

    Returns:
        The path written.

    Examples:

    >>> # Needs the 91 MB weights file; see fid_inception().
    >>> convert_fid_weights("pt_inception.pth", "fid.npz")  # doctest: +SKIP
    'fid.npz'
    """
    source, target = os.fspath(source), os.fspath(target)
    if not os.path.isfile(source):
        raise _missing(source)
    state = _read_torch(source)
    if not target.endswith(".npz"):
        target += ".npz"
    np.savez(target, **state, **{_SOURCE_KEY: np.asarray(_sha256(source))})
    return target


def _assign(units, fc, state):
    for prefix, (conv, bn) in units.items():
        kernel = state[f"{prefix}.conv.weight"]  # (out, in, kh, kw)
        conv.set_weights([np.transpose(kernel, (2, 3, 1, 0))])
        bn.set_weights([state[f"{prefix}.bn.{k}"] for k in
                        ("weight", "bias", "running_mean", "running_var")])
    if fc is not None:
        fc.set_weights([state["fc.weight"].T, state["fc.bias"]])


@keras_gan_export
def fid_inception(weights, verify_checksum=True, resize=True,
                  output="features"):
    """The FID Inception network (pytorch-fid's) as a Keras model.

    The 2015-12-05 Inception graph that TTUR's FID, pytorch-fid, clean-fid
    and StudioGAN use, with pytorch-fid's `FIDInceptionA / C / E` blocks,
    built from Keras layers so it runs compiled on every backend. Images
    in [-1, 1], channels last, of any size and 1 or 3 channels, are resized
    to 299 x 299 with bilinear interpolation without antialiasing (as
    pytorch-fid's `F.interpolate(..., align_corners=False)`) and grayscale
    is repeated to RGB. The output is the 2048-d average-pooled features,
    the ones FIDs are computed from (pytorch-fid's default block).

    pytorch-fid feeds images in [0, 1] and maps them to [-1, 1] inside its
    network; this one takes [-1, 1] directly (what `keras_gan.data` makes).

    Args:
        weights: path of pytorch-fid's `pt_inception-2015-12-05-6726825d.pth`
            (reading it needs torch), or of a `.npz` made from it by
            `convert_fid_weights` (no torch needed), or None for random
            weights (for timing only: the numbers mean nothing).
        verify_checksum: bool, require the official file (SHA-256 prefix
            `6726825d`, torch hub's rule). Defaults to True.
        resize: bool, resize to 299 x 299 first (pytorch-fid's default).
            Without it, images of at least 75 x 75 go in as they are.
        output: "features" (default), the 2048 pooled features, or
            "logits", the graph's 1008 class logits (for an Inception Score
            with this network).

    Returns:
        A `keras.Model` mapping `(n, h, w, c)` images to `(n, 2048)`
        features (or `(n, 1008)` logits).

    Raises:
        FileNotFoundError: no file at `weights`; the message says where
            pytorch-fid publishes it and how to pass it.
        ValueError: the file is not the official one (with
            `verify_checksum`); the message names it.

    Examples:

    >>> # Skipped in the doctests (building and compiling takes ~10 s).
    >>> net = fid_inception("pt_inception-2015-12-05-6726825d.pth")
    ... # doctest: +SKIP
    >>> tuple(net.predict_on_batch(np.zeros((1, 32, 32, 1))).shape)
    ... # doctest: +SKIP
    (1, 2048)

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium", NeurIPS 2017; Seitzer,
        pytorch-fid, https://github.com/mseitzer/pytorch-fid.
    """
    check_bool("verify_checksum", verify_checksum)
    check_bool("resize", resize)
    check_choice("output", output, ("features", "logits"))
    state = None
    if weights is not None:
        state = load_fid_weights(weights, verify_checksum)
    model, units, fc = _build(resize, output)
    if state is not None:
        _assign(units, fc, state)
    return model
