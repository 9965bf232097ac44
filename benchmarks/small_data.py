"""Small-data evidence for `keras_gan.recipes`: does each recipe learn?

Two small training sets that installed packages ship (nothing downloaded):

- "photos": random 32x32 RGB crops of colour photos: scikit-learn's
  `load_sample_images` (china, flower) and, when scikit-image is
  importable, six of `skimage.data` (astronaut, chelsea, coffee, rocket,
  the left stereo_motorcycle view, immunohistochemistry);
- "digits": scikit-learn's 1,797 digits resized to 28x28
  (`keras_gan.data.load_digits(image_size=28)`).

For each recipe of `keras_gan.recipes` it trains for a fixed number of
steps and reports, from the EMA generator's samples (`gan.generate`):

- `diversity`: mean pairwise distance of 64 samples over that of 64
  real images (1 is the data's own spread, near 0 is
  collapse), `keras_gan.metrics.diversity_ratio` (the spread of images
  pooled to at most 16x16);
- `nn_ratio`: median distance of a sample to its nearest training image
  over the median distance of a training image to its nearest *other*
  training image (pixel space). Well below 1: samples are copies of
  training images (memorization);
- `fd`: a feature distance. Digits: classifier-FID (`FrechetDistance` of
  `keras_gan.metrics.digits_classifier` features, 1,000 samples against
  the 1,797 digits). Photos: the Frechet distance of 8x8 average-pooled
  pixels (192 numbers per image), 1,000 samples against the training
  crops: a coarse colour-and-layout distance, no network;
- `steps`, `seconds` (wall time of `fit`, compilation included).

Sample grids go to `--grid-dir` (docs/img by default) as
`small_data_<dataset>_<recipe>.png`.

Usage:

    KERAS_BACKEND=jax python benchmarks/small_data.py --steps 600
    python benchmarks/small_data.py --quick --grid-dir /tmp  # smoke test

`--quick`: 8x8 images, 80 of each, 2 eager steps per recipe: it checks
that the script runs (seconds); its numbers mean nothing.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SKIMAGE_PHOTOS = (
    "astronaut", "chelsea", "coffee", "rocket", "stereo_motorcycle",
    "immunohistochemistry",
)


def _photos():
    from sklearn.datasets import load_sample_images

    photos = list(load_sample_images().images)
    try:
        import skimage.data as skdata
    except ImportError:
        return photos, False
    for name in SKIMAGE_PHOTOS:
        image = getattr(skdata, name)()
        if name == "stereo_motorcycle":
            image = image[0]
        photos.append(np.asarray(image)[..., :3])
    return photos, True


def photo_crops(num_images, size=32, seed=0):
    """`num_images` random `size` x `size` crops in [-1, 1], float32.

    Returns:
        `(crops, used_skimage)`.
    """
    rng = np.random.default_rng(seed)
    photos, used_skimage = _photos()
    crops = []
    for i in range(num_images):
        photo = photos[i % len(photos)]
        top = rng.integers(0, photo.shape[0] - size + 1)
        left = rng.integers(0, photo.shape[1] - size + 1)
        crops.append(photo[top : top + size, left : left + size])
    crops = np.stack(crops).astype("float32") / 127.5 - 1.0
    return crops, used_skimage


def _pairwise(a, b):
    a = a.reshape(len(a), -1).astype("float64")
    b = b.reshape(len(b), -1).astype("float64")
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def diversity_ratio(real_images, fake_images):
    """`keras_gan.metrics.diversity_ratio`: pairwise spread, fake / real."""
    from keras_gan.metrics import diversity_ratio as ratio

    return float(ratio(real_images, fake_images))


def nn_ratio(train_images, fake_images):
    """Median nearest-training-image distance, fakes over trainings."""
    fake = _pairwise(fake_images, train_images).min(axis=1)
    own = _pairwise(train_images, train_images)
    np.fill_diagonal(own, np.inf)
    return float(np.median(fake) / np.median(own.min(axis=1)))


def _frechet(a, b):
    from keras import ops

    from keras_gan.metrics import frechet_distance

    a, b = a.astype("float64"), b.astype("float64")
    value = frechet_distance(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    )
    return float(ops.convert_to_numpy(value))


def pooled_fd(real_images, fake_images):
    """Frechet distance of 8x8 average-pooled pixels (photos)."""
    def pool(x):
        n, h, w, c = x.shape
        return x.reshape(n, 8, h // 8, 8, w // 8, c).mean((2, 4)).reshape(n, -1)

    return _frechet(pool(real_images), pool(fake_images))


def classifier_fid(real_images, fake_images):
    """FID in `digits_classifier` features (digits)."""
    import keras

    from keras_gan.metrics import FrechetDistance
    from keras_gan.metrics import digits_classifier

    metric = FrechetDistance(digits_classifier())
    metric.set_reference(real_images, num_samples=len(real_images))
    for start in range(0, len(fake_images), 250):
        metric.update_state(fake=fake_images[start : start + 250])
    return float(keras.ops.convert_to_numpy(metric.result()))


def _r3gan_variant(**extra):
    """An r3gan recipe with one more tool, built by `recipes._r3gan`."""
    def build(image_shape, num_images=None, num_classes=None, seed=None):
        from keras_gan import recipes

        return recipes._r3gan(image_shape, num_images, num_classes, seed,
                              **{k: f(seed) for k, f in extra.items()})

    return build


def _apa(seed):
    from keras_gan.augment import AdaptivePseudoAugment

    return AdaptivePseudoAugment(seed=seed)


def _lecam(seed):
    from keras_gan.penalties import LeCam

    return (LeCam(),)


def _dcgan_color(image_shape, num_images=None, num_classes=None, seed=None):
    """`dcgan_diffaugment` with the reference's full policy (with color)."""
    import keras

    from keras_gan import recipes
    from keras_gan.augment import DiffAugment

    gan = recipes.dcgan_diffaugment(image_shape, num_images, num_classes,
                                    seed)
    augment = DiffAugment("color,translation,cutout", seed=seed)
    gan.compile_from_config({
        **gan.get_compile_config(),
        "augment": keras.saving.serialize_keras_object(augment),
    })
    return gan


