"""The "Train on your own images" guide's code runs as written."""

import os
import re

import numpy as np
from PIL import Image

GUIDE = os.path.join(os.path.dirname(__file__), "..", "docs",
                     "own-images.md")


def guide_code():
    with open(GUIDE) as f:
        text = f.read()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_guide_code_runs_on_a_tiny_folder(tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    for cls in ("a", "b"):
        os.makedirs(folder / cls)
        rng = np.random.default_rng(len(cls) + ord(cls))
        for i in range(8):
            pixels = rng.integers(0, 256, (12, 10, 3), dtype="uint8")
            Image.fromarray(pixels).save(folder / cls / f"{i}.png")
    code = guide_code()
    # The guide's own settings, made tiny: 8x8 images, one epoch, run
    # eagerly (a compilation costs more than two steps here).
    for old, new in [
        ('folder = "my_images"', f'folder = "{folder}"'),
        ("image_size = 32", "image_size = 8"),
        ("epochs = 30", "epochs = 1"),
        ("gan.fit(", "eager(gan).fit("),
    ]:
        assert old in code, old
        code = code.replace(old, new)
    monkeypatch.chdir(tmp_path)

    def eager(gan):
        gan.compile_from_config(
            {**gan.get_compile_config(), "run_eagerly": True}
        )
        return gan

    scope = {"eager": eager}
    exec(compile(code, GUIDE, "exec"), scope)
    assert scope["report"].num_images == 16
    assert scope["images"].shape == (16, 8, 8, 3)
    assert np.isfinite(np.asarray(scope["images"])).all()
    assert os.path.exists(tmp_path / "samples" / "epoch_0001.png")
    assert os.path.exists(tmp_path / "my_gan.keras")
