"""The invariants that define each layer, checked against numpy."""

import keras
import numpy as np
import pytest
from helpers import np_
from helpers import perturb_weights
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keras import ops

from keras_gan import layers


def normal(shape, seed, loc=0.0, scale=1.0):
    rng = np.random.default_rng(seed)
    return (loc + scale * rng.standard_normal(shape)).astype("float32")


seeds = st.integers(0, 2**16)


@given(
    shape=st.tuples(
        st.integers(1, 3), st.integers(1, 5), st.integers(2, 5),
        st.integers(1, 4),
    ),
    seed=seeds,
)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_instance_norm_standardizes_each_sample_and_channel(shape, seed):
    rng = np.random.default_rng(seed)
    loc = rng.uniform(-5, 5, size=(shape[0], 1, 1, shape[3]))
    scale = rng.uniform(0.5, 5, size=(shape[0], 1, 1, shape[3]))
    x = (loc + scale * rng.standard_normal(shape)).astype("float32")
    y = np_(layers.InstanceNormalization()(x))
    mean = y.mean(axis=(1, 2))
    var = y.var(axis=(1, 2))
    np.testing.assert_allclose(mean, 0.0, atol=1e-4)
    x_var = x.astype("float64").var(axis=(1, 2))
    np.testing.assert_allclose(var, x_var / (x_var + 1e-5), rtol=1e-3)
    np.testing.assert_allclose(var, 1.0, atol=2e-2)


def test_instance_norm_equals_group_norm_with_one_channel_per_group():
    x = normal((2, 5, 6, 4), seed=0, loc=3.0, scale=2.0)
    ours = layers.InstanceNormalization(epsilon=1e-3)
    keras_gn = keras.layers.GroupNormalization(groups=-1, epsilon=1e-3)
    ours(x), keras_gn(x)
    for w in (*ours.weights, *keras_gn.weights):
        w.assign(np.linspace(0.5, 1.5, 4))
    np.testing.assert_allclose(np_(ours(x)), np_(keras_gn(x)), atol=1e-5)


@given(
    shape=st.lists(st.integers(1, 5), min_size=2, max_size=4).map(tuple),
    seed=seeds,
)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_pixel_norm_gives_unit_rms_feature_vectors(shape, seed):
    x = normal(shape, seed, scale=np.random.default_rng(seed).uniform(0.1, 9))
    y = np_(layers.PixelNormalization()(x))
    rms = np.sqrt(np.mean(y**2, axis=-1))
    np.testing.assert_allclose(rms, 1.0, rtol=1e-4)
    # The direction of each feature vector is kept.
    np.testing.assert_allclose(np.sign(y), np.sign(x))


@given(
    hw=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    channels=st.integers(2, 8),
    seed=seeds,
)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_self_attention_is_identity_at_init_and_rows_sum_to_one(
    hw, channels, seed
):
    x = normal((2, *hw, channels), seed)
    layer = layers.SelfAttention(reduction=2)
    y, attention = layer(x, return_attention=True)
    np.testing.assert_array_equal(np_(y), x)
    attention = np_(attention)
    assert attention.shape == (2, hw[0] * hw[1], hw[0] * hw[1])
    assert np.all(attention >= 0)
    np.testing.assert_allclose(attention.sum(axis=-1), 1.0, rtol=1e-5)


