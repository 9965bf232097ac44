"""Images per second of `keras_gan.data.image_dataset`, against training.

Makes a folder of JPEG and PNG crops (random sizes and positions) of
scikit-learn's two sample photos, then measures, for each pipeline
(`tf.data` when TensorFlow is installed, and the `keras.utils.PyDataset`
that JAX- or PyTorch-only users get), how fast decoded, resized and
normalized float32 batches come out:

- `check`: building the dataset, which decodes every file once to find the
  unreadable ones (and fills the cache);
- `uncached`: one pass over the data with `cache=False`, every file
  decoded, converted and resized again (a folder larger than memory);
- `cached`: one pass with `cache=True` (the default for folders up to
  1 GiB of uint8 images): the resized images come from memory.

Decoding runs on a thread pool of up to 8 threads; `--threads 1` gives the
serial rate for comparison. In the same run it measures what the 32x32x3
DCGAN (`keras_gan.models.dcgan(image_shape=(32, 32, 3))` trained by
`keras_gan.GAN.fit`, batch 64) consumes, in images per second, on the
current Keras backend, and prints each pipeline's rate as a multiple of it.

    KERAS_BACKEND=tensorflow python benchmarks/data_pipeline.py

Each rate is the median of `--repeats` passes; the machine's load average
is printed before and after, since other processes change every number.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan.data import _pipeline  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-images", type=int, default=1024)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads", default="1,8",
        help="decoding threads to measure (at most the cores are used)",
    )
    parser.add_argument("--train-steps", type=int, default=8)
    parser.add_argument("--folder", help="reuse this folder of crops")
    parser.add_argument("--output", help="write the results as JSON here")
    parser.add_argument(
        "--quick", action="store_true",
        help="64 images, 1 repeat, 2 training steps: checks the script runs",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.num_images, args.repeats, args.train_steps = 64, 1, 2
    return args


def make_folder(directory, num_images, seed=0):
    """`num_images` crops of the two sample photos, sides 48 to 160, half
    JPEG (quality 90) and half PNG, in two class subfolders."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images  # two 427x640 RGB photos
    rng = np.random.default_rng(seed)
    for i in range(num_images):
        photo = photos[i % 2]
        height, width = rng.integers(48, 161, size=2)
        top = rng.integers(0, photo.shape[0] - height)
        left = rng.integers(0, photo.shape[1] - width)
        crop = Image.fromarray(photo[top : top + height, left : left + width])
        folder = os.path.join(directory, ("china", "flower")[i % 2])
        os.makedirs(folder, exist_ok=True)
        if i % 4 < 2:
            crop.save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)
        else:
            crop.save(os.path.join(folder, f"{i:05d}.png"))
    return directory


def one_pass(ds):
    """Images delivered by one pass over `ds` (as `fit` iterates it)."""
    count = 0
    if isinstance(ds, keras.utils.PyDataset):
        for i in range(len(ds)):
            count += len(ds[i])
        ds.on_epoch_end()
    else:
        for batch in ds:
            count += int(batch.shape[0])
    return count


def measure_pipeline(folder, path, threads, args):
    """`check`, `uncached` and `cached` images/s of one pipeline."""
    original = _pipeline.import_tensorflow, _pipeline.MAX_DECODE_THREADS
    if path == "PyDataset":
        # Private switch, as the tests use: hide TensorFlow.
        _pipeline.import_tensorflow = lambda: None
    _pipeline.MAX_DECODE_THREADS = threads
    try:
        rates = {}
        for cache in (False, True):
            start = time.perf_counter()
            ds = keras_gan.data.image_dataset(
                folder,
                image_size=args.image_size,
                batch_size=args.batch_size,
                cache=cache,
                seed=0,
            )
            check = args.num_images / (time.perf_counter() - start)
            if not cache:
                rates["check"] = check
            one_pass(ds)  # warm-up: tf.data's AUTOTUNE, thread start
            passes = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                count = one_pass(ds)
                passes.append(count / (time.perf_counter() - start))
            rates["cached" if cache else "uncached"] = statistics.median(
                passes
            )
        return rates
    finally:
        _pipeline.import_tensorflow, _pipeline.MAX_DECODE_THREADS = original


def measure_training(args):
    """Images/s that `GAN.fit` of the 32x32x3 DCGAN consumes (median of
    `--repeats` runs of `--train-steps` steps, after a warm-up)."""
    keras.utils.set_random_seed(0)
    generator, discriminator = keras_gan.models.dcgan(image_shape=(32, 32, 3))
    gan = keras_gan.GAN(generator, discriminator)
    gan.compile()
    rng = np.random.default_rng(0)
    steps = args.train_steps
    x = rng.uniform(-1, 1, (steps * args.batch_size, 32, 32, 3))
    x = x.astype("float32")

    def run(num_steps):
        start = time.perf_counter()
        gan.fit(
            x,
            batch_size=args.batch_size,
            epochs=1,
            steps_per_epoch=num_steps,
            verbose=0,
        )
        keras.ops.convert_to_numpy(generator.trainable_variables[-1])
        return time.perf_counter() - start

    run(min(2, steps))  # compilation
    times = [run(steps) for _ in range(args.repeats)]
    return steps * args.batch_size / statistics.median(times)


def main(argv=None):
    args = parse_args(argv)
    warnings.simplefilter("ignore")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or make_folder(tmp, args.num_images)
        args.num_images = sum(len(f) for _, _, f in os.walk(folder))
        paths = ["PyDataset"]
        if _pipeline.import_tensorflow() is not None:
            paths.insert(0, "tf.data")
        cores = os.cpu_count() or 1
        rows = []
        for threads in sorted({int(t) for t in args.threads.split(",")}):
            for path in paths:
                rates = measure_pipeline(folder, path, threads, args)
                rows.append(
                    {"path": path, "threads": min(threads, cores), **rates}
                )
    training = measure_training(args)
    load_after = os.getloadavg()
    print(
        f"{args.num_images} crops (JPEG and PNG, sides 48-160) -> "
        f"{args.image_size}x{args.image_size}x3, batch {args.batch_size}, "
        f"{cores} CPU cores; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after"
    )
    print(
        f"32x32x3 DCGAN training ({keras.backend.backend()}, GAN.fit): "
        f"{training:,.0f} img/s\n"
    )
    print("| pipeline | threads | check | uncached | cached |")
    print("|---|---|---|---|---|")
    for row in rows:
        cells = [
            f"{row[k]:,.0f} ({row[k] / training:.0f}x)"
            for k in ("check", "uncached", "cached")
        ]
        print(f"| {row['path']} | {row['threads']} | " + " | ".join(cells))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(
                {
                    "backend": keras.backend.backend(),
                    "training_img_per_s": training,
                    "pipelines": rows,
                    "load_average": [load_before, load_after],
                    "num_images": args.num_images,
                    "cores": cores,
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
