"""Precision / recall, density / coverage, memorization, intra-class FID, CAS.

The k-NN metrics are checked against the authors' `prdc` package; each
metric's ends (identical sets, disjoint sets) against closed forms.
"""

import contextlib
import io

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_gan import metrics
from keras_gan.data import load_digits

prdc = pytest.importorskip("prdc", reason="the reference implementation")


def flat():
    return keras.Sequential([keras.layers.Flatten()])


def reference(real, fake, k):
    with contextlib.redirect_stdout(io.StringIO()):  # it prints the counts
        return prdc.compute_prdc(real, fake, nearest_k=k)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_functions_match_prdc(k):
    rng = np.random.default_rng(k)
    real = rng.normal(size=(300, 16)).astype("float32")
    fake = (rng.normal(size=(250, 16)) * 1.2 + 0.3).astype("float32")
    expected = reference(real, fake, k)
    precision, recall = metrics.precision_recall(real, fake, k=k)
    density, coverage = metrics.density_coverage(real, fake, k=k)
    for name, value in (("precision", precision), ("recall", recall),
                        ("density", density), ("coverage", coverage)):
        assert isinstance(value, float)
        assert value == pytest.approx(float(expected[name]), abs=1e-6), name
    # Not a degenerate case: every value strictly between its ends.
    assert 0 < precision < 1 and 0 < recall < 1 and 0 < coverage < 1


@given(seed=st.integers(0, 2**16), n=st.integers(7, 40), d=st.integers(1, 8))
def test_prdc_agreement_and_ends(seed, n, d):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, d))
    fake = rng.normal(size=(n + 3, d)) + rng.uniform(0, 2)
    expected = reference(real, fake, 3)
    got = dict(zip(("precision", "recall"),
                   metrics.precision_recall(real, fake, k=3)))
    got.update(zip(("density", "coverage"),
                   metrics.density_coverage(real, fake, k=3)))
    for name in got:
        assert got[name] == pytest.approx(float(expected[name]), abs=1e-6)
    # Identical sets: every sample lies in its own ball; the balls of n
    # distinct points hold k points each on average, so density is 1.
    assert metrics.precision_recall(real, real, k=3) == (1.0, 1.0)
    assert metrics.density_coverage(real, real, k=3) == pytest.approx(
        (1.0, 1.0)
    )
    far = real + 1e3  # disjoint: no ball reaches the other set
    assert metrics.precision_recall(real, far, k=3) == (0.0, 0.0)
    assert metrics.density_coverage(real, far, k=3) == (0.0, 0.0)


def test_knn_radii_closed_form():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(metrics.knn_radii(points, 1), [1, 1, 2, 4])
    np.testing.assert_allclose(metrics.knn_radii(points, 2), [3, 2, 3, 6])


def test_streaming_metrics_match_the_functions():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(120, 6, 1, 1))
    fake = rng.normal(size=(90, 6, 1, 1)) + 0.5
    precision, recall = metrics.precision_recall(
        real.reshape(120, 6), fake.reshape(90, 6), k=3
    )
    density, coverage = metrics.density_coverage(
        real.reshape(120, 6), fake.reshape(90, 6), k=5
    )
    for cls, expected in ((metrics.ImprovedPrecision, precision),
                          (metrics.ImprovedRecall, recall),
                          (metrics.Density, density),
                          (metrics.Coverage, coverage)):
        metric = cls(flat(), batch_size=30)  # one shape: one compilation
        metric.set_reference(real)
        for start in range(0, 90, 30):
            metric.update_state(fake=fake[start : start + 30])
        assert metric.result() == pytest.approx(expected, abs=1e-6)
        config = metric.get_config()
        assert type(metric).from_config(config).get_config() == config
        metric.reset_state()  # keeps the reference
        with pytest.raises(ValueError, match="real and generated"):
            metric.result()
    assert metrics.ImprovedPrecision().name == "precision"
    assert metrics.Density().k == 5 and metrics.ImprovedRecall().k == 3
    with pytest.raises(ValueError, match="more than 3"):
        metrics.precision_recall(real[:3].reshape(3, 6), fake[:9, :, 0, 0])
    with pytest.raises(ValueError, match="`k` should be"):
        metrics.density_coverage(real[:, :, 0, 0], fake[:, :, 0, 0], k=0)


def test_memorization_closed_forms():
    rng = np.random.default_rng(1)
    train = rng.normal(size=(200, 8))
    assert metrics.memorization(train, train[:50]) == 1.0  # exact copies
    assert metrics.memorization(train, train + 1e3) == 0.0  # disjoint
    # By hand: training points 0, 1, 10 (own nearest neighbours 1, 1, 9).
    line = np.array([[0.0], [1.0], [10.0]])
    fake = np.array([[0.4], [0.6], [5.0], [8.0], [12.0]])
    # 0.4 -> 0 at 0.4 < 1: copy; 0.6 -> 1 at 0.4 < 1: copy; 5 -> 1 at 4;
    # 8 -> 10 at 2 < 9: copy; 12 -> 10 at 2 < 9: copy.
    assert metrics.memorization(line, fake) == pytest.approx(4 / 5)
    metric = metrics.Memorization(flat())
    metric.update_state(real=train.reshape(200, 8, 1, 1))
    fake = np.concatenate([train[:10], train[:10] + 1e3])
    metric.update_state(fake=fake.reshape(20, 8, 1, 1))
    assert metric.result() == pytest.approx(0.5)


def test_intra_class_fid():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(300, 3))
    b = rng.normal(size=(300, 3)) + np.array([2.0, 0.0, 0.0])
    images = np.concatenate([a, b]).reshape(600, 3, 1, 1)
    labels = np.repeat([0, 1], 300)
    fid = metrics.IntraClassFrechetDistance(3, flat(), batch_size=100)
    fid.set_reference(images, labels)
    fid.update_state(fake=images, fake_labels=labels)
    assert float(fid.result()) == pytest.approx(0.0, abs=1e-5)
    assert sorted(fid.per_class()) == [0, 1]  # class 2 has no images
    fid.reset_state()
    swapped = keras.utils.to_categorical(1 - labels, 3)  # one-hot works
    fid.update_state(fake=images, fake_labels=swapped)
    # Each class against the other: the same FID as between a and b.
    direct = metrics.frechet_distance(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    )
    assert float(fid.result()) == pytest.approx(
        float(keras.ops.convert_to_numpy(direct)), rel=1e-4
    )
    assert float(fid.result()) == pytest.approx(4.0, rel=0.1)
    with pytest.raises(ValueError, match="fake_labels"):
        fid.update_state(fake=images)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        fid.update_state(fake=images, fake_labels=labels + 2)
    config = fid.get_config()
    assert type(fid).from_config(config).get_config() == config


def test_classification_accuracy_score():
    images, labels = load_digits()
    train, train_y = images[:1000], labels[:1000]
    test, test_y = images[1000:], labels[1000:]
    real_cas = metrics.classification_accuracy_score(
        train, train_y, test, test_y
    )
    assert real_cas > 0.9
    # Generated images with shuffled labels carry no class information.
    shuffled = np.random.default_rng(3).permutation(train_y)
    chance = metrics.classification_accuracy_score(
        train, shuffled, test, test_y
    )
    assert chance < 0.25
