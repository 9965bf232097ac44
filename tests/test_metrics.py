"""FrechetDistance, KernelDistance, InceptionScore, extractors, TensorBoard."""

import io
import os
import urllib.error

import keras
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from keras_gan import metrics
from keras_gan.data import load_digits
from keras_gan.metrics import FrechetDistance
from keras_gan.metrics import InceptionScore
from keras_gan.metrics import KernelDistance
from keras_gan.utils import tensorboard as _tensorboard

# float64 statistics on TensorFlow and PyTorch; float32 on JAX without x64.
RTOL = 1e-6 if metrics._accumulator_dtype() == "float64" else 1e-4


def identity():
    """Features are the inputs, flattened."""
    return keras.Sequential([keras.layers.Flatten()])


def value(x):
    return float(keras.ops.convert_to_numpy(x))


def gaussian(rng, n, mean, cov):
    """n samples whose sample mean and covariance are exactly mean, cov."""
    z = rng.standard_normal((n, len(mean)))
    z -= z.mean(axis=0)
    chol = np.linalg.cholesky(np.cov(z, rowvar=False))
    z = np.linalg.solve(chol, z.T).T  # sample covariance exactly I
    return z @ np.linalg.cholesky(cov).T + mean


def random_cov(rng, d, scale):
    a = rng.standard_normal((d, d)) * scale / np.sqrt(d)
    return a @ a.T + 0.1 * np.eye(d)


def closed_form_fid(mu1, s1, mu2, s2):
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root))


@given(
    d=st.integers(2, 64),
    seed=st.integers(0, 2**16),
    shift=st.floats(0.1, 3.0),
    scale=st.floats(0.5, 2.0),
)
def test_fid_matches_closed_form(d, seed, shift, scale):
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d) * shift
    s1, s2 = random_cov(rng, d, 1.0), random_cov(rng, d, scale)
    n = 2 * d + 20
    fid = FrechetDistance(identity())
    fid.update_state(real=gaussian(rng, n, mu1, s1),
                     fake=gaussian(rng, n, mu2, s2))
    expected = closed_form_fid(mu1, s1, mu2, s2)
    assert value(fid.result()) == pytest.approx(expected, rel=1e-2)
    # The bare formula, in float64 where the backend has it.
    assert value(metrics.frechet_distance(mu1, s1, mu2, s2)) == (
        pytest.approx(expected, rel=1e-2)
    )


def test_fid_identical_inputs_is_about_zero():
    x = np.random.default_rng(0).standard_normal((300, 16)) * 3.0
    fid = FrechetDistance(identity())
    fid.update_state(real=x, fake=x)
    # Relative to the scale of the terms that cancel: Tr(S_r) = 144.
    assert 0.0 <= value(fid.result()) < 1e-3


@given(
    sizes=st.lists(st.integers(1, 40), min_size=2, max_size=6),
    seed=st.integers(0, 2**16),
)
def test_fid_streaming_equals_one_shot(sizes, seed):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((sum(sizes) + 2, 8)) + 5.0  # offset on purpose
    fake = rng.standard_normal((sum(sizes) + 2, 8)) * 2.0
    one_shot = FrechetDistance(identity())
    one_shot.update_state(real=real, fake=fake)
    streamed = FrechetDistance(identity())
    cuts = np.cumsum([0, *sizes, 2])
    for a, b in zip(cuts[:-1], cuts[1:]):
        streamed.update_state(real=real[a:b])
        streamed.update_state(fake=fake[a:b])
    assert value(streamed.result()) == pytest.approx(
        value(one_shot.result()), rel=10 * RTOL
    )


def test_fid_rank_deficient_is_finite_and_non_negative():
    rng = np.random.default_rng(1)
    fid = FrechetDistance(identity())
    real = rng.standard_normal((10, 32))  # 10 samples in 32 dimensions
    fake = rng.standard_normal((10, 32))
    real[:, :4] = 0.0  # and dimensions without variance
    fid.update_state(real=real, fake=fake)
    result = value(fid.result())
    assert np.isfinite(result) and result >= 0.0
    same = FrechetDistance(identity())
    same.update_state(real=real, fake=real)
    assert 0.0 <= value(same.result()) < 1e-3


