"""`python -m keras_gan.metrics A B` on tiny folders, with the digits net."""

import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import metrics
from keras_gan.data import load_digits
from keras_gan.metrics.cli import main

ALL = "fid,kid,precision,recall,density,coverage"


def write_folder(directory, images):
    os.makedirs(directory, exist_ok=True)
    pixels = np.round((images[..., 0] + 1.0) * 127.5).astype("uint8")
    for i, image in enumerate(pixels):
        Image.fromarray(image, mode="L").save(f"{directory}/{i:03d}.png")
    return pixels.astype("float32")[..., None] / 127.5 - 1.0  # as read


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    images, _ = load_digits()
    real = write_folder(f"{root}/real", images[:120])
    fake = write_folder(f"{root}/fake", images[120:220])
    os.makedirs(f"{root}/empty")
    return str(root), real, fake


@pytest.fixture
def keras_home(folders, monkeypatch):
    """The digits weights are trained once, into the module's folder."""
    monkeypatch.setenv("KERAS_HOME", os.path.join(folders[0], "home"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parse(out):
    return {
        line.split(": ")[0]: float(line.split(": ")[1])
        for line in out.strip().splitlines()
    }


def test_metrics_between_folders_match_the_functions(
    folders, keras_home, capsys
):
    root, real, fake = folders
    code, out, err = run(capsys, f"{root}/real", f"{root}/fake",
                         "--features", "digits", "--metrics", ALL,
                         "--batch-size", "40")
    assert code == 0, err
    values = parse(out)
    assert list(values) == ALL.split(",")
    assert "120/120" in err and "100/100" in err  # the progress bars

    net = metrics.digits_classifier()
    a = keras.ops.convert_to_numpy(net(real)).astype("float64")
    b = keras.ops.convert_to_numpy(net(fake)).astype("float64")
    fid = metrics.frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                   b.mean(0), np.cov(b, rowvar=False))
    assert values["fid"] == pytest.approx(float(fid), rel=1e-4)
    assert values["kid"] == pytest.approx(
        metrics.kernel_distance(a, b)[0], rel=1e-3, abs=1e-6
    )
    precision, recall = metrics.precision_recall(a, b)
    density, coverage = metrics.density_coverage(a, b)
    assert values["precision"] == pytest.approx(precision, abs=1e-5)
    assert values["recall"] == pytest.approx(recall, abs=1e-5)
    assert values["density"] == pytest.approx(density, abs=1e-5)
    assert values["coverage"] == pytest.approx(coverage, abs=1e-5)

    # Saved statistics stand in for the folder.
    stats = os.path.join(root, "real_stats.npz")
    code, _, err = run(capsys, f"{root}/real", "--features", "digits",
                       "--save-stats", stats)
    assert code == 0 and os.path.exists(stats), err
    code, out, err = run(capsys, stats, f"{root}/fake", "--features",
                         "digits", "--metrics", "fid,precision")
    assert code == 0, err
    again = parse(out)
    assert again["fid"] == pytest.approx(values["fid"], rel=1e-5)
    assert again["precision"] == values["precision"]


def test_unreadable_files_are_reported_not_fatal(folders, keras_home,
                                                 capsys, tmp_path):
    root, real, _ = folders
    mixed = str(tmp_path / "mixed")
    write_folder(mixed, load_digits()[0][:20])
    with open(os.path.join(mixed, "broken.png"), "wb") as f:
        f.write(b"not a png")
    code, out, err = run(capsys, f"{root}/real", mixed, "--features",
                         "digits")
    assert code == 0, err
    assert "broken.png" in err and "20/20" in err
    assert list(parse(out)) == ["fid"]

    bad = str(tmp_path / "bad")
    os.makedirs(bad)
    for name in ("a.png", "b.jpg"):
        with open(os.path.join(bad, name), "w") as f:
            f.write("text")
    code, _, err = run(capsys, f"{root}/real", bad, "--features", "digits")
    assert code == 2
    assert "None of the 2 image files" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["{root}/real", "{root}/empty", "--features", "digits"],
         "No images in"),
        (["{root}/real", "{root}/nowhere"], "No such folder"),
        (["{root}/real", "{root}/fake"], "needs --weights"),
        (["{root}/real", "{root}/fake", "--weights", "{root}/x.pth"],
         "mseitzer/pytorch-fid"),
        (["{root}/real", "{root}/fake", "--metrics", "fid,is"], "unknown"),
        (["{root}/real"], "--save-stats"),
        (["convert-fid-weights", "{root}/x.pth", "{root}/x.npz"],
         "No FID Inception weights"),
    ],
)
def test_bad_input_exits_with_2_and_says_why(folders, keras_home, capsys,
                                             argv, message):
    root = folders[0]
    code, out, err = run(capsys, *[a.format(root=root) for a in argv])
    assert code == 2
    assert message in err
    assert out == ""
