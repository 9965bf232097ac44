"""The `resnet` (SNGAN / BigGAN-lite) and `sequence` (recurrent) builders."""

import keras
import numpy as np
import pytest
from helpers import flat

import keras_gan
from keras_gan import layers as gan_layers
from keras_gan.models import resnet
from keras_gan.models import sequence

BACKEND = keras.backend.backend()


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def sublayers(model):
    """Every layer inside `model`, nested ones included."""
    return [layer for layer in model._flatten_layers(include_self=False)]


def train_and_check_every_weight_moves(gan, x, y=None, steps=3):
    """A few steps of `fit`; every trainable weight of G and D changes."""
    g, d = gan.generator, gan.discriminator
    before = flat(g.trainable_weights + d.trainable_weights)
    history = gan.fit(x, y, batch_size=len(x) // steps, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == steps
    for values in history.history.values():
        assert np.all(np.isfinite(values))
    after = flat(g.trainable_weights + d.trainable_weights)
    weights = g.trainable_weights + d.trainable_weights
    still = [w.path for w, a, b in zip(weights, before, after)
             if np.array_equal(a, b)]
    assert not still, f"weights unchanged by training: {still}"


def assert_round_trip(gan, tmp_path, num_classes=None):
    """`.keras` save and load: the generator computes the same outputs."""
    rng = np.random.default_rng(1)
    inputs = rng.standard_normal((6, gan.latent_dim)).astype("float32")
    if num_classes is not None:
        inputs = [inputs, np.arange(6, dtype="int32") % num_classes]
    gan.save(tmp_path / "gan.keras")
    again = keras.saving.load_model(tmp_path / "gan.keras")
    assert type(again) is keras_gan.GAN
    np.testing.assert_array_equal(
        numpy(again.generator(inputs)), numpy(gan.generator(inputs))
    )


# ----------------------------------------------------------------------
# resnet


@pytest.mark.parametrize("size, channels", [(8, 1), (16, 3), (32, 4)])
def test_resnet_shapes(size, channels):
    g, d = resnet(image_shape=(size, size, channels), latent_dim=8, filters=2)
    assert tuple(g.input.shape) == (None, 8)
    assert tuple(g.output.shape) == (None, size, size, channels)
    assert tuple(d.input.shape) == (None, size, size, channels)
    assert tuple(d.output.shape) == (None, 1)
    if size == 8:
        images = numpy(g(np.ones((2, 8), "float32")))
        assert images.shape == (2, size, size, channels)
        assert np.abs(images).max() <= 1.0


def test_resnet_widths_follow_biggan():
    g, d = resnet(image_shape=(32, 32, 4), latent_dim=8, filters=2)
    # G at resolution r: filters * min(16, 32 // r); D doubles per halving.
    assert g.get_layer("dense").units == 4 * 4 * 16
    assert [g.get_layer(f"block_{r}").filters for r in (8, 16, 32)] == [
        8, 4, 2]
    assert [g.get_layer(f"block_{r}").resample for r in (8, 16, 32)] == [
        "up", "up", "up"]
    assert [d.get_layer(n).filters for n in
            ("block_8", "block_4", "block_4_final")] == [4, 8, 8]
    assert d.get_layer("block_4").resample == "down"
    assert d.get_layer("block_4_final").resample is None


@pytest.mark.parametrize("num_classes", [None, 3])
def test_resnet_discriminator_is_spectrally_normalized(num_classes):
    g, d = resnet(image_shape=(16, 16, 3), latent_dim=8, filters=2,
                  num_classes=num_classes, attention=8)
    inner = sublayers(d)
    wrapped = {id(layer.layer) for layer in inner
               if isinstance(layer, keras.layers.SpectralNormalization)}
    weighted = [layer for layer in inner if isinstance(
        layer, (keras.layers.Conv2D, keras.layers.Dense))]
    # 3 convs in the first block, 3 in the down block (2 + shortcut), 2
    # in the final block, 4 attention projections, and the output: one
    # Dense, or the projection head's Dense and embedding.
    outputs = 1 if num_classes is None else 2
    assert len(weighted) == 3 + 3 + 2 + 4 + outputs
    assert all(id(layer) in wrapped for layer in weighted)
    # The generator uses batch norm instead (SNGAN).
    assert not any(isinstance(layer, keras.layers.SpectralNormalization)
                   for layer in sublayers(g))
    _, d = resnet(image_shape=(16, 16, 3), latent_dim=8, filters=2,
                  num_classes=num_classes, spectral_norm=False)
    assert not any(isinstance(layer, keras.layers.SpectralNormalization)
                   for layer in sublayers(d))


def test_resnet_conditional_generator_uses_the_label():
    g, _ = resnet(image_shape=(8, 8, 1), latent_dim=8, filters=2,
                  num_classes=3)
    assert [inp.name for inp in g.inputs] == ["z", "labels"]
    norms = [layer for layer in sublayers(g)
             if isinstance(layer, gan_layers.ConditionalBatchNormalization)]
    assert len(norms) == 2  # the 8x8 block's two norms
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 8)).astype("float32")

    def out(label):
        return numpy(g([z, np.full((4,), label, "int32")]))

    # The tables start at 1 and 0 (label-free); give each class its own.
    np.testing.assert_allclose(out(0), out(2), atol=1e-6)
    for norm in norms:
        norm.gamma.assign(1 + 0.5 * rng.standard_normal(norm.gamma.shape))
        norm.beta.assign(0.5 * rng.standard_normal(norm.beta.shape))
    np.testing.assert_array_equal(out(1), out(1))
    assert np.abs(out(0) - out(2)).mean() > 1e-3


