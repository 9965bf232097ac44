"""Time an FID evaluation with the default InceptionV3 extractor.

    python benchmarks/eval_speed.py [--num-samples 10000] [--batch-size 64]

Measures what `GANEvaluator` spends per evaluation: InceptionV3 features of
`--num-samples` 32x32 RGB images (resized to 299x299) plus the streaming
statistics and the FID. The weights are random (`weights=None`): the
time does not depend on them, and nothing is downloaded. The first batch
(graph building, compilation) is timed separately. With `--num-samples`
smaller than 10,000 the script also prints the linear extrapolation to
10,000 images. Runs on any Keras backend (set KERAS_BACKEND).
"""

import argparse
import os
import time

import keras
import numpy as np

from keras_gan import metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    extractor = metrics.inception_v3(weights=None)
    build = time.perf_counter() - start
    fid = metrics.FrechetDistance(extractor, batch_size=args.batch_size)
    rng = np.random.default_rng(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    batch = rng.uniform(-1, 1, shape).astype("float32")

    start = time.perf_counter()
    fid.update_state(real=batch, fake=batch)  # warm-up: builds, compiles
    warmup = time.perf_counter() - start
    fid.reset_state()

    start = time.perf_counter()
    done = 0
    while done < args.num_samples:
        n = min(args.batch_size, args.num_samples - done)
        fid.update_state(fake=batch[:n])
        done += n
    fid.update_state(real=batch)  # FID needs both sides
    value = float(keras.ops.convert_to_numpy(fid.result()))
    seconds = time.perf_counter() - start
    rate = done / seconds
    print(
        f"backend={keras.backend.backend()} cores={os.cpu_count()} "
        f"build={build:.1f}s warmup={warmup:.1f}s "
        f"{done} samples in {seconds:.1f}s ({rate:.1f} images/s) "
        f"fid={value:.3g}"
    )
    if done < 10000:
        print(f"extrapolated to 10,000 samples: {10000 / rate:.0f}s")
    return rate


if __name__ == "__main__":
    main()
