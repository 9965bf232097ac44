"""Images per second of the FID network, and the time of a 10,000-sample FID.

    KERAS_BACKEND=jax python benchmarks/fid_speed.py [--batch-size 50]
        [--batches 4] [--image-size 64] [--pytorch-fid]

Times `keras_gan.metrics.fid_inception()` (pytorch-fid's FID Inception in
Keras layers) the way `FrechetDistance` and `python -m keras_gan.metrics`
run it: batched, through the model's compiled `predict_on_batch`
(tf.function on TensorFlow, jax.jit on JAX; PyTorch runs eagerly). Images
of `--image-size` are resized to 299 x 299 inside the network. The weights
are random (`weights=None`): the time does not depend on their values, and
nothing is downloaded. The first batch (building, compilation) is timed
apart; then `--batches` batches give the rate. The 10,000-sample FID time
is extrapolated: 10,000 generated images at that rate (the real statistics
computed once beforehand) plus one Frechet distance of 2048-d Gaussians,
timed here. `--pytorch-fid` also times pytorch-fid's own InceptionV3 (its
blocks with random weights, no download) on the same images under
`torch.no_grad()`, as its `fid_score` runs it. Prints one JSON line.
"""

import argparse
import json
import os
import sys
import time
import types

import keras
import numpy as np

from keras_gan import metrics


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def time_rate(call, batch, batches):
    start = time.perf_counter()
    call(batch)  # warm-up: builds and compiles
    warmup = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(batches):
        call(batch)
    seconds = time.perf_counter() - start
    return warmup, batches * len(batch) / seconds


def frechet_seconds():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2048, 2048)) / 2048.0
    cov = a @ a.T + np.eye(2048) * 1e-3
    start = time.perf_counter()
    keras.ops.convert_to_numpy(
        metrics.frechet_distance(np.zeros(2048), cov, np.ones(2048), cov)
    )
    return time.perf_counter() - start


def pytorch_fid_rate(batch, batches):
    import torch

    sys.modules.setdefault(
        "torchvision._meta_registrations",
        types.ModuleType("torchvision._meta_registrations"),
    )
    from pytorch_fid import inception

    def random_net():  # fid_inception_v3 without the download
        net = inception._inception_v3(num_classes=1008, aux_logits=False,
                                      weights=None)
        net.Mixed_5b = inception.FIDInceptionA(192, pool_features=32)
        net.Mixed_5c = inception.FIDInceptionA(256, pool_features=64)
        net.Mixed_5d = inception.FIDInceptionA(288, pool_features=64)
        net.Mixed_6b = inception.FIDInceptionC(768, channels_7x7=128)
        net.Mixed_6c = inception.FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6d = inception.FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6e = inception.FIDInceptionC(768, channels_7x7=192)
        net.Mixed_7b = inception.FIDInceptionE_1(1280)
        net.Mixed_7c = inception.FIDInceptionE_2(2048)
        return net

    inception.fid_inception_v3 = random_net
    model = inception.InceptionV3([3]).eval()
    x = torch.from_numpy((batch.transpose(0, 3, 1, 2) + 1.0) / 2.0)

    def call(_):
        with torch.no_grad():
            return model(x)[0]

    return time_rate(call, batch, batches)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--pytorch-fid", action="store_true")
    args = parser.parse_args(argv)

    shape = (args.batch_size, args.image_size, args.image_size, 3)
    batch = np.random.default_rng(0).uniform(-1, 1, shape)
    batch = batch.astype("float32")
    load_before = load_average()
    start = time.perf_counter()
    net = metrics.fid_inception(None)  # random weights: speed only
    build = time.perf_counter() - start
    warmup, rate = time_rate(net.predict_on_batch, batch, args.batches)
    frechet = frechet_seconds()
    result = {
        "backend": keras.backend.backend(),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "batch_size": args.batch_size,
        "timed_images": args.batches * args.batch_size,
        "image_size": args.image_size,
        "build_s": round(build, 2),
        "first_batch_s": round(warmup, 2),
        "images_per_s": round(rate, 2),
        "frechet_2048_s": round(frechet, 2),
        "fid_10k_s": round(10000 / rate + frechet, 1),
    }
    if args.pytorch_fid:
        ref_warmup, ref_rate = pytorch_fid_rate(batch, args.batches)
        result.update(
            pytorch_fid_first_batch_s=round(ref_warmup, 2),
            pytorch_fid_images_per_s=round(ref_rate, 2),
            pytorch_fid_10k_s=round(10000 / ref_rate, 1),
        )
    result["load_average_after"] = load_average()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
