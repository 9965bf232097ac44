"""Small networks and data shared by the tests."""

import hashlib
import inspect
import math
import os
import struct
import zlib

import keras
import numpy as np
from keras import layers
from keras import ops
from PIL import Image


def tiny_pair(image_shape=(4, 4, 1), latent_dim=4, batch_norm=True):
    """A small dense generator / discriminator pair, BN in both."""
    z = keras.Input((latent_dim,))
    x = layers.Dense(8)(z)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    g = keras.Model(z, layers.Reshape(image_shape)(x), name="g")
    images = keras.Input(image_shape)
    x = layers.Flatten()(images)
    x = layers.Dense(8)(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    d = keras.Model(images, layers.Dense(1)(x), name="d")
    return g, d


def linear_pair():
    """G(z) = a z + b on 1-D z, D(x) = w x + c on 1-D x.

    G is linear on purpose: it says so (`OutputRange(None, None)`), so
    `compile` neither warns nor checks the data's range.
    """
    from keras_gan.layers import OutputRange

    z = keras.Input((1,))
    g = keras.Model(z, OutputRange(None, None)(layers.Dense(1)(z)), name="g")
    x = keras.Input((1,))
    d = keras.Model(x, layers.Dense(1)(x), name="d")
    return g, d


def images(n=32, shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.standard_normal((n, *shape))).astype("float32")


def flat(weights):
    return [np.array(keras.ops.convert_to_numpy(w)) for w in weights]


def assert_weights_untouched(model, fn):
    """Runs `fn` and checks that no weight of `model` changed, bitwise."""
    before = flat(model.weights)
    fn()
    for a, b in zip(before, flat(model.weights)):
        np.testing.assert_array_equal(a, b)


def np_(x):
    """A backend tensor (or array) as numpy; floats in float64 for checks."""
    a = np.asarray(keras.ops.convert_to_numpy(x))
    return a.astype("float64") if np.issubdtype(a.dtype, np.floating) else a


def latents(n=4, dim=8, seed=0):
    """`n` standard-normal latent vectors of size `dim`, as float32."""
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(
        "float32"
    )


# Layer checks (`run_layer_test`): every layer of keras_gan.layers passes
# them, in the spirit of Keras's private `run_layer_test`: build on several
# input shapes, output shapes, config round trip, `.keras` save / load inside
# a functional model, mixed precision, and one training step that changes
# every trainable weight to finite values.

POLICIES = ("mixed_float16", "mixed_bfloat16")


def make_inputs(input_shape, labels=None, seed=0):
    """Random inputs: N(0, 1) floats, integer labels at `labels` indices.

    `input_shape` is a shape, or a list of shapes for `[x, ...]` inputs;
    `labels` maps an input index to its number of classes.
    """
    rng = np.random.default_rng(seed)
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    labels = labels or {}
    arrays = []
    for i, shape in enumerate(shapes):
        if i in labels:
            arrays.append(rng.integers(0, labels[i], size=shape, dtype="int32"))
        else:
            arrays.append(rng.standard_normal(shape).astype("float32"))
    return arrays if multi else arrays[0]


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32")))


def first(y):
    return y[0] if isinstance(y, (list, tuple)) else y


def functional_model(layer, input_shape, labels=None, call_kwargs=None):
    labels = labels or {}
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    inputs = [
        keras.Input(shape[1:], dtype="int32" if i in labels else "float32")
        for i, shape in enumerate(shapes)
    ]
    outputs = layer(inputs if multi else inputs[0], **(call_kwargs or {}))
    return keras.Model(inputs if multi else inputs[0], first(outputs))


def init_arguments(layer_cls):
    """Every named constructor argument along the MRO up to Layer."""
    names = set()
    for cls in layer_cls.__mro__:
        if cls in (keras.layers.Layer, object) or "__init__" not in vars(cls):
            continue
        for p in inspect.signature(cls.__init__).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                names.add(p.name)
    names.discard("self")
    return names


def perturb_weights(layer, seed=0, scale=0.3):
    """Moves every trainable weight off its initial value (e.g. zeros)."""
    rng = np.random.default_rng(seed)
    for w in layer.trainable_weights:
        value = to_numpy(w)
        noise = rng.standard_normal(value.shape).astype("float32")
        w.assign(value + scale * noise)


def check_output_shapes(layer_cls, init_kwargs, cases, labels, call_kwargs):
    """Eager call on the first shape; symbolic builds on every shape."""
    (input_shape, expected), *others = cases
    layer = layer_cls(**init_kwargs)
    y = first(layer(make_inputs(input_shape, labels), **call_kwargs))
    assert tuple(y.shape) == tuple(expected), (input_shape, y.shape)
    for input_shape, expected in cases:
        layer = layer_cls(**init_kwargs)
        y = first(layer(_symbolic(input_shape, labels), **call_kwargs))
        assert tuple(y.shape) == tuple(expected), (input_shape, y.shape)
        if not call_kwargs:
            assert tuple(layer.compute_output_shape(input_shape)) == tuple(
                expected
            )
        # The batch dimension is free, as inside a functional model.
        symbolic = functional_model(
            layer_cls(**init_kwargs), _free_batch(input_shape), labels,
            call_kwargs,
        ).output
        assert tuple(symbolic.shape)[1:] == tuple(expected)[1:]


def _symbolic(input_shape, labels):
    labels = labels or {}
    if not isinstance(input_shape, list):
        return keras.KerasTensor(input_shape)
    return [
        keras.KerasTensor(s, dtype="int32" if i in labels else "float32")
        for i, s in enumerate(input_shape)
    ]


def _free_batch(input_shape):
    if isinstance(input_shape, list):
        return [(None, *s[1:]) for s in input_shape]
    return (None, *input_shape[1:])


def check_config(layer_cls, init_kwargs):
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    missing = init_arguments(layer_cls) - set(config)
    assert not missing, f"get_config() lacks {sorted(missing)}"
    rebuilt = layer_cls.from_config(config)
    assert rebuilt.get_config() == config
    name = keras.saving.get_registered_name(layer_cls)
    assert name == f"keras_gan>{layer_cls.__name__}"
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is layer_cls
    assert restored.get_config() == config


def check_saving(layer_cls, init_kwargs, input_shape, labels, call_kwargs,
                 path):
    layer = layer_cls(**init_kwargs)
    model = functional_model(layer, input_shape, labels, call_kwargs)
    perturb_weights(layer)
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = make_inputs(input_shape, labels, seed=1)
    # Random layers draw the same numbers: the seed state was saved.
    expected = to_numpy(model(x, training=False))
    actual = to_numpy(loaded(x, training=False))
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)
    assert type(loaded.layers[-1]) is layer_cls