def test_fid_reference_save_load_and_reset(tmp_path):
    rng = np.random.default_rng(2)
    real, fake = rng.standard_normal((50, 6)), rng.standard_normal((40, 6))
    direct = FrechetDistance(identity())
    direct.update_state(real=real, fake=fake)

    fid = FrechetDistance(identity(), batch_size=7)
    fid.set_reference((real, np.zeros(50)))  # (images, labels) tuple
    assert fid.has_reference
    fid.save_reference(tmp_path / "real.npz")
    fid.update_state(fake=fake)
    assert value(fid.result()) == pytest.approx(value(direct.result()),
                                                rel=RTOL)
    fid.reset_state()  # keeps the reference, clears the generated images
    fid.update_state(fake=fake)
    assert value(fid.result()) == pytest.approx(value(direct.result()),
                                                rel=RTOL)
    with pytest.raises(ValueError, match="set_reference"):
        fid.update_state(real=real)

    loaded = FrechetDistance(identity()).load_reference(tmp_path / "real.npz")
    loaded.update_state(fake=fake)
    assert value(loaded.result()) == pytest.approx(value(direct.result()),
                                                   rel=RTOL)
    with np.load(tmp_path / "real.npz") as stored:
        np.testing.assert_allclose(stored["mu"], real.mean(0), rtol=1e-5)
        np.testing.assert_allclose(stored["sigma"], np.cov(real, rowvar=False),
                                   rtol=1e-4, atol=1e-6)
        assert int(stored["num_samples"]) == 50


def test_set_reference_from_a_batched_iterable_with_a_limit():
    rng = np.random.default_rng(3)
    real = rng.standard_normal((30, 5))
    batches = [(real[i : i + 8], np.zeros(8)) for i in range(0, 30, 8)]
    fid = FrechetDistance(identity()).set_reference(batches, num_samples=20)
    arrays = fid._arrays("real")
    np.testing.assert_allclose(arrays["mu"], real[:20].mean(0), rtol=1e-5)
    assert int(arrays["num_samples"]) == 20


def test_fid_errors():
    fid = FrechetDistance(identity())
    with pytest.raises(ValueError, match="at least 2"):
        fid.result()
    with pytest.raises(ValueError, match="neither"):
        fid.update_state()
    with pytest.raises(ValueError, match="batch_size"):
        FrechetDistance(identity(), batch_size=0)


def test_metric_configs_round_trip():
    for metric in (
        FrechetDistance(identity(), batch_size=16, name="fid_x"),
        KernelDistance(identity(), subsets=7, subset_size=9, seed=3),
        InceptionScore(identity(), splits=3, from_logits=False),
    ):
        config = metric.get_config()
        clone = type(metric).from_config(config)
        assert clone.get_config() == config
        assert keras.saving.get_registered_object(
            keras.saving.get_registered_name(type(metric))
        ) is type(metric)


def numpy_kid(x, y):
    """Unbiased MMD^2, cubic kernel (Binkowski et al.), in float64."""
    d, m = x.shape[1], len(x)

    def k(a, b):
        return (a @ b.T / d + 1.0) ** 3

    kxx, kyy = k(x, x), k(y, y)
    off = m * (m - 1)
    return ((kxx.sum() - np.trace(kxx)) / off
            + (kyy.sum() - np.trace(kyy)) / off - 2 * k(x, y).mean())


def test_kid_identical_distributions_is_about_zero():
    rng = np.random.default_rng(4)
    kid = KernelDistance(identity(), subsets=20, subset_size=100)
    kid.update_state(real=rng.standard_normal((300, 8)),
                     fake=rng.standard_normal((300, 8)))
    std = value(kid.result_std())
    assert std > 0 and abs(value(kid.result())) < std


