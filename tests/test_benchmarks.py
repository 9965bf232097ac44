"""The benchmark scripts run, and their FLOP counter counts right."""

import json
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_gan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import flops  # noqa: E402
import gpu  # noqa: E402


def test_forward_flops_closed_forms():
    x_in = keras.Input((8, 8, 3))
    conv = keras.layers.Conv2D(5, 3, strides=2, padding="same")(x_in)
    up = keras.layers.Conv2DTranspose(2, 4, strides=2, padding="same")(conv)
    dense = keras.layers.Dense(7)(keras.layers.Flatten()(up))
    model = keras.Model(x_in, dense)
    total, rows = flops.forward_flops(
        model, np.zeros((2, 8, 8, 3), "float32"), details=True
    )
    # conv: 4x4 outputs x 3*3*3*5 MACs; transpose: 4x4 inputs x 4*4*5*2
    # MACs; dense: 8*8*2 inputs x 7.
    expected = [2 * 16 * 135, 2 * 16 * 160, 2 * 128 * 7]
    assert [f for _, f in rows] == expected
    assert total == sum(expected)


def test_dcgan_step_flops():
    g, d = keras_gan.models.dcgan((8, 8, 1), latent_dim=100)
    f = flops.train_step_flops(g, d, batch_size=64)
    # G: Dense 100 -> 4*4*64, then a 4x4 transpose conv 64 -> 1 on 4x4.
    assert f["generator"] == 2 * 100 * 1024 + 2 * 16 * 16 * 64
    # D: a 4x4 stride-2 conv 1 -> 64 (4x4 outputs), Dense 1024 -> 1.
    assert f["discriminator"] == 2 * 16 * 16 * 64 + 2 * 1024
    assert f["step"] == 64 * (4 * f["generator"] + 9 * f["discriminator"])


def test_gpu_script_quick(tmp_path):
    backend = keras.backend.backend()
    summary = gpu.main([
        "--quick", "--in-process", "--backends", backend,
        "--models", "dcgan,r3gan", "--precisions", "float32,mixed_float16",
        "--output-dir", str(tmp_path),
    ])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["quick"] is True
    rows = saved["results"][0]["rows"]
    assert {(r["model"], r["precision"]) for r in rows} == {
        (m, p) for m in ("dcgan", "r3gan")
        for p in ("float32", "mixed_float16")
    }
    for r in rows:
        assert "error" not in r, r
        if r["model"] == "r3gan" and "skipped" in r:
            assert not hasattr(keras_gan.models, "r3gan")
            continue
        assert r["images_per_s"] > 0 and r["backend"] == backend
    table = (tmp_path / "results.md").read_text().splitlines()
    assert len(table) == 2 + len(rows)
    assert summary["results"][0]["environment"]["device"]
    assert keras.config.dtype_policy().name == "float32"


def test_gpu_worker_file_keeps_finished_rows(tmp_path):
    """The worker's file is rewritten per configuration; a stopped
    worker's finished rows survive and its running one is marked."""
    backend = keras.backend.backend()
    path = tmp_path / "rows.json"
    args = gpu.parse_args(["--quick", "--models", "dcgan",
                           "--precisions", "float32", "--worker", str(path)])
    result = gpu.worker(args)
    assert json.loads(path.read_text()) == json.loads(json.dumps(result))
    (row,) = result["rows"]
    assert row["images_per_s"] > 0 and "error" not in row
    # As the file stands while a second configuration runs when the
    # worker is stopped:
    running = {"model": "r3gan", "size": 16, "precision": "float32",
               "backend": backend,
               "error": "unfinished: the worker was stopped while running it"}
    path.write_text(json.dumps({**result, "rows": [row, running]}))
    got = gpu.collect(path, backend, "worker ran past its time budget")
    assert got["rows"][0] == json.loads(json.dumps(row))
    assert got["rows"][1]["error"].endswith("(worker ran past its time "
                                            "budget)")
    missing = gpu.collect(tmp_path / "none.json", backend, "exit code 1")
    assert missing["rows"][0]["error"] == "exit code 1"
    assert "exit code 1" in gpu.format_table([missing])


def test_scaling_script_quick(tmp_path):
    import scaling

    out = tmp_path / "scaling.json"
    rows = scaling.main(["--quick", "--output", str(out)])
    assert [(r["image_size"], r["batch_size"]) for r in rows] == [(8, 4)]
    assert rows[0]["ms_per_step"] > 0
    assert json.loads(out.read_text())[0]["backend"] == keras.backend.backend()