def test_resnet_projection_discriminator():
    _, d = resnet(image_shape=(8, 8, 1), latent_dim=8, filters=2,
                  num_classes=3)
    assert [inp.name for inp in d.inputs] == ["images", "labels"]
    head = d.get_layer("projection")
    assert isinstance(head, gan_layers.ProjectionHead)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1))
    x = x.astype("float32")
    pooled = keras.Model(d.inputs[0], d.get_layer("sum_pool").output)
    h = numpy(pooled(x))
    embed = numpy(head.embedding.layer.kernel)  # (classes, features)

    def logits(label):
        return numpy(d([x, np.full((4,), label, "int32")]))[:, 0]

    # D(x, y) = psi(h) + <embed(y), h>: the label moves the logit by the
    # difference of the projections.
    np.testing.assert_allclose(
        logits(0) - logits(2), h @ (embed[0] - embed[2]), rtol=1e-4,
        atol=1e-5,
    )
    assert np.abs(logits(0) - logits(2)).min() > 0


@pytest.mark.parametrize("attention", [4, 8])
def test_resnet_attention_at_the_requested_resolution(attention):
    g, d = resnet(image_shape=(16, 16, 3), latent_dim=8, filters=2,
                  attention=attention)
    for model in (g, d):
        found = [layer for layer in model.layers
                 if isinstance(layer, gan_layers.SelfAttention)]
        assert len(found) == 1
        assert tuple(found[0].input.shape[1:3]) == (attention, attention)
    assert d.get_layer("attention").spectral_norm
    g, d = resnet(image_shape=(16, 16, 3), latent_dim=8, filters=2)
    assert not any(isinstance(layer, gan_layers.SelfAttention)
                   for layer in g.layers + d.layers)


@pytest.mark.parametrize("kwargs, message", [
    ({"image_shape": (12, 7, 3)}, "`resnet` supports .* 8 to 256"),
    ({"image_shape": (4, 4, 3)}, "8 to 256"),
    ({"image_shape": (16, 16, 6)}, "1 to 4 channels"),
    ({"image_shape": (16, 16)}, "`image_shape`"),
    ({"image_shape": (512, 512, 3)}, "8 to 256"),
    ({"filters": 0}, "`filters` should be a positive integer"),
    ({"latent_dim": 2.5}, "`latent_dim` should be a positive integer"),
    ({"num_classes": 0}, "`num_classes`"),
    ({"attention": 32}, r"`attention` should be .* \[4, 8, 16\]"),
    ({"image_shape": (28, 28, 1), "attention": 4}, r"one of \[7, 14\]"),
    ({"attention": 6}, "`attention=6`"),
    ({"attention": True}, "`attention=True`"),
    ({"spectral_norm": "yes"}, "`spectral_norm`"),
])
def test_resnet_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resnet(**{"image_shape": (32, 32, 3), **kwargs})


def test_conditional_resnet_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    g, d = resnet(image_shape=(8, 8, 1), latent_dim=8, filters=2,
                  num_classes=3, attention=4)
    gan = keras_gan.GAN(g, d, num_classes=3, seed=0)
    # Not the hinge loss: its gradient for the head's bias is exactly 0
    # while every logit is inside the margin.
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (12, 8, 8, 1))
    y = np.arange(12) % 3
    # Three steps: the attention scale starts at 0, so the attention's
    # projections get gradients from the second step on.
    train_and_check_every_weight_moves(gan, x.astype("float32"), y)
    assert_round_trip(gan, tmp_path, num_classes=3)


def test_upsampling_residual_block_is_fully_built_in_a_functional_model():
    """`fit` rebuilds a model, calling it on images, while a layer inside is
    unbuilt (JAX and torch trainers); the builders' models must be built."""
    z = keras.Input((4, 4, 2))
    block = gan_layers.ResidualBlock(2, resample="up", norm="batch")
    keras.Model(z, block(z))
    assert all(layer.built for layer in block._flatten_layers())
    g, d = resnet(image_shape=(8, 8, 1), latent_dim=8, filters=2,
                  num_classes=3)
    assert all(layer.built for layer in keras_gan.GAN(
        g, d, num_classes=3)._flatten_layers())


