"""DiffAugment on 150 8x8 digits: which operations help, which hurt.

    KERAS_BACKEND=jax python benchmarks/diffaugment_digits.py
        [--steps 2000] [--seeds 0 1 2] [--json out.json]

Issue 10 saw `DiffAugment("translation,cutout")` worsen the classifier-FID
of the peer DCGAN on 150 digits (0.97 against 0.59 without). At 8x8 the
reference's defaults are strong: a translation of 1/8 of the side is one
pixel, but a cutout of half the side blanks a 4x4 square, a quarter of the
image and often most of the digit's strokes. This script trains, for each
seed and each augmentation of `CONFIGS`, the peer DCGAN of the benchmarks
(`models.dcgan((8, 8, 1), latent_dim=100)`, non-saturating loss, Adam(2e-4,
beta_1=0.5), no EMA, batch 64) for `--steps` steps on the first 150 of a
seeded shuffle of the 1,797 digits, and scores the generator with
`demo_time.fid` (classifier-FID of 1,000 samples against all 1,797 digits,
so that memorizing the 150 is not rewarded; lower is better), and the
`centroid_spread` of the samples against the training images' (mean
distance in pixels of each image's ink centroid from the average one):
with `translation` applied to every image D sees (p = 1), a generator
whose digits wander by a pixel is as good to D as one that centres them
(Karras et al. 2020 call this an augmentation that leaks).
`--image-size 16` trains on the digits resized to 16x16 (bilinear) and
scores the samples resized back to 8x8 (`digits_classifier` does it).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

#: name -> DiffAugment keyword arguments (None: no augmentation).
CONFIGS = {
    "none": None,
    "translation": {"policy": "translation"},
    "cutout": {"policy": "cutout"},
    "translation,cutout": {"policy": "translation,cutout"},
    "translation,cutout(0.25)": {"policy": "translation,cutout",
                                 "cutout_ratio": 0.25},
}


def centroid_spread(images):
    """Mean distance (pixels) of the images' ink centroids from their
    mean: how much the digits wander in the frame."""
    ink = (np.asarray(images, "float64")[..., 0] + 1.0) / 2.0
    rows, cols = np.mgrid[: ink.shape[1], : ink.shape[2]]
    mass = ink.sum((1, 2)) + 1e-9
    centre = np.stack([(ink * rows).sum((1, 2)) / mass,
                       (ink * cols).sum((1, 2)) / mass], axis=1)
    return float(np.linalg.norm(centre - centre.mean(0), axis=1).mean())


def train(config, seed, steps, num_images=150, batch=64, image_size=8):
    """Classifier-FID after `steps` steps with augmentation `config`."""
    import keras
    from demo_time import fid

    import keras_gan

    keras.utils.set_random_seed(seed)
    x, _ = keras_gan.data.load_digits(image_size=image_size)
    rng = np.random.default_rng(seed)
    x = x[rng.permutation(len(x))[:num_images]]
    g, d = keras_gan.models.dcgan((image_size, image_size, 1),
                                  latent_dim=100)
    gan = keras_gan.GAN(g, d, seed=seed)
    augment = None
    if CONFIGS[config] is not None:
        augment = keras_gan.augment.DiffAugment(**CONFIGS[config], seed=seed)
    gan.compile(loss="non_saturating", augment=augment)
    # One epoch of exactly `steps` batches: shuffled copies of the images.
    order = np.concatenate([rng.permutation(len(x))
                            for _ in range(steps * batch // len(x) + 1)])
    start = time.time()
    history = gan.fit(x[order[: steps * batch]], batch_size=batch, epochs=1,
                      shuffle=False, verbose=0)
    return {
        "config": config, "seed": seed, "steps": steps,
        "image_size": image_size,
        "train_seconds": round(time.time() - start, 1),
        "fid": round(fid(gan), 3),
        "centroid_spread": round(centroid_spread(
            gan.generate(1000, seed=123)), 3),
        "real_centroid_spread": round(centroid_spread(x), 3),
        "d_loss": round(float(history.history["d_loss"][-1]), 3),
    }


def summarize(rows):
    """Mean and spread of the FID per config, in `CONFIGS` order."""
    table = {}
    for name in CONFIGS:
        values = [r["fid"] for r in rows if r["config"] == name]
        if values:
            table[name] = {"mean": round(float(np.mean(values)), 3),
                           "min": min(values), "max": max(values),
                           "n": len(values)}
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS),
                        choices=list(CONFIGS))
    parser.add_argument("--image-size", type=int, default=8,
                        help="digits resized to this side (scored at 8x8)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        for config in args.configs:
            row = train(config, seed, args.steps,
                        image_size=args.image_size)
            row["load"] = round(os.getloadavg()[0], 2)
            print(json.dumps(row), flush=True)
            rows.append(row)
    result = {"rows": rows, "summary": summarize(rows),
              "nproc": os.cpu_count()}
    print(json.dumps(result["summary"], indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