def _dcgan_defaults(image_shape, num_images=None, num_classes=None,
                    seed=None):
    """What a new user writes: `models.dcgan` and `compile()` defaults."""
    import keras

    from keras_gan import GAN
    from keras_gan import models

    if seed is not None:
        keras.utils.set_random_seed(seed)
    gan = GAN(*models.dcgan(image_shape=image_shape), seed=seed)
    gan.compile()
    return gan


#: Variants measured here that are not recipes of `keras_gan.recipes`:
#: r3gan with APA (Jiang et al. 2021) and with LeCam (Tseng et al. 2021),
#: each at its paper's defaults, dcgan_diffaugment with the `color`
#: operation that the recipe leaves out, and the plain `models.dcgan` with
#: `GAN.compile()`'s defaults (no EMA), the issue's starting point.
VARIANTS = {
    "dcgan_defaults": _dcgan_defaults,
    "r3gan_apa": _r3gan_variant(augment=_apa),
    "r3gan_lecam": _r3gan_variant(extra_penalties=_lecam),
    "dcgan_diffaugment_color": _dcgan_color,
}


def build(recipe, image_shape, num_images, seed):
    """A recipe of `keras_gan.recipes`, or one of `VARIANTS`."""
    from keras_gan import recipes

    if recipe in VARIANTS:
        return VARIANTS[recipe](image_shape, num_images=num_images,
                                seed=seed)
    return recipes.build(recipe, image_shape=image_shape,
                         num_images=num_images, seed=seed)


def with_g_learning_rate(gan, learning_rate):
    """`gan` recompiled with its generator optimizer at `learning_rate`."""
    import keras

    config = gan.get_compile_config()
    g_optimizer = keras.saving.deserialize_keras_object(config["g_optimizer"])
    g_optimizer.learning_rate = learning_rate
    gan.compile_from_config({
        **config,
        "g_optimizer": keras.saving.serialize_keras_object(g_optimizer),
    })
    return gan


