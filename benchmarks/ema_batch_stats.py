"""The EMA generator's batch-norm statistics: copied or recomputed.

    KERAS_BACKEND=jax python benchmarks/ema_batch_stats.py [--steps 1000]
        [--seeds 0 1 2] [--json out.json]

`GAN`'s EMA phase averages the generator's trainable weights and *copies*
its non-trainable ones (batch-norm moving mean and variance): the EMA
generator then normalizes with statistics gathered by the raw generator's
weights, not its own. "Standing statistics" (as PyTorch-StudioGAN's
`standing_statistics`) re-estimate them by running the EMA generator in
training mode over fresh latent batches, with a cumulative average.

For each seed: the peer DCGAN of the benchmarks (`models.dcgan((8, 8, 1),
latent_dim=100)`) on the 1,797 8x8 digits, non-saturating loss, batch 64,
`--steps` generator steps (one epoch of shuffled copies), EMA given by
`--ema` (`kimg=10,rampup=0.05` or `decay=0.999,warmup=100`).
Scored with `demo_time.fid` (1,000 samples, seed 123, classifier-FID on
`keras_gan.metrics.digits_classifier`, lower is better) for: the raw
generator, the EMA generator with copied statistics, and the EMA generator
after `networks.recompute_batch_stats` (`--batches` batches of 64).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run(seed, steps, ema, batches):
    import keras
    from demo_time import fid

    import keras_gan
    from keras_gan.training import networks

    keras.utils.set_random_seed(seed)
    x, _ = keras_gan.data.load_digits(image_size=8)
    g, d = keras_gan.models.dcgan((8, 8, 1), latent_dim=100)
    gan = keras_gan.GAN(g, d, seed=seed)
    # "kimg=10,rampup=0.05" or "decay=0.999,warmup=100"
    options = {}
    for item in ema.split(","):
        key, value = item.split("=")
        options[f"ema_{key}"] = (int if key == "warmup" else float)(value)
    gan.compile(loss="non_saturating", **options)
    batch = 64
    # One epoch of exactly `steps` batches: shuffled copies of the digits.
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(x))
                            for _ in range(steps * batch // len(x) + 1)])
    start = time.time()
    gan.fit(x[order[: steps * batch]], batch_size=batch, epochs=1,
            shuffle=False, verbose=0)
    seconds = time.time() - start
    result = {"seed": seed, "steps": int(gan.g_optimizer.iterations),
              "train_seconds": seconds}
    result["raw"] = fid(_Raw(gan))
    result["ema_copied"] = fid(gan)
    networks.recompute_batch_stats(gan, num_batches=batches,
                                   batch_size=batch, seed=seed)
    result["ema_recomputed"] = fid(gan)
    return result


class _Raw:
    """`generate` of the raw generator (what `fid` calls)."""

    def __init__(self, gan):
        self.gan = gan

    def generate(self, n, seed=None):
        return self.gan.generate(n, seed=seed, use_ema=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ema", default="kimg=10,rampup=0.05")
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    import keras

    results = []
    for seed in args.seeds:
        results.append(run(seed, args.steps, args.ema, args.batches))
        print(json.dumps(results[-1]), flush=True)
    summary = {
        "backend": keras.backend.backend(), "ema": args.ema,
        "batches": args.batches, "cores": os.cpu_count(),
        "load_average": os.getloadavg(), "runs": results,
    }
    for key in ("raw", "ema_copied", "ema_recomputed"):
        values = [r[key] for r in results]
        summary[f"mean_{key}"] = sum(values) / len(values)
        print(f"{key}: mean {summary[f'mean_{key}']:.3f} "
              f"({', '.join(f'{v:.3f}' for v in values)})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
