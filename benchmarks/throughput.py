"""Training throughput of `keras_gan.GAN.fit` against a hand-written loop.

For the current Keras backend, each configuration (model x jit) trains the
same DCGAN twice, from identically initialised copies of the networks: once
with `GAN.fit` and once with the backend's documented hand-written loop
(`handwritten.py`), same batch size, loss, optimizers and phase structure.
It prints a markdown table of images per second and their ratio.

    KERAS_BACKEND=jax python benchmarks/throughput.py --output results.json
    python benchmarks/throughput.py --table results.json

Method: a warm-up run (compilation included) on each side, then `--repeats`
timed runs of `--steps` steps each, the two sides alternating so that load
from other processes hits both alike; the median time is reported. Data is
synthetic, uniform in [-1, 1], generated here.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# Running `python benchmarks/throughput.py` puts `benchmarks/` on sys.path,
# not the repository root: add the root so that this checkout's `keras_gan`
# is the one measured, and quiet TensorFlow's start-up logs.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import handwritten  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan  # noqa: E402

LATENT_DIM = 100
MODELS = {"8x8x1": (8, 8, 1), "32x32x3": (32, 32, 3)}

# The optional third sides (--guard-ab, --fit-baseline) and the ratio each
# prints: the throughput of the first side over that of the second.
EXTRA_SIDES = {
    "library_select": ("library_select", "handwritten", "select guard: ratio"),
    "handwritten_fit": (
        "library", "handwritten_fit", "hand-written step in fit: library / it"
    ),
}

# Steps per timed run, per backend, model and jit mode, measured on a 2-core
# CPU: each timed run lasts about 1 to 5 seconds, long enough for `fit`'s
# start-up and timer noise to be small, short enough for one backend's full
# run (7 repeats of both sides) to take about 3 minutes. Eager JAX
# dispatches every op from Python; XLA on CPU is slow on the 32x32 DCGAN's
# transposed convolutions, hence the small counts there.
DEFAULT_STEPS = {
    # backend: {(model, jit): steps}
    "tensorflow": {
        ("8x8x1", True): 300,
        ("8x8x1", False): 200,
        ("32x32x3", True): 4,
        ("32x32x3", False): 8,
    },
    "jax": {
        ("8x8x1", True): 500,
        ("8x8x1", False): 20,
        ("32x32x3", True): 4,
        ("32x32x3", False): 3,
    },
    "torch": {
        ("8x8x1", True): 20,
        ("8x8x1", False): 100,
        ("32x32x3", True): 2,
        ("32x32x3", False): 4,
    },
}
# `torch.compile` of a Keras model's step takes minutes to warm up on a CPU
# and runs slower than eager PyTorch (see docs/benchmarks.md): it is left out
# unless asked for with `--jit on`.
DEFAULT_JIT = {"tensorflow": "on,off", "jax": "on,off", "torch": "off"}
QUICK_STEPS = 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="one step, one repeat, 8x8x1 only unless --models is given: "
        "checks that the script runs (in under a minute)",
    )
    parser.add_argument(
        "--models", default=None,
        help="comma-separated, from: " + ", ".join(MODELS) + " (default: "
        "both; 8x8x1 only with --quick)",
    )
    parser.add_argument(
        "--jit", default=None,
        help="comma-separated, from: on, off (default: on,off; off on torch)",
    )
    parser.add_argument(
        "--steps", type=int, default=None,
        help="steps per timed run (default: per model and jit mode)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--repeats", type=int, default=7,
        help="timed runs per side; the median is reported",
    )
    parser.add_argument(
        "--threads", type=int, default=None,
        help="intra-op threads (torch and tensorflow; default: the backend's)",
    )
    parser.add_argument(
        "--steps-per-execution", type=int, default=1,
        help="JAX: the library's `steps_per_execution` (Keras's `fit` then "
        "runs its per-step loop, callbacks included, once per N steps; the "
        "hand-written JAX loop has no `fit`)",
    )
    parser.add_argument(
        "--guard-ab", action="store_true",
        help="TensorFlow without XLA: also time the library with the "
        "select guard (side `library_select`) in the same rounds",
    )
    parser.add_argument(
        "--fit-baseline", action="store_true",
        help="PyTorch: also time the hand-written step run by Keras's `fit` "
        "(side `handwritten_fit`) in the same rounds",
    )
    parser.add_argument(
        "--output", default=None,
        help="JSON file to append this run's results to",
    )
    parser.add_argument(
        "--table", nargs="+", default=None, metavar="JSON",
        help="print the combined table of result files and exit",
    )
    parser.add_argument(
        "--stat", choices=["median", "min"], default="median",
        help="with --table: which timed run of each side to report",
    )
    args = parser.parse_args(argv)
    if args.models is None:
        # Compiling the 32x32 DCGAN's steps (XLA, jax.jit, and eager JAX's
        # per-op compilation) takes most of a minute on 2 cores by itself.
        args.models = "8x8x1" if args.quick else ",".join(MODELS)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    for model in args.models:
        if model not in MODELS:
            parser.error(f"unknown model {model!r}; choose from {list(MODELS)}")
    if args.jit is None:
        args.jit = DEFAULT_JIT.get(keras.backend.backend(), "on,off")
    jit = [j.strip() for j in args.jit.split(",") if j.strip()]
    if not set(jit) <= {"on", "off"}:
        parser.error(f"--jit takes 'on' and/or 'off'. Received: {args.jit}")
    args.jit = [j == "on" for j in jit]
    if args.threads is not None and keras.backend.backend() == "jax":
        parser.error(
            "--threads is not supported on JAX: set XLA_FLAGS="
            '"--xla_cpu_multi_thread_eigen=false '
            'intra_op_parallelism_threads=1" instead.'
        )
    if args.steps_per_execution > 1 and keras.backend.backend() != "jax":
        parser.error(
            "--steps-per-execution is for JAX: TensorFlow's hand-written "
            "loop runs in `fit` too (same loop cost on both sides), and "
            "PyTorch's trainer takes 1 only"
        )
    if args.guard_ab and keras.backend.backend() != "tensorflow":
        parser.error("--guard-ab needs KERAS_BACKEND=tensorflow")
    if args.fit_baseline and keras.backend.backend() != "torch":
        parser.error(
            "--fit-baseline needs KERAS_BACKEND=torch (TensorFlow's "
            "hand-written loop already runs in `fit`)"
        )
    if args.quick:
        args.repeats = 1
    return args


def set_threads(threads):
    """Sets the backend's intra-op threads (before any op has run)."""
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
    elif backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)


