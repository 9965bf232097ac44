"""Step time of lazy R1 (`every=16`) against no penalty and `every=1`.

For the current Keras backend and each model x jit mode, three identically
initialised DCGANs are trained with `GAN.fit`: without a penalty, with
`R1(gamma=10, every=16)` and with `R1(gamma=10, every=1)`. The three are
timed in interleaved rounds in one process (the order rotating each
round), so that load from other processes hits all three alike; the median
is reported. Every timed run is a multiple of 16 steps, so the lazy
penalty runs exactly once per 16 D updates in each of them.

    KERAS_BACKEND=jax python benchmarks/lazy_penalty.py --output lazy.json
    python benchmarks/lazy_penalty.py --table lazy.json

Target (issue 15): `every=16` costs at most 1.15x the no-penalty step.
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import throughput  # noqa: E402

import keras_gan  # noqa: E402

SIDES = ("none", "r1_every16", "r1_every1")

# Steps per timed run (multiples of 16), per backend, model and jit mode:
# about 1 to 5 s per run of the no-penalty side on a loaded 2-core CPU.
DEFAULT_STEPS = {
    "tensorflow": {
        ("8x8x1", True): 96,
        ("8x8x1", False): 96,
        ("32x32x3", True): 16,
        ("32x32x3", False): 16,
    },
    "jax": {
        ("8x8x1", True): 160,
        ("8x8x1", False): 16,
        ("32x32x3", True): 16,
        ("32x32x3", False): 16,
    },
    "torch": {
        ("8x8x1", True): 16,
        ("8x8x1", False): 32,
        ("32x32x3", True): 16,
        ("32x32x3", False): 16,
    },
}
# Batch size per model: 16 steps of the 32x32x3 DCGAN at batch 64 take
# most of a minute on a loaded 2-core CPU (times 3 sides x 8 runs).
DEFAULT_BATCH = {"8x8x1": 64, "32x32x3": 16}


def penalty_for(side):
    if side == "none":
        return None
    every = 16 if side == "r1_every16" else 1
    return keras_gan.penalties.R1(gamma=10.0, every=every)


def benchmark(model, jit, steps, batch_size, repeats, warmup_steps):
    image_shape = throughput.MODELS[model]
    keras.utils.set_random_seed(0)
    g0, d0 = keras_gan.models.dcgan(
        image_shape=image_shape, latent_dim=throughput.LATENT_DIM
    )
    sides = {}
    for side in SIDES:
        g, d = keras_gan.models.dcgan(
            image_shape=image_shape, latent_dim=throughput.LATENT_DIM
        )
        g.set_weights(g0.get_weights())
        d.set_weights(d0.get_weights())
        sides[side] = throughput.Library(g, d, jit, penalty=penalty_for(side))
    x = throughput.synthetic_images(image_shape, steps, batch_size)
    load_before = os.getloadavg()
    # The warm-up is 16 steps too, so that every side enters the timed
    # rounds at a multiple of 16 D updates: each timed run then holds the
    # same number of penalty steps (steps / 16).
    times, warmup = throughput.alternate(
        sides, x, batch_size, steps, repeats, warmup_steps
    )
    return {
        "backend": keras.backend.backend(),
        "model": model,
        "jit": "on" if jit else "off",
        "batch_size": batch_size,
        "steps": steps,
        "repeats": repeats,
        "times_s": times,
        "warmup_s": warmup,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }


def ratios(row, stat="median"):
    reduce = statistics.median if stat == "median" else min
    base = reduce(row["times_s"]["none"])
    per_step = 1000.0 * base / row["steps"]
    return per_step, {
        side: reduce(row["times_s"][side]) / base for side in SIDES[1:]
    }


def format_table(rows, stat="median"):
    lines = [
        "| backend | model | jit | no penalty ms/step | every=16 / none "
        "| every=1 / none | load avg |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        ms, rel = ratios(r, stat)
        load = r.get("loadavg_before", [float("nan")])[0]
        lines.append(
            f"| {r['backend']} | {r['model']} | {r['jit']} | {ms:.1f} | "
            f"{rel['r1_every16']:.2f} | {rel['r1_every1']:.2f} | "
            f"{load:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="16 steps, one round, 8x8x1: checks it runs")
    parser.add_argument("--models", default=None)
    parser.add_argument("--jit", default=None)
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per timed run, a multiple of 16")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 64 at 8x8x1, 16 at 32x32x3")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output", default=None)
    parser.add_argument("--table", nargs="+", default=None, metavar="JSON")
    parser.add_argument("--stat", choices=["median", "min"], default="median")
    args = parser.parse_args(argv)
    if args.models is None:
        args.models = "8x8x1" if args.quick else ",".join(throughput.MODELS)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    if args.jit is None:
        args.jit = throughput.DEFAULT_JIT.get(keras.backend.backend(), "on")
    args.jit = [j.strip() == "on" for j in args.jit.split(",") if j.strip()]
    if args.steps is not None and args.steps % 16:
        parser.error(f"--steps should be a multiple of 16. Received: "
                     f"{args.steps}")
    if args.quick:
        args.repeats = 1
        args.steps = args.steps or 16
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        rows = []
        for path in args.table:
            rows += json.loads(Path(path).read_text())
        print(format_table(rows, args.stat))
        return
    if args.threads is not None:
        throughput.set_threads(args.threads)
    env = throughput.environment()
    rows = []
    for model in args.models:
        for jit in args.jit:
            steps = args.steps or DEFAULT_STEPS[keras.backend.backend()][
                (model, jit)
            ]
            batch_size = args.batch_size or DEFAULT_BATCH[model]
            row = benchmark(model, jit, steps, batch_size,
                            args.repeats, warmup_steps=16)
            row.update(env)
            rows.append(row)
            ms, rel = ratios(row)
            print(
                f"{row['backend']} {model} jit={row['jit']}: none {ms:.1f} "
                f"ms/step, every=16 {rel['r1_every16']:.2f}x, every=1 "
                f"{rel['r1_every1']:.2f}x "
                f"(load {row['loadavg_before'][0]:.1f})",
                file=sys.stderr, flush=True,
            )
    print(format_table(rows))
    if args.output:
        throughput.append_results(args.output, rows)
    return rows


if __name__ == "__main__":
    main()
