"""Every layer through `run_layer_test`, and the argument checks.

The defining invariants of each layer are in test_layers_properties.py.
"""

import keras
import numpy as np
import pytest
from helpers import make_inputs
from helpers import run_layer_test

from keras_gan import layers

B = 2
IMG = (B, 8, 8, 4)

# (id, class, kwargs, input shape, expected output, other shapes, labels)
CASES = [
    ("conv_group", layers.ConvBlock, {"filters": 6, "norm": "group"}, IMG,
     (B, 8, 8, 6), [((3, 16, 12, 3), (3, 16, 12, 6))], None),
    ("conv_bn_sn_dropout", layers.ConvBlock,
     {"filters": 6, "strides": 2, "norm": "batch", "spectral_norm": True,
      "dropout": 0.2, "seed": 1},
     IMG, (B, 4, 4, 6), [((1, 7, 7, 3), (1, 4, 4, 6))], None),
    ("up_transpose_instance", layers.UpsampleBlock,
     {"filters": 6, "norm": "instance"}, IMG, (B, 16, 16, 6),
     [((1, 4, 6, 2), (1, 8, 12, 6))], None),
    ("up_bilinear_pixel_sn", layers.UpsampleBlock,
     {"filters": 6, "mode": "bilinear", "norm": "pixel",
      "spectral_norm": True}, IMG, (B, 16, 16, 6), [], None),
    ("down_strided_layer", layers.DownsampleBlock,
     {"filters": 6, "norm": "layer"}, IMG, (B, 4, 4, 6),
     [((1, 16, 12, 3), (1, 8, 6, 6))], None),
    ("down_max_pool", layers.DownsampleBlock,
     {"filters": 6, "mode": "max_pool", "activation": "relu"}, IMG,
     (B, 4, 4, 6), [], None),
    ("res_same", layers.ResidualBlock, {"filters": 4}, IMG, (B, 8, 8, 4),
     [((3, 6, 6, 4), (3, 6, 6, 4))], None),
    ("res_up_batch", layers.ResidualBlock,
     {"filters": 6, "resample": "up", "norm": "batch"}, IMG, (B, 16, 16, 6),
     [], None),
    ("res_down_sn", layers.ResidualBlock,
     {"filters": 6, "resample": "down", "spectral_norm": True}, IMG,
     (B, 4, 4, 6), [((1, 16, 16, 2), (1, 8, 8, 6))], None),
    ("res_up_conditional", layers.ResidualBlock,
     {"filters": 6, "resample": "up", "norm": "batch", "num_classes": 3},
     [IMG, (B,)], (B, 16, 16, 6), [], {1: 3}),
    ("attention_sn", layers.SelfAttention,
     {"reduction": 2, "spectral_norm": True}, IMG, IMG,
     [((3, 4, 6, 8), (3, 4, 6, 8))], None),
    ("instance_norm", layers.InstanceNormalization, {}, IMG, IMG,
     [((3, 5, 4), (3, 5, 4)), ((1, 2, 3, 4, 2), (1, 2, 3, 4, 2))], None),
    ("pixel_norm", layers.PixelNormalization, {}, IMG, IMG,
     [((3, 7), (3, 7))], None),
    ("conditional_bn", layers.ConditionalBatchNormalization,
     {"num_classes": 3}, [IMG, (B,)], IMG,
     [([(3, 5), (3, 1)], (3, 5))], {1: 3}),
    ("adain", layers.AdaptiveInstanceNormalization, {}, [IMG, (B, 5)], IMG,
     [([(3, 4, 4, 2), (3, 7)], (3, 4, 4, 2))], None),
    ("minibatch_std", layers.MinibatchStdDev, {"group_size": 2}, IMG,
     (B, 8, 8, 5), [((5, 4, 4, 3), (5, 4, 4, 4)), ((3, 6), (3, 7))], None),
    ("equalized_dense", layers.EqualizedDense,
     {"units": 5, "lr_multiplier": 0.1, "bias_init": 1.0,
      "activation": "leaky_relu"}, (B, 7), (B, 5), [((3, 2, 7), (3, 2, 5))],
     None),
    ("equalized_conv", layers.EqualizedConv2D,
     {"filters": 5, "kernel_size": 3, "strides": 2, "gain": 2**0.5}, IMG,
     (B, 4, 4, 5), [((1, 7, 9, 2), (1, 4, 5, 5))], None),
    ("modulated_conv", layers.ModulatedConv2D,
     {"filters": 5, "kernel_size": 3}, [IMG, (B, 6)], (B, 8, 8, 5),
     [([(3, 6, 4, 2), (3, 3)], (3, 6, 4, 5))], None),
    ("modulated_conv_valid_nodemod", layers.ModulatedConv2D,
     {"filters": 5, "kernel_size": 3, "demodulate": False,
      "padding": "valid", "activation": "relu"}, [IMG, (B, 6)],
     (B, 6, 6, 5), [], None),
    ("noise", layers.NoiseInjection, {"seed": 3}, IMG, IMG,
     [((3, 5, 2), (3, 5, 2))], None),
    ("class_embedding", layers.ClassEmbedding,
     {"num_classes": 4, "output_dim": 6}, (B,), (B, 6), [((3, 1), (3, 6))],
     {0: 4}),
    ("projection", layers.ProjectionHead, {"num_classes": 4}, [(B, 6), (B,)],
     (B, 1), [([(3, 2), (3, 1)], (3, 1))], {1: 4}),
    ("blur_up", layers.BlurResample, {"mode": "up"}, IMG, (B, 16, 16, 4),
     [((1, 5, 3, 2), (1, 10, 6, 2))], None),
    ("blur_down", layers.BlurResample, {"mode": "down", "taps": (1, 1)},
     IMG, (B, 4, 4, 4), [((1, 5, 7, 2), (1, 3, 4, 2))], None),
    ("projection_sn", layers.ProjectionHead,
     {"num_classes": 4, "spectral_norm": True, "use_bias": False},
     [(B, 6), (B,)], (B, 1), [], {1: 4}),
    ("output_range", layers.OutputRange, {"low": 0.0, "high": 255.0}, IMG,
     IMG, [((3, 5), (3, 5))], None),
]


