"""The training seam: the Driver protocol, the step's declared interface,
log names, and guardrails on the package's layout."""

import ast
import pathlib

import keras
import numpy as np
import pytest
from helpers import images
from helpers import tiny_pair
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keras import layers

import keras_gan
from keras_gan import augment
from keras_gan import penalties
from keras_gan import training
from keras_gan.training import driver
from keras_gan.training import step

BACKEND = keras.backend.backend()
PACKAGE = pathlib.Path(keras_gan.__file__).parent


def test_this_backends_driver_implements_the_protocol():
    module = __import__(
        f"keras_gan.training.{BACKEND}", fromlist=["Driver"]
    )
    instance = object.__new__(module.Driver)
    assert isinstance(instance, driver.Driver)
    assert training.trainer_mixin().__module__ == module.__name__


@pytest.mark.parametrize("extras", ["none", "penalty", "ada"])
def test_trackers_and_history_follow_the_step_log_names(extras):
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    kwargs = {
        "none": {},
        "penalty": {"penalty": penalties.R1(1.0)},
        "ada": {"augment": augment.AdaptiveAugment(policy="translation")},
    }[extras]
    gan.compile(**kwargs)
    names = step.log_names(gan.penalties, gan.augment)
    assert [n for m in gan.metrics for n in m.result()] == list(names)
    history = gan.fit(images(8), batch_size=8, epochs=1, verbose=0)
    assert sorted(history.history) == sorted(names)


def test_step_config_declares_what_the_step_reads():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=3)
    gan.compile(d_steps=2)
    config = gan.step_config()
    assert config.generator is g and config.discriminator is d
    assert config.d_steps == 2 and config.image_shape == (4, 4, 1)
    d_vars, g_vars = config.phase_variables
    assert [v.path for v in d_vars] == [
        v.path for v in d.trainable_variables
    ]
    assert [v.path for v in g_vars] == [
        v.path for v in g.trainable_variables
    ]
    gan.compile(d_steps=1)
    assert gan.step_config().d_steps == 1  # rebuilt by every compile


class WritesItsKernel(layers.Layer):
    """A dense layer that writes its own kernel at every call (as
    SpectralNormalization does), under a name the drivers do not know."""

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 1), initializer="ones", name="kernel"
        )

    def call(self, x, training=False):
        if training:
            kernel = self.kernel / (1.0 + keras.ops.max(
                keras.ops.abs(self.kernel)
            ))
            self.kernel.assign(kernel * 2.0)
        return keras.ops.matmul(x, self.kernel)


def test_a_layer_that_writes_its_weights_in_call_trains():
    # D is called twice per loss (reals, then fakes): on PyTorch the second
    # call's in-place write would invalidate the first call's saved weights
    # unless the driver detects such layers, whatever their class.
    z = keras.Input((4,))
    g = keras.Model(z, layers.Reshape((4, 4, 1))(layers.Dense(16)(z)))
    im = keras.Input((4, 4, 1))
    d = keras.Model(im, WritesItsKernel()(layers.Flatten()(im)))
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(data_range=None)  # a linear G: no range to check
    history = gan.fit(images(8), batch_size=4, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))
    assert int(gan.d_optimizer.iterations) == 4


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_keras_internals():
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Attribute) and node.attr == "src":
                if isinstance(node.value, ast.Name) and (
                    node.value.id == "keras"
                ):
                    names = ["keras.src"]
            if any(n == "keras.src" or n.startswith("keras.src.")
                   for n in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"keras.src used at {offenders}"


def test_every_module_stays_under_500_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert not long, f"modules over 500 lines: {long}"


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-1e3, 1e3, width=32),
            st.floats(-1e3, 1e3, width=32),
            st.integers(0, 5),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_step_logs_are_running_means_and_sums_of_any_scalar_form(steps):
    from keras_gan.training.logs import StepLogs

    logs = StepLogs(["a", "b", "n"], sums=["n"])
    for a, b, n in steps:
        # A float32 scalar, a shape-(1,) tensor and an int: all scalars.
        logs.update_state({
            "a": keras.ops.convert_to_tensor(a, "float32"),
            "b": keras.ops.convert_to_tensor([b], "float32"),
            "n": n,
        })
    result = {k: float(v) for k, v in logs.result().items()}
    values = np.array(steps, "float64")
    np.testing.assert_allclose(
        [result["a"], result["b"]], values[:, :2].mean(0), rtol=1e-5,
        atol=1e-3,
    )
    assert result["n"] == sum(n for _, _, n in steps)


@pytest.mark.parametrize("jit", [False, True])
def test_steps_per_execution_trains_the_same_steps(jit):
    # `steps_per_execution=k` (the cure for Keras's per-step `fit` loop on
    # tiny models, docs/training.md) runs the same k steps per call: same
    # weights, seeds, optimizer counts and logs as k calls of one step.
    x = images(48, seed=4)
    if BACKEND == "torch":
        # Keras's PyTorch trainer runs one step per call, and says so.
        gan = keras_gan.GAN(*tiny_pair())
        gan.compile(steps_per_execution=3, jit_compile=jit)
        with pytest.raises(ValueError, match="steps_per_execution` must be 1"):
            gan.fit(x, batch_size=8, epochs=1, verbose=0)
        return
    results = []
    for per_call in (1, 3):
        keras.utils.set_random_seed(0)
        g, d = tiny_pair()
        gan = keras_gan.GAN(g, d, seed=5)
        gan.compile(
            d_steps=2, steps_per_execution=per_call, jit_compile=jit
        )
        history = gan.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
        results.append((gan, history.history))
    (one, one_logs), (three, three_logs) = results
    assert int(one.optimizer.iterations) == int(three.optimizer.iterations)
    for a, b in zip(one.variables, three.variables):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b),
            rtol=1e-5, atol=1e-6, err_msg=a.path,
        )
    for name, values in one_logs.items():
        np.testing.assert_allclose(values, three_logs[name], rtol=1e-5)
