"""`make demo` before and after: training time and classifier-FID, one run.

    python benchmarks/demo_time.py [--rounds 1] [--json out.json]

"before" is `examples/train_digits.py` as `make demo` ran it until issue 15
(TensorFlow, DCGAN with 64 filters on 16x16 digits, 50 epochs of batch 64,
EMA 0.99, label smoothing 0.1); "after" is `make demo`'s `keras-gan train
digits` command. Each runs in its own process (its own backend); both are
scored with the same function: the Frechet distance between 1,000 samples
(seed 123, EMA generator) and the 1,797 digits, in the features of
`keras_gan.metrics.digits_classifier` (lower is better). The times are the
`fit` calls only (imports and data loading excluded, callbacks included).
The machine's core count and load average are printed with them: absolute
times move several-fold between machines and with other processes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# `make demo`'s command (the Makefile's demo target runs the same).
DEMO_BACKEND = "tensorflow"
DEMO_ARGS = ["train", "digits", "--recipe", "dcgan", "--epochs", "60",
             "--quiet"]

_BEFORE = r"""
import json, sys, time
import keras, keras_gan
keras.utils.set_random_seed(0)
x, _ = keras_gan.data.load_digits(image_size=16)
g, d = keras_gan.models.dcgan(image_shape=x.shape[1:], latent_dim=64,
                              filters=64)
gan = keras_gan.GAN(g, d, seed=0)
gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss=keras_gan.losses.NonSaturating(label_smoothing=0.1),
            ema_decay=0.99)
grids = keras_gan.callbacks.SampleGrid(sys.argv[1], num_samples=64,
                                       every_n_epochs=8)
start = time.time()
gan.fit(x, batch_size=64, epochs=50, callbacks=[grids], verbose=0)
seconds = time.time() - start
sys.path.insert(0, sys.argv[2])
from demo_time import fid
print("RESULT", json.dumps({"seconds": seconds, "fid": fid(gan)}))
"""

_AFTER_FID = r"""
import json, sys
import keras
import keras_gan  # registers the saved classes
sys.path.insert(0, sys.argv[2])
from demo_time import fid
state = json.load(open(sys.argv[1] + "/state.json"))
gan = keras.saving.load_model(sys.argv[1] + "/" + state["checkpoint"])
timing = json.load(open(sys.argv[1] + "/timing.json"))
print("RESULT", json.dumps({"seconds": timing["seconds"], "fid": fid(gan)}))
"""


def fid(gan, num_samples=1000, seed=123):
    """Classifier-FID of `gan`'s samples against the 1,797 digits."""
    import keras

    from keras_gan.data import load_digits
    from keras_gan.metrics import FrechetDistance
    from keras_gan.metrics import digits_classifier

    real, _ = load_digits(image_size=8)
    metric = FrechetDistance(digits_classifier())
    metric.set_reference(real, num_samples=len(real))
    images = gan.generate(num_samples, seed=seed)
    for start in range(0, num_samples, 250):
        metric.update_state(fake=images[start : start + 250])
    return float(keras.ops.convert_to_numpy(metric.result()))


def _run(code_or_argv, backend, folder):
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=ROOT)
    here = os.path.dirname(os.path.abspath(__file__))
    if isinstance(code_or_argv, str):
        cmd = [sys.executable, "-c", code_or_argv, folder, here]
    else:
        cmd = [sys.executable, "-m", "keras_gan", *code_or_argv]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")]
    return json.loads(lines[-1][len("RESULT "):]) if lines else None


def measure(tmp, after_args, backend, skip_before=False):
    """One round: before, then after. Returns a dict of both."""
    load = os.getloadavg()
    before = None
    if not skip_before:
        before = _run(_BEFORE, "tensorflow", os.path.join(tmp, "before"))
        print(f"before: {before}", flush=True)
    run = os.path.join(tmp, "after")
    _run(after_args + ["--out", run], backend, run)
    after = _run(_AFTER_FID, backend, run)
    ratio = after["seconds"] / before["seconds"] if before else None
    return {
        "before": before, "after": after, "after_args": after_args,
        "backend": backend, "time_ratio": ratio,
        "load_average_start": load, "load_average_end": os.getloadavg(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json")
    parser.add_argument("--after", help="other `keras-gan` arguments to "
                        "measure instead of the demo's (one string)")
    parser.add_argument("--backend", default=DEMO_BACKEND)
    parser.add_argument("--skip-before", action="store_true")
    args = parser.parse_args(argv)
    after_args = args.after.split() if args.after else DEMO_ARGS
    results = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure(tmp, after_args, args.backend,
                                   args.skip_before))
        r = results[-1]
        before = "before: skipped"
        if r["before"]:
            before = (f"before: {r['before']['seconds']:.1f} s, FID "
                      f"{r['before']['fid']:.2f}")
        ratio = f"{r['time_ratio']:.2f}" if r["time_ratio"] else "-"
        print(
            f"{before} | after ({args.backend}, "
            f"{' '.join(after_args)}): {r['after']['seconds']:.1f} s, FID "
            f"{r['after']['fid']:.2f} | time ratio {ratio} | "
            f"{os.cpu_count()} cores, load average "
            f"{r['load_average_start'][0]:.1f} -> "
            f"{r['load_average_end'][0]:.1f}  ({time.strftime('%H:%M')})",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cpu_count": os.cpu_count(), "rounds": results}, f,
                      indent=2)


if __name__ == "__main__":
    main()
