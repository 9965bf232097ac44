"""Train a DCGAN on scikit-learn's digits and write sample grids.

    python examples/train_digits.py --output samples [--epochs 50] [--quick]

Runs on any Keras backend (set KERAS_BACKEND). Nothing is downloaded: the
digits ship with scikit-learn.
"""

import argparse
import os
import time

import keras
import numpy as np

import keras_gan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="samples")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--image-size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true",
        help="two epochs on 256 images, for CI",
    )
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    keras.utils.set_random_seed(args.seed)

    x, _ = keras_gan.data.load_digits(image_size=args.image_size)
    if args.quick:
        x = x[:256]
    generator, discriminator = keras_gan.models.dcgan(
        image_shape=x.shape[1:], latent_dim=64, filters=64
    )
    gan = keras_gan.GAN(generator, discriminator, seed=args.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss=keras_gan.losses.NonSaturating(label_smoothing=0.1),
        ema_decay=0.99,
    )
    grids = keras_gan.callbacks.SampleGrid(
        args.output, num_samples=64, every_n_epochs=max(1, epochs // 6)
    )
    start = time.time()
    gan.fit(x, batch_size=args.batch_size, epochs=epochs, callbacks=[grids],
            verbose=2)
    seconds = time.time() - start
    # The final model's samples (the grids' latents), 8x larger. The last
    # epoch_*.png can be older: grids are written every few epochs.
    from PIL import Image

    big = os.path.join(args.output, "final_x8.png")
    final = grids.make_grid()
    final = Image.fromarray(final[..., 0] if final.shape[-1] == 1 else final)
    final.resize((final.width * 8, final.height * 8), Image.NEAREST).save(big)
    print(
        f"Trained {epochs} epochs in {seconds:.0f}s on "
        f"{keras.backend.backend()}. Sample grids: "
        f"{os.path.abspath(args.output)}/ (largest: {big})"
    )
    return np.asarray(grids.paths)


if __name__ == "__main__":
    main()
