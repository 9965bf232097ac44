"""WGAN-GP on the eight-Gaussians ring, the classic 2-D toy problem.

    python examples/wgan_gp_ring.py --output ring.png [--epochs 30] [--quick]

The data are points around 8 centres on a circle of radius 2 (std 0.05).
The setup is the toy experiment of the WGAN-GP paper: 3-layer ReLU MLPs,
5 critic steps per generator step, Adam(beta_1=0.5, beta_2=0.9) and a
penalty weight of 0.1. The script prints how many of the 8 modes the
generator covers and the fraction of its samples within 0.3 of a centre,
and draws real (grey) and generated (red) points into a PNG.
"""

import argparse
import time

import keras
import numpy as np
from keras import layers

import keras_gan

CENTRES = 2.0 * np.stack(
    [np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1
)


def ring(n, rng):
    modes = CENTRES[rng.integers(0, 8, n)]
    return (modes + 0.05 * rng.standard_normal((n, 2))).astype("float32")


def mlp(inputs, outputs, width):
    x = keras.Input((inputs,))
    h = x
    for _ in range(3):
        h = layers.Dense(width, activation="relu")(h)
    return keras.Model(x, layers.Dense(outputs)(h))


def describe(points):
    """Modes covered (of 8) and the fraction of points near a centre."""
    distance = np.linalg.norm(points[:, None] - CENTRES[None], axis=-1)
    near = distance.min(axis=1) < 0.3
    covered = len(np.unique(distance.argmin(axis=1)[near]))
    return covered, float(near.mean())


def scatter(real, fake, path, size=400):
    from PIL import Image
    from PIL import ImageDraw

    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for points, color in ((real, (170, 170, 170)), (fake, (220, 30, 30))):
        for px, py in (points / 3.0 + 1.0) * size / 2:
            draw.point((float(px), float(size - py)), fill=color)
    image.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="ring.png")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="two epochs on 2048 points"
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = ring(2048 if args.quick else 16384, rng)
    epochs = 2 if args.quick else args.epochs

    gan = keras_gan.GAN(mlp(2, 2, 128), mlp(2, 1, 128), seed=args.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
        loss="wasserstein",
        d_steps=5,
        penalty=keras_gan.penalties.GradientPenalty(weight=0.1),
        ema_decay=0.99,
        data_range=None,  # 2-D points of any value: no range to check
    )
    start = time.time()
    gan.fit(x, batch_size=256, epochs=epochs, verbose=2)
    samples = gan.generate(2000, seed=1)
    covered, near = describe(samples)
    scatter(x[:2000], samples, args.output)
    print(
        f"Trained {epochs} epochs in {time.time() - start:.0f}s on "
        f"{keras.backend.backend()}: {covered} of 8 modes covered, "
        f"{near:.0%} of the samples within 0.3 of a centre. "
        f"Plot: {args.output}"
    )
    return covered, near


if __name__ == "__main__":
    main()
