"""Data-parallel training on each backend's own engine, in a subprocess.

TensorFlow: `tf.distribute.MirroredStrategy` over two logical CPUs. JAX:
`keras.distribution.DataParallel` over two host devices. PyTorch: two
`torch.distributed` (gloo) processes. The scenario is in
`distributed_worker.py`.
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest

HERE = pathlib.Path(__file__).parent
BACKEND = keras.backend.backend()


def run_worker(backend):
    env = dict(os.environ, KERAS_BACKEND=backend)
    root = str(HERE.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, env.get("PYTHONPATH")) if p
    )
    if backend == "jax":
        flags = env.get("XLA_FLAGS", "")
        env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count=2"
    result = subprocess.run(
        [sys.executable, str(HERE / "distributed_worker.py"), backend],
        env=env, capture_output=True, text=True, timeout=600,
    )
    lines = [line for line in result.stdout.splitlines()
             if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def expected_after_one_step():
    """The single-device update on the whole batch, by hand (float64)."""
    from distributed_worker import LR
    from distributed_worker import REAL
    from distributed_worker import B
    from distributed_worker import C
    from distributed_worker import W

    x = np.array(REAL, "float64").ravel()
    r = W * x + C  # the fakes are exactly 0, so D(fake) = c
    dw = np.mean(-sigmoid(-r) * x)
    dc = np.mean(-sigmoid(-r)) + sigmoid(C)
    w, c = W - LR * dw, C - LR * dc
    db = -sigmoid(-c) * w  # G phase: D(G(z)) = c for every z
    return {"d": [w, c], "b": B - LR * db}


@pytest.mark.skipif(BACKEND != "tensorflow",
                    reason="tf.distribute needs the TensorFlow backend")
def test_tensorflow_mirrored_strategy_averages_replicas():
    out = run_worker("tensorflow")
    want = expected_after_one_step()
    # Without dividing each replica's loss by 2, D's step would be twice as
    # large: the strategy sums the replicas' gradients.
    np.testing.assert_allclose(out["d"], want["d"], rtol=1e-5)
    np.testing.assert_allclose(out["g"][1], want["b"], rtol=1e-5)
    for values in out["per_replica"]:
        assert values[0] == values[1], out["per_replica"]
    first, second = out["draws"]
    assert not np.allclose(first, second), "replicas drew the same latents"
    # XLA over several CPU devices cannot run the step: `fit` says so and
    # names the fix before any weight changes.
    assert out["xla_error"] and "jit_compile=False" in out["xla_error"]
    assert out["xla_unchanged"]


@pytest.mark.skipif(BACKEND != "torch",
                    reason="torch.distributed needs the PyTorch backend")
def test_torch_distributed_averages_processes():
    first, second = run_worker("torch")["ranks"]
    want = expected_after_one_step()
    for rank in (first, second):
        # Rank 1 was built with other D weights: it starts from rank 0's.
        np.testing.assert_allclose(rank["d"], want["d"], rtol=1e-5)
        np.testing.assert_allclose(rank["g"][1], want["b"], rtol=1e-5)
    # G's slope depends on each process's own latents; after averaging the
    # gradients both processes hold the same value.
    assert first["g"] == second["g"]
    assert not np.allclose(first["draw"], second["draw"]), (
        "processes drew the same latents")


@pytest.mark.skipif(BACKEND != "jax",
                    reason="keras.distribution runs on the JAX backend")
def test_jax_data_parallel_matches_one_device():
    out = run_worker("jax")
    assert out["devices"] == 2
    assert "batch" in out["sharding"], out["sharding"]
    # One global program: batch-norm statistics and the penalty see the
    # whole batch, so two devices give what one device gives.
    for parallel, single in zip(out["parallel"], out["single"]):
        np.testing.assert_allclose(parallel, single, rtol=1e-4, atol=1e-5)