def get_threads():
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return torch.get_num_threads()
    if backend == "tensorflow":
        import tensorflow as tf

        # 0 means "the system's choice", i.e. one thread per core.
        return tf.config.threading.get_intra_op_parallelism_threads() or None
    return None


def steps_for(args, model, jit):
    if args.steps is not None:
        return args.steps
    if args.quick:
        return QUICK_STEPS
    return DEFAULT_STEPS[keras.backend.backend()][(model, jit)]


def build_networks(image_shape, seed=0, copies=2):
    """`copies` identically initialised (generator, discriminator) pairs."""
    keras.utils.set_random_seed(seed)
    pairs = [
        keras_gan.models.dcgan(image_shape=image_shape, latent_dim=LATENT_DIM)
        for _ in range(copies)
    ]
    for pair in pairs[1:]:
        for source, copy in zip(pairs[0], pair):
            copy.set_weights(source.get_weights())
    return pairs


class Library:
    """The side under test: `keras_gan.GAN` trained with `fit`."""

    def __init__(
        self, generator, discriminator, jit_compile, seed=0, penalty=None,
        steps_per_execution=1,
    ):
        self.gan = keras_gan.GAN(generator, discriminator, seed=seed)
        self.gan.compile(
            d_optimizer=handwritten.make_optimizer(),
            g_optimizer=handwritten.make_optimizer(),
            loss="non_saturating",
            d_steps=1,
            penalty=penalty,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
        )

    def train(self, x, batch_size, steps):
        self.gan.fit(
            x, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
            verbose=0,
        )
        # On JAX, `fit` can return before the device finishes: reading a
        # weight back waits for the last step (a no-op cost elsewhere).
        keras.ops.convert_to_numpy(self.gan.generator.trainable_variables[-1])


