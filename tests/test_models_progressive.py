"""The progressive-growing builder, its fade-in layer and its callback."""

import keras
import numpy as np
import pytest
from helpers import latents
from helpers import np_
from helpers import run_layer_test

import keras_gan
from keras_gan.callbacks import ProgressiveGrowing
from keras_gan.models import FadeIn
from keras_gan.models import progressive
from keras_gan.models import set_progress


def fades(model):
    return [layer for layer in model.layers if isinstance(layer, FadeIn)]


def upsampled_from(image, factor):
    """`image` as nearest-upsampled from its top-left pixel of each cell."""
    small = image[:, ::factor, ::factor]
    return np.repeat(np.repeat(small, factor, 1), factor, 2)


@pytest.mark.parametrize("image_shape", [(8, 8, 3), (16, 16, 1)])
def test_shapes_and_stages(image_shape):
    g, d = progressive(image_shape, latent_dim=8, filters=4)
    assert tuple(g.input.shape) == (None, 8)
    assert tuple(g.output.shape) == (None, *image_shape)
    assert tuple(d.input.shape) == (None, *image_shape)
    assert tuple(d.output.shape) == (None, 1)
    stages = int(np.log2(image_shape[0])) - 1
    for net in (g, d):
        layers = fades(net)
        assert sorted(layer.stage for layer in layers) == list(
            range(1, stages)
        )
        # Built with every stage on.
        assert all(float(layer.progress) == stages - 1 for layer in layers)
        assert all(not layer.progress.trainable for layer in layers)
    assert any(isinstance(layer, keras_gan.layers.MinibatchStdDev)
               for layer in d.layers)
    assert sum(isinstance(layer, keras_gan.layers.PixelNormalization)
               for layer in g.layers) == 3 + 2 * (stages - 1)


def test_widths_double_as_resolution_halves_up_to_a_cap():
    from keras_gan.models._conditioning import widths

    # levels: doublings from the 4x4 base (1 for 8x8, 5 for 128x128)
    assert widths(1, 4, 32) == [8, 4]
    assert widths(5, 4, 32) == [32, 32, 32, 16, 8, 4]


def test_generator_stages_are_nearest_upsampled_images():
    g, d = progressive((16, 16, 1), latent_dim=8, filters=4)
    z = latents()
    outputs = {}
    for progress in (0.0, 0.5, 1.0, 2.0):
        set_progress((g, d), progress)
        outputs[progress] = np_(g(z))
    # Stage 0: the 4x4 image in blocks of 4x4 equal pixels, exactly.
    np.testing.assert_array_equal(outputs[0.0], upsampled_from(outputs[0.0],
                                                               4))
    # Stage 1: 2x2 blocks, not 4x4 ones.
    np.testing.assert_array_equal(outputs[1.0], upsampled_from(outputs[1.0],
                                                               2))
    assert np.abs(outputs[1.0] - upsampled_from(outputs[1.0], 4)).max() > 1e-3
    # Full resolution: not blocky at all.
    assert np.abs(outputs[2.0] - upsampled_from(outputs[2.0], 2)).max() > 1e-3
    # Half-way through stage 1's fade: the average of both ends.
    np.testing.assert_allclose(
        outputs[0.5], 0.5 * (outputs[0.0] + outputs[1.0]), atol=1e-5
    )


def test_discriminator_at_progress_zero_sees_the_4x4_average():
    g, d = progressive((16, 16, 1), latent_dim=8, filters=4)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (4, 16, 16, 1)).astype("float32")
    # Zero mean in every 2x2 cell (so in every 4x4 cell too): +e, -e.
    e = rng.uniform(0.5, 1.0, (4, 8, 8, 1)).astype("float32")
    delta = np.zeros_like(x)
    delta[:, ::2, ::2] = e
    delta[:, 1::2, ::2] = -e
    set_progress((g, d), 0.0)
    np.testing.assert_allclose(np_(d(x + delta)), np_(d(x)), atol=1e-5)
    set_progress((g, d), 2.0)
    assert np.abs(np_(d(x + delta)) - np_(d(x))).max() > 1e-3