def test_kid_shifted_matches_numpy():
    rng = np.random.default_rng(5)
    real = rng.standard_normal((60, 8))
    fake = rng.standard_normal((60, 8)) + 0.5
    # subset_size >= the sample count: every subset is the whole set.
    kid = KernelDistance(identity(), subsets=3, subset_size=1000)
    kid.update_state(real=real, fake=fake)
    expected = numpy_kid(real, fake)
    assert expected > 0
    assert value(kid.result()) == pytest.approx(expected, rel=1e-4)
    assert value(kid.result_std()) == pytest.approx(0.0, abs=1e-5)


def test_kid_subsets_follow_the_documented_draws(tmp_path):
    rng = np.random.default_rng(6)
    real, fake = rng.standard_normal((40, 4)), rng.standard_normal((30, 4))
    kid = KernelDistance(identity(), subsets=4, subset_size=10, seed=9)
    kid.set_reference(real)
    kid.update_state(fake=fake + 1.0)
    draws = np.random.default_rng(9)
    expected = []
    for _ in range(4):
        i = draws.choice(40, 10, replace=False)
        j = draws.choice(30, 10, replace=False)
        expected.append(numpy_kid(real[i], fake[j] + 1.0))
    assert value(kid.result()) == pytest.approx(np.mean(expected), rel=1e-4)
    assert value(kid.result_std()) == pytest.approx(np.std(expected),
                                                    rel=1e-3)
    kid.save_reference(tmp_path / "kid.npz")
    again = KernelDistance(identity(), subsets=4, subset_size=10, seed=9)
    again.load_reference(tmp_path / "kid.npz").update_state(fake=fake + 1.0)
    assert value(again.result()) == pytest.approx(value(kid.result()),
                                                  rel=1e-6)


def test_inception_score_counts_distinct_confident_classes():
    n_classes = 5
    one_hot = np.tile(np.eye(n_classes), (10, 1))  # every split: all classes
    score = InceptionScore(identity(), splits=5, from_logits=False)
    score.update_state(fake=one_hot)
    assert value(score.result()) == pytest.approx(n_classes, rel=1e-5)
    assert value(score.result_std()) == pytest.approx(0.0, abs=1e-4)
    logits = InceptionScore(identity(), splits=5)
    logits.update_state(fake=60.0 * one_hot)  # softmax ~ one-hot
    assert value(logits.result()) == pytest.approx(n_classes, rel=1e-4)


def test_inception_score_constant_classifier_gives_one():
    dense = keras.layers.Dense(
        4, kernel_initializer="zeros", bias_initializer="ones"
    )
    constant = keras.Sequential([keras.layers.Flatten(), dense])
    score = InceptionScore(constant, splits=2)
    score.update_state(fake=np.random.default_rng(7).standard_normal((20, 3)))
    assert value(score.result()) == pytest.approx(1.0, abs=1e-6)


def test_inception_score_errors():
    score = InceptionScore(identity(), splits=4)
    with pytest.raises(ValueError, match="fake="):
        score.update_state(real=np.zeros((4, 2)))
    score.update_state(fake=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="at least 4"):
        score.result()


def test_default_extractor_without_weights_says_what_to_do(
    tmp_path, monkeypatch
):
    """No network in tests: an empty KERAS_HOME and a failing download."""
    from keras.src.utils import file_utils

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("network disabled in the test")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    fid = FrechetDistance()  # builds nothing until used
    with pytest.raises(RuntimeError, match="weights=") as info:
        fid.update_state(fake=np.zeros((2, 8, 8, 1)))
    message = str(info.value)
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5" in (
        message
    )
    assert "digits_classifier" in message and "network disabled" in message
    with pytest.raises(RuntimeError, match="kernels.h5"):
        InceptionScore().update_state(fake=np.zeros((2, 8, 8, 1)))


