"""R3GAN's networks and the blur resampler they use."""

import math

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan.layers import BlurResample
from keras_gan.layers.resample import lowpass_kernel
from keras_gan.models import r3gan
from keras_gan.models.r3gan import LRELU_GAIN
from keras_gan.models.r3gan import SplitGroupConv2D
from tests.helpers import latents
from tests.helpers import np_

SMALL = dict(latent_dim=8, width=8, group_size=8)


def _reference(x, mode, taps=(1, 2, 1)):
    """upfirdn2d in numpy, one channel at a time: (b, h, w, c) arrays."""
    k = lowpass_kernel(taps).astype("float64")
    n = k.shape[0]
    b, h, w, c = x.shape
    if mode == "up":
        u = np.zeros((b, 2 * h, 2 * w, c))
        u[:, ::2, ::2] = x
        pads = ((n + 1) // 2, (n - 2) // 2)
        p = np.pad(u, ((0, 0), pads, pads, (0, 0)))
        k, step = 4 * k, 1
    else:
        lo, hi = (n - 1) // 2, (n - 2) // 2
        p = np.pad(x, ((0, 0), (lo, hi + h % 2), (lo, hi + w % 2), (0, 0)))
        step = 2
    out_h = (p.shape[1] - n) // step + 1
    out_w = (p.shape[2] - n) // step + 1
    y = np.zeros((b, out_h, out_w, c))
    flipped = k[::-1, ::-1]  # a convolution, not a correlation
    for i in range(out_h):
        for j in range(out_w):
            patch = p[:, i * step:i * step + n, j * step:j * step + n]
            y[:, i, j] = np.einsum("bhwc,hw->bc", patch, flipped)
    return y


def test_blur_kernel_values():
    # [1, 2, 1] * [1, 1] = [1, 3, 3, 1]: the bilinear filter, sum 1.
    np.testing.assert_allclose(
        lowpass_kernel((1, 2, 1)), np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64
    )
    np.testing.assert_allclose(
        lowpass_kernel((1, 1)), np.outer([1, 2, 1], [1, 2, 1]) / 16
    )
    # A delta downsampled: output i sees inputs 2i-1 .. 2i+2 with taps
    # 1, 3, 3, 1 (/ 8), so a delta at (4, 5) lands on rows 1, 2 as 1, 3
    # and on columns 2, 3 as 3, 1.
    x = np.zeros((1, 8, 8, 1), "float32")
    x[0, 4, 5, 0] = 1.0
    y = np_(BlurResample("down")(x))[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[1:3, 2:4] = np.outer([1, 3], [3, 1]) / 64
    np.testing.assert_allclose(y, expected, atol=1e-7)


@pytest.mark.parametrize("mode", ["up", "down"])
@pytest.mark.parametrize("shape", [(2, 6, 6, 3), (1, 5, 7, 2)])
@pytest.mark.parametrize("taps", [(1, 2, 1), (1, 3), (2, 1, 0, 1)])
def test_blur_resample_matches_upfirdn_in_numpy(mode, shape, taps):
    # The layer's sliding sums against a direct 2-D convolution with
    # lowpass_kernel; asymmetric taps catch a filter applied unflipped.
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    expected = _reference(x, mode, taps)
    np.testing.assert_allclose(
        np_(BlurResample(mode, taps=taps)(x)), expected, atol=1e-5
    )
    first = np_(BlurResample(mode, taps=taps, data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2))))
    np.testing.assert_allclose(
        np.transpose(first, (0, 2, 3, 1)), expected, atol=1e-5
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_split_group_conv_is_keras_grouped_conv(data_format):
    # Same kernel and same output as Conv2D(groups=4) (both are linear in
    # the kernel and the input: a random pair of them tells).
    x = np.random.default_rng(2).standard_normal((2, 6, 5, 8))
    if data_format == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2))
    x = x.astype("float32")
    kwargs = dict(filters=12, kernel_size=3, groups=4, padding="same",
                  data_format=data_format)
    ours = SplitGroupConv2D(**kwargs)
    keras_conv = keras.layers.Conv2D(**kwargs)
    ours.build(x.shape)
    keras_conv.build(x.shape)
    assert ours.kernel.shape == keras_conv.kernel.shape == (3, 3, 2, 12)
    keras_conv.set_weights(ours.get_weights())
    np.testing.assert_allclose(np_(ours(x)), np_(keras_conv(x)), atol=1e-5)
    config = ours.get_config()
    assert keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(ours)).get_config() == config