def test_small_data_script_quick(tmp_path):
    import small_data

    results = small_data.main([
        "--quick", "--grid-dir", str(tmp_path), "--recipes",
        "dcgan,r3gan_ada", "--output", str(tmp_path / "small.json"),
    ])
    rows = results["rows"]
    names = {"dcgan", "r3gan_ada"}  # every recipe: tests/test_recipes.py
    assert {(r["dataset"], r["recipe"]) for r in rows} == {
        (d, n) for d in ("photos", "digits") for n in names
    }
    for r in rows:
        assert r["finite"] and r["steps"] == 5, r
        for key in ("diversity", "nn_ratio", "fd"):
            assert np.isfinite(r[key]) and r[key] >= 0, r
        assert (tmp_path / f"small_data_{r['dataset']}_{r['recipe']}.png"
                ).exists()
    assert json.loads((tmp_path / "small.json").read_text())["quick"]


def test_small_data_g_lr_replaces_only_the_generator_rate():
    import keras
    import small_data

    from keras_gan import recipes

    def rate(optimizer):
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))

    gan = recipes.dcgan((8, 8, 1), num_images=64, seed=0)
    before = gan.get_compile_config()
    gan = small_data.with_g_learning_rate(gan, 1e-3)
    assert rate(gan.g_optimizer) == pytest.approx(1e-3)
    assert rate(gan.d_optimizer) == pytest.approx(2e-4)
    assert gan.g_optimizer.beta_1 == 0.5
    after = gan.get_compile_config()
    for key in ("loss", "ema_kimg", "ema_rampup", "augment"):
        assert after[key] == before[key], key


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="counts the ops of a TensorFlow graph")
def test_tf_graph_ops_counts_the_guard_in_the_library_step_only():
    import tf_graph_ops

    counts = tf_graph_ops.count(size=8, batch_size=8)
    lib, hand = counts["library"], counts["handwritten"]
    # Both steps run the same networks: the same convolutions.
    assert lib["Conv2D"] == hand["Conv2D"] > 0
    # The non-finite guard (a select per guarded variable) and its
    # finite checks exist in the library's step only.
    assert lib["SelectV2"] > 0 and hand["SelectV2"] == 0
    assert lib["IsFinite"] > 0 and hand["IsFinite"] == 0
    assert sum(lib.values()) > sum(hand.values())


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the branching guard is TensorFlow's graph mode")
def test_throughput_guard_ab_times_the_select_guard_side(tmp_path):
    import tf_graph_ops
    import throughput

    x = throughput.synthetic_images((8, 8, 1), 2, 8)
    (g, d), (g2, d2) = throughput.build_networks((8, 8, 1))
    branch = throughput.Library(g, d, False)
    select = throughput.SelectGuard(throughput.Library(g2, d2, False))
    branch.train(x, 8, 2)
    select.train(x, 8, 2)
    ops_branch = tf_graph_ops.graph_ops(branch.gan)
    ops_select = tf_graph_ops.graph_ops(select.library.gan)
    # The select guard selects every weight and optimizer slot; the
    # branching one only the batch-norm statistics, inside one `If`.
    assert ops_select["SelectV2"] > ops_branch["SelectV2"] > 0
    assert ops_branch["If"] > ops_select["If"]
    from keras_gan.training import tensorflow as tf_training

    assert tf_training.BRANCH_GUARD  # restored after the select side

    out = tmp_path / "ab.json"
    throughput.main(
        ["--quick", "--jit", "off", "--guard-ab", "--output", str(out)]
    )
    (row,) = json.loads(out.read_text())
    assert set(row["times_s"]) == {"library", "handwritten", "library_select"}


def test_throughput_steps_per_execution_is_the_library_side_on_jax(tmp_path):
    import throughput

    argv = ["--quick", "--jit", "on", "--steps-per-execution", "2"]
    if keras.backend.backend() != "jax":
        with pytest.raises(SystemExit):
            throughput.parse_args(argv)
        return
    out = tmp_path / "spe.json"
    throughput.main(argv + ["--output", str(out)])
    (row,) = json.loads(out.read_text())
    assert row["steps_per_execution"] == 2
    assert "2 steps per execution" in throughput.format_table([row])


def test_paired_ratio_cancels_a_drift_that_the_medians_do_not():
    import throughput

    # The machine slows 1x, 2x, 4x over three rounds; in each round the
    # hand-written side takes 0.8 of the library's time: both estimators
    # give 0.8.
    row = {
        "times_s": {
            "library": [1.0, 2.0, 4.0],
            "handwritten": [0.8, 1.6, 3.2],
        },
        "cpu_times_s": {
            "library": [2.0, 2.0, 2.0],
            "handwritten": [1.0, 1.0, 1.0],
        },
    }
    assert throughput.paired_ratio(row) == pytest.approx(0.8)
    assert throughput.paired_ratio(row, "cpu_times_s") == pytest.approx(0.5)
    assert throughput.throughput(
        {**row, "steps": 1, "batch_size": 1}
    ) == pytest.approx((1 / 2.0, 1 / 1.6))
    # The same times, the hand-written side's in another round order: the
    # medians (2.0 and 1.6) do not see it, the rounds' ratios 3.2, 0.4 and
    # 0.4 do.
    row["times_s"]["handwritten"] = [3.2, 0.8, 1.6]
    assert throughput.paired_ratio(row) == pytest.approx(0.4)


