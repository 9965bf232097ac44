"""Train one of the ready architectures on 16x16 digits and score it.

    python examples/compare_architectures.py --arch resnet --output out/
        [--epochs 20] [--quick]

`--arch` is one of dcgan, resnet, stylegan, progressive; each is trained
with the recipe of its paper, scaled down to a CPU:

- dcgan: non-saturating loss, Adam(2e-4, beta_1=0.5);
- resnet (SNGAN): hinge loss, Adam(2e-4, beta_1=0, beta_2=0.9), DiffAugment
  (translation and cutout), since the digits are a small dataset;
- stylegan (StyleGAN2-lite): non-saturating loss, lazy R1 every 4 steps,
  Adam(2e-3, beta_1=0, beta_2=0.99);
- progressive (ProGAN): 4x4 -> 8x8 -> 16x16 with fades, by the
  `ProgressiveGrowing` callback; Adam(1e-3, beta_1=0, beta_2=0.99) as in the
  paper, but the non-saturating loss with R1 instead of its WGAN-GP, which
  did worse on these digits.

All use a generator EMA. At the end the script writes a sample grid and
prints the Frechet distance between 1,000 generated and 1,000 real digits
in the features of `keras_gan.metrics.digits_classifier` (lower is better;
the real-vs-real value at that size is printed next to it).
"""

import argparse
import os
import time

import keras

import keras_gan

ARCHITECTURES = ("dcgan", "resnet", "stylegan", "progressive")


def build(arch, epochs):
    """The `(generator, discriminator)`, compile arguments and callbacks."""
    shape, latent = (16, 16, 1), 32
    callbacks = []
    if arch == "dcgan":
        pair = keras_gan.models.dcgan(shape, latent, filters=32)
        optimizer = dict(learning_rate=2e-4, beta_1=0.5)
        extra = dict(loss=keras_gan.losses.NonSaturating(0.1))
    elif arch == "resnet":
        pair = keras_gan.models.resnet(shape, latent, filters=16)
        optimizer = dict(learning_rate=2e-4, beta_1=0.0, beta_2=0.9)
        extra = dict(
            loss="hinge",
            augment=keras_gan.augment.DiffAugment("translation,cutout"),
        )
    elif arch == "stylegan":
        pair = keras_gan.models.stylegan(shape, latent, filters=16)
        optimizer = dict(learning_rate=2e-3, beta_1=0.0, beta_2=0.99)
        extra = dict(penalty=keras_gan.penalties.R1(gamma=0.1, every=4))
    elif arch == "progressive":
        pair = keras_gan.models.progressive(shape, latent, filters=16)
        optimizer = dict(learning_rate=1e-3, beta_1=0.0, beta_2=0.99)
        # The paper's WGAN-GP reached a digits FID of 12.7 here (27.8 at
        # lr 5e-4); the non-saturating loss with R1 reached 5.2.
        extra = dict(penalty=keras_gan.penalties.R1(gamma=1.0))
        # Three stages (4, 8, 16): the last third of training at 16x16.
        per_stage = max(1, epochs // 3)
        callbacks.append(keras_gan.callbacks.ProgressiveGrowing(
            epochs_per_stage=per_stage, fade_epochs=per_stage // 2
        ))
    else:
        raise ValueError(
            f"`--arch` should be one of {ARCHITECTURES}. Received: {arch!r}"
        )
    compile_args = dict(
        d_optimizer=keras.optimizers.Adam(**optimizer),
        g_optimizer=keras.optimizers.Adam(**optimizer),
        ema_decay=0.99,
        **extra,
    )
    return pair, compile_args, callbacks


def frechet_distance(features, real, fake):
    fid = keras_gan.metrics.FrechetDistance(features)
    fid.update_state(real=real, fake=fake)
    return float(keras.ops.convert_to_numpy(fid.result()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=ARCHITECTURES, default="resnet")
    parser.add_argument("--output", default="samples_arch")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", default=None,
                        help="where digits_classifier() keeps its weights")
    parser.add_argument(
        "--quick", action="store_true", help="two epochs on 256 images"
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    epochs = 2 if args.quick else args.epochs

    x, _ = keras_gan.data.load_digits(image_size=16)
    train = x[:256] if args.quick else x
    (generator, discriminator), compile_args, callbacks = build(
        args.arch, epochs
    )
    gan = keras_gan.GAN(generator, discriminator, seed=args.seed)
    gan.compile(**compile_args)
    start = time.time()
    gan.fit(train, batch_size=64, epochs=epochs, callbacks=callbacks,
            verbose=2)
    seconds = time.time() - start

    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, f"{args.arch}.png")
    samples = gan.generate(1000, seed=1)
    keras.utils.save_img(
        path, keras_gan.callbacks.image_grid(samples[:64]), scale=False
    )
    features = keras_gan.metrics.digits_classifier(cache_dir=args.cache_dir)
    fid = frechet_distance(features, x[:1000], samples)
    floor = frechet_distance(features, x[:1000], x[-797:])
    print(
        f"{args.arch}: {epochs} epochs in {seconds:.0f}s on "
        f"{keras.backend.backend()}; digits FID {fid:.2f} (real vs real: "
        f"{floor:.2f}). Samples: {path}"
    )
    return fid


if __name__ == "__main__":
    main()