def check_mixed_precision(layer_cls, init_kwargs, input_shape, labels,
                          call_kwargs):
    for policy in POLICIES:
        layer = layer_cls(**init_kwargs, dtype=policy)
        y = first(layer(make_inputs(input_shape, labels), **call_kwargs))
        compute = keras.mixed_precision.DTypePolicy(policy).compute_dtype
        assert keras.backend.standardize_dtype(y.dtype) == compute, policy
        assert np.all(np.isfinite(to_numpy(y))), policy
        for w in layer.weights:
            dtype = keras.backend.standardize_dtype(w.dtype)
            if "float" in dtype:
                assert dtype == "float32", (policy, w.path, dtype)


def check_training(layer_cls, init_kwargs, input_shape, labels, call_kwargs):
    layer = layer_cls(**init_kwargs)
    model = functional_model(layer, input_shape, labels, call_kwargs)
    perturb_weights(layer)
    x = make_inputs(input_shape, labels, seed=2)
    y = np.random.default_rng(3).standard_normal(
        tuple(model.output.shape[1:])
    )
    batch = (x[0] if isinstance(x, list) else x).shape[0]
    y = np.broadcast_to(y, (batch, *y.shape)).astype("float32")
    before = [to_numpy(w) for w in layer.trainable_weights]
    assert before, "no trainable weights: pass training=False"
    # jax.jit on JAX (the fast path), a graph on TensorFlow, eager torch.
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.5),
        loss="mean_squared_error",
        jit_compile=keras.backend.backend() == "jax",
    )
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    for w, old in zip(layer.trainable_weights, before):
        new = to_numpy(w)
        assert np.all(np.isfinite(new)), f"{w.path} is not finite"
        assert np.any(new != old), f"{w.path} got no gradient"


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    *,
    tmp_path,
    other_shapes=(),
    labels=None,
    call_kwargs=None,
    mixed_precision=True,
    training=True,
    saving=True,
):
    """Runs every generic check on `layer_cls(**init_kwargs)`.

    Args:
        input_shape: a shape, or a list of shapes for `[x, labels]` inputs.
        expected_output_shape: the output shape for `input_shape`.
        tmp_path: pytest's `tmp_path`, for the `.keras` file.
        other_shapes: more `(input_shape, expected_output_shape)` pairs to
            build fresh layers on.
        labels: `{input index: num_classes}` for integer inputs.
        call_kwargs: extra call arguments.
        mixed_precision, training, saving: set to False to skip a check
            (with a reason at the call site).
    """
    call_kwargs = call_kwargs or {}
    cases = [(input_shape, expected_output_shape), *other_shapes]
    check_output_shapes(layer_cls, init_kwargs, cases, labels, call_kwargs)
    check_config(layer_cls, init_kwargs)
    if saving:
        check_saving(layer_cls, init_kwargs, input_shape, labels,
                     call_kwargs, str(tmp_path / "model.keras"))
    if mixed_precision:
        check_mixed_precision(layer_cls, init_kwargs, input_shape, labels,
                              call_kwargs)
    if training:
        check_training(layer_cls, init_kwargs, input_shape, labels,
                       call_kwargs)