def test_blur_upsampling_is_bilinear_inside_the_image():
    x = np.random.default_rng(1).standard_normal((2, 6, 5, 3))
    ours = np_(BlurResample("up")(x.astype("float32")))
    keras_bilinear = np_(
        keras.layers.UpSampling2D(2, interpolation="bilinear")(x)
    )
    np.testing.assert_allclose(
        ours[:, 1:-1, 1:-1], keras_bilinear[:, 1:-1, 1:-1], atol=1e-5
    )
    # At the border, zeros come in from outside (upfirdn2d's padding).
    assert np.abs(ours[:, 0] - keras_bilinear[:, 0]).max() > 1e-2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "sideways"}, "`mode` should be one of 'up', 'down'"),
        ({"mode": "up", "taps": ()}, "`taps` should be a non-empty tuple"),
        ({"mode": "up", "taps": (1, -2)}, "`taps` should be a non-negative"),
        ({"mode": "up", "taps": (0, 0)}, "`taps` should not sum to zero"),
        ({"mode": "up", "data_format": "nhwc"}, "`data_format` should be"),
    ],
)
def test_blur_resample_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BlurResample(**kwargs)


def _normalization_layers(model):
    norms = (
        keras.layers.BatchNormalization, keras.layers.LayerNormalization,
        keras.layers.GroupNormalization, keras.layers.UnitNormalization,
        keras.layers.SpectralNormalization,
        keras_gan.layers.InstanceNormalization,
        keras_gan.layers.PixelNormalization,
        keras_gan.layers.ConditionalBatchNormalization,
        keras_gan.layers.AdaptiveInstanceNormalization,
    )
    return [layer.name for layer in model.layers
            if isinstance(layer, norms) or "norm" in type(layer).__name__
            .lower()]


def test_layout_and_no_normalization():
    g, d = r3gan((16, 16, 3), **SMALL)
    assert _normalization_layers(g) == _normalization_layers(d) == []
    for model in (g, d):
        convs = {layer.name: layer for layer in model.layers
                 if isinstance(layer, keras.layers.Conv2D)}
        blocks = sorted(n[:-6] for n in convs if n.endswith("_conv1"))
        # 3 stages (4, 8, 16) of 2 blocks in each network.
        assert blocks == [f"b{r}_block{j}" for r in (16, 4, 8)
                          for j in (0, 1)]
        for name in blocks:
            assert convs[f"{name}_conv1"].kernel_size == (1, 1)
            assert convs[f"{name}_conv2"].kernel_size == (3, 3)
            assert convs[f"{name}_conv2"].groups == 2  # 16 channels / 8
            assert convs[f"{name}_conv3"].filters == 8
    resamplers = [layer.mode for layer in g.layers + d.layers
                  if isinstance(layer, BlurResample)]
    assert resamplers == ["up", "up", "down", "down"]
    assert g.get_layer("basis_constant").shape == (4, 4, 8)
    assert d.get_layer("basis_conv").kernel_size == (4, 4)


def test_init_is_the_papers_variance_scaling():
    g, d = r3gan((8, 8, 1), latent_dim=8, width=64, group_size=16)
    m = 4  # blocks per network: 2 stages of 2
    gain = LRELU_GAIN * m ** -0.25
    for model in (g, d):
        for name in ("b8_block0_conv1", "b4_block1_conv2"):
            kernel = np_(model.get_layer(name).kernel)
            fan_in = math.prod(kernel.shape[:-1])  # 64 or 3 * 3 * 16
            assert abs(kernel.std() / (gain / math.sqrt(fan_in)) - 1) < 0.05
            np.testing.assert_array_equal(
                np_(model.get_layer(name).bias), 0.0
            )
        last = np_(model.get_layer("b8_block1_conv3").kernel)
        assert last.shape == (1, 1, 128, 64) and not last.any()


