"""Tests of keras_gan.data.scan_images and of the pipeline without
TensorFlow."""

import collections
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from helpers import batches
from helpers import bomb_png
from helpers import checksums
from helpers import class_folder
from helpers import smooth
from helpers import truncated_png
from PIL import Image

from keras_gan import data
from keras_gan.data import _pipeline


def _scan_folder(directory):
    """Good images of mixed sizes and modes, three unreadable files, two
    exact duplicates and one near duplicate; returns the expectations."""
    good = {
        "a.png": smooth(0, (20, 12)),
        "b.png": smooth(1, (9, 30), "L"),
        "c.png": smooth(2, (16, 16), "RGBA"),
        "sub/d.gif": smooth(3, (30, 20)).quantize(16),
        "sub/e.jpg": smooth(4, (24, 24)),
        "sub/f.webp": smooth(5, (16, 16)),
        "dup1.png": smooth(6, (32, 32)),
    }
    os.makedirs(directory / "sub")
    for name, image in good.items():
        image.save(directory / name)
    (directory / "dup2.png").write_bytes((directory / "dup1.png").read_bytes())
    # The same picture, resized and recompressed: a near duplicate.
    good["dup1.png"].resize((40, 36)).save(directory / "near.jpg", quality=80)
    (directory / "empty.png").write_bytes(b"")
    truncated_png(directory / "sub" / "cut.png")
    (directory / "notes.jpg").write_text("a text file, not a JPEG")
    (directory / "readme.txt").write_text("ignored")
    return good


def test_scan_reports_exactly_the_planted_problems(tmp_path):
    good = _scan_folder(tmp_path)
    before = checksums(tmp_path)
    report = data.scan_images(tmp_path)
    assert checksums(tmp_path) == before  # nothing modified or moved

    path = lambda name: os.path.join(str(tmp_path), name)  # noqa: E731
    assert report.num_files == 12 and report.num_images == 9
    assert report.other_files == [path("readme.txt")]
    assert report.bad_files == sorted(
        [path("empty.png"), path("sub/cut.png"), path("notes.jpg")]
    )
    reasons = report.unreadable
    assert reasons[path("empty.png")] == "empty file (0 bytes)"
    assert reasons[path("sub/cut.png")].startswith("truncated or corrupt")
    assert reasons[path("notes.jpg")].startswith("not an image")
    assert report.exact_duplicates == [[path("dup1.png"), path("dup2.png")]]
    assert report.near_duplicates == [[path("dup1.png"), path("near.jpg")]]
    assert report.suspicious == {}

    sizes = [im.size for im in good.values()] + [(32, 32), (40, 36)]
    assert report.sizes == collections.Counter(sizes)
    assert report.aspect_ratios == collections.Counter(
        round(w / h, 2) for w, h in sizes
    )
    # RGB: a, e.jpg, f.webp, dup1, dup2, near.jpg.
    assert report.modes == collections.Counter(
        {"RGB": 6, "L": 1, "RGBA": 1, "P": 1}
    )
    assert report.formats == collections.Counter(
        {"PNG": 5, "GIF": 1, "JPEG": 2, "WEBP": 1}
    )
    lows, highs = [], []
    for name in [*good, "dup2.png", "near.jpg"]:
        with Image.open(path(name)) as image:
            values = np.asarray(image.convert("RGB"))
        lows.append(values.min())
        highs.append(values.max())
    assert report.value_range == (min(lows), max(highs))
    assert report.class_counts is None  # images at the top level

    # What on_error="skip" leaves out is report.bad_files.
    with pytest.warns(UserWarning, match="Skipped 3 unreadable"):
        ds = data.image_dataset(tmp_path, image_size=8, on_error="skip")
    assert set(ds.file_paths) | set(report.bad_files) == {
        path(n) for n in [*good, "dup2.png", "near.jpg", "empty.png",
                          "sub/cut.png", "notes.jpg"]
    }


def test_dangling_symlink_is_an_unreadable_file(tmp_path):
    smooth(0, (10, 8)).save(tmp_path / "a.png")
    smooth(1, (10, 8)).save(tmp_path / "gone.png")
    os.symlink(tmp_path / "gone.png", tmp_path / "link.jpg")
    os.remove(tmp_path / "gone.png")
    before = set(os.listdir(tmp_path))
    report = data.scan_images(tmp_path)
    link = str(tmp_path / "link.jpg")
    assert (report.num_files, report.num_images) == (2, 1)
    assert report.bad_files == [link]
    assert report.unreadable[link] == (
        "dangling symbolic link: its target "
        f"{str(tmp_path / 'gone.png')!r} does not exist"
    )
    assert report.sizes == collections.Counter({(10, 8): 1})
    lines = []
    report.summary(print_fn=lines.append)
    assert "link.jpg: dangling symbolic link" in lines[0]
    assert os.path.islink(link) and set(os.listdir(tmp_path)) == before


def test_summary_prints_a_table(tmp_path, capsys):
    _scan_folder(tmp_path)
    report = data.scan_images(tmp_path)
    report.summary()
    text = capsys.readouterr().out
    for expected in [
        "9 readable, 3 unreadable (of 12 image files)",
        "1 other file(s) (.txt)",
        "empty.png: empty file (0 bytes)",
        "dup1.png = dup2.png",
        "dup1.png ~ near.jpg",
        "Suspicious: none",
        "Colour modes     RGB: 6, L: 1",
    ]:
        assert expected in text, expected
    lines = []
    report.summary(print_fn=lines.append)
    assert lines == [text.rstrip("\n")]
    assert "9 images, 3 unreadable" in repr(report)


