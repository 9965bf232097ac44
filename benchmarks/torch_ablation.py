"""Where eager PyTorch's step time goes: the library's parts, and `fit`'s.

`throughput.py` compares `GAN.fit` with the keras.io hand-written PyTorch
loop, which has no `fit`. This script times, in the same alternating
rounds (process CPU time per step, one thread), the sides that split that
ratio into its parts:

- `handwritten`: the keras.io step (`handwritten.TorchLoop`), in a loop;
- `handwritten_fit`: the same step as a `keras.Model`'s `train_step` under
  Keras's `fit` (what `fit`'s loop costs any step);
- `library`: `GAN.fit`;
- `library_step`: `GAN.train_step` called in a loop, outside `fit`;
- `library_step_no_check`: the same, without the non-finite guard's work
  (no batch-norm state snapshot, no finite check of loss and gradients);
- `library_step_no_logs`: without the running means of the logs;
- `library_step_neither`: without both.

The ablated sides replace library functions for the duration of their
runs only (a diagnosis, not a mode of the library).

    KERAS_BACKEND=torch python benchmarks/torch_ablation.py \\
        --output benchmarks/results_torch_ablation.json
"""

import argparse
import contextlib
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import handwritten  # noqa: E402
import keras  # noqa: E402
import throughput  # noqa: E402

from keras_gan.training import faults  # noqa: E402
from keras_gan.training import step as step_module  # noqa: E402

SIDES = (
    "handwritten", "handwritten_fit", "library", "library_step",
    "library_step_no_check", "library_step_no_logs", "library_step_neither",
)


@contextlib.contextmanager
def ablated(check=True, logs=True):
    """Library functions replaced while the block runs: `check=False`
    skips the guard's snapshot and finite check (every step counts as
    finite), `logs=False` returns the step's raw logs, not running means."""
    import torch

    from keras_gan.training import torch as torch_driver

    saved = (
        faults.state_variables, torch_driver.all_finite,
        step_module.metrics_phase,
    )
    finite = torch.tensor(True)
    try:
        if not check:
            faults.state_variables = lambda config: []
            torch_driver.all_finite = lambda loss, grads=(): finite
        if not logs:
            step_module.metrics_phase = lambda config, step_logs: step_logs
        yield
    finally:
        (
            faults.state_variables, torch_driver.all_finite,
            step_module.metrics_phase,
        ) = saved


class Steps:
    """`train(x, batch_size, steps)` calling a step function in a loop on
    consecutive batches, as `handwritten.TorchLoop.train` does with its
    own step (the `handwritten` side)."""

    def __init__(self, step_fn, context=contextlib.nullcontext):
        self.step_fn = step_fn
        self.context = context

    def train(self, x, batch_size, steps):
        with self.context():
            for i in range(steps):
                self.step_fn(keras.ops.convert_to_tensor(
                    x[i * batch_size:(i + 1) * batch_size]
                ))


def make_sides(image_shape):
    """The sides, over two identically initialised network pairs."""
    (g_lib, d_lib), (g_hw, d_hw) = throughput.build_networks(image_shape)
    library = throughput.Library(g_lib, d_lib, False)
    loop = handwritten.TorchLoop(g_hw, d_hw, throughput.LATENT_DIM, False, 0)
    gan = library.gan
    # `fit` skips the per-batch checks of arrays it checked whole; the
    # direct calls get the same step.
    gan.batches_prechecked = True

    def direct(**kwargs):
        return Steps(gan.train_step, lambda: ablated(**kwargs))

    return {
        "handwritten": loop,
        "handwritten_fit": handwritten.TorchFitLoop(
            g_hw, d_hw, throughput.LATENT_DIM, False, 0
        ),
        "library": library,
        "library_step": direct(),
        "library_step_no_check": direct(check=False),
        "library_step_no_logs": direct(logs=False),
        "library_step_neither": direct(check=False, logs=False),
    }


def summarize(row):
    """Per side: median CPU ms per step, and the paired ratio (the median
    over rounds of hand-written time / the side's time, in CPU time)."""
    steps = row["steps"]
    return {
        side: {
            "cpu_ms_per_step": (
                statistics.median(row["cpu_times_s"][side]) / steps * 1e3
            ),
            "paired_ratio": throughput.paired_ratio(
                row, "cpu_times_s", (side, "handwritten")
            ),
        }
        for side in SIDES
    }


def format_table(summary):
    lines = [
        "| side | CPU ms / step | hand-written / side (paired) |",
        "|---|---:|---:|",
    ]
    for side, s in summary.items():
        lines.append(
            f"| {side} | {s['cpu_ms_per_step']:.2f} | "
            f"{s['paired_ratio']:.3f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="8x8x1", choices=throughput.MODELS)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=13)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--quick", action="store_true", help="2 steps, 1 round (a test)"
    )
    parser.add_argument(
        "--output", default=None, help="JSON file to append this run to"
    )
    args = parser.parse_args(argv)
    if keras.backend.backend() != "torch":
        parser.error("torch_ablation.py needs KERAS_BACKEND=torch")
    if args.quick:
        args.steps, args.repeats = 2, 1
    throughput.set_threads(args.threads)
    image_shape = throughput.MODELS[args.model]
    sides = make_sides(image_shape)
    x = throughput.synthetic_images(image_shape, args.steps, args.batch_size)
    cpu_times = {}
    load_before = os.getloadavg()
    times, warmup = throughput.alternate(
        sides, x, args.batch_size, args.steps, args.repeats,
        warmup_steps=2 if args.quick else 20, cpu_times=cpu_times,
    )
    row = {
        "model": args.model, "steps": args.steps, "repeats": args.repeats,
        "batch_size": args.batch_size, "times_s": times,
        "cpu_times_s": cpu_times, "warmup_s": warmup,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        **throughput.environment(),
    }
    row["summary"] = summarize(row)
    print(format_table(row["summary"]))
    if args.output:
        throughput.append_results(args.output, [row])
    return row


if __name__ == "__main__":
    main()
