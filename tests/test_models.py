"""Architecture builders."""

import keras
import numpy as np
import pytest

import keras_gan


@pytest.mark.parametrize("size", [8, 16, 32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes(size, channels):
    g, d = keras_gan.models.dcgan(
        image_shape=(size, size, channels), latent_dim=8, filters=4
    )
    assert tuple(g.output.shape) == (None, size, size, channels)
    assert tuple(d.input.shape) == (None, size, size, channels)
    assert tuple(d.output.shape) == (None, 1)
    keras_gan.GAN(g, d)  # the pair is compatible


def test_dcgan_rejects_unsupported_sizes():
    with pytest.raises(ValueError, match="`dcgan` supports .* 8 to 128"):
        keras_gan.models.dcgan(image_shape=(7, 12, 1))
    with pytest.raises(ValueError, match="8 to 128"):
        keras_gan.models.dcgan(image_shape=(256, 256, 3))
    with pytest.raises(ValueError, match="1 to 4 channels"):
        keras_gan.models.dcgan(image_shape=(16, 16, 5))
    with pytest.raises(ValueError, match="`latent_dim` should be a posit"):
        keras_gan.models.dcgan(image_shape=(16, 16, 1), latent_dim=0)


def test_mlp_layout():
    g, d = keras_gan.models.mlp(image_shape=(8, 8, 1), latent_dim=16)
    dense = [layer.units for layer in g.layers
             if isinstance(layer, keras.layers.Dense)]
    assert dense == [256, 512, 1024, 64]
    dense = [layer.units for layer in d.layers
             if isinstance(layer, keras.layers.Dense)]
    assert dense == [1024, 512, 256, 1]
    out = keras.ops.convert_to_numpy(g(np.zeros((2, 16), "float32")))
    assert out.shape == (2, 8, 8, 1) and np.abs(out).max() <= 1.0


def test_issue_quickstart(tmp_path):
    """The spine issue's snippet, scaled down to a few steps."""
    generator, discriminator = keras_gan.models.dcgan(
        image_shape=(8, 8, 1), latent_dim=64
    )
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="non_saturating",
    )
    x, _ = keras_gan.data.load_digits()
    assert x.shape == (1797, 8, 8, 1)
    gan.fit(x[:128], batch_size=64, epochs=2, verbose=0,
            callbacks=[keras_gan.callbacks.SampleGrid(tmp_path / "s")])
    images = gan.generate(16, seed=0)
    assert images.shape == (16, 8, 8, 1)
    gan.save(tmp_path / "digits.keras")
    again = keras.saving.load_model(tmp_path / "digits.keras")
    np.testing.assert_allclose(again.generate(16, seed=0), images, atol=1e-6)
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "epoch_0001.png", "epoch_0002.png"]