def train_and_measure(recipe, images, steps, batch_size, seed, fd,
                      grid_path=None, num_samples=1000, eager=False,
                      g_learning_rate=None):
    """Builds `recipe`, trains `steps` steps, returns the metrics dict.

    `g_learning_rate`: when given, replaces the recipe's generator
    learning rate (the `--g-lr` sweep)."""
    from keras_gan.callbacks import image_grid

    gan = build(recipe, images.shape[1:], len(images), seed)
    if g_learning_rate is not None:
        gan = with_g_learning_rate(gan, g_learning_rate)
    if eager:  # --quick: a compilation costs more than two tiny steps
        gan.compile_from_config(
            {**gan.get_compile_config(), "run_eagerly": True}
        )
    per_epoch = len(images) // batch_size
    epochs = max(1, -(-steps // per_epoch))
    x = images[: per_epoch * batch_size]
    start = time.perf_counter()
    history = gan.fit(x, batch_size=batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    fakes = np.asarray(gan.generate(num_samples, seed=seed + 1))
    rng = np.random.default_rng(seed)
    real64 = images[rng.choice(len(images), 64, replace=False)]
    row = {
        "recipe": recipe,
        "steps": epochs * per_epoch,
        "seconds": round(seconds, 1),
        "diversity": round(diversity_ratio(real64, fakes[:64]), 3),
        "nn_ratio": round(nn_ratio(images, fakes[:200]), 3),
        "fd": round(fd(images, fakes), 3),
        "d_loss": round(float(history.history["d_loss"][-1]), 3),
        "g_loss": round(float(history.history["g_loss"][-1]), 3),
        "finite": bool(np.isfinite(fakes).all()),
    }
    if grid_path:
        from PIL import Image

        grid = image_grid(fakes[:64], rows=8)
        if grid.shape[-1] == 1:
            grid = grid[..., 0]
        image = Image.fromarray(grid)
        image = image.resize((image.width * 2, image.height * 2),
                             Image.NEAREST)
        image.save(grid_path)
    return row


def real_grid(images, path, seed=0):
    """A grid of 64 training images, for comparison with the samples."""
    from PIL import Image

    from keras_gan.callbacks import image_grid

    rng = np.random.default_rng(seed)
    grid = image_grid(images[rng.choice(len(images), 64, replace=False)],
                      rows=8)
    if grid.shape[-1] == 1:
        grid = grid[..., 0]
    image = Image.fromarray(grid)
    image.resize((image.width * 2, image.height * 2), Image.NEAREST).save(path)


def run(args):
    import keras

    from keras_gan.data import load_digits

    results = {
        "backend": keras.backend.backend(),
        "quick": args.quick,
        "nproc": os.cpu_count(),
        "load_before": [round(v, 2) for v in os.getloadavg()],
        "rows": [],
    }
    datasets = {}
    if "photos" in args.datasets:
        crops, used_skimage = photo_crops(
            args.num_photos, size=args.photo_size, seed=args.seed
        )
        results["photos_from_skimage"] = used_skimage
        datasets["photos"] = (crops, pooled_fd)
    if "digits" in args.datasets:
        digits, _ = load_digits(image_size=args.digits_size)
        digits = digits[: args.num_digits]
        datasets["digits"] = (digits, classifier_fid)
    for name, (images, fd) in datasets.items():
        if args.grid_dir:
            real_grid(images, os.path.join(
                args.grid_dir, f"small_data_{name}_real.png"))
        for recipe in args.recipes:
            grid = None
            if args.grid_dir:
                grid = os.path.join(
                    args.grid_dir, f"small_data_{name}_{recipe}.png")
            row = train_and_measure(
                recipe, images, args.steps, args.batch_size, args.seed, fd,
                grid_path=grid, num_samples=args.num_samples,
                eager=args.quick, g_learning_rate=args.g_lr,
            )
            if args.g_lr is not None:
                row["g_learning_rate"] = args.g_lr
            row["dataset"] = name
            row["num_images"] = len(images)
            row["load"] = round(os.getloadavg()[0], 2)
            print(json.dumps(row), flush=True)
            results["rows"].append(row)
    results["load_after"] = [round(v, 2) for v in os.getloadavg()]
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=1)
    return results


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny run that checks the script (seconds)")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-photos", type=int, default=384)
    parser.add_argument("--photo-size", type=int, default=32)
    parser.add_argument("--digits-size", type=int, default=28)
    parser.add_argument("--num-digits", type=int, default=1797)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", default="photos,digits")
    parser.add_argument("--g-lr", type=float, default=None,
                        help="replace the recipe's generator learning rate")
    parser.add_argument("--recipes", default=None,
                        help="comma-separated recipes or VARIANTS; default "
                        "every recipe")
    parser.add_argument("--grid-dir", default=os.path.join(ROOT, "docs",
                                                           "img"))
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    from keras_gan import recipes

    args.datasets = args.datasets.split(",")
    args.recipes = (args.recipes.split(",") if args.recipes
                    else list(recipes.names()[1:]))
    if args.quick:
        args.steps, args.num_photos, args.num_digits = 2, 80, 80
        args.batch_size, args.num_samples = 16, 80
        args.photo_size, args.digits_size = 8, 8
    return args


def main(argv=None):
    return run(parse(argv))


if __name__ == "__main__":
    main()
