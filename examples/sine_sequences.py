"""Train a recurrent GAN on sine waves and check what it generates.

    python examples/sine_sequences.py [--epochs 20] [--quick]

The data are 24-step sine waves with period 12 and a random phase. After
training, the script reports, for 512 generated sequences: the fraction
whose dominant frequency is the data's, their mean amplitude, and how evenly
their phases cover the circle (1.0 for uniform phases, 0.0 when every
sequence has the same phase, i.e. mode collapse). Runs on any Keras backend.
"""

import argparse
import time

import keras
import numpy as np

import keras_gan

LENGTH, PERIOD = 24, 12


def sines(n, rng):
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    steps = np.arange(LENGTH)
    return np.sin(2 * np.pi * steps / PERIOD + phase)[..., None].astype(
        "float32"
    )


def describe(sequences):
    """Dominant-frequency match, mean amplitude and phase coverage."""
    s = sequences[..., 0]
    spectrum = np.fft.rfft(s, axis=1)
    frequency_match = np.mean(
        np.abs(spectrum).argmax(axis=1) == LENGTH // PERIOD
    )
    amplitude = np.mean((s.max(axis=1) - s.min(axis=1)) / 2)
    phases = np.angle(spectrum[:, LENGTH // PERIOD])
    # 1 - |mean of unit phasors|: 1 for uniform phases, 0 for one phase.
    coverage = 1.0 - np.abs(np.mean(np.exp(1j * phases)))
    return float(frequency_match), float(amplitude), float(coverage)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="two epochs on 256 sequences"
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = sines(256 if args.quick else 2048, rng)
    epochs = 2 if args.quick else args.epochs

    generator, discriminator = keras_gan.models.sequence(
        sequence_length=LENGTH, features=1, latent_dim=16, units=32,
        cell="gru",
    )
    gan = keras_gan.GAN(generator, discriminator, seed=args.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        ema_decay=0.99,
    )
    start = time.time()
    gan.fit(x, batch_size=64, epochs=epochs, verbose=2)
    match, amplitude, coverage = describe(gan.generate(512, seed=1))
    real = describe(sines(512, rng))
    print(
        f"Trained {epochs} epochs in {time.time() - start:.0f}s on "
        f"{keras.backend.backend()}. Generated (real): period {PERIOD} in "
        f"{match:.0%} ({real[0]:.0%}), amplitude {amplitude:.2f} "
        f"({real[1]:.2f}), phase coverage {coverage:.2f} ({real[2]:.2f})."
    )
    return match, amplitude, coverage


if __name__ == "__main__":
    main()
