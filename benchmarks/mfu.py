"""Model FLOP utilization: a training step's FLOP/s against the machine's.

For the current Keras backend, in one process and in interleaved rounds:

- the machine's dense throughput: a float32 `n x n` matmul (`2 n^3` FLOPs)
  and a 3x3 float32 convolution (batch 64, 32x32, 128 -> 128 channels),
  each compiled the backend's fastest way (`tf.function(jit_compile=True)`,
  `jax.jit`, eager PyTorch with its oneDNN kernels, channels-last where the
  backend prefers it);
- `GAN.fit` steps of the benchmarked DCGANs (8x8x1, 32x32x3), whose FLOPs
  `flops.train_step_flops` counts from the layer shapes.

MFU = (step FLOPs / step time) / the best of the matmul and conv rates
(the roofline a step's convolutions and dense layers could reach). The
medians of the rounds are reported, with the load average.

    KERAS_BACKEND=jax python benchmarks/mfu.py --output mfu.json
    python benchmarks/mfu.py --table mfu.json
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

import flops  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import throughput  # noqa: E402

import keras_gan  # noqa: E402

CONV = {"batch": 64, "size": 32, "channels": 128, "kernel": 3}


def conv_flops(batch, size, channels, kernel):
    return 2 * batch * size * size * kernel * kernel * channels * channels


def make_kernels(n, conv):
    """`{"matmul": (fn, flops), "conv": (fn, flops)}`; `fn()` waits."""
    backend = keras.backend.backend()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype("float32")
    b = rng.standard_normal((n, n)).astype("float32")
    shape = (conv["batch"], conv["size"], conv["size"], conv["channels"])
    x = rng.standard_normal(shape).astype("float32")
    k = conv["kernel"]
    w = rng.standard_normal((k, k, conv["channels"], conv["channels"]))
    w = w.astype("float32")
    if backend == "tensorflow":
        import tensorflow as tf

        a, b, x, w = (tf.constant(t) for t in (a, b, x, w))
        matmul = tf.function(lambda: tf.matmul(a, b), jit_compile=True)
        conv_fn = tf.function(
            lambda: tf.nn.conv2d(x, w, 1, "SAME"), jit_compile=True
        )

        def run(fn):
            return lambda: fn().numpy()

    elif backend == "jax":
        import jax

        a, b, x, w = (jax.numpy.asarray(t) for t in (a, b, x, w))
        mm = jax.jit(lambda a, b: a @ b)
        cv = jax.jit(
            lambda x, w: jax.lax.conv_general_dilated(
                x, w, (1, 1), "SAME",
                dimension_numbers=("NHWC", "HWIO", "NHWC"),
            )
        )

        def matmul():
            return mm(a, b)

        def conv_fn():
            return cv(x, w)

        def run(fn):
            return lambda: fn().block_until_ready()

    elif backend == "torch":
        import torch

        a, b = torch.from_numpy(a), torch.from_numpy(b)
        # oneDNN's fastest CPU layout: NCHW logical, channels-last memory.
        xt = torch.from_numpy(x).permute(0, 3, 1, 2)
        xt = xt.contiguous(memory_format=torch.channels_last)
        wt = torch.from_numpy(w).permute(3, 2, 0, 1).contiguous()

        def matmul():
            with torch.no_grad():
                return torch.matmul(a, b)

        def conv_fn():
            with torch.no_grad():
                return torch.nn.functional.conv2d(xt, wt, padding=k // 2)

        def run(fn):
            return fn

    else:
        raise ValueError(f"Unsupported backend {backend!r}.")
    return {
        "matmul": (run(matmul), 2 * n**3),
        "conv": (run(conv_fn), conv_flops(**conv)),
    }


class KernelSide:
    """`train(x, batch_size, steps)` runs a kernel `steps` times."""

    def __init__(self, fn):
        self.fn = fn

    def train(self, x, batch_size, steps):
        for _ in range(steps):
            self.fn()


def benchmark(models, jit_modes, repeats, quick, n, batch_size):
    backend = keras.backend.backend()
    conv = dict(CONV, batch=8) if quick else CONV
    kernels = make_kernels(n, conv)
    sides, flop_counts, steps = {}, {}, {}
    for name, (fn, count) in kernels.items():
        sides[name] = KernelSide(fn)
        flop_counts[name] = count
        steps[name] = 1 if quick else 10
    shapes = {}
    for model in models:
        for jit in jit_modes:
            key = f"{model} jit={'on' if jit else 'off'}"
            keras.utils.set_random_seed(0)
            g, d = keras_gan.models.dcgan(
                throughput.MODELS[model], latent_dim=throughput.LATENT_DIM
            )
            sides[key] = throughput.Library(g, d, jit)
            flop_counts[key] = flops.train_step_flops(g, d, batch_size)["step"]
            steps[key] = 1 if quick else max(
                2, throughput.DEFAULT_STEPS[backend][(model, jit)] // 2
            )
            shapes[key] = throughput.MODELS[model]
    data = {
        key: throughput.synthetic_images(shape, steps[key], batch_size)
        for key, shape in shapes.items()
    }
    load_before = os.getloadavg()
    times = {name: [] for name in sides}
    for name, side in sides.items():  # warm-up: compilation
        side.train(data.get(name), batch_size, 1)
    names = list(sides)
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            sides[name].train(data.get(name), batch_size, steps[name])
            times[name].append(time.perf_counter() - start)
    return {
        "backend": backend,
        "batch_size": batch_size,
        "matmul_n": n,
        "conv": conv,
        "repeats": repeats,
        "steps": steps,
        "flops": flop_counts,
        "times_s": times,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }


def rates(row, stat="median"):
    """FLOP/s of every side, from the chosen statistic of its runs."""
    reduce = statistics.median if stat == "median" else min
    return {
        name: row["flops"][name] * row["steps"][name] / reduce(t)
        for name, t in row["times_s"].items()
    }


def format_table(rows, stat="median"):
    lines = [
        "| backend | matmul GFLOP/s | conv GFLOP/s | model | jit "
        "| step GFLOP | img/s | GFLOP/s | MFU | load avg |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        r = rates(row, stat)
        peak = max(r["matmul"], r["conv"])
        for name in row["flops"]:
            if name in ("matmul", "conv"):
                continue
            model, jit = name.split(" jit=")
            step = row["flops"][name]
            img_s = r[name] / step * row["batch_size"]
            lines.append(
                f"| {row['backend']} | {r['matmul'] / 1e9:.1f} | "
                f"{r['conv'] / 1e9:.1f} | {model} | {jit} | "
                f"{step / 1e9:.2f} | {img_s:.0f} | {r[name] / 1e9:.1f} | "
                f"{r[name] / peak:.1%} | {row['loadavg_before'][0]:.1f} |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one round of one step, 8x8x1: checks it runs")
    parser.add_argument("--models", default=None)
    parser.add_argument("--jit", default=None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--matmul-size", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output", default=None)
    parser.add_argument("--table", nargs="+", default=None, metavar="JSON")
    args = parser.parse_args(argv)
    if args.table:
        rows = []
        for path in args.table:
            rows += json.loads(Path(path).read_text())
        print(format_table(rows))
        return None
    if args.threads is not None:
        throughput.set_threads(args.threads)
    models = args.models or ("8x8x1" if args.quick else "8x8x1,32x32x3")
    models = [m.strip() for m in models.split(",") if m.strip()]
    jit = args.jit or throughput.DEFAULT_JIT.get(keras.backend.backend())
    jit = [j.strip() == "on" for j in jit.split(",") if j.strip()]
    row = benchmark(
        models, jit, 1 if args.quick else args.repeats, args.quick,
        128 if args.quick else args.matmul_size, args.batch_size,
    )
    row.update(throughput.environment())
    print(format_table([row]))
    if args.output:
        throughput.append_results(args.output, [row])
    return row


if __name__ == "__main__":
    main()
