"""The `keras-gan` command, its run folder, and resume numbering.

The command is run in-process through `cli.main(argv)`: a subprocess would
import the frameworks again (seconds per call on a 2-core machine).
"""

import csv
import io
import json
import os
import re

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan
from keras_gan import _run
from keras_gan import cli
from tests.helpers import tiny_pair


def _folder(root, classes=("cat", "dog"), per_class=8, size=(10, 12)):
    """Tiny RGB PNGs in one subfolder per class, plus one broken file."""
    rng = np.random.default_rng(0)
    for index, name in enumerate(classes):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            pixels[..., index] = 255 - 20 * i
            Image.fromarray(pixels).save(os.path.join(root, name, f"{i}.png"))
    with open(os.path.join(root, classes[0], "broken.png"), "wb") as f:
        f.write(b"\x89PNG not really")
    return str(root)


def _read(*path):
    with open(os.path.join(*path), "rb") as f:
        return f.read()


def _grids(run):
    return sorted(os.listdir(os.path.join(run, "samples")))


@pytest.mark.parametrize("command", ["train", "generate", "scan", "fid"])
def test_help_of_each_subcommand(command, capsys):
    assert cli.main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: keras-gan {command}")
    assert "--backend" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "required"),
        (["train", "digits"], "--out"),
        (["train", "digits", "--out", "r", "--image-size", "4"], ">= 8"),
        (["train", "digits", "--out", "r", "--image-size", "8x"], "HxW"),
        (["train", "digits", "--out", "r", "--steps", "2", "--epochs", "2"],
         "not allowed with"),
        (["train", "digits", "--out", "r", "--batch-size", "0"], "positive"),
        (["train", "digits", "--out", "r", "--backend", "numpy"], "invalid"),
        (["generate", "r", "--out", "o", "--num", "4", "--truncation", "0"],
         "(0, 1]"),
        (["generate", "r", "--out", "o"], "required"),
        (["scan", "/no/such/folder"], "not a folder"),
        (["train", "/no/such/folder", "--out", "r"], "no such folder"),
        (["train", "digits", "--out", "/no/such/run", "--resume"],
         "no run"),
        (["generate", "/no/such/run", "--out", "o", "--num", "2"],
         "no checkpoint"),
    ],
)
def test_bad_arguments_exit_with_code_2(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_scan_reports_and_flags_unreadable_files(tmp_path, capsys):
    folder = _folder(tmp_path / "data")
    assert cli.main(["scan", folder]) == 1
    out = capsys.readouterr().out
    assert "broken.png" in out and "16" in out
    os.remove(os.path.join(folder, "cat", "broken.png"))
    assert cli.main(["scan", folder]) == 0


def test_train_a_folder_then_generate_per_class(tmp_path, capsys):
    folder = _folder(tmp_path / "data")
    run = str(tmp_path / "run")
    argv = ["train", folder, "--out", run, "--image-size", "8", "--steps",
            "2", "--batch-size", "8", "--labels", "inferred", "--recipe",
            "dcgan", "--quiet"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "Skipping 1 unreadable file" in out and "broken.png" in out
    for name in ("config.json", "state.json", "metrics.csv", "report.html",
                 "warnings.txt", "samples/epoch_0001.png",
                 "checkpoints/epoch_0001.keras"):
        assert os.path.exists(os.path.join(run, name)), name
    assert os.listdir(os.path.join(run, "tensorboard"))
    with open(os.path.join(run, "config.json")) as f:
        config = json.load(f)
    assert config["argv"] == argv
    assert config["command"].startswith("keras-gan train ")
    assert config["image_shape"] == [8, 8, 3]
    assert config["num_images"] == 16 and config["num_files"] == 17
    assert config["class_names"] == ["cat", "dog"]
    assert [os.path.basename(p) for p in config["skipped_files"]] == [
        "broken.png"]
    assert config["steps_per_epoch"] == 2 and config["epochs"] == 1
    with open(os.path.join(run, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0"]
    assert np.isfinite(float(rows[0]["d_loss"]))
    with open(os.path.join(run, "report.html")) as f:
        page = f.read()
    # Self-contained: no link, script or image fetched from anywhere.
    assert not re.search(r"https?://|src=['\"](?!data:)", page)
    assert "data:image/png;base64," in page and "<svg" in page
    assert "d_loss" in page and "finished" in page

    out_dir = str(tmp_path / "generated")
    assert cli.main(["generate", run, "--out", out_dir, "--per-class", "3",
                     "--truncation", "0.7", "--seed", "1"]) == 0
    for name in ("cat", "dog"):
        files = sorted(os.listdir(os.path.join(out_dir, name)))
        assert len(files) == 3
        with Image.open(os.path.join(out_dir, name, files[0])) as image:
            assert image.size == (8, 8) and image.mode == "RGB"
    with open(os.path.join(out_dir, "manifest.csv")) as f:
        manifest = list(csv.DictReader(f))
    assert [r["class"] for r in manifest] == ["cat"] * 3 + ["dog"] * 3
    assert all(os.path.exists(os.path.join(out_dir, r["file"]))
               for r in manifest)
    with open(os.path.join(out_dir, "manifest.json")) as f:
        assert json.load(f)["truncation"] == 0.7
    # An existing run is not overwritten without --resume.
    assert cli.main(argv) == 2
    assert "--resume" in capsys.readouterr().err


def test_digits_resume_continues_epochs_samples_and_metrics(tmp_path):
    run = str(tmp_path / "run")
    base = ["train", "digits", "--out", run, "--batch-size", "16",
            "--recipe", "dcgan", "--quiet", "--checkpoint-every", "1",
            "--keep", "2"]
    assert cli.main(base + ["--steps", "2"]) == 0
    first = _read(run, "samples", "epoch_0001.png")
    assert _grids(run) == ["epoch_0001.png"]
    assert cli.main(base + ["--steps", "6", "--resume"]) == 0
    assert _grids(run) == [f"epoch_000{i}.png" for i in (1, 2, 3)]
    again = _read(run, "samples", "epoch_0001.png")
    assert again == first
    state = _run.read_state(run)
    assert state["epoch"] == 3 and state["step"] == 6
    with open(os.path.join(run, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    # Digits are evaluated with the digits classifier's FID.
    assert all(float(r["fid"]) > 0 for r in rows)
    with open(os.path.join(run, "config.json")) as f:
        config = json.load(f)
    assert config["epochs"] == 3 and len(config["resumed"]) == 1
    checkpoints = os.listdir(os.path.join(run, "checkpoints"))
    # The last 2 kept, and the best by FID.
    assert sorted(checkpoints) == [
        "best.keras", "epoch_0002.keras", "epoch_0003.keras"]
    best = min(range(3), key=lambda i: float(rows[i]["fid"]))
    assert state["best_fid"] == pytest.approx(float(rows[best]["fid"]))
    # Nothing left to do: a clear message, exit 0.
    assert cli.main(base + ["--resume"]) == 0


def test_data_order_depends_on_the_global_step_only():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    whole = _run.OrderedBatches(x, None, batch_size=3, seed=5)
    resumed = _run.OrderedBatches(x, None, batch_size=3, seed=5,
                                  start_step=4)
    for i in range(6):
        np.testing.assert_array_equal(resumed[i], whole[4 + i])
    # Each epoch (3 batches of 3) draws distinct images; epochs differ.
    epoch0 = np.concatenate([whole.indices(s) for s in range(3)])
    epoch1 = np.concatenate([whole.indices(s) for s in range(3, 6)])
    assert len(set(epoch0)) == 9 and len(set(epoch1)) == 9
    assert not np.array_equal(epoch0, epoch1)


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()
    path = str(tmp_path / "epoch_0001.keras")
    _run.atomic_save(gan, path)
    before = _read(path)
    assert keras.saving.load_model(path).latent_dim == 4

    def broken_save(target, *args, **kwargs):
        with open(target, "wb") as f:
            f.write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(gan, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        _run.atomic_save(gan, path)
    assert _read(path) == before
    assert os.listdir(tmp_path) == ["epoch_0001.keras"]


def test_sample_grid_never_overwrites_after_load_model(tmp_path):
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()
    x = np.zeros((8, 4, 4, 1), "float32")
    folder = str(tmp_path / "samples")
    gan.fit(x, batch_size=4, epochs=2, verbose=0,
            callbacks=[keras_gan.callbacks.SampleGrid(folder, 4)])
    first = _read(folder, "epoch_0001.png")
    gan.save(str(tmp_path / "gan.keras"))
    gan = keras.saving.load_model(str(tmp_path / "gan.keras"))
    grids = keras_gan.callbacks.SampleGrid(folder, 4)
    gan.fit(x, batch_size=4, epochs=2, verbose=0, callbacks=[grids])
    assert sorted(os.listdir(folder)) == [
        f"epoch_000{i}.png" for i in (1, 2, 3, 4)]
    assert [os.path.basename(p) for p in grids.paths] == [
        "epoch_0003.png", "epoch_0004.png"]
    assert _read(folder, "epoch_0001.png") == first
    # With initial_epoch the epoch count itself continues.
    gan.fit(x, batch_size=4, epochs=6, initial_epoch=4, verbose=0,
            callbacks=[grids])
    assert len(os.listdir(folder)) == 6


def test_run_progress_counts_the_whole_run():
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d)
    gan.compile()
    stream = io.StringIO()
    bar = keras_gan.callbacks.RunProgress(interval=0, stream=stream)
    gan.fit(np.zeros((12, 4, 4, 1), "float32"), batch_size=4, epochs=3,
            initial_epoch=1, verbose=0, callbacks=[bar])
    lines = stream.getvalue().splitlines()
    # Resumed at epoch 2 of 3: steps 4..9 of 9, then the closing line.
    assert bar.total == 9 and bar.done == 9
    assert "step 4/9 epoch 2/3" in lines[0]
    assert "100% step 9/9 epoch 3/3" in lines[-1]
    assert re.search(r"\| \d+:\d\d<\d+:\d\d \| d_loss ", lines[-1])
    assert bar.get_config()["interval"] == 0


def test_backend_option_reruns_when_keras_has_another(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(
        cli.subprocess, "call",
        lambda cmd, env: calls.append((cmd, env["KERAS_BACKEND"])) or 0,
    )
    other = next(b for b in cli.BACKENDS if b != keras.backend.backend())
    argv = ["scan", str(tmp_path), "--backend", other]
    assert cli.main(argv) == 0
    assert calls == [([cli.sys.executable, "-m", "keras_gan", *argv], other)]
    # The current backend: no second process.
    same = ["scan", str(tmp_path), "--backend", keras.backend.backend()]
    assert cli.main(same) == 0 and len(calls) == 1


def test_fid_subcommand(tmp_path, capsys):
    a = _folder(tmp_path / "a", classes=("x",))
    b = _folder(tmp_path / "b", classes=("x",))
    code = cli.main(["fid", a, b, "--features", "digits"])
    captured = capsys.readouterr()
    try:
        from keras_gan.metrics import cli as metrics_cli  # noqa: F401
    except ImportError:
        assert code == 2 and "not available yet" in captured.err
        return
    assert code == 0, captured.err
    assert re.search(r"^fid: \d", captured.out, re.M)