def test_self_attention_matches_the_sagan_formula():
    x = normal((2, 3, 4, 8), seed=1)
    layer = layers.SelfAttention(reduction=4)
    layer(x)
    perturb_weights(layer, seed=2)
    y, attention = layer(x, return_attention=True)
    flat = x.reshape(2, 12, 8).astype("float64")
    wq, wk, wv, wo = (
        np_(layer.query.kernel), np_(layer.key.kernel),
        np_(layer.value.kernel), np_(layer.output_projection.kernel),
    )
    logits = (flat @ wq) @ np.swapaxes(flat @ wk, 1, 2)
    beta = np.exp(logits - logits.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    expected = flat + np_(layer.gamma) * ((beta @ (flat @ wv)) @ wo)
    np.testing.assert_allclose(np_(attention), beta, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        np_(y), expected.reshape(x.shape), rtol=1e-4, atol=1e-5
    )


def minibatch_std_numpy(x, group_size, epsilon=1e-8):
    n = x.shape[0]
    num_groups = -(-n // group_size)
    x = x.astype("float64")
    stat = np.empty(n)
    for g in range(num_groups):
        members = [i for i in range(n) if i % num_groups == g]
        group = x[members]
        std = np.sqrt(group.var(axis=0) + epsilon)
        stat[members] = std.mean()
    stat_map = np.broadcast_to(stat[:, None, None, None], (*x.shape[:3], 1))
    return np.concatenate([x, stat_map], axis=-1)


@given(
    batch=st.integers(1, 9), group_size=st.integers(1, 5), seed=seeds
)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_minibatch_stddev_appends_the_group_statistic(batch, group_size, seed):
    x = normal((batch, 3, 2, 3), seed, scale=2.0)
    y = np_(layers.MinibatchStdDev(group_size=group_size)(x))
    assert y.shape == (batch, 3, 2, 4)
    np.testing.assert_allclose(
        y, minibatch_std_numpy(x, group_size), rtol=1e-4, atol=1e-4
    )


def test_minibatch_stddev_follows_stylegan_grouping():
    # Batch 4, groups of 2: samples {0, 2} and {1, 3}, as StyleGAN's
    # reshape to (group_size, -1, ...) gives.
    x = np.zeros((4, 1, 1, 1), "float32")
    x[:, 0, 0, 0] = [0.0, 10.0, 2.0, 10.0]
    y = np_(layers.MinibatchStdDev(group_size=2, epsilon=1e-12)(x))
    np.testing.assert_allclose(y[:, 0, 0, 1], [1.0, 0.0, 1.0, 0.0], atol=1e-5)


@given(
    lr_multiplier=st.floats(0.01, 2.0),
    gain=st.floats(0.5, 2.0),
    seed=seeds,
)
def test_equalized_dense_is_a_dense_with_scaled_weights(
    lr_multiplier, gain, seed
):
    x = normal((3, 6), seed)
    layer = layers.EqualizedDense(4, lr_multiplier=lr_multiplier, gain=gain,
                                  bias_init=0.5)
    y = np_(layer(x))
    scale = gain * lr_multiplier / np.sqrt(6)
    np.testing.assert_allclose(layer.kernel_scale, scale)
    plain = keras.layers.Dense(4)
    plain.build((None, 6))
    plain.kernel.assign(np_(layer.kernel) * scale)
    plain.bias.assign(np_(layer.bias) * lr_multiplier)
    np.testing.assert_allclose(y, np_(plain(x)), rtol=1e-5, atol=1e-5)
    # The effective bias starts at bias_init.
    np.testing.assert_allclose(np_(layer.runtime_bias()), 0.5, rtol=1e-6)


@given(
    kernel_size=st.integers(1, 3),
    strides=st.integers(1, 2),
    lr_multiplier=st.floats(0.1, 2.0),
    seed=seeds,
)
@settings(max_examples=6)
def test_equalized_conv_is_a_conv_with_scaled_weights(
    kernel_size, strides, lr_multiplier, seed
):
    x = normal((2, 5, 6, 3), seed)
    layer = layers.EqualizedConv2D(
        4, kernel_size, strides=strides, lr_multiplier=lr_multiplier,
        gain=2**0.5,
    )
    y = np_(layer(x))
    perturb = np.random.default_rng(seed).standard_normal(4)
    layer.bias.assign(perturb)
    y = np_(layer(x))
    scale = 2**0.5 * lr_multiplier / np.sqrt(kernel_size**2 * 3)
    plain = keras.layers.Conv2D(4, kernel_size, strides=strides,
                                padding="same")
    plain.build((None, 5, 6, 3))
    plain.kernel.assign(np_(layer.kernel) * scale)
    plain.bias.assign(perturb * lr_multiplier)
    np.testing.assert_allclose(y, np_(plain(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("training", [True, False])
def test_conditional_batch_norm_depends_on_the_label(training):
    layer = layers.ConditionalBatchNormalization(num_classes=3)
    sample = normal((1, 4, 4, 5), seed=3)
    x = np.concatenate([sample, sample, normal((2, 4, 4, 5), seed=4)])
    layer([x, np.zeros(4, "int32")])
    perturb_weights(layer, seed=5)
    y = np_(layer([x, np.array([0, 1, 2, 2])], training=training))
    assert np.abs(y[0] - y[1]).max() > 1e-3
    y = np_(layer([x, np.array([1, 1, 2, 2])], training=training))
    np.testing.assert_array_equal(y[0], y[1])
    # gamma[label] * BN(x) + beta[label], BN from the batch statistics.
    if training:
        gamma, beta = np_(layer.gamma), np_(layer.beta)
        mean = x.mean(axis=(0, 1, 2))
        var = x.var(axis=(0, 1, 2))
        labels = np.array([1, 1, 2, 2])
        expected = (x - mean) / np.sqrt(var + 1e-3)
        expected = expected * gamma[labels][:, None, None] + beta[
            labels
        ][:, None, None]
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


@given(channels=st.integers(1, 6), style_dim=st.integers(1, 8), seed=seeds)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_adain_output_statistics_are_the_predicted_ones(
    channels, style_dim, seed
):
    x = normal((3, 6, 5, channels), seed, loc=2.0, scale=3.0)
    style = normal((3, style_dim), seed + 1)
    layer = layers.AdaptiveInstanceNormalization()
    layer([x, style])
    perturb_weights(layer, seed=seed)
    y = np_(layer([x, style]))
    scale = style @ np_(layer.style_scale.kernel) + np_(
        layer.style_scale.bias
    )
    bias = style @ np_(layer.style_bias.kernel) + np_(layer.style_bias.bias)
    np.testing.assert_allclose(y.mean(axis=(1, 2)), bias, atol=1e-4)
    np.testing.assert_allclose(
        y.std(axis=(1, 2)), np.abs(scale), rtol=1e-3, atol=1e-4
    )


def test_modulated_conv_is_the_per_sample_modulated_kernel():
    x = normal((2, 6, 5, 3), seed=6)
    style = normal((2, 4), seed=7)
    layer = layers.ModulatedConv2D(4, 3)
    layer([x, style])
    perturb_weights(layer, seed=8)
    y = np_(layer([x, style]))
    s = style @ np_(layer.affine.runtime_kernel()) + np_(
        layer.affine.runtime_bias()
    )
    w = np_(layer.kernel) / np.sqrt(3 * 3 * 3)
    for n in range(2):
        modulated = w * s[n][None, None, :, None]
        modulated /= np.sqrt(
            np.sum(modulated**2, axis=(0, 1, 2), keepdims=True) + 1e-8
        )
        expected = ops.conv(x[n : n + 1], modulated.astype("float32"),
                            padding="same")
        expected = np_(expected) + np_(layer.bias)
        np.testing.assert_allclose(y[n : n + 1], expected, rtol=1e-4,
                                   atol=1e-4)


@given(seed=seeds)
@settings(max_examples=4)
def test_demodulation_keeps_unit_variance(seed):
    x = normal((4, 20, 20, 8), seed)
    style = normal((4, 16), seed + 1, scale=3.0)
    layer = layers.ModulatedConv2D(6, 3, padding="valid", use_bias=False)
    layer([x, style])
    perturb_weights(layer, seed=seed, scale=1.0)
    std = np_(layer([x, style])).std(axis=(0, 1, 2))
    np.testing.assert_allclose(std, 1.0, atol=0.15)


@st.composite
def even_images(draw):
    # A small domain: repeated shapes reuse JAX's compiled operations.
    h = 2 * draw(st.integers(1, 3))
    w = 2 * draw(st.integers(1, 3))
    return (draw(st.integers(1, 2)), h, w, draw(st.sampled_from([1, 3])))


@pytest.mark.parametrize("mode", ["transpose", "nearest", "bilinear"])
@given(shape=even_images())
@settings(max_examples=2)
def test_upsample_block_doubles(mode, shape):
    y = layers.UpsampleBlock(4, mode=mode)(normal(shape, 0))
    assert tuple(y.shape) == (shape[0], 2 * shape[1], 2 * shape[2], 4)


@pytest.mark.parametrize("mode", ["strided", "avg_pool", "max_pool"])
@given(shape=even_images())
@settings(max_examples=2)
def test_downsample_block_halves(mode, shape):
    y = layers.DownsampleBlock(4, mode=mode)(normal(shape, 0))
    assert tuple(y.shape) == (shape[0], shape[1] // 2, shape[2] // 2, 4)


@pytest.mark.parametrize(
    "resample, factor", [(None, 1), ("up", 2), ("down", 0.5)]
)
@given(shape=even_images())
@settings(max_examples=2)
def test_residual_block_keeps_doubles_or_halves(resample, factor, shape):
    y = layers.ResidualBlock(5, resample=resample)(normal(shape, 0))
    expected = (shape[0], int(shape[1] * factor), int(shape[2] * factor), 5)
    assert tuple(y.shape) == expected


def test_residual_block_shortcut_is_identity_when_shapes_match():
    x = normal((2, 4, 4, 3), seed=9)
    block = layers.ResidualBlock(3)
    y = block(x)
    assert block.shortcut is None
    # Zero the last convolution: the block is its shortcut.
    for w in block.conv2.weights:
        w.assign(np.zeros(w.shape))
    np.testing.assert_allclose(np_(block(x)), x, atol=1e-6)
    assert layers.ResidualBlock(4)(x).shape[-1] == 4
    assert tuple(y.shape) == x.shape


def _spectral_norms(layer):
    return [
        sub for sub in layer._flatten_layers(include_self=False)
        if isinstance(sub, keras.layers.SpectralNormalization)
    ]


@pytest.mark.parametrize(
    "block",
    [
        lambda: layers.ConvBlock(6, spectral_norm=True),
        lambda: layers.UpsampleBlock(6, spectral_norm=True),
        lambda: layers.DownsampleBlock(6, mode="avg_pool",
                                       spectral_norm=True),
        lambda: layers.ResidualBlock(6, resample="down", spectral_norm=True),
    ],
    ids=["conv", "up_transpose", "down", "residual"],
)
def test_spectral_norm_blocks_have_unit_spectral_norm(block):
    layer = block()
    x = normal((2, 8, 8, 4), seed=10)
    inputs = keras.Input((8, 8, 4))
    model = keras.Model(inputs, layer(inputs))
    wrappers = _spectral_norms(layer)
    assert wrappers
    for sn in wrappers:  # far from 1 before any power iteration
        sn.kernel.assign(np_(sn.kernel) * 5.0)
    # Each training step runs one power iteration; a zero learning rate
    # leaves the rest to SpectralNormalization.
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.0),
        loss="mean_squared_error",
        jit_compile=keras.backend.backend() == "jax",
    )
    steps = 30
    target = np.zeros((2 * steps, *model.output.shape[1:]), "float32")
    model.fit(np.tile(x, (steps, 1, 1, 1)), target, batch_size=2,
              shuffle=False, verbose=0)
    for sn in wrappers:
        # The kernel the forward pass uses: on TensorFlow and torch the
        # stored kernel is already normalized in place; JAX's stateless
        # training step keeps the raw kernel and normalizes it each call.
        _, kernel = sn.normalized_weights()
        matrix = np_(kernel).reshape(-1, kernel.shape[-1])
        sigma = np.linalg.svd(matrix, compute_uv=False)[0]
        assert abs(sigma - 1.0) < 0.03, (sn.path, sigma)


def test_noise_injection_is_identity_at_init_and_adds_scaled_noise():
    x = normal((2, 4, 3, 5), seed=11)
    layer = layers.NoiseInjection(seed=0)
    np.testing.assert_array_equal(np_(layer(x)), x)
    weight = np.array([-1.0, -0.5, 0.5, 1.0, 2.0], "float32")
    layer.weight.assign(weight)
    noise = normal((2, 4, 3, 1), seed=12)
    np.testing.assert_allclose(
        np_(layer(x, noise=noise)), x + noise * weight, rtol=1e-6, atol=1e-6
    )
    # Drawn noise: per pixel, shared by the channels, fresh at each call.
    first = (np_(layer(x)) - x) / weight
    second = (np_(layer(x)) - x) / weight
    np.testing.assert_allclose(first, first[..., :1].repeat(5, -1),
                               atol=1e-4)
    assert np.abs(first - second).max() > 0.1


def test_noise_injection_is_reproducible_from_its_seed():
    x = normal((2, 4, 4, 2), seed=13)
    a, b = layers.NoiseInjection(seed=7), layers.NoiseInjection(seed=7)
    for layer in (a, b):
        layer(x)
        layer.weight.assign(np.ones(2))
    np.testing.assert_array_equal(np_(a(x)), np_(b(x)))


@given(num_classes=st.integers(1, 6), features=st.integers(1, 6),
       seed=seeds)
@settings(max_examples=5)  # each new shape compiles anew on JAX
def test_projection_head_is_linear_plus_inner_product(
    num_classes, features, seed
):
    h = normal((4, features), seed)
    labels = np.random.default_rng(seed).integers(0, num_classes, 4)
    head = layers.ProjectionHead(num_classes)
    head([h, labels])
    perturb_weights(head, seed=seed)
    y = np_(head([h, labels]))
    embedding = np_(head.embedding.kernel)  # (num_classes, features)
    expected = (
        h @ np_(head.linear.kernel)
        + np_(head.linear.bias)
        + np.sum(embedding[labels] * h, axis=-1, keepdims=True)
    )
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_class_embedding_looks_up_rows():
    layer = layers.ClassEmbedding(5, 3)
    y = np_(layer(np.array([[4], [0], [4]])))
    table = np_(layer.embeddings)
    np.testing.assert_array_equal(y, table[[4, 0, 4]])
