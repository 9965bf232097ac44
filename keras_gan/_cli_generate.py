"""`keras-gan generate`: PNG files and a manifest from a run."""

import csv
import json
import os

import keras
import numpy as np

from keras_gan import _run
from keras_gan.cli import UsageError


def _checkpoint(run, which):
    if run.endswith(".keras"):
        return run, {}
    config_path = os.path.join(run, "config.json")
    config = {}
    if os.path.exists(config_path):
        with open(config_path) as f:
            config = json.load(f)
    if which.endswith(".keras"):
        return which, config
    if which == "best":
        path = os.path.join(run, "checkpoints", "best.keras")
        if not os.path.exists(path):
            raise UsageError(
                f"{run!r} has no best.keras (it is written when FID is "
                "evaluated); use --checkpoint latest"
            )
        return path, config
    if which != "latest":
        raise UsageError(
            "--checkpoint should be latest, best or a .keras path. "
            f"Received: {which!r}"
        )
    state = _run.read_state(run)
    if state is None:
        raise UsageError(f"{run!r} holds no checkpoint (no state.json)")
    return os.path.join(run, state["checkpoint"]), config


def _labels(args, num_classes):
    if num_classes:
        if args.per_class:
            return np.repeat(np.arange(num_classes), args.per_class)
        return np.arange(args.num) % num_classes
    if args.per_class:
        raise UsageError(
            "--per-class needs a conditional model (trained with --labels "
            "inferred); use --num"
        )
    return None


def _to_pixels(images):
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype("uint8")
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def generate(args):
    """Runs `keras-gan generate`; returns the exit code."""
    from PIL import Image

    path, config = _checkpoint(args.run, args.checkpoint)
    if not os.path.exists(path):
        raise UsageError(f"no checkpoint at {path!r}")
    gan = keras.saving.load_model(path)
    num_classes = getattr(gan, "num_classes", None)
    labels = _labels(args, num_classes)
    count = len(labels) if labels is not None else args.num
    names = config.get("class_names") or [
        str(i) for i in range(num_classes or 0)
    ]
    rng = np.random.default_rng(args.seed)
    z = rng.standard_normal((count, gan.latent_dim)).astype("float32")
    # The truncation trick in z: latents pulled towards their mean, 0.
    z *= args.truncation
    net = gan.generator
    if not args.no_ema and getattr(gan, "ema_generator", None) is not None:
        net = gan.ema_generator
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for start in range(0, count, 256):
        zb = z[start : start + 256]
        inputs = zb
        if labels is not None:
            inputs = [zb, labels[start : start + 256].astype("int32")]
        images = keras.ops.convert_to_numpy(net(inputs, training=False))
        for offset, image in enumerate(_to_pixels(images)):
            index = start + offset
            if labels is not None:
                label = int(labels[index])
                name = os.path.join(names[label], f"{index:06d}.png")
            else:
                label, name = "", f"{index:06d}.png"
            target = os.path.join(args.out, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            Image.fromarray(image).save(target)
            rows.append({
                "file": name, "label": label,
                "class": names[label] if label != "" else "",
            })
    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, ["file", "label", "class"])
        writer.writeheader()
        writer.writerows(rows)
    _run.write_json(os.path.join(args.out, "manifest.json"), {
        "checkpoint": os.path.abspath(path),
        "count": count,
        "seed": args.seed,
        "truncation": args.truncation,
        "ema": net is not gan.generator,
        "num_classes": num_classes,
        "class_names": names or None,
    })
    print(f"Wrote {count} images and manifest.csv to "
          f"{os.path.abspath(args.out)}")
    return 0
