"""GANEvaluator with fit, History and the monitoring callbacks."""

import csv

import keras
import numpy as np
import pytest
from helpers import tiny_pair
from test_metrics import read_image_summaries

import keras_gan
from keras_gan.callbacks import GANEvaluator
from keras_gan.callbacks import SampleGrid
from keras_gan.metrics import FrechetDistance
from keras_gan.metrics import InceptionScore
from keras_gan.metrics import KernelDistance


class Scripted(keras.metrics.Metric):
    """A metric whose results are given in advance, one per evaluation."""

    uses_real_images = False

    def __init__(self, values, name="fid"):
        super().__init__(name=name)
        self.values = list(values)
        self.fakes = []

    def update_state(self, real=None, fake=None):
        self.fakes.append(len(fake))

    def result(self):
        return self.values.pop(0)

    def reset_state(self):
        pass


def tiny_gan(image_shape=(4, 4, 1), ema_decay=None):
    g, d = tiny_pair(image_shape=image_shape)
    gan = keras_gan.GAN(g, d)
    gan.compile(ema_decay=ema_decay)
    return gan


def identity():
    return keras.Sequential([keras.layers.Flatten()])


def real_images(n=16, shape=(4, 4, 1)):
    return np.tanh(np.random.default_rng(0).standard_normal((n, *shape)))


def test_values_reach_history_csv_and_the_metrics(tmp_path, monkeypatch):
    gan = tiny_gan(ema_decay=0.9)
    calls = []
    generate = gan.generate

    def spy(num_samples, **kwargs):
        calls.append((num_samples, kwargs))
        return generate(num_samples, **kwargs)

    monkeypatch.setattr(gan, "generate", spy)
    fid = FrechetDistance(identity())
    kid = KernelDistance(identity(), subsets=3, subset_size=8)
    evaluator = GANEvaluator([fid, kid], real_images(), num_samples=12,
                             batch_size=5)
    log = tmp_path / "log.csv"
    history = gan.fit(
        real_images(), batch_size=8, epochs=2, verbose=0,
        callbacks=[evaluator, keras.callbacks.CSVLogger(str(log))],
    )
    assert len(history.history["fid"]) == 2
    assert len(history.history["kid"]) == 2
    assert all(np.isfinite(history.history["fid"]))
    assert history.history["fid"] == evaluator.history["fid"]
    assert evaluator.epochs == [1, 2]
    # The EMA generator, the same latents each time.
    assert calls == [(12, {"seed": 0, "use_ema": True})] * 2
    # The reference: at most num_samples real images, computed once.
    assert int(fid._arrays("real")["num_samples"]) == 12
    with open(log) as f:
        rows = list(csv.DictReader(f))
    assert [float(r["fid"]) for r in rows] == pytest.approx(
        history.history["fid"]
    )


def test_model_checkpoint_on_fid_keeps_the_best(tmp_path):
    gan = tiny_gan()
    evaluator = GANEvaluator(Scripted([3.0, 1.0, 2.0, 0.5]), num_samples=4)
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best_{epoch}.weights.h5"),
        monitor="fid",
        mode="min",
        save_best_only=True,
        save_weights_only=True,
    )
    history = gan.fit(real_images(8), batch_size=8, epochs=4, verbose=0,
                      callbacks=[evaluator, checkpoint])
    assert history.history["fid"] == [3.0, 1.0, 2.0, 0.5]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best_1.weights.h5", "best_2.weights.h5", "best_4.weights.h5"
    ]
    assert checkpoint.best == 0.5


def test_early_stopping_on_fid():
    gan = tiny_gan()
    evaluator = GANEvaluator(Scripted([3.0, 1.0, 2.0, 2.5, 0.1, 0.1]),
                             num_samples=4)
    stop = keras.callbacks.EarlyStopping(monitor="fid", mode="min",
                                         patience=2)
    history = gan.fit(real_images(8), batch_size=8, epochs=6, verbose=0,
                      callbacks=[evaluator, stop])
    assert history.history["fid"] == [3.0, 1.0, 2.0, 2.5]


def test_every_n_epochs_logs_only_evaluated_epochs():
    gan = tiny_gan()
    metric = Scripted([5.0, 4.0])
    evaluator = GANEvaluator(metric, num_samples=6, batch_size=4,
                             every_n_epochs=2)
    history = gan.fit(real_images(8), batch_size=8, epochs=4, verbose=0,
                      callbacks=[evaluator])
    assert evaluator.epochs == [2, 4]
    assert history.history["fid"] == [5.0, 4.0]
    assert metric.fakes == [4, 2, 4, 2]  # batches of batch_size


def test_inception_score_needs_no_real_data():
    gan = tiny_gan()
    score = InceptionScore(identity(), splits=2)
    evaluator = GANEvaluator(score, num_samples=8)
    history = gan.fit(real_images(8), batch_size=8, epochs=1, verbose=0,
                      callbacks=[evaluator])
    assert 1.0 <= history.history["is"][0] <= 16.0


