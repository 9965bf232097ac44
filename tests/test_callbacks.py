"""SampleGrid and the grid helper."""

import numpy as np
import pytest
from helpers import images
from helpers import tiny_pair
from PIL import Image

import keras_gan
from keras_gan.callbacks import SampleGrid
from keras_gan.callbacks import image_grid


def test_image_grid_places_and_scales_pixels():
    tiles = np.stack([np.full((2, 3, 1), v) for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(tiles, rows=1, padding=1)
    assert grid.shape == (2, 3 * 3 + 2, 1) and grid.dtype == np.uint8
    assert (grid[:, 0:3] == 0).all()
    assert (grid[:, 4:7] == 128).all()  # round(127.5)
    assert (grid[:, 8:11] == 255).all()
    assert (grid[:, 3] == 255).all()  # padding


def test_sample_grid_writes_pngs_of_the_right_size(tmp_path):
    g, d = tiny_pair(image_shape=(4, 4, 1))
    gan = keras_gan.GAN(g, d)
    gan.compile()
    grids = SampleGrid(tmp_path / "samples", num_samples=9, every_n_epochs=2)
    gan.fit(images(8), batch_size=4, epochs=4, callbacks=[grids], verbose=0)
    names = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert names == ["epoch_0002.png", "epoch_0004.png"]
    with Image.open(tmp_path / "samples" / "epoch_0004.png") as png:
        # 3 x 3 tiles of 4 x 4 pixels with 1-pixel gaps.
        assert png.size == (14, 14) and png.mode == "L"
    # Fixed latents: the grid equals the generator's output for that seed.
    expected = image_grid(gan.generate(9, seed=0))
    np.testing.assert_array_equal(grids.make_grid(), expected)


def test_sample_grid_rgb(tmp_path):
    g, d = tiny_pair(image_shape=(4, 4, 3))
    gan = keras_gan.GAN(g, d)
    gan.compile()
    grids = SampleGrid(tmp_path, num_samples=4)
    gan.fit(images(4, shape=(4, 4, 3)), batch_size=4, epochs=1,
            callbacks=[grids], verbose=0)
    with Image.open(grids.paths[0]) as png:
        assert png.size == (9, 9) and png.mode == "RGB"


def test_sample_grid_validates():
    with pytest.raises(ValueError, match="num_samples"):
        SampleGrid("x", num_samples=0)
    with pytest.raises(ValueError, match="every_n_epochs"):
        SampleGrid("x", every_n_epochs=0)
