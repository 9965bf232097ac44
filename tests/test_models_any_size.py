"""Every image builder at sizes that are not square powers of two."""

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan.models._conditioning import Grid
from keras_gan.models._conditioning import check_image_shape
from tests.helpers import latents
from tests.helpers import np_

SIZES = [(28, 28, 1), (25, 25, 3), (48, 80, 2), (96, 96, 3), (100, 100, 4)]
# Tiny widths: these tests are about shapes and plumbing.
BUILDERS = {
    "dcgan": dict(latent_dim=8, filters=2),
    "resnet": dict(latent_dim=8, filters=2),
    "stylegan": dict(latent_dim=8, filters=2, mapping_layers=1),
    "r3gan": dict(latent_dim=8, width=4, group_size=4, blocks_per_stage=1),
}


def build(name, image_shape, **kwargs):
    builder = getattr(keras_gan.models, name)
    return builder(image_shape=image_shape, **{**BUILDERS[name], **kwargs})


@pytest.mark.parametrize(
    "size, levels, base, padded, margins",
    [
        ((8, 8), 1, (4, 4), (8, 8), ((0, 0), (0, 0))),
        ((32, 32), 3, (4, 4), (32, 32), ((0, 0), (0, 0))),
        ((28, 28), 2, (7, 7), (28, 28), ((0, 0), (0, 0))),
        ((25, 25), 2, (7, 7), (28, 28), ((1, 2), (1, 2))),
        ((48, 80), 3, (6, 10), (48, 80), ((0, 0), (0, 0))),
        ((100, 100), 4, (7, 7), (112, 112), ((6, 6), (6, 6))),
        ((9, 30), 1, (5, 15), (10, 30), ((0, 1), (0, 0))),
    ],
)
def test_grid(size, levels, base, padded, margins):
    grid = Grid(*size)
    assert grid.levels == levels
    assert (grid.base_h, grid.base_w) == base
    assert (grid.padded_h, grid.padded_w) == padded
    assert grid._margins() == margins
    assert 4 <= min(base) <= 8
    assert grid.heights()[-1] == padded[0]


def test_grid_crop_is_centered_and_pad_is_its_mirror():
    grid = Grid(25, 27)  # padded 28 x 28: margins (1, 2) and (0, 1)
    x = keras.Input((28, 28, 1))
    crop = keras.Model(x, grid.crop(x))
    y = keras.Input((25, 27, 1))
    pad = keras.Model(y, grid.pad(y))
    image = np.arange(28 * 28, dtype="float32").reshape(1, 28, 28, 1)
    np.testing.assert_array_equal(np_(crop(image)), image[:, 1:26, 0:27])
    padded = np_(pad(image[:, 1:26, 0:27]))
    assert padded.shape == (1, 28, 28, 1)
    np.testing.assert_array_equal(padded[:, 1:26, 0:27], image[:, 1:26, 0:27])
    assert padded[:, 0].max() == padded[:, 26:].max() == 0
    assert padded[:, :, 27].max() == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (28, 28)}, r"\(height, width, channels\)"),
        ({"image_shape": (28.5, 28, 1)}, r"\(height, width, channels\)"),
        ({"image_shape": "28x28"}, r"\(height, width, channels\)"),
        ({"image_shape": (7, 28, 1), "min_size": 8},
         "`b` supports images whose height and width are >= 8"),
        ({"image_shape": (28, 300, 1), "min_size": 8, "max_size": 256},
         "8 to 256"),
        ({"image_shape": (28, 28, 5), "max_channels": 4}, "1 to 4 channels"),
        ({"image_shape": (28, 28, 1), "power_of_two": True, "min_size": 8},
         r"power-of-two side \(8, 16, 32, 64, 128, 256, \.\.\.\)"),
    ],
)
def test_one_shared_check(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_image_shape(builder="b", **kwargs)


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("image_shape", SIZES)
def test_exact_shapes(name, image_shape):
    g, d = build(name, image_shape)
    assert tuple(g.output.shape) == (None, *image_shape)
    assert tuple(d.input.shape) == (None, *image_shape)
    assert tuple(d.output.shape) == (None, 1)
    grid = Grid(*image_shape[:2])
    cropped = (grid.padded_h, grid.padded_w) != image_shape[:2]
    assert ("crop" in [layer.name for layer in g.layers]) == cropped
    assert ("pad" in [layer.name for layer in d.layers]) == cropped


@pytest.mark.parametrize(
    "name, image_shape",
    [
        # One doubling each (the cheapest compile), odd and non-square.
        ("dcgan", (12, 9, 1)),
        ("resnet", (9, 12, 3)),
        ("stylegan", (10, 15, 2)),
        # r3gan: in test_models_r3gan.py, conditional, with R1 and R2.
    ],
)
def test_fit_and_round_trip(name, image_shape, tmp_path):
    keras.utils.set_random_seed(0)
    extra = {"style_mixing": 0.0} if name == "stylegan" else {}
    g, d = build(name, image_shape, **extra)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(loss="non_saturating")
    x = np.random.default_rng(0).uniform(-1, 1, (4, *image_shape))
    before = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    # Two steps: r3gan's zero-initialized last convolutions pass no
    # gradient to the rest of their block in the first one.
    history = gan.fit(x.astype("float32"), batch_size=2, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    after = [np_(w) for w in g.trainable_weights + d.trainable_weights]
    assert np.mean([np.any(a != b) for a, b in zip(after, before)]) > 0.8
    path = tmp_path / f"{name}.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(loaded.weights, gan.weights):
        np.testing.assert_array_equal(np_(a), np_(b))
    z = latents(n=2, dim=8)
    images = np_(g(z))
    assert images.shape == (2, *image_shape)
    np.testing.assert_allclose(np_(loaded.generator(z)), images, atol=1e-5)
    np.testing.assert_allclose(
        np_(loaded.discriminator(images)), np_(d(images)), atol=1e-5
    )
