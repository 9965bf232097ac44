"""How a `GAN.fit` step's time grows with batch size and image size.

For the current Keras backend, trains `keras_gan.models.dcgan` with
`GAN.fit` (defaults: non-saturating loss, two Adam optimizers) over a batch
sweep at one image size and an image-size sweep at one batch size, and
prints milliseconds per step and images per second:

    KERAS_BACKEND=jax python benchmarks/scaling.py --output scaling.json
    python benchmarks/scaling.py --table scaling.json

Each point: one warm-up fit of two steps (compilation), then `--repeats`
timed fits of `--steps` steps (default: chosen so that a timed fit lasts
about one second, from the warm-up's second step); the median is reported.
Synthetic data, uniform in [-1, 1]. `--quick` runs two tiny points, one
step each, as a test that the script works.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from throughput import Library  # noqa: E402
from throughput import environment  # noqa: E402
from throughput import synthetic_images  # noqa: E402

import keras_gan  # noqa: E402

BATCH_SIZES = (16, 32, 64, 128, 256)
IMAGE_SIZES = (8, 16, 32, 64)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--batch-sizes", default=",".join(map(str, BATCH_SIZES)),
        help="the batch sweep (at --image-size)",
    )
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument(
        "--image-sizes", default=",".join(map(str, IMAGE_SIZES)),
        help="the image-size sweep (square RGB, at --batch-size)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--jit", choices=["on", "off", "auto"], default="auto",
        help="jit_compile; auto: the backend's default of `GAN.compile`",
    )
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None)
    parser.add_argument("--table", nargs="+", default=None, metavar="JSON")
    args = parser.parse_args(argv)
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b]
    args.image_sizes = [int(s) for s in args.image_sizes.split(",") if s]
    if args.quick:
        args.batch_sizes, args.image_sizes = [4], [8]
        args.image_size = args.batch_size = None
        args.steps, args.repeats = 1, 1
    return args


def points(args):
    """The `(image size, batch size)` pairs of both sweeps, no repeats."""
    if args.quick:
        return [(8, 4)]
    pairs = [(args.image_size, b) for b in args.batch_sizes]
    pairs += [(s, args.batch_size) for s in args.image_sizes]
    return list(dict.fromkeys(pairs))


def measure(image_size, batch_size, jit, steps, repeats):
    keras.utils.set_random_seed(0)
    g, d = keras_gan.models.dcgan(
        image_shape=(image_size, image_size, 3), latent_dim=100
    )
    side = Library(g, d, {"on": True, "off": False}.get(jit, "auto"))
    warm = synthetic_images((image_size, image_size, 3), 2, batch_size)
    start = time.perf_counter()
    side.train(warm, batch_size, 1)
    first = time.perf_counter() - start
    start = time.perf_counter()
    side.train(warm, batch_size, 1)
    one = time.perf_counter() - start
    steps = steps or max(2, min(200, round(1.0 / max(one, 1e-4))))
    x = synthetic_images((image_size, image_size, 3), steps, batch_size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        side.train(x, batch_size, steps)
        times.append(time.perf_counter() - start)
    ms = 1000 * statistics.median(times) / steps
    return {
        "backend": keras.backend.backend(),
        "jit": jit,
        "image_size": image_size,
        "batch_size": batch_size,
        "steps": steps,
        "times_s": times,
        "warmup_s": first,
        "ms_per_step": ms,
        "images_per_s": 1000 * batch_size / ms,
        "loadavg": os.getloadavg(),
    }


def format_table(rows):
    lines = [
        "| backend | jit | image | batch | ms/step | img/s | load avg |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['jit']} | {r['image_size']} | "
            f"{r['batch_size']} | {r['ms_per_step']:.1f} | "
            f"{r['images_per_s']:.0f} | {r['loadavg'][0]:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        rows = []
        for path in args.table:
            rows += json.loads(Path(path).read_text())
        print(format_table(rows))
        return rows
    env = environment()
    rows = []
    for image_size, batch_size in points(args):
        row = measure(image_size, batch_size, args.jit, args.steps,
                      args.repeats)
        row.update(env)
        rows.append(row)
        print(format_table([row]).splitlines()[-1], file=sys.stderr,
              flush=True)
    print(format_table(rows))
    if args.output:
        path = Path(args.output)
        old = json.loads(path.read_text()) if path.exists() else []
        path.write_text(json.dumps(old + rows, indent=1) + "\n")
    return rows


if __name__ == "__main__":
    main()