def test_image_input_resizes_and_repeats_channels():
    layer = metrics.ImageInput(4, channels=3)
    x = np.linspace(-1, 1, 2 * 8 * 8).reshape(2, 8, 8, 1).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 4, 4, 3)
    np.testing.assert_allclose(out[..., 0], out[..., 2])
    # Antialiased 2x downsampling of a linear ramp: away from the borders,
    # the 2x2 block means.
    blocks = x[..., 0].reshape(2, 4, 2, 4, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(out[:, 1:3, 1:3, 0], blocks[:, 1:3, 1:3],
                               atol=1e-5)
    same = keras.ops.convert_to_numpy(metrics.ImageInput(8)(x))
    np.testing.assert_array_equal(same, x)


@pytest.fixture(scope="module")
def digits_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("keras_home"))


def test_digits_classifier_is_accurate_cached_and_usable(
    digits_cache, monkeypatch
):
    images, labels = load_digits()
    logits = metrics.digits_classifier("logits", cache_dir=digits_cache)
    predicted = keras.ops.convert_to_numpy(logits(images)).argmax(-1)
    assert (predicted == labels).mean() > 0.97
    assert os.listdir(digits_cache) == ["digits_classifier_v1.npz"]

    def no_training(path):
        raise AssertionError("the cached weights should be reused")

    monkeypatch.setattr(
        metrics.extractors, "_train_digits_weights", no_training
    )
    features = metrics.digits_classifier(cache_dir=digits_cache)
    big = load_digits(image_size=16)[0][:5]  # other sizes are resized to 8
    assert tuple(features(big).shape) == (5, 64)

    # Real digits against real digits vs against noise.
    fid = FrechetDistance(features)
    fid.update_state(real=images[::2], fake=images[1::2])
    close = value(fid.result())
    fid.reset_state()
    noise = np.random.default_rng(8).uniform(-1, 1, images[1::2].shape)
    fid.update_state(real=images[::2], fake=noise)
    assert close < 0.1 * value(fid.result())
    score = InceptionScore(logits, splits=2)
    score.update_state(fake=images[:400])
    assert 7.0 < value(score.result()) <= 10.0


def read_image_summaries(logdir):
    """(tag, step, png size) for every image summary in the event files."""
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    acc = EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    acc.Reload()
    found = []
    for tag in acc.Tags()["tensors"]:
        for event in acc.Tensors(tag):
            width, height, png = event.tensor_proto.string_val[:3]
            with Image.open(io.BytesIO(png)) as image:
                assert image.size == (int(width), int(height))
                found.append((tag, event.step, image.size, image.mode))
    return sorted(found)


@pytest.mark.parametrize("with_tensorflow", [True, False])
def test_write_image_writes_a_tensorboard_image(
    tmp_path, monkeypatch, with_tensorflow
):
    if with_tensorflow and not _tensorboard._has_tensorflow():
        pytest.skip("TensorFlow is not installed")
    monkeypatch.setattr(_tensorboard, "_has_tensorflow",
                        lambda: with_tensorflow)
    gray = np.arange(9 * 14, dtype="uint8").reshape(9, 14, 1)
    _tensorboard.write_image(tmp_path, "samples", gray, step=3)
    _tensorboard.write_image(tmp_path, "samples",
                             np.zeros((5, 7, 3), "uint8"), step=4)
    assert read_image_summaries(tmp_path) == [
        ("samples", 3, (14, 9), "L"),
        ("samples", 4, (7, 5), "RGB"),
    ]


def test_write_image_validates(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        _tensorboard.write_image(tmp_path, "x", np.zeros((2, 2, 1)), 0)
    with pytest.raises(ValueError, match="shape"):
        _tensorboard.write_image(tmp_path, "x", np.zeros((2, 2), "uint8"), 0)


def test_fid_inception_missing_file_says_where_to_get_it(tmp_path):
    missing = os.path.join(str(tmp_path), "nowhere.pth")
    with pytest.raises(FileNotFoundError, match="nowhere.pth") as info:
        metrics.fid_inception(missing)
    message = str(info.value)
    assert metrics.fid_network.FID_WEIGHTS_URL in message
    assert "fid_inception(weights=" in message
    assert "convert-fid-weights" in message