@pytest.mark.parametrize(
    "cls, kwargs, shape, expected, others, labels",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_layer(cls, kwargs, shape, expected, others, labels, tmp_path):
    # These have no weights: there is nothing to train.
    weightless = (layers.MinibatchStdDev, layers.PixelNormalization,
                  layers.BlurResample, layers.OutputRange)
    run_layer_test(
        cls, kwargs, shape, expected, other_shapes=others, labels=labels,
        tmp_path=tmp_path, training=cls not in weightless,
    )


def test_every_public_layer_is_tested():
    tested = {case[1].__name__ for case in CASES}
    assert tested == set(layers.__all__)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.MinibatchStdDev(group_size=0),
         "`group_size` should be a positive integer. Received: "
         "`group_size=0`"),
        (lambda: layers.ConvBlock(0), "`filters` should be a positive"),
        (lambda: layers.ConvBlock(4, norm="spectral"), "`norm` should be one"),
        (lambda: layers.ConvBlock(4, dropout=1.0),
         r"`dropout` should be a number in \[0, 1\)"),
        (lambda: layers.UpsampleBlock(4, mode="pixel_shuffle"),
         "`mode` should be one of 'transpose', 'nearest', 'bilinear'"),
        (lambda: layers.DownsampleBlock(4, mode="nearest"),
         "`mode` should be one of 'strided'"),
        (lambda: layers.ResidualBlock(4, resample="left"), "`resample`"),
        (lambda: layers.ResidualBlock(4, num_classes=3),
         "needs `norm='batch'`"),
        (lambda: layers.SelfAttention(reduction=-1), "`reduction`"),
        (lambda: layers.InstanceNormalization(epsilon=0), "`epsilon`"),
        (lambda: layers.PixelNormalization(data_format="NHWC"),
         "`data_format` should be one of"),
        (lambda: layers.ConditionalBatchNormalization(0), "`num_classes`"),
        (lambda: layers.EqualizedDense(4, lr_multiplier=0),
         "`lr_multiplier` should be a positive number"),
        (lambda: layers.EqualizedConv2D(4, (3, 3, 3)), "`kernel_size`"),
        (lambda: layers.ModulatedConv2D(4, 3, padding="full"), "`padding`"),
        (lambda: layers.ClassEmbedding(10, 0), "`output_dim`"),
        (lambda: layers.ProjectionHead(2.5), "`num_classes`"),
    ],
)
def test_constructor_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer, inputs",
    [
        (layers.ClassEmbedding(3, 4), np.array([0, 3])),
        (layers.ConditionalBatchNormalization(3),
         [np.zeros((2, 4, 4, 2), "float32"), np.array([-1, 2])]),
        (layers.ProjectionHead(3),
         [np.zeros((2, 4), "float32"), np.array([[5], [1]])]),
    ],
    ids=["embedding", "conditional_bn", "projection"],
)
def test_out_of_range_labels_are_named(layer, inputs):
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        layer(inputs)


