"""Adversarial losses against closed-form values computed here."""

import math

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keras_gan import losses

REAL = np.array([2.0, -1.0, 0.5], dtype="float32")
FAKE = np.array([-3.0, 0.0, 1.0], dtype="float32")


def softplus(x):
    return np.log1p(np.exp(x))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def value(x):
    return float(keras.ops.convert_to_numpy(x))


def test_minimax_closed_form():
    loss = losses.Minimax()
    d = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    g = np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, 1e-5)
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(g, 1e-5)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_non_saturating_closed_form(smoothing):
    loss = losses.NonSaturating(label_smoothing=smoothing)
    t = 1.0 - smoothing
    bce_real = -(
        t * np.log(sigmoid(REAL)) + (1 - t) * np.log(1 - sigmoid(REAL))
    )
    d = np.mean(bce_real) + np.mean(-np.log(1 - sigmoid(FAKE)))
    g = np.mean(-np.log(sigmoid(FAKE)))
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, 1e-5)
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(g, 1e-5)


def test_label_smoothing_is_one_sided():
    # Only the real target moves: the fake term is the same as unsmoothed.
    plain, smooth = losses.NonSaturating(), losses.NonSaturating(0.1)
    zero = np.zeros(3, "float32")
    big = np.full(3, 50.0, "float32")
    # With real logits at +inf-ish, smoothing costs 0.1 * 50 per element.
    assert value(smooth.discriminator_loss(big, zero)) == pytest.approx(
        value(plain.discriminator_loss(big, zero)) + 0.1 * 50, 1e-4
    )
    assert value(smooth.generator_loss(None, FAKE)) == value(
        plain.generator_loss(None, FAKE)
    )


def test_least_squares_closed_form():
    loss = losses.LeastSquares()
    d = 0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2)
    g = 0.5 * np.mean((FAKE - 1) ** 2)
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, 1e-6)
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(g, 1e-6)


def test_wasserstein_closed_form():
    loss = losses.Wasserstein()
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(
        FAKE.mean() - REAL.mean(), 1e-6
    )
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(
        -FAKE.mean(), 1e-6
    )


def test_hinge_closed_form():
    loss = losses.Hinge()
    d = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, 1e-6)
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(
        -FAKE.mean(), 1e-6
    )


def test_relativistic_closed_form():
    loss = losses.RelativisticAverage()
    dr, df = REAL - FAKE.mean(), FAKE - REAL.mean()
    d = np.mean(softplus(-dr)) + np.mean(softplus(df))
    g = np.mean(softplus(-df)) + np.mean(softplus(dr))
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, 1e-5)
    assert value(loss.generator_loss(REAL, FAKE)) == pytest.approx(g, 1e-5)
    assert loss.uses_real_in_generator_loss


def test_at_zero_logits_cross_entropy_losses_are_log2():
    zero = np.zeros(5, "float32")
    for name in ("minimax", "non_saturating"):
        loss = losses.get(name)
        assert value(loss.discriminator_loss(zero, zero)) == pytest.approx(
            2 * math.log(2), 1e-6
        )


logits = hnp.arrays(
    "float32",
    st.integers(1, 16),
    elements=st.floats(-20, 20, width=32),
)


@given(logits, logits)
def test_relativistic_swaps_roles(real, fake):
    # RaGAN is symmetric: G's loss is D's loss with reals and fakes swapped.
    n = min(len(real), len(fake))
    real, fake = real[:n], fake[:n]
    loss = losses.RelativisticAverage()
    assert value(loss.generator_loss(real, fake)) == pytest.approx(
        value(loss.discriminator_loss(fake, real)), rel=1e-4, abs=1e-4
    )


@given(logits, st.floats(0.5, 5.0))
def test_wasserstein_zero_when_indistinguishable(x, gap):
    loss = losses.Wasserstein()
    assert value(loss.discriminator_loss(x, x)) == pytest.approx(0, abs=1e-4)
    # The critic's loss falls by the gap when reals score higher than fakes
    # (a wrong sign would raise it), and G minimizes -E[D(fake)].
    assert value(loss.discriminator_loss(x + gap, x)) == pytest.approx(
        -gap, rel=1e-3, abs=1e-3
    )
    assert value(loss.generator_loss(None, x)) == pytest.approx(
        -float(np.mean(x)), rel=1e-4, abs=1e-4
    )


@given(logits, logits)
def test_losses_are_finite_scalars_for_any_batch(real, fake):
    for name in ("minimax", "non_saturating", "least_squares",
                 "wasserstein", "hinge", "relativistic"):
        loss = losses.get(name)
        for out in (
            loss.discriminator_loss(real, fake),
            loss.generator_loss(real, fake),
        ):
            out = keras.ops.convert_to_numpy(out)
            assert out.shape == () and np.isfinite(out)


@given(logits)
def test_shape_of_logits_does_not_matter(x):
    # (batch,) and (batch, 1) logits give the same loss.
    for name in ("non_saturating", "hinge", "least_squares"):
        loss = losses.get(name)
        assert value(loss.discriminator_loss(x, x)) == pytest.approx(
            value(loss.discriminator_loss(x[:, None], x[:, None])), 1e-6
        )


def test_get_and_serialization_round_trip():
    loss = losses.NonSaturating(label_smoothing=0.2)
    config = keras.saving.serialize_keras_object(loss)
    again = losses.get(config)
    assert isinstance(again, losses.NonSaturating)
    assert again.label_smoothing == 0.2
    assert losses.get(loss) is loss
    assert isinstance(losses.get("relativistic"), losses.RelativisticAverage)


def test_unknown_loss_lists_known_names():
    with pytest.raises(ValueError) as info:
        losses.get("hingee")
    message = str(info.value)
    assert message.startswith("Unknown GAN loss: 'hingee'.")
    # The names must be listed after the echoed input, each quoted.
    listed = message.split("Use one of", 1)[1]
    for name in ("minimax", "non_saturating", "least_squares", "wasserstein",
                 "hinge", "relativistic", "relativistic_pairing"):
        assert repr(name) in listed


def test_label_smoothing_validated():
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.NonSaturating(label_smoothing=1.0)