class SelectGuard:
    """A `Library` side whose TF graph step uses the select guard."""

    def __init__(self, library):
        self.library = library

    def train(self, x, batch_size, steps):
        from keras_gan.training import tensorflow as tf_training

        tf_training.BRANCH_GUARD = False
        try:
            self.library.train(x, batch_size, steps)
        finally:
            tf_training.BRANCH_GUARD = True


def timed(fn, cpu=None):
    """Wall-clock seconds of `fn()`; its process CPU seconds appended to
    the list `cpu` when one is given."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def alternate(
    sides, x, batch_size, steps, repeats, warmup_steps, cpu_times=None
):
    """Times `sides` (name -> object with `train`) in interleaved rounds.

    Each side first runs `warmup_steps` steps (compilation and first-call
    costs), then `repeats` rounds each time every side once, the order
    rotating from round to round, so that a slow stretch of a shared
    machine does not always hit the same side.

    Args:
        cpu_times: an optional dict, filled like `times` with the process
            CPU seconds of each timed run (every thread of the process:
            time the machine's other tenants take from it is not counted,
            idle waits are not either).

    Returns:
        `(times, warmup)`: seconds per timed run, and of the warm-up, by
        side name.
    """
    warmup = {}
    for name, side in sides.items():
        warmup[name] = timed(
            lambda: side.train(x, batch_size, min(warmup_steps, steps))
        )
    times = {name: [] for name in sides}
    cpu = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeats):
        shift = r % len(names)
        order = names[shift:] + names[:shift]
        if r % 2:
            order.reverse()
        for name in order:
            times[name].append(timed(
                lambda: sides[name].train(x, batch_size, steps), cpu[name]
            ))
    if cpu_times is not None:
        cpu_times.update(cpu)
    return times, warmup


def synthetic_images(image_shape, steps, batch_size, seed=0):
    """`steps` batches of uniform [-1, 1] float32 images."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (steps * batch_size, *image_shape))
    return x.astype("float32")


def benchmark(
    model, jit, steps, batch_size, repeats, warmup_steps, guard_ab=False,
    steps_per_execution=1, fit_baseline=False,
):
    image_shape = MODELS[model]
    guard_ab = guard_ab and not jit
    pairs = build_networks(
        image_shape, copies=3 if guard_ab or fit_baseline else 2
    )
    (g_lib, d_lib), (g_hw, d_hw) = pairs[:2]
    x = synthetic_images(image_shape, steps, batch_size)
    sides = {
        "library": Library(g_lib, d_lib, jit),
        "handwritten": handwritten.make_loop(g_hw, d_hw, LATENT_DIM, jit),
    }
    if guard_ab:
        sides["library_select"] = SelectGuard(Library(*pairs[2], jit))
    if fit_baseline:
        sides["handwritten_fit"] = handwritten.TorchFitLoop(
            *pairs[2], LATENT_DIM, jit, seed=0
        )
    if steps_per_execution > 1:
        sides["library"] = Library(
            g_lib, d_lib, jit, steps_per_execution=steps_per_execution
        )
    load_before = os.getloadavg()
    cpu_times = {}
    times, warmup = alternate(
        sides, x, batch_size, steps, repeats, warmup_steps, cpu_times
    )
    return {
        "backend": keras.backend.backend(),
        "model": model,
        "jit": "on" if jit else "off",
        "steps_per_execution": steps_per_execution,
        "batch_size": batch_size,
        "steps": steps,
        "repeats": repeats,
        "times_s": times,
        "cpu_times_s": cpu_times,
        "warmup_s": warmup,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }


