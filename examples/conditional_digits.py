"""Train a conditional DCGAN on scikit-learn's digits: ask for a digit, get it.

    python examples/conditional_digits.py --output samples_cond [--quick]

Writes one sample grid per epoch with one row per digit class, then checks
the generator with a classifier trained on the real digits: the fraction of
generated samples it reads as the requested digit. Runs on any Keras
backend; nothing is downloaded.
"""

import argparse
import time

import keras
import numpy as np

import keras_gan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="samples_cond")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="two short epochs, for CI"
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    x, y = keras_gan.data.load_digits()
    train_x, train_y = (x[:256], y[:256]) if args.quick else (x, y)
    epochs = 2 if args.quick else args.epochs
    generator, discriminator = keras_gan.models.dcgan(
        image_shape=(8, 8, 1), latent_dim=32, filters=32, num_classes=10
    )
    gan = keras_gan.GAN(generator, discriminator, num_classes=10,
                        seed=args.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    grids = keras_gan.callbacks.SampleGrid(args.output, num_samples=80)
    start = time.time()
    gan.fit(train_x, train_y, batch_size=args.batch_size, epochs=epochs,
            callbacks=[grids], verbose=2)

    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(max_iter=2000)
    classifier.fit(x.reshape(len(x), -1), y)
    labels = np.repeat(np.arange(10), 30)
    samples = gan.generate(len(labels), labels=labels, seed=1)
    read = classifier.predict(samples.reshape(len(labels), -1))
    accuracy = float(np.mean(read == labels))
    print(
        f"Trained {epochs} epochs in {time.time() - start:.0f}s on "
        f"{keras.backend.backend()}. A classifier trained on real digits "
        f"reads {accuracy:.0%} of the samples as the requested digit. "
        f"Grids (one row per digit): {grids.paths[-1]}"
    )
    return accuracy


if __name__ == "__main__":
    main()
