"""Conditional GANs: labels in, labels out, errors."""

import keras
import numpy as np
import pytest
from helpers import assert_weights_untouched
from helpers import images
from keras import layers

import keras_gan


def _conditional(num_classes=3, image_shape=(8, 8, 1)):
    g, d = keras_gan.models.dcgan(image_shape=image_shape, latent_dim=8,
                                  filters=4, num_classes=num_classes)
    gan = keras_gan.GAN(g, d, num_classes=num_classes, seed=0)
    gan.compile()
    return gan


def test_generate_requested_labels_and_row_per_class_grid(tmp_path):
    gan = _conditional()
    x = images(12, shape=(8, 8, 1))
    y = np.arange(12) % 3
    gan.fit(x, y, batch_size=6, epochs=1, verbose=0)
    out = gan.generate(3, labels=[0, 1, 2], seed=0)
    assert out.shape == (3, 8, 8, 1)
    # Same latents, different labels: different images.
    a = gan.generate(2, labels=[0, 0], seed=1)
    b = gan.generate(2, labels=[1, 1], seed=1)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, gan.generate(2, labels=0, seed=1))
    grid = keras_gan.callbacks.SampleGrid(tmp_path, num_samples=6)
    grid.set_model(gan)
    # 3 classes x 2 per row, 8x8 tiles, 1-pixel gaps.
    assert grid.make_grid().shape == (3 * 9 - 1, 2 * 9 - 1, 1)


@pytest.mark.parametrize("mode", ["jit_compile=False", "run_eagerly"])
def test_conditional_trains_without_jit(mode):
    # Un-jitted JAX steps see numpy images next to tensor labels.
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 1), latent_dim=8,
                                  filters=4, num_classes=3)
    gan = keras_gan.GAN(g, d, num_classes=3, seed=0)
    gan.compile(jit_compile=False, run_eagerly=(mode == "run_eagerly"))
    before = [np.array(w) for w in gan.discriminator.get_weights()]
    history = gan.fit(images(8, shape=(8, 8, 1)), np.arange(8) % 3,
                      batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    after = gan.discriminator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_tf_data_with_labels_trains():
    import tensorflow as tf

    gan = _conditional()
    x, y = images(12, shape=(8, 8, 1)), np.arange(12) % 3
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(6)
    gan.fit(ds, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2


def test_auxiliary_classifier_gan_trains_and_saves(tmp_path):
    z = keras.Input((8,))
    label = keras.Input((), dtype="int32")
    h = layers.Concatenate()([z, layers.Embedding(3, 4)(label)])
    g = keras.Model([z, label], layers.Reshape((4, 4, 1))(
        layers.Dense(16, activation="tanh")(h)))
    im = keras.Input((4, 4, 1))
    f = layers.Dense(8, activation="relu")(layers.Flatten()(im))
    d = keras.Model(im, [layers.Dense(1)(f), layers.Dense(3)(f)])
    gan = keras_gan.GAN(g, d, num_classes=3)
    loss = keras_gan.losses.AuxiliaryClassifier("hinge", weight=0.5)
    gan.compile(loss=loss)
    x, y = images(12), np.arange(12) % 3
    history = gan.fit(x, y, batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    gan.save(tmp_path / "ac.keras")
    again = keras.saving.load_model(tmp_path / "ac.keras")
    assert isinstance(again.loss, keras_gan.losses.AuxiliaryClassifier)
    assert again.loss.weight == 0.5
    assert isinstance(again.loss.base_loss, keras_gan.losses.Hinge)


@pytest.mark.large
def test_conditional_dcgan_draws_the_requested_digits():
    from sklearn.linear_model import LogisticRegression

    keras.utils.set_random_seed(0)
    x, y = keras_gan.data.load_digits()
    classifier = LogisticRegression(max_iter=2000).fit(
        x.reshape(len(x), -1), y
    )
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 1), latent_dim=32,
                                  filters=32, num_classes=10)
    gan = keras_gan.GAN(g, d, num_classes=10, seed=0)
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
                keras.optimizers.Adam(1e-3, beta_1=0.5))
    gan.fit(x, y, batch_size=64, epochs=24, verbose=0)
    labels = np.repeat(np.arange(10), 30)
    samples = gan.generate(len(labels), labels=labels, seed=1)
    accuracy = (classifier.predict(samples.reshape(len(labels), -1))
                == labels).mean()
    assert accuracy >= 0.8, accuracy


# ----------------------------------------------------------------------
# Errors, before any weight changes


def test_error_labels_out_of_range():
    gan = _conditional()
    x, y = images(6, shape=(8, 8, 1)), np.array([0, 1, 2, 3, 0, 1])

    def fit():
        with pytest.raises(ValueError, match=r"in \[0, 3\).*3"):
            gan.fit(x, y, batch_size=6, verbose=0)

    assert_weights_untouched(gan, fit)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        gan.generate(2, labels=[0, 5])


def test_error_float_labels():
    gan = _conditional()

    def fit():
        with pytest.raises(ValueError, match="integers"):
            gan.fit(images(6, shape=(8, 8, 1)), np.zeros(6, "float32"),
                    batch_size=6, verbose=0)

    assert_weights_untouched(gan, fit)


def test_error_conditional_without_labels():
    gan = _conditional()

    def fit():
        with pytest.raises(ValueError, match="has no labels"):
            gan.fit(images(6, shape=(8, 8, 1)), batch_size=6, verbose=0)

    assert_weights_untouched(gan, fit)


def test_error_labels_for_an_unconditional_gan():
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 1), latent_dim=8,
                                  filters=4)
    gan = keras_gan.GAN(g, d)
    gan.compile()

    def fit():
        with pytest.raises(ValueError, match="unconditional"):
            gan.fit(images(6, shape=(8, 8, 1)), np.zeros(6, "int32"),
                    batch_size=6, verbose=0)

    assert_weights_untouched(gan, fit)
    with pytest.raises(ValueError, match="unconditional"):
        gan.generate(2, labels=[0, 1])
