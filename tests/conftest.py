# Import torch before TensorFlow, as Keras's own conftest does: the reverse
# order can crash when both are installed.
try:
    import torch  # noqa: F401
except ImportError:
    pass

import os

import keras
import pytest
from hypothesis import HealthCheck
from hypothesis import settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "10")),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts with a clean Keras session and the float32 policy.

    `free_memory=False` skips the `gc.collect()`, which costs ~0.3 s a test.
    """
    keras.backend.clear_session(free_memory=False)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.backend.backend()}"
