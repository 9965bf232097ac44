"""One rule for ints, floats and bools in every argument check."""

import numpy as np
import pytest
from helpers import tiny_pair
from hypothesis import given
from hypothesis import strategies as st

import keras_gan
from keras_gan.utils import validation


@given(st.integers(-1000, 1000))
def test_integers_pass_with_their_bounds(value):
    if value >= 1:
        assert validation.positive_int("n", value) == value
        assert validation.positive_int("n", np.int64(value)) == value
    else:
        with pytest.raises(ValueError, match=r"`n` should be a positive "
                           r"integer\. Received: `n="):
            validation.positive_int("n", value)


@pytest.mark.parametrize("value", [True, False, 2.0, 16.5, "3", None,
                                   np.float32(2)])
def test_bools_floats_and_strings_are_not_integers(value):
    with pytest.raises(ValueError, match=r"Received: `n="):
        validation.check_int("n", value, minimum=0)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_in_an_open_interval(value):
    inside = np.isfinite(value) and 0.0 < value < 1.0
    if inside:
        assert validation.check_float("d", value, 0, 1, False, False) == value
    else:
        with pytest.raises(ValueError, match=r"`d` should be a number in "
                           r"\(0, 1\)\. Received: `d="):
            validation.check_float("d", value, 0, 1, False, False)


@pytest.mark.parametrize("value", [True, "0.5", None, [0.5]])
def test_bools_and_strings_are_not_numbers(value):
    with pytest.raises(ValueError, match="Received"):
        validation.unit_interval("p", value)


def test_choices_and_bools():
    assert validation.check_choice("m", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"one of 'a', 'b'\. Received: "
                       r"`m='c'`"):
        validation.check_choice("m", "c", ("a", "b"))
    with pytest.raises(ValueError, match="should be True or False"):
        validation.check_bool("flag", 1)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda g, d: keras_gan.GAN(g, d, latent_dim=4.0), "latent_dim"),
        (lambda g, d: keras_gan.GAN(g, d, num_classes=True), "num_classes"),
        (lambda g, d: keras_gan.GAN(g, d, seed=1.5), "seed"),
        (lambda g, d: keras_gan.GAN(g, d, fake_labels="all"), "fake_labels"),
        (lambda g, d: keras_gan.GAN(g, d).compile(d_steps=2.0), "d_steps"),
        (lambda g, d: keras_gan.GAN(g, d).compile(ema_decay=True),
         "ema_decay"),
        (lambda g, d: keras_gan.GAN(g, d).compile(ema_warmup=-1),
         "ema_warmup"),
        (lambda g, d: keras_gan.GAN(g, d).compile(steps_per_execution=0),
         "steps_per_execution"),
        (lambda g, d: keras_gan.GAN(g, d).generate(0), "num_samples"),
        (lambda g, d: keras_gan.GAN(g, d).generate(2, batch_size=0),
         "batch_size"),
    ],
)
def test_gan_arguments_follow_the_rule(make, name):
    g, d = tiny_pair()
    with pytest.raises(ValueError, match=rf"`{name}` should be .* "
                       rf"Received: `{name}="):
        make(g, d)
