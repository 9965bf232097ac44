"""The "Train on your own images" guide, run as written on a photo folder.

    KERAS_BACKEND=jax python benchmarks/own_images_guide.py
        [--recipe auto] [--epochs 84] [--out /tmp/guide] [--img-dir docs/img]

Writes `benchmarks/small_data.photo_crops` (384 random 32x32 crops of the
photos that scikit-learn and scikit-image ship) as PNG files into two class
folders, then executes the code block of docs/own-images.md with only the
folder, the number of epochs and the recipe name replaced (and `history =`
in front of `fit`), so that what is measured is the user's path: files,
`scan_images`, `image_dataset`, `recipes.build`, `fit` with `SampleGrid`
and `TrainingMonitor`. At batch 32, 84 epochs of the 384 crops are 1,008
steps.

It prints (and with `--json` writes) the wall time of `fit`, the machine's
cores and load, the monitor's flags and, per epoch, `d_loss`, `g_loss`,
`diversity` and `d_overfit`; with `--img-dir` it saves the last sample grid
(enlarged 2x) as `own_images_<recipe>.png` and a plot of the curves as
`own_images_<recipe>_curves.png`.
"""

import argparse
import json
import os
import re
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "examples"))
GUIDE = os.path.join(ROOT, "docs", "own-images.md")


def guide_code():
    """The first Python block of docs/own-images.md."""
    with open(GUIDE) as f:
        return re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)


def write_folder(folder, num_images=384, seed=0):
    """The photo crops as PNG files, alternately in folders a/ and b/."""
    from PIL import Image
    from small_data import photo_crops

    crops, _ = photo_crops(num_images, size=32, seed=seed)
    pixels = np.round((crops + 1.0) * 127.5).astype("uint8")
    for name in ("a", "b"):
        os.makedirs(os.path.join(folder, name), exist_ok=True)
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(
            os.path.join(folder, "ab"[i % 2], f"{i:04d}.png"))
    return len(pixels)


def run(recipe, epochs, out):
    """Executes the guide in `out`; returns the measurements."""
    folder = os.path.join(out, "my_images")
    write_folder(folder)
    code = guide_code()
    for old, new in [
        ('folder = "my_images"', f"folder = {folder!r}"),
        ("epochs = 30", f"epochs = {epochs}"),
        ('    "auto",\n', f"    {recipe!r},\n"),
        ("gan.fit(", "history = gan.fit("),
    ]:
        if old not in code:
            raise ValueError(f"the guide's code no longer contains {old!r}")
        code = code.replace(old, new)
    scope = {}
    cwd = os.getcwd()
    os.chdir(out)
    load = os.getloadavg()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            exec(compile(code, GUIDE, "exec"), scope)
    finally:
        os.chdir(cwd)
    seconds = time.perf_counter() - start
    monitor = scope["callbacks"][1]
    logs = scope["history"].history
    from keras_gan import recipes

    return {
        "recipe": recipe,
        "chosen": recipe if recipe != "auto" else recipes.choose(
            scope["gan"].image_shape, num_images=scope["report"].num_images),
        "epochs": epochs,
        "steps": int(scope["gan"].g_optimizer.iterations),
        "seconds": round(seconds, 1),
        "nproc": os.cpu_count(),
        "load_before": [round(v, 2) for v in load],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "flags": monitor.flags,
        "warnings": [str(w.message)[:200] for w in caught
                     if "TrainingMonitor" in str(w.message)],
        "history": {k: [round(float(v), 4) for v in logs[k]]
                    for k in ("d_loss", "g_loss", "diversity", "d_overfit")
                    if k in logs},
        "samples": os.path.join(out, "samples"),
    }


def save_pictures(result, img_dir):
    """The last sample grid and the curves, into `img_dir`."""
    from fid_curve import plot
    from PIL import Image

    grids = sorted(os.listdir(result["samples"]))
    name = f"own_images_{result['recipe']}"
    grid = Image.open(os.path.join(result["samples"], grids[-1]))
    # Twice the size (nearest), as the other sample pictures of the docs.
    grid.resize((grid.width * 2, grid.height * 2), Image.NEAREST).save(
        os.path.join(img_dir, f"{name}.png"))
    history = result["history"]
    epochs = list(range(1, len(history["d_loss"]) + 1))
    plot(epochs, {k: history[k] for k in ("d_loss", "g_loss", "diversity")
                  if k in history},
         os.path.join(img_dir, f"{name}_curves.png"),
         f"recipe {result['recipe']!r}: 384 photo crops, batch 32, "
         f"{result['steps']} steps")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="auto")
    parser.add_argument("--epochs", type=int, default=84)
    parser.add_argument("--out", default="/tmp/own_images_guide")
    parser.add_argument("--img-dir", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    out = os.path.join(args.out, args.recipe)
    os.makedirs(out, exist_ok=True)
    result = run(args.recipe, args.epochs, out)
    if args.img_dir:
        save_pictures(result, args.img_dir)
    summary = {k: v for k, v in result.items() if k != "history"}
    summary["last"] = {k: v[-1] for k, v in result["history"].items()}
    print(json.dumps(summary), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