def test_reference_loaded_beforehand_is_kept(tmp_path):
    reference = FrechetDistance(identity()).set_reference(real_images(16))
    reference.save_reference(tmp_path / "ref.npz")
    fid = FrechetDistance(identity()).load_reference(tmp_path / "ref.npz")
    gan = tiny_gan()
    gan.fit(real_images(8), batch_size=8, epochs=1, verbose=0,
            callbacks=[GANEvaluator(fid, num_samples=8)])
    assert int(fid._arrays("real")["num_samples"]) == 16


def test_evaluator_errors():
    with pytest.raises(ValueError, match="unique names"):
        GANEvaluator([Scripted([]), Scripted([])])
    with pytest.raises(ValueError, match="num_samples"):
        GANEvaluator(Scripted([]), num_samples=0)
    gan = tiny_gan()
    with pytest.raises(ValueError, match="real_data"):
        gan.fit(real_images(8), batch_size=8, epochs=1, verbose=0,
                callbacks=[GANEvaluator(FrechetDistance(identity()))])

    class NoGenerate(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = NoGenerate()
    model.compile(optimizer="sgd", loss="mse")
    evaluator = GANEvaluator(Scripted([1.0]), num_samples=2)
    with pytest.raises(TypeError, match="generate"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0,
                  callbacks=[evaluator])


def test_fewer_real_images_than_num_samples_is_warned_about():
    gan = tiny_gan()
    fid = FrechetDistance(identity())
    evaluator = GANEvaluator(fid, real_images(10), num_samples=16)
    with pytest.warns(UserWarning, match=r"only 10 images.*num_samples=16"):
        gan.fit(real_images(8), batch_size=8, epochs=1, verbose=0,
                callbacks=[evaluator])
    assert fid.reference_count == 10
    assert np.isfinite(evaluator.history["fid"][0])


def test_real_and_fake_ranges_far_apart_are_warned_about_once():
    gan = tiny_gan()  # tanh: fakes in [-1, 1]
    fid = FrechetDistance(identity())
    reals = real_images(16) * 127.5 + 127.5  # [0, 255]
    evaluator = GANEvaluator(fid, reals, num_samples=16)
    message = (r"real images lie in \[0\.5.*, 254.*generated ones in "
               r"\[-0\.\d+, 0\.\d+\].*to_unit_range")
    with pytest.warns(UserWarning, match=message) as record:
        gan.fit(real_images(8), batch_size=8, epochs=2, verbose=0,
                callbacks=[evaluator])
    assert len([w for w in record if "lie in" in str(w.message)]) == 1
    assert fid.reference_range[0] >= 0.0 and fid.reference_range[1] > 200


def test_matching_ranges_and_enough_reals_give_no_warning():
    import warnings

    gan = tiny_gan()
    # Unit-range reals against fakes near 0 early in training: no warning.
    evaluator = GANEvaluator(FrechetDistance(identity()), real_images(16),
                             num_samples=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        gan.fit(real_images(8), batch_size=8, epochs=1, verbose=0,
                callbacks=[evaluator])


def test_evaluator_config():
    fid = FrechetDistance(identity(), batch_size=8)
    config = GANEvaluator(fid, num_samples=10, every_n_epochs=3,
                          seed=4).get_config()
    assert config["num_samples"] == 10 and config["every_n_epochs"] == 3
    assert config["seed"] == 4 and config["batch_size"] == 64
    restored = keras.saving.deserialize_keras_object(config["metrics"][0])
    assert isinstance(restored, FrechetDistance)
    assert restored.get_config() == fid.get_config()


def test_sample_grid_writes_its_grid_to_tensorboard(tmp_path):
    gan = tiny_gan()
    grids = SampleGrid(tmp_path / "png", num_samples=6,
                       tensorboard_dir=tmp_path / "tb")
    gan.fit(real_images(8), batch_size=8, epochs=2, verbose=0,
            callbacks=[grids])
    # 2 rows x 3 columns of 4x4 tiles with 1-pixel gaps: 9 x 14 pixels.
    assert read_image_summaries(tmp_path / "tb") == [
        ("samples", 1, (14, 9), "L"),
        ("samples", 2, (14, 9), "L"),
    ]


@pytest.mark.large
def test_real_gan_on_digits_with_digits_fid(tmp_path):
    keras.utils.set_random_seed(0)
    images, _ = keras_gan.data.load_digits()
    images = images[:256]
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 1), latent_dim=16)
    gan = keras_gan.GAN(g, d)
    gan.compile(ema_decay=0.9)
    features = keras_gan.metrics.digits_classifier(cache_dir=str(tmp_path))
    evaluator = GANEvaluator(
        [FrechetDistance(features), KernelDistance(features, subsets=5,
                                                   subset_size=64)],
        images,
        num_samples=128,
    )
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.weights.h5"), monitor="fid", mode="min",
        save_best_only=True, save_weights_only=True,
    )
    history = gan.fit(images, batch_size=64, epochs=2, verbose=0,
                      callbacks=[evaluator, checkpoint])
    assert len(history.history["fid"]) == 2
    assert all(v > 0 and np.isfinite(v) for v in history.history["fid"])
    assert checkpoint.best == min(history.history["fid"])
    assert (tmp_path / "best.weights.h5").exists()
