"""Train a DCGAN on scikit-learn's digits and plot its FID against epochs.

    python examples/fid_curve.py --output fid_curve.png [--epochs 30] [--quick]

The FID uses `keras_gan.metrics.digits_classifier()` features (a small
classifier fitted on the same digits, cached under $KERAS_HOME/keras_gan),
so nothing is downloaded; its values are comparable with each other only,
not with published (InceptionV3) FIDs. Runs on any Keras backend (set
KERAS_BACKEND). The plot is drawn with Pillow.
"""

import argparse
import time

import keras
import numpy as np

import keras_gan


def plot(epochs, series, path, title):
    """Draws `series` ({label: values}) against `epochs` into a PNG."""
    from PIL import Image
    from PIL import ImageDraw

    width, height, margin = 640, 400, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    values = np.concatenate([np.asarray(v, float) for v in series.values()])
    top = float(values.max()) * 1.05 or 1.0
    left_x, right_x = min(epochs), max(max(epochs), min(epochs) + 1)

    def xy(epoch, v):
        x = margin + (epoch - left_x) / (right_x - left_x) * (
            width - 2 * margin
        )
        y = height - margin - v / top * (height - 2 * margin)
        return x, y

    draw.rectangle(
        [margin, margin, width - margin, height - margin], outline="black"
    )
    for k in range(6):  # horizontal grid and value labels
        v = top * k / 5
        _, y = xy(left_x, v)
        draw.line([margin, y, width - margin, y], fill=(225, 225, 225))
        draw.text((5, y - 6), f"{v:.3g}", fill="black")
    step = max(1, (right_x - left_x) // 10)
    for epoch in range(left_x, right_x + 1, step):
        x, _ = xy(epoch, 0)
        draw.line([x, height - margin, x, height - margin + 5], fill="black")
        draw.text((x - 6, height - margin + 8), str(epoch), fill="black")
    colors = [(31, 119, 180), (214, 39, 40), (44, 160, 44)]
    for i, (label, vals) in enumerate(series.items()):
        points = [xy(e, v) for e, v in zip(epochs, vals)]
        color = colors[i % len(colors)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2)
        for x, y in points:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=color)
        draw.text((width - margin - 150, margin + 8 + 14 * i), label,
                  fill=color)
    draw.text((margin, 20), title, fill="black")
    draw.text((width // 2 - 20, height - 25), "epoch", fill="black")
    image.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="fid_curve.png")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", default=None,
                        help="where digits_classifier() keeps its weights")
    parser.add_argument(
        "--quick", action="store_true", help="two epochs, for CI"
    )
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    num_samples = 200 if args.quick else args.num_samples
    keras.utils.set_random_seed(args.seed)

    images, _ = keras_gan.data.load_digits()
    generator, discriminator = keras_gan.models.dcgan(
        image_shape=images.shape[1:], latent_dim=32
    )
    gan = keras_gan.GAN(generator, discriminator, seed=args.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss=keras_gan.losses.NonSaturating(label_smoothing=0.1),
        ema_decay=0.99,
    )
    features = keras_gan.metrics.digits_classifier(cache_dir=args.cache_dir)
    fid = keras_gan.metrics.FrechetDistance(features)
    kid = keras_gan.metrics.KernelDistance(
        features, subsets=20, subset_size=min(500, num_samples)
    )
    evaluator = keras_gan.callbacks.GANEvaluator(
        [fid, kid], images, num_samples=num_samples
    )
    # Floor: the FID between two disjoint halves of the real digits, i.e.
    # what a perfect generator would score at this sample size.
    floor = keras_gan.metrics.FrechetDistance(features)
    half = min(num_samples, len(images) // 2)
    floor.update_state(real=images[:half], fake=images[-half:])
    floor = float(keras.ops.convert_to_numpy(floor.result()))

    start = time.time()
    gan.fit(images, batch_size=args.batch_size, epochs=epochs,
            callbacks=[evaluator], verbose=2)
    fids = evaluator.history["fid"]
    plot(
        evaluator.epochs,
        {"FID (digits features)": fids,
         f"real vs real ({half} each): {floor:.3g}": [floor] * len(fids)},
        args.output,
        f"DCGAN on digits, {keras.backend.backend()}, {num_samples} samples",
    )
    print(
        f"Trained {epochs} epochs in {time.time() - start:.0f}s. "
        f"FID by epoch: {[round(v, 3) for v in fids]}; KID: "
        f"{[round(v, 4) for v in evaluator.history['kid']]}; "
        f"real-vs-real FID {floor:.3g}. Plot: {args.output}"
    )
    return fids


if __name__ == "__main__":
    main()