def test_scan_flags_suspicious_images_and_range(tmp_path):
    Image.new("RGB", (8, 8), (30, 60, 90)).save(tmp_path / "flat.png")
    dark = np.zeros((10, 10), dtype=np.uint8)
    dark[0, 0] = 255  # 1% bright pixels: still almost black
    Image.fromarray(dark).save(tmp_path / "dark.png")
    Image.fromarray(255 - dark).save(tmp_path / "light.png")
    smooth(0, (10, 10)).save(tmp_path / "fine.png")
    sixteen = np.linspace(0, 60000, 64, dtype=np.uint16).reshape(8, 8)
    Image.fromarray(sixteen).save(tmp_path / "deep.png")
    report = data.scan_images(tmp_path)
    path = lambda name: os.path.join(str(tmp_path), name)  # noqa: E731
    assert report.suspicious == {
        path("flat.png"): "constant (every pixel (30, 60, 90))",
        path("dark.png"): "almost black",
        path("light.png"): "almost white",
    }
    assert report.value_range == (0, 60000)
    assert path("flat.png") in report.low_range
    assert path("fine.png") not in report.suspicious


def test_scan_class_balance_and_bomb(tmp_path):
    folder = class_folder(tmp_path, {"cats": 3, "dogs": 1})
    bomb_png(tmp_path / "dogs" / "huge.png")
    report = data.scan_images(folder)
    assert report.class_counts == {"cats": 3, "dogs": 1}
    reason = report.unreadable[os.path.join(folder, "dogs", "huge.png")]
    assert reason.startswith("decompression bomb")
    assert data.scan_images(folder, labels=None).class_counts is None
    with pytest.raises(ValueError, match="does not exist"):
        data.scan_images(tmp_path / "missing")


# Without TensorFlow


def _tf_or_skip():
    tf = _pipeline.import_tensorflow()
    if tf is None:
        pytest.skip("TensorFlow is not installed: no tf.data path to compare")
    return tf


def test_pydataset_matches_tf_data(tmp_path, monkeypatch):
    _tf_or_skip()
    folder = class_folder(tmp_path, {"a": 4, "b": 3}, size=(14, 9))
    kwargs = dict(image_size=(6, 5), batch_size=3, labels="inferred",
                  seed=11, resize="pad",
                  augment=data.augmentation(flip=False))
    tf_ds = data.image_dataset(folder, **kwargs)
    monkeypatch.setattr(_pipeline, "import_tensorflow", lambda: None)
    py_ds = data.image_dataset(folder, **kwargs)
    assert isinstance(py_ds, keras.utils.PyDataset)
    assert py_ds.class_names == tf_ds.class_names
    for _ in range(2):  # two epochs: the same reshuffles
        for (x1, y1), (x2, y2) in zip(batches(tf_ds), batches(py_ds),
                                      strict=True):
            np.testing.assert_allclose(x1, x2, rtol=0, atol=1e-6)
            np.testing.assert_array_equal(y1, y2)


_NO_TF_SCRIPT = """
import importlib.abc, json, sys

# As if TensorFlow were not installed: `import tensorflow` raises
# ModuleNotFoundError and importlib.util.find_spec("tensorflow") is None
# (torch probes for it that way).
sys.modules["tensorflow"] = None

class BlockTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, BlockTensorFlow())
import numpy as np
import keras
from keras_gan import data

folder, out = sys.argv[1], sys.argv[2]
ds = data.image_dataset(folder, image_size=(7, 5), batch_size=4, seed=3,
                        labels="inferred")
assert isinstance(ds, keras.utils.PyDataset), type(ds)
arrays = {}
for epoch in range(2):
    for i in range(len(ds)):
        x, y = ds[i]
        arrays[f"x{epoch}_{i}"], arrays[f"y{epoch}_{i}"] = x, y
    ds.on_epoch_end()
np.savez(out, **arrays)
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] == "tensorflow" and sys.modules[m])
print(json.dumps({"tensorflow_modules": loaded,
                  "backend": keras.backend.backend()}))
"""


def test_image_dataset_without_tensorflow(tmp_path):
    """A JAX- or torch-only user: TensorFlow cannot be imported at all."""
    folder = class_folder(tmp_path / "images", {"x": 3, "y": 4}, size=(9, 13))
    backend = keras.backend.backend()
    if backend == "tensorflow":
        backend = "jax"  # the TensorFlow backend needs TensorFlow
    env = {**os.environ, "KERAS_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", _NO_TF_SCRIPT, folder,
         str(tmp_path / "out.npz")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info == {"tensorflow_modules": [], "backend": backend}

    _tf_or_skip()
    tf_ds = data.image_dataset(folder, image_size=(7, 5), batch_size=4,
                               seed=3, labels="inferred")
    with np.load(tmp_path / "out.npz") as saved:
        for epoch in range(2):
            for i, (x, y) in enumerate(batches(tf_ds)):
                np.testing.assert_allclose(saved[f"x{epoch}_{i}"], x,
                                           rtol=0, atol=1e-6)
                np.testing.assert_array_equal(saved[f"y{epoch}_{i}"], y)