@pytest.mark.skipif(
    BACKEND != "torch",
    reason="guards the torch driver's saved-weight copies; on every "
    "backend the resnet training test has SN layers deep inside D",
)
def test_spectral_normalization_inside_a_discriminator_trains():
    """Keras's SpectralNormalization writes its kernel at every call; D is
    called on reals, then fakes, in one loss. On torch the second write
    used to invalidate the kernel saved for the first call's backward,
    whenever the SN layer's input depends on other weights."""
    keras.utils.set_random_seed(0)
    layers = keras.layers
    z = keras.Input((4,))
    g = keras.Model(z, layers.Reshape((4, 4, 1))(
        layers.Dense(16, activation="tanh")(z)))
    images = keras.Input((4, 4, 1))
    h = layers.Dense(8, activation="relu")(layers.Flatten()(images))
    sn = layers.SpectralNormalization(layers.Dense(8))
    d = keras.Model(images, layers.Dense(1)(sn(h)))
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(penalty=keras_gan.penalties.R1(gamma=1.0))
    x = np.random.default_rng(0).uniform(-1, 1, (8, 4, 4, 1))
    train_and_check_every_weight_moves(gan, x.astype("float32"), steps=2)


# ----------------------------------------------------------------------
# sequence


@pytest.mark.parametrize("length, features, cell, num_classes", [
    (1, 1, "lstm", None),
    (12, 3, "gru", None),
    (7, 2, "lstm", 4),
])
def test_sequence_shapes(length, features, cell, num_classes):
    g, d = sequence(length, features, latent_dim=4, units=4,
                    num_classes=num_classes, cell=cell)
    assert tuple(g.inputs[0].shape) == (None, 4)  # a flat z, as GAN draws
    assert tuple(g.output.shape) == (None, length, features)
    assert tuple(d.inputs[0].shape) == (None, length, features)
    assert tuple(d.output.shape) == (None, 1)
    recurrent = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
    assert sum(isinstance(layer, recurrent) for layer in g.layers) == 2
    assert sum(isinstance(layer, keras.layers.Bidirectional)
               for layer in d.layers) == 2
    keras_gan.GAN(g, d, num_classes=num_classes)  # a compatible pair


def test_sequence_generator_is_a_deterministic_function_of_z():
    g, d = sequence(10, 2, latent_dim=4, units=4, num_layers=1,
                    bidirectional=False)
    assert not any(isinstance(layer, keras.layers.Bidirectional)
                   for layer in d.layers)
    z = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    out = numpy(g(z))
    np.testing.assert_array_equal(out, numpy(g(z)))
    assert np.abs(out).max() <= 1.0  # tanh
    assert np.abs(out[0] - out[1]).max() > 1e-4  # z matters
    assert np.abs(out[0, 0] - out[0, 1]).max() > 1e-4  # steps differ
    g, _ = sequence(10, 2, latent_dim=4, units=4, output_activation=None)
    assert g.get_layer("step_outputs").activation is keras.activations.linear


def test_conditional_sequence_pair_uses_the_label():
    g, d = sequence(6, 2, latent_dim=4, units=4, num_layers=1,
                    num_classes=3, bidirectional=False)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 4)).astype("float32")
    x = rng.uniform(-1, 1, (4, 6, 2)).astype("float32")

    def labels(k):
        return np.full((4,), k, "int32")

    assert np.abs(numpy(g([z, labels(0)])) - numpy(g([z, labels(1)]))).max(
    ) > 1e-5
    assert np.abs(numpy(d([x, labels(0)])) - numpy(d([x, labels(1)]))).max(
    ) > 1e-5


@pytest.mark.parametrize("kwargs, message", [
    ({"sequence_length": 0}, "`sequence_length` should be a positive"),
    ({"features": None}, "`features` should be a positive"),
    ({"units": -4}, "`units` should be a positive"),
    ({"num_layers": 0}, "`num_layers` should be a positive"),
    ({"latent_dim": "8"}, "`latent_dim` should be a positive"),
    ({"num_classes": 0}, "`num_classes`"),
    ({"cell": "rnn"}, "`cell` should be one of 'lstm', 'gru'"),
    ({"bidirectional": 1}, "`bidirectional` should be True or False"),
    ({"output_activation": "nope"}, "nope"),
])
def test_sequence_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sequence(**{"sequence_length": 8, "features": 2, **kwargs})


def test_conditional_sequence_pair_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    g, d = sequence(8, 2, latent_dim=4, units=4, num_layers=1,
                    num_classes=3)
    gan = keras_gan.GAN(g, d, num_classes=3, seed=0)
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 8, 2)).astype("float32")
    train_and_check_every_weight_moves(gan, x, np.arange(8) % 3, steps=2)
    assert_round_trip(gan, tmp_path, num_classes=3)
