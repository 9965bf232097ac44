"""Every example runs end to end with `--quick` and writes its outputs."""

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"


def example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_every_example_is_tested():
    tested = {name for name in globals() if name.startswith("test_")}
    for path in EXAMPLES.glob("*.py"):
        assert f"test_{path.stem}" in tested, f"{path.name} has no test"


def test_train_digits(tmp_path):
    paths = example("train_digits")(["--quick", "--output", str(tmp_path)])
    assert [p.rsplit("/", 1)[-1] for p in paths] == [
        "epoch_0001.png", "epoch_0002.png"]
    assert (tmp_path / "final_x8.png").exists()


def test_conditional_digits(tmp_path):
    accuracy = example("conditional_digits")(
        ["--quick", "--output", str(tmp_path)]
    )
    assert 0.0 <= accuracy <= 1.0
    assert (tmp_path / "epoch_0002.png").exists()


def test_fid_curve(tmp_path):
    output = tmp_path / "fid.png"
    fids = example("fid_curve")(
        ["--quick", "--output", str(output), "--cache-dir", str(tmp_path)]
    )
    assert len(fids) == 2 and np.isfinite(fids).all()
    assert output.exists()




def test_sine_sequences():
    match, amplitude, coverage = example("sine_sequences")(["--quick"])
    assert 0.0 <= match <= 1.0 and amplitude > 0.0 and 0.0 <= coverage <= 1.0


def test_wgan_gp_ring(tmp_path):
    output = tmp_path / "ring.png"
    covered, near = example("wgan_gp_ring")(
        ["--quick", "--output", str(output)]
    )
    assert 0 <= covered <= 8 and 0.0 <= near <= 1.0
    assert output.exists()


@pytest.mark.parametrize(
    "arch", ["dcgan", "resnet", "stylegan", "progressive"]
)
def test_compare_architectures(tmp_path, arch):
    fid = example("compare_architectures")(
        ["--quick", "--arch", arch, "--output", str(tmp_path),
         "--cache-dir", str(tmp_path)]
    )
    assert np.isfinite(fid) and fid > 0.0
    assert (tmp_path / f"{arch}.png").exists()
