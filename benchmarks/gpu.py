"""Images per second of four GAN families on one GPU, per Keras backend.

    benchmarks/gpu.sh                         # the full run, < 5 minutes
    python benchmarks/gpu.py --quick          # seconds, on a CPU: a test

For each backend (each in its own process, one after another, so that they
never share the device), each precision (`float32`, `mixed_float16`), each
image size (64x64, 128x128) and each model, the script builds the pair with
`keras_gan.models.<model>(image_shape=(size, size, 3))`, compiles a
`keras_gan.GAN` with that family's usual loss and penalty, and times
`GAN.fit` on synthetic data:

| model | loss | penalty |
|---|---|---|
| dcgan | non_saturating | none |
| resnet | hinge | none |
| stylegan | non_saturating | `R1(gamma=10, every=16)` (lazy, as StyleGAN2) |
| r3gan | relativistic_pairing | `R1(0.05)` + `R2(0.05)` |

r3gan is skipped, with a note, when `keras_gan.models.r3gan` does not
exist in the checkout.

Per configuration: a warm-up `fit` of 2 steps (compilation: XLA on
TensorFlow, `jax.jit` on JAX; eager on PyTorch, whose `torch.compile` is
not used), a calibration run, then `--repeats` timed runs of as many steps
as fill about `--run-seconds`; the median is reported. Compilation time is
reported separately. A time budget (`--budget`, default 270 s, split evenly
over the backends that remain) keeps the whole run under 5 minutes: a
configuration is not started when less time is left than the slowest one
of that model so far took (or any model's, before the first), and is
recorded as skipped, with the reason. The worker rewrites its rows after
every configuration, so a worker stopped at its budget (an XLA compilation
can take a minute on a GPU) keeps the rows it finished.

It writes `results.json` (every timing, the device, versions, load) and
`results.md` (a markdown table) into `--output-dir`.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")
MODELS = ("dcgan", "resnet", "stylegan", "r3gan")
PRECISIONS = ("float32", "mixed_float16")
SIZES = (64, 128)
# Rough per-configuration cost (compile + timing) under which a new
# configuration is not started: it would overrun the backend's budget.
RESERVE_S = 8.0
# Seconds past its budget before a worker is stopped.
GRACE_S = 30.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="16x16, batch 4, tiny widths, 1 step, eager: "
                        "checks the script on a CPU in seconds")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--sizes", default=None,
                        help="comma-separated sides (default 64,128; "
                        "16 with --quick)")
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default 64 (4 with --quick)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per configuration (default 3)")
    parser.add_argument("--run-seconds", type=float, default=1.0)
    parser.add_argument("--budget", type=float, default=270.0,
                        help="seconds for the whole run (all backends)")
    parser.add_argument("--jit", choices=["on", "off"], default=None,
                        help="default: on for tensorflow and jax, off for "
                        "torch (and tensorflow with --quick)")
    parser.add_argument("--output-dir", default="gpu_results")
    parser.add_argument("--in-process", action="store_true",
                        help="run the (single) backend in this process: "
                        "the one KERAS_BACKEND selects")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=None,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    split = lambda s: [v.strip() for v in s.split(",") if v.strip()]  # noqa
    args.backends = split(args.backends)
    args.models = split(args.models)
    args.precisions = split(args.precisions)
    if args.sizes is None:
        args.sizes = "16" if args.quick else ",".join(map(str, SIZES))
    args.sizes = [int(s) for s in split(args.sizes)]
    for name, values, allowed in (
        ("backends", args.backends, BACKENDS),
        ("models", args.models, MODELS),
    ):
        bad = [v for v in values if v not in allowed]
        if bad:
            parser.error(f"`--{name}` should be from {allowed}. "
                         f"Received: {bad}")
    if args.batch_size is None:
        args.batch_size = 4 if args.quick else 64
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


# ----------------------------------------------------------------------------
# Worker: one backend, in this process.
def _device(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "cpu"
        details = tf.config.experimental.get_device_details(gpus[0])
        return details.get("device_name", gpus[0].name)
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return getattr(device, "device_kind", str(device))
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return "cpu"


def _build(model, size, quick):
    import keras_gan

    builder = getattr(keras_gan.models, model, None)
    if builder is None:
        return None
    shape = (size, size, 3)
    small = {}
    if quick:
        small = {"r3gan": {"width": 8}}.get(model, {"filters": 8})
    if model == "stylegan" and quick:
        small["mapping_layers"] = 1
    return builder(image_shape=shape, **small)


def _compile_args(model):
    import keras_gan

    p = keras_gan.penalties
    if model == "resnet":
        return {"loss": "hinge", "penalty": None}
    if model == "stylegan":
        return {"loss": "non_saturating",
                "penalty": p.R1(gamma=10.0, every=16)}
    if model == "r3gan":
        return {"loss": "relativistic_pairing",
                "penalty": [p.R1(gamma=0.05), p.R2(gamma=0.05)]}
    return {"loss": "non_saturating", "penalty": None}


def _fit(gan, x, batch_size, steps):
    import keras

    start = time.perf_counter()
    gan.fit(x, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
            verbose=0)
    # Asynchronous devices (JAX, CUDA): wait for the last step by reading a
    # weight back.
    keras.ops.convert_to_numpy(gan.generator.trainable_variables[-1])
    if keras.backend.backend() == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    return time.perf_counter() - start


def run_config(model, size, precision, args, jit, max_steps, data):
    import keras

    import keras_gan

    row = {"model": model, "size": size, "precision": precision,
           "batch_size": args.batch_size, "jit": jit}
    keras.backend.clear_session(free_memory=True)
    keras.config.set_dtype_policy(precision)
    try:
        keras.utils.set_random_seed(0)
        pair = _build(model, size, args.quick)
        if pair is None:
            row["skipped"] = (f"keras_gan.models.{model} does not exist in "
                              "this checkout")
            return row
        gan = keras_gan.GAN(*pair, seed=0)
        gan.compile(jit_compile=jit, **_compile_args(model))
        warm = 1 if args.quick else 2
        row["compile_s"] = _fit(gan, data, args.batch_size, warm)
        steps = 1
        if not args.quick:
            probe = _fit(gan, data, args.batch_size, 2) / 2
            steps = int(max(2, min(max_steps, args.run_seconds / probe)))
        times = [_fit(gan, data, args.batch_size, steps)
                 for _ in range(args.repeats)]
        row.update(steps=steps, times_s=times)
        row["images_per_s"] = steps * args.batch_size / statistics.median(
            times
        )
    except Exception as e:  # a failing configuration must not stop the run
        row["error"] = f"{type(e).__name__}: {str(e)[:300]}"
    finally:
        keras.config.set_dtype_policy("float32")
    return row


def worker(args):
    import keras
    import numpy as np

    backend = keras.backend.backend()
    deadline = args.deadline or (time.time() + args.budget)
    jit = {"on": True, "off": False}.get(args.jit)
    if jit is None:
        # Quick: eager TensorFlow (XLA compiles for tens of seconds on a
        # CPU), jitted JAX (eager JAX compiles every op separately).
        jit = backend == "jax" or (backend == "tensorflow" and not args.quick)
    rows = []
    rng = np.random.default_rng(0)
    env = {
        "backend": backend,
        "device": _device(backend),
        "versions": {"keras": keras.__version__,
                     backend: __import__(backend).__version__},
        "python": platform.python_version(),
        "nproc": len(os.sched_getaffinity(0)),
    }
    cost = {}  # model -> slowest configuration so far, in seconds

    def save():
        env["loadavg"] = os.getloadavg()
        env["date"] = datetime.datetime.now(
            datetime.timezone.utc
        ).isoformat(timespec="seconds")
        result = {"environment": env, "rows": rows}
        if args.worker:  # what is finished survives a stopped worker
            Path(args.worker).write_text(json.dumps(result))
        return result

    for precision in args.precisions:
        for size in args.sizes:
            # As many batches as a timed run may use (~100-200 MB).
            max_steps = 1 if args.quick else (32 if size <= 64 else 12)
            data = rng.uniform(
                -1, 1, (max_steps * args.batch_size, size, size, 3)
            ).astype("float32")
            for model in args.models:
                left = deadline - time.time()
                need = 0.0 if args.quick else cost.get(
                    model, max([RESERVE_S, *cost.values()])
                )
                if left < need:
                    rows.append({"model": model, "size": size,
                                 "precision": precision,
                                 "batch_size": args.batch_size, "jit": jit,
                                 "backend": backend,
                                 "skipped": "time budget spent"})
                    continue
                rows.append({"model": model, "size": size,
                             "precision": precision, "backend": backend,
                             "error": "unfinished: the worker was stopped "
                             "while running it"})
                save()
                start = time.time()
                row = run_config(model, size, precision, args, jit,
                                 max_steps, data)
                cost[model] = max(cost.get(model, 0.0), time.time() - start)
                row["backend"] = backend
                rows[-1] = row
                save()
                print(_line(row), file=sys.stderr, flush=True)
    return save()


def _line(row):
    what = (f"{row.get('backend', '?')} {row['model']} {row['size']}x"
            f"{row['size']} {row['precision']}")
    if "images_per_s" in row:
        return (f"{what}: {row['images_per_s']:.0f} img/s (compile "
                f"{row['compile_s']:.1f} s)")
    return f"{what}: {row.get('skipped') or row.get('error')}"


# ----------------------------------------------------------------------------
# Driver: every backend in its own process, then the table.
def format_table(results):
    lines = [
        "| backend | device | model | size | precision | img/s "
        "| compile s | note |",
        "|---|---|---|---:|---|---:|---:|---|",
    ]
    for result in results:
        env = result["environment"]
        for r in result["rows"]:
            ips = f"{r['images_per_s']:.0f}" if "images_per_s" in r else "-"
            comp = f"{r['compile_s']:.1f}" if "compile_s" in r else "-"
            note = r.get("skipped") or r.get("error") or ""
            lines.append(
                f"| {env['backend']} | {env['device']} | {r['model']} | "
                f"{r['size']}x{r['size']} | {r['precision']} | {ips} | "
                f"{comp} | {note.replace('|', '/')} |"
            )
    return "\n".join(lines)


def _run_backend(backend, args, budget):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        argv = [sys.executable, str(Path(__file__).resolve()),
                "--worker", str(out), "--deadline", str(time.time() + budget),
                "--models", ",".join(args.models),
                "--sizes", ",".join(map(str, args.sizes)),
                "--precisions", ",".join(args.precisions),
                "--batch-size", str(args.batch_size),
                "--repeats", str(args.repeats),
                "--run-seconds", str(args.run_seconds)]
        if args.quick:
            argv.append("--quick")
        if args.jit:
            argv += ["--jit", args.jit]
        env = dict(os.environ, KERAS_BACKEND=backend)
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        try:
            proc = subprocess.run(argv, env=env, timeout=budget + GRACE_S)
            error = f"worker exited with code {proc.returncode}"
        except subprocess.TimeoutExpired:
            error = "worker ran past its time budget and was stopped"
        return collect(out, backend, error)


def collect(path, backend, error):
    """The rows a worker wrote to `path`; `error` notes what it left.

    A finished worker's file holds every row; a stopped one's holds the
    rows it finished and an "unfinished" row for the one it was running,
    to which `error` is added; no file at all gives one row saying why.
    """
    if not Path(path).exists():
        return {"environment": {"backend": backend, "device": "?"},
                "rows": [{"model": "-", "size": 0, "precision": "-",
                          "error": error}]}
    result = json.loads(Path(path).read_text())
    for row in result["rows"]:
        if row.get("error", "").startswith("unfinished"):
            row["error"] += f" ({error})"
    return result


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(ROOT))
        result = worker(args)
        Path(args.worker).write_text(json.dumps(result))
        return result
    start = time.time()
    if args.in_process:
        sys.path.insert(0, str(ROOT))
        import keras

        if args.backends != [keras.backend.backend()]:
            raise SystemExit(
                "--in-process runs the current backend only: pass "
                f"`--backends {keras.backend.backend()}`."
            )
        results = [worker(args)]
    else:
        results = []
        for i, backend in enumerate(args.backends):
            left = args.budget - (time.time() - start)
            budget = left / (len(args.backends) - i)
            results.append(_run_backend(backend, args, budget))
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = {"total_s": time.time() - start, "quick": args.quick,
               "results": results}
    (out / "results.json").write_text(json.dumps(summary, indent=1) + "\n")
    table = format_table(results)
    (out / "results.md").write_text(table + "\n")
    print(table)
    print(f"total {summary['total_s']:.0f} s; written to {out}/",
          file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()
