"""recipes.build / names: every recipe builds a compiled GAN that trains."""

import os

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import recipes
from tests.helpers import images


def eager(gan):
    """The same compiled recipe, run eagerly: one tiny step is cheaper
    than a compilation on a 2-core CPU."""
    gan.compile_from_config({**gan.get_compile_config(), "run_eagerly": True})
    return gan


def test_names_lists_auto_first_and_every_recipe_is_a_function():
    names = recipes.names()
    assert names[0] == "auto"
    assert len(set(names)) == len(names)
    for name in names[1:]:
        fn = getattr(recipes, name)
        # Every recipe states its choices and sources.
        assert "Choices and sources" in fn.__doc__, name


@pytest.mark.parametrize("name", [n for n in recipes.names() if n != "auto"])
def test_each_recipe_builds_compiles_and_fits(name):
    gan = recipes.build(name, image_shape=(8, 8, 1), num_images=64, seed=0)
    assert isinstance(gan, keras_gan.GAN) and gan.compiled
    assert gan.image_shape == (8, 8, 1)
    history = eager(gan).fit(images(16, (8, 8, 1)), batch_size=8, epochs=1,
                      verbose=0)
    for key in ("d_loss", "g_loss"):
        assert np.isfinite(history.history[key][-1]), (name, key)
    assert gan.generate(3, seed=0).shape == (3, 8, 8, 1)


def test_auto_picks_augmentation_for_small_folders_only():
    # The measured rule (docs/augmentation.md): augmentation for small
    # folders of images larger than SMALL_SIDE, none for large folders
    # and for 8x8 images (where translation hurt).
    small = recipes.choose((32, 32, 3), num_images=200)
    large = recipes.choose((32, 32, 3), num_images=100_000)
    assert (small, large) == ("dcgan_diffaugment", "dcgan")
    assert recipes.build(image_shape=(16, 12, 3), num_images=200,
                         seed=0).augment is not None
    assert recipes.choose((32, 32, 3), num_images=None) == large
    side = recipes.SMALL_SIDE
    assert recipes.choose((side, side, 1), num_images=150) == "dcgan"
    assert recipes.choose((side, side + 1, 1), num_images=150) == small
    assert recipes.build(image_shape=(8, 8, 1), num_images=150,
                         seed=0).augment is None


@pytest.mark.parametrize("name", ["dcgan", "dcgan_diffaugment"])
def test_dcgan_recipes_train_the_generator_four_times_as_fast(name):
    # The measured choice (recipes.DCGAN_G_LEARNING_RATE): equal rates let
    # D win early on digits and photos.
    gan = recipes.build(name, image_shape=(8, 8, 1), num_images=64, seed=0)
    rates = [float(keras.ops.convert_to_numpy(o.learning_rate))
             for o in (gan.g_optimizer, gan.d_optimizer)]
    assert rates == pytest.approx([recipes.DCGAN_G_LEARNING_RATE, 2e-4])
    assert recipes.DCGAN_G_LEARNING_RATE == pytest.approx(4 * 2e-4)
    assert gan.g_optimizer.beta_1 == gan.d_optimizer.beta_1 == 0.5


def test_seed_makes_build_reproducible():
    a = recipes.build(image_shape=(8, 8, 1), num_images=100, seed=3)
    b = recipes.build(image_shape=(8, 8, 1), num_images=100, seed=3)
    c = recipes.build(image_shape=(8, 8, 1), num_images=100, seed=4)
    np.testing.assert_array_equal(a.generate(2, seed=0),
                                  b.generate(2, seed=0))
    assert not np.array_equal(a.generate(2, seed=0), c.generate(2, seed=0))


def test_conditional_recipe_trains_on_labels():
    gan = recipes.build(image_shape=(8, 8, 1), num_images=64, num_classes=3,
                        seed=0)
    assert gan.num_classes == 3
    x = images(16, (8, 8, 1))
    y = np.arange(16) % 3
    eager(gan).fit(x, y, batch_size=8, epochs=1, verbose=0)


def test_recipe_round_trips_through_keras_file(tmp_path):
    # 8x12: "auto" gives it augmentation, whose state must round-trip.
    gan = recipes.build(image_shape=(8, 12, 1), num_images=64, seed=0)
    assert gan.augment is not None
    eager(gan).fit(images(8, (8, 12, 1)), batch_size=8, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "run.keras")
    gan.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.generate(2, seed=1),
                               gan.generate(2, seed=1), atol=1e-6)
    assert (restored.get_compile_config()["augment"]
            == gan.get_compile_config()["augment"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(recipe="nope", image_shape=(8, 8, 1)), "`recipe` should be"),
        (dict(image_shape=None), "`image_shape` is required"),
        (dict(image_shape=(8, 8)), "`image_shape` should be"),
        (dict(image_shape=(8, 8, 1), num_images=0), "`num_images`"),
        (dict(image_shape=(8, 8, 1), seed=1.5), "`seed`"),
    ],
)
def test_bad_arguments_are_refused_with_their_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        recipes.build(**kwargs)