# Small image folders for the data tests (Pillow, tmp_path).


def smooth(seed, size, mode="RGB"):
    """A smooth random image (bicubic upscale of 4x4 noise), `size=(w, h)`:
    its perceptual hash is stable under resizing and recompression."""
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    noise = rng.integers(0, 256, (4, 4, channels), dtype=np.uint8)
    small = Image.fromarray(noise.squeeze(-1) if channels == 1 else noise)
    return small.resize(size, Image.Resampling.BICUBIC)


def bomb_png(path, width=100_000, height=100_000):
    """A tiny PNG whose header declares `width x height` pixels."""

    def chunk(kind, data):
        body = kind + data
        crc = struct.pack(">I", zlib.crc32(body))
        return struct.pack(">I", len(data)) + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", header) + chunk(b"IDAT", idat))
        f.write(chunk(b"IEND", b""))


def truncated_png(path, seed=0):
    # Noise compresses badly, so the cut falls inside the pixel data.
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


def checksums(directory):
    """{relative path: (sha256, size, mtime_ns)} of every file."""
    result = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            stat = os.stat(path)
            result[os.path.relpath(path, directory)] = (
                digest,
                stat.st_size,
                stat.st_mtime_ns,
            )
    return result


def class_folder(directory, counts, size=(12, 10), start_seed=0):
    """`counts={"cats": 3, ...}`: one subfolder per class of smooth PNGs."""
    seed = start_seed
    for name, count in counts.items():
        os.makedirs(os.path.join(directory, name), exist_ok=True)
        for i in range(count):
            smooth(seed, size).save(os.path.join(directory, name, f"{i}.png"))
            seed += 1
    return str(directory)


def batches(ds):
    """All batches of one pass over a tf.data.Dataset or a PyDataset, as
    numpy (images, or (images, labels))."""
    from keras.utils import PyDataset

    if isinstance(ds, PyDataset):
        items = [ds[i] for i in range(len(ds))]
        ds.on_epoch_end()
    else:
        items = list(ds)
    if isinstance(items[0], tuple):
        return [tuple(np.asarray(t) for t in item) for item in items]
    return [np.asarray(item) for item in items]