def test_projection_head_needs_pooled_features():
    with pytest.raises(ValueError, match="pool feature maps first"):
        layers.ProjectionHead(3)([np.zeros((2, 4, 4, 2)), np.array([0, 1])])


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="TensorFlow runs channels-first convolutions on GPU only",
)
@pytest.mark.parametrize(
    "cls, kwargs, shape, extra",
    [
        (layers.ConvBlock, {"filters": 6, "norm": "group"}, (2, 4, 8, 8), None),
        (layers.UpsampleBlock, {"filters": 6, "mode": "nearest",
                                "norm": "batch"}, (2, 4, 8, 8), None),
        (layers.DownsampleBlock, {"filters": 6, "mode": "avg_pool",
                                  "norm": "instance"}, (2, 4, 8, 8), None),
        (layers.ResidualBlock, {"filters": 6, "resample": "down"},
         (2, 4, 8, 8), None),
        (layers.SelfAttention, {"reduction": 2}, (2, 4, 8, 8), None),
        (layers.MinibatchStdDev, {}, (2, 4, 8, 8), None),
        (layers.NoiseInjection, {}, (2, 4, 8, 8), None),
        (layers.PixelNormalization, {}, (2, 4, 8, 8), None),
        (layers.InstanceNormalization, {}, (2, 4, 8, 8), None),
        (layers.EqualizedConv2D, {"filters": 6, "kernel_size": 3},
         (2, 4, 8, 8), None),
        (layers.AdaptiveInstanceNormalization, {}, (2, 4, 8, 8), (2, 3)),
        (layers.ModulatedConv2D, {"filters": 6, "kernel_size": 3},
         (2, 4, 8, 8), (2, 3)),
        (layers.ConditionalBatchNormalization, {"num_classes": 3},
         (2, 4, 8, 8), "labels"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_channels_first_matches_channels_last(cls, kwargs, shape, extra):
    """Same weights, transposed input: the transposed output."""
    x = make_inputs(shape, seed=4)
    x_last = np.transpose(x, (0, 2, 3, 1))
    if extra == "labels":
        other = np.array([0, 2])
    elif extra is not None:
        other = make_inputs(extra, seed=5)

    def call(layer, images):
        inputs = images if extra is None else [images, other]
        return keras.ops.convert_to_numpy(layer(inputs))

    first = cls(**kwargs, data_format="channels_first")
    last = cls(**kwargs, data_format="channels_last")
    y_first = call(first, x)
    call(last, x_last)
    rng = np.random.default_rng(0)
    for w in first.trainable_weights:
        v = keras.ops.convert_to_numpy(w)
        w.assign(v + 0.3 * rng.standard_normal(v.shape))
    # Variables include seed states: NoiseInjection draws the same noise.
    for w_first, w_last in zip(first.variables, last.variables):
        w_last.assign(w_first)
    y_first = call(first, x)
    y_last = call(last, x_last)
    np.testing.assert_allclose(
        np.transpose(y_first, (0, 2, 3, 1)), y_last, rtol=1e-4, atol=1e-4
    )


def test_call_arguments_work_in_functional_models():
    x = keras.Input((4, 4, 3))
    noise = keras.Input((4, 4, 1))
    y = layers.NoiseInjection()(x, noise=noise)
    assert tuple(y.shape) == (None, 4, 4, 3)
    y, attention = layers.SelfAttention(reduction=1)(x, return_attention=True)
    model = keras.Model(x, [y, attention])
    assert tuple(model.outputs[1].shape) == (None, 16, 16)
    out = model.predict(np.ones((2, 4, 4, 3), "float32"), verbose=0)
    assert [o.shape for o in out] == [(2, 4, 4, 3), (2, 16, 16)]
    np.testing.assert_allclose(out[1].sum(-1), 1.0, rtol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="unknown (None) sizes at run time exist only in tf.function "
    "graphs; JAX and torch always see concrete shapes",
)
@pytest.mark.parametrize(
    "make",
    [lambda: layers.MinibatchStdDev(4), lambda: layers.NoiseInjection(seed=1),
     lambda: layers.SelfAttention(reduction=1),
     lambda: layers.InstanceNormalization(),
     lambda: layers.ResidualBlock(3, resample="down")],
    ids=["minibatch_std", "noise", "attention", "instance_norm", "residual"],
)
def test_unknown_batch_and_spatial_sizes_in_a_graph(make):
    import tensorflow as tf

    layer = make()

    fn = tf.function(
        lambda t: layer(t),
        input_signature=[tf.TensorSpec((None, None, None, 3))],
    )
    for shape in [(5, 4, 6, 3), (3, 2, 2, 3)]:
        y = fn(tf.ones(shape))
        assert tuple(y.shape)[:1] == shape[:1]