def environment():
    versions = {"keras": keras.__version__, "numpy": np.__version__}
    backend = keras.backend.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
    versions[backend] = __import__(module[backend]).__version__
    return {
        "threads": get_threads(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "nproc": len(os.sched_getaffinity(0)),
        "loadavg": os.getloadavg(),
        "versions": versions,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def throughput(row, stat="median"):
    """(library img/s, hand-written img/s) from a row's timed runs."""
    reduce = statistics.median if stat == "median" else min
    images = row["steps"] * row["batch_size"]
    return tuple(
        images / reduce(row["times_s"][side])
        for side in ("library", "handwritten")
    )


def paired_ratio(row, key="times_s", sides=("library", "handwritten")):
    """The median over rounds of one round's throughput ratio.

    Both sides of a round run back to back, so a slow stretch of the
    machine that spans a round cancels in its ratio; the ratio of the
    medians (`throughput`) does not pair the runs. `key` picks the clock:
    "times_s" (wall) or "cpu_times_s" (process CPU time).
    """
    top, bottom = (row[key][side] for side in sides)
    return statistics.median(b / t for t, b in zip(top, bottom))


def format_table(rows, stat="median"):
    lines = [
        "| backend | model | jit | library img/s | hand-written img/s "
        "| ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lib, hw = throughput(r, stat)
        jit = r["jit"]
        if r.get("steps_per_execution", 1) > 1:
            jit += f", {r['steps_per_execution']} steps per execution"
        lines.append(
            f"| {r['backend']} | {r['model']} | {jit} | "
            f"{lib:.0f} | {hw:.0f} | {lib / hw:.2f} |"
        )
    return "\n".join(lines)


def load_results(paths):
    """Rows of result files; a later row replaces an earlier one's key."""
    rows = {}
    for path in paths:
        for row in json.loads(Path(path).read_text()):
            key = (row["backend"], row["model"], row["jit"])
            rows[key + (row.get("steps_per_execution", 1),)] = row
    order = {"tensorflow": 0, "jax": 1, "torch": 2}
    return sorted(
        rows.values(),
        key=lambda r: (
            order.get(r["backend"], 9),
            list(MODELS).index(r["model"]) if r["model"] in MODELS else 9,
            r["jit"] != "on",
            r.get("steps_per_execution", 1),
        ),
    )


def append_results(path, rows):
    path = Path(path)
    existing = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(existing + rows, indent=1) + "\n")


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        print(format_table(load_results(args.table), args.stat))
        return
    if args.threads is not None:
        set_threads(args.threads)
    env = environment()
    rows = []
    for model in args.models:
        for jit in args.jit:
            steps = steps_for(args, model, jit)
            row = benchmark(
                model, jit, steps, args.batch_size, args.repeats,
                warmup_steps=1 if args.quick else 2,
                guard_ab=args.guard_ab,
                steps_per_execution=args.steps_per_execution,
                fit_baseline=args.fit_baseline,
            )
            row.update(env)
            rows.append(row)
            lib, hw = throughput(row)
            print(
                f"{row['backend']} {model} jit={row['jit']}: library "
                f"{lib:.0f} img/s, hand-written {hw:.0f} img/s, ratio "
                f"{lib / hw:.2f} ({steps} steps x {args.repeats}); paired "
                f"{paired_ratio(row):.2f}, CPU time "
                f"{paired_ratio(row, 'cpu_times_s'):.2f}",
                file=sys.stderr,
                flush=True,
            )
            for side, (top, bottom, label) in EXTRA_SIDES.items():
                if side in row["times_s"]:
                    top_s, bottom_s = (
                        statistics.median(row["times_s"][name])
                        for name in (top, bottom)
                    )
                    ratio = bottom_s / top_s  # throughput top / bottom
                    cpu = paired_ratio(row, "cpu_times_s", (top, bottom))
                    print(
                        f"  {label} {ratio:.2f} (CPU time {cpu:.2f})",
                        file=sys.stderr, flush=True,
                    )
    print(format_table(rows))
    if args.output:
        append_results(args.output, rows)


if __name__ == "__main__":
    main()