def test_fade_in_layer_generic_checks(tmp_path):
    run_layer_test(
        FadeIn, {"stage": 2, "initial_progress": 1.5}, [(2, 4, 4, 3),
                                                         (2, 4, 4, 3)],
        (2, 4, 4, 3), tmp_path=tmp_path,
        training=False,  # its only weight is not trainable
    )
    fade = FadeIn(stage=2)
    low, high = np.zeros((1, 3), "float32"), np.ones((1, 3), "float32")
    fade([low, high])  # builds the progress variable, at 0
    for progress, alpha in [(0.0, 0.0), (1.0, 0.0), (1.25, 0.25),
                            (2.0, 1.0), (3.0, 1.0)]:
        fade.progress.assign(progress)
        np.testing.assert_allclose(np_(fade([low, high])), alpha)


def test_callback_grows_the_gan_and_progress_is_saved(tmp_path):
    g, d = progressive((8, 8, 1), latent_dim=8, filters=4)
    gan = keras_gan.GAN(g, d)
    gan.compile(ema_decay=0.9)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append([float(f.progress) for net in
                         (gan.generator, gan.discriminator,
                          gan.ema_generator) for f in fades(net)])

    grow = ProgressiveGrowing(epochs_per_stage=2, fade_epochs=1)
    x = np.tanh(np.random.default_rng(0).standard_normal((4, 8, 8, 1)))
    before = [np_(w) for w in g.trainable_weights]
    history = gan.fit(x.astype("float32"), batch_size=4, epochs=5,
                      verbose=0, callbacks=[grow, Record()])
    expected = [0.0, 0.0, 0.5, 1.0, 1.0]
    assert grow.history == expected
    assert [values[0] for values in seen] == expected
    assert all(len(set(values)) == 1 for values in seen)  # all in step
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert any(np.any(np_(w) != b) for w, b in zip(g.trainable_weights,
                                                   before))

    set_progress(gan, 0.25)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    for net in (loaded.generator, loaded.discriminator,
                loaded.ema_generator):
        assert [float(f.progress) for f in fades(net)] == [0.25]
    z = latents()
    np.testing.assert_array_equal(np_(loaded.generator(z)), np_(g(z)))
    np.testing.assert_array_equal(
        loaded.generate(4, seed=0, use_ema=False),
        gan.generate(4, seed=0, use_ema=False),
    )


def test_schedule():
    grow = ProgressiveGrowing(epochs_per_stage=3)  # fade_epochs=1
    assert grow.fade_epochs == 1
    assert [grow.progress_at(e, num_stages=3) for e in range(10)] == [
        0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0]
    instant = ProgressiveGrowing(epochs_per_stage=1, fade_epochs=0)
    assert [instant.progress_at(e, num_stages=3) for e in range(4)] == [
        0.0, 1.0, 2.0, 2.0]
    assert grow.get_config() == {"epochs_per_stage": 3, "fade_epochs": 1}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (12, 12, 3)}, r"power-of-two side \(8, 16, 32"),
        ({"image_shape": (16, 8, 3)}, "`progressive` supports square"),
        ({"image_shape": (16, 16, 5)}, "1 to 4 channels"),
        ({"latent_dim": 0}, "`latent_dim` should be a positive integer"),
        ({"filters": 1.5}, "`filters` should be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        progressive(**{"image_shape": (8, 8, 1), "latent_dim": 8,
                       "filters": 4, **kwargs})


def test_bad_progress_and_schedules():
    g, d = progressive((8, 8, 1), latent_dim=8, filters=4)
    with pytest.raises(ValueError, match=r"`progress` should be in \[0, 1\]"):
        set_progress((g, d), 1.5)
    with pytest.raises(ValueError, match=r"`progress` should be in \[0, 1\]"):
        set_progress(g, -0.1)
    with pytest.raises(ValueError, match="found no `FadeIn` layers"):
        set_progress(keras.Sequential([keras.layers.Dense(1)]), 0)
    with pytest.raises(ValueError, match="`stage` should be a positive"):
        FadeIn(stage=0)
    with pytest.raises(ValueError, match="`epochs_per_stage` should be"):
        ProgressiveGrowing(epochs_per_stage=0)
    with pytest.raises(ValueError, match=r"`fade_epochs` should be an int"):
        ProgressiveGrowing(epochs_per_stage=2, fade_epochs=2)