@pytest.mark.parametrize("network", ["generator", "discriminator"])
def test_every_residual_block_is_the_identity_at_init(network):
    pair = dict(zip(["generator", "discriminator"],
                    r3gan((8, 12, 2), num_classes=3, **SMALL)))
    model = pair[network]
    adds = [layer for layer in model.layers if layer.name.endswith("_add")]
    assert len(adds) == 4
    # D's blocks come before its labels are used: the images alone.
    inputs = model.inputs if network == "generator" else model.inputs[0]
    taps = keras.Model(
        inputs, [t for add in adds for t in (add.input[0], add.output)]
    )
    if network == "generator":
        inputs = [latents(n=2, dim=8), np.array([0, 2], "int32")]
    else:
        x = np.random.default_rng(0).standard_normal((2, 8, 12, 2))
        inputs = x.astype("float32")
    values = [np_(t) for t in taps(inputs)]
    for block_in, block_out in zip(values[::2], values[1::2]):
        assert np.abs(block_in).max() > 0.1
        np.testing.assert_array_equal(block_out, block_in)
    # The test can fail: a non-zero last layer makes the blocks residual.
    for add in adds:
        conv3 = model.get_layer(add.name.replace("_add", "_conv3"))
        conv3.kernel.assign(np.full(conv3.kernel.shape, 0.1, "float32"))
    values = [np_(t) for t in taps(inputs)]
    assert all(np.abs(o - i).max() > 1e-3
               for i, o in zip(values[::2], values[1::2]))


def test_conditioning_changes_g_and_d():
    g, d = r3gan((8, 8, 1), num_classes=4, **SMALL)
    z = latents(n=2, dim=8)
    zero, three = np.zeros(2, "int32"), np.full(2, 3, "int32")
    a, b = np_(g([z, zero])), np_(g([z, three]))
    assert np.abs(a - b).max() > 1e-3
    # D's logit is the projection <h, embed(y)> of its features h.
    features = keras.Model(d.inputs, d.get_layer("basis_dense").output)
    embedding = np_(d.get_layer("label_embedding").embeddings)
    for labels in (zero, three):
        h = np_(features([a, labels]))
        np.testing.assert_allclose(
            np_(d([a, labels]))[:, 0], (h * embedding[labels]).sum(-1),
            rtol=1e-5, atol=1e-6,
        )
    assert np.abs(np_(d([a, zero])) - np_(d([a, three]))).max() > 1e-4
    assert d.get_layer("basis_dense").units == 8  # width[0] features


def test_conditional_fit_with_r1_and_r2(tmp_path):
    # The paper's regularization: R1 on reals and R2 on fakes together,
    # second-order gradients through grouped convolutions and the blur;
    # at an odd, non-square size (cropped in G, padded in D).
    keras.utils.set_random_seed(0)
    shape = (9, 14, 4)
    g, d = r3gan(shape, num_classes=2, blocks_per_stage=1, **SMALL)
    gan = keras_gan.GAN(g, d, num_classes=2, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
        loss="non_saturating",
        penalty=[keras_gan.penalties.R1(gamma=0.05),
                 keras_gan.penalties.R2(gamma=0.05)],
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, *shape)).astype("float32")
    before = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    # Two steps: the zero-initialized last convolutions pass no gradient
    # to the rest of their block in the first one.
    history = gan.fit(x, np.array([0, 1, 0, 1]), batch_size=2, epochs=1,
                      verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert np.isfinite(list(logs.values())).all() and logs["penalty"] > 0
    after = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    assert all(np.any(a != b) for a, b in zip(after, before))
    gan.save(tmp_path / "r3gan.keras")
    loaded = keras.saving.load_model(tmp_path / "r3gan.keras")
    for a, b in zip(loaded.weights, gan.weights):
        np.testing.assert_array_equal(np_(a), np_(b))
    z, labels = latents(n=2, dim=8), np.array([1, 0], "int32")
    images = np_(g([z, labels]))
    assert images.shape == (2, *shape)
    np.testing.assert_allclose(np_(loaded.generator([z, labels])), images,
                               atol=1e-5)
    np.testing.assert_allclose(np_(loaded.discriminator([images, labels])),
                               np_(d([images, labels])), atol=1e-5)
    assert isinstance(loaded.generator.get_layer("b10_up"), BlurResample)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (7, 16, 3)},
         "`r3gan` supports images whose height and width are >= 8"),
        ({"image_shape": (16, 16, 5)}, "1 to 4 channels"),
        ({"latent_dim": 0}, "`latent_dim` should be a positive integer"),
        ({"num_classes": 1.5}, "`num_classes` should be a positive integer"),
        ({"width": 0}, "`width` should be a positive integer"),
        ({"width": [8, 8]}, r"`width` should be an int or 3 ints"),
        ({"blocks_per_stage": 0}, "`blocks_per_stage` should be a positive"),
        ({"expansion": True}, "`expansion` should be a positive integer"),
        ({"group_size": 5}, r"`group_size` should divide .* = 16"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        r3gan(**{"image_shape": (16, 16, 3), **SMALL, **kwargs})