def test_alternate_records_process_cpu_time():
    import throughput

    class Busy:
        def train(self, x, batch_size, steps):
            end = time.process_time() + 0.02 * steps
            while time.process_time() < end:
                pass

    class Sleepy:
        def train(self, x, batch_size, steps):
            time.sleep(0.02 * steps)

    cpu = {}
    times, _ = throughput.alternate(
        {"busy": Busy(), "sleepy": Sleepy()}, None, 1, 2, 3, 1, cpu
    )
    assert [len(cpu[k]) for k in ("busy", "sleepy")] == [3, 3]
    # A busy loop spends its wall time on the CPU; a sleep spends none.
    assert min(cpu["busy"]) >= 0.04
    assert max(cpu["sleepy"]) < 0.01 < min(times["sleepy"])


def test_small_data_metrics_closed_forms():
    import small_data

    real = np.zeros((3, 2, 2, 1), "float32")
    real[1] += 1.0
    real[2] += 2.0  # pairwise distances 2, 4, 2: mean 8/3
    fake = np.zeros((2, 2, 2, 1), "float32")
    fake[1] += 1.0  # one pair at distance 2
    assert small_data.diversity_ratio(real, fake) == pytest.approx(0.75)
    # Fakes at 0 and 1 are copies of training images: ratio 0.
    assert small_data.nn_ratio(real, fake) == 0.0
    assert small_data.nn_ratio(real, fake + 0.5) == pytest.approx(0.5)


def test_diffaugment_digits_script_quick(tmp_path):
    import diffaugment_digits

    out = tmp_path / "da.json"
    result = diffaugment_digits.main([
        "--steps", "2", "--seeds", "0", "--configs", "none", "cutout",
        "--json", str(out),
    ])
    assert [r["config"] for r in result["rows"]] == ["none", "cutout"]
    for r in result["rows"]:
        assert r["steps"] == 2 and np.isfinite(r["fid"]) and r["fid"] > 0
    assert set(json.loads(out.read_text())["summary"]) == {"none", "cutout"}


def test_throughput_fit_baseline_runs_the_hand_written_step_in_fit(tmp_path):
    import throughput

    argv = ["--quick", "--fit-baseline"]
    if keras.backend.backend() != "torch":
        with pytest.raises(SystemExit):
            throughput.parse_args(argv)
        return
    import handwritten

    (g, d), = throughput.build_networks((8, 8, 1), copies=1)
    side = handwritten.TorchFitLoop(g, d, throughput.LATENT_DIM, False, 0)
    before = [w.copy() for w in d.get_weights()]
    side.train(throughput.synthetic_images((8, 8, 1), 3, 8), 8, 3)
    # `fit` ran the hand-written step: D's Adam took 3 steps.
    assert int(side.loop.d_optimizer.iterations) == 3
    assert any((a != b).any() for a, b in zip(before, d.get_weights()))
    out = tmp_path / "fit.json"
    throughput.main(argv + ["--output", str(out)])
    (row,) = json.loads(out.read_text())
    assert set(row["times_s"]) == {"library", "handwritten", "handwritten_fit"}
    assert set(row["cpu_times_s"]) == set(row["times_s"])


def test_torch_ablation_sides_skip_what_they_name_and_restore_it(tmp_path):
    import torch_ablation

    if keras.backend.backend() != "torch":
        with pytest.raises(SystemExit):
            torch_ablation.main(["--quick"])
        return
    (g, d), = torch_ablation.throughput.build_networks((8, 8, 1), copies=1)
    gan = torch_ablation.throughput.Library(g, d, False).gan
    gan.batches_prechecked = True  # a NaN batch reaches the step
    nan = np.full((8, 8, 8, 1), np.nan, "float32")
    before = [w.copy() for w in d.get_weights()]
    with torch_ablation.ablated(logs=False):
        logs = gan.train_step(keras.ops.convert_to_tensor(nan))
    # The guard still ran: nothing applied, the raw step logs came back.
    assert all((a == b).all() for a, b in zip(before, d.get_weights()))
    assert float(logs["bad_steps"]) == 1.0
    assert float(gan.metrics[-1].count) == 0.0  # no running means
    with torch_ablation.ablated(check=False):
        gan.train_step(keras.ops.convert_to_tensor(nan))
    assert any(np.isnan(w).any() for w in d.get_weights())
    # Outside the blocks the library's own functions are back.
    from keras_gan.training import faults
    from keras_gan.training import step
    from keras_gan.training import torch as torch_driver

    assert faults.state_variables.__module__ == faults.__name__
    assert torch_driver.all_finite.__module__ == torch_driver.__name__
    assert step.metrics_phase.__module__ == step.__name__
    out = tmp_path / "ablation.json"
    torch_ablation.main(["--quick", "--output", str(out)])
    (row,) = json.loads(out.read_text())
    assert set(row["summary"]) == set(torch_ablation.SIDES)
    assert row["summary"]["handwritten"]["paired_ratio"] == 1.0
