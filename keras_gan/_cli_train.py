"""`keras-gan train`: data, model, run folder and callbacks."""

import collections
import json
import os
import shlex
import sys
import time

import keras
import numpy as np

import keras_gan
from keras_gan import _run
from keras_gan.cli import UsageError

DEFAULT_EPOCHS = 30
# digits: 60 epochs of 28 steps (batch 64); see benchmarks/demo_time.py.
DIGITS_EPOCHS = 60
MAX_DEFAULT_SIDE = 64
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def _default_size(report):
    """The most common (height, width), scaled down to <= 64 a side."""
    (width, height), _ = report.sizes.most_common(1)[0]
    scale = min(1.0, MAX_DEFAULT_SIDE / max(width, height))
    return (max(8, round(height * scale)), max(8, round(width * scale)))


def _load_digits(image_size, labels):
    from keras_gan.data import load_digits

    x, y = load_digits(image_size=8)
    if tuple(image_size) != (8, 8):
        x = keras.ops.convert_to_numpy(
            keras.ops.image.resize(x, image_size, interpolation="bilinear")
        )
        x = np.clip(x, -1.0, 1.0).astype("float32")
    info = {"num_files": len(x), "skipped": []}
    if labels:
        return x, y, [str(i) for i in range(10)], info
    return x, None, None, info


def _load_folder(directory, image_size, labels):
    """Scans (summary printed), then reads the readable images once."""
    from keras_gan.data import image_dataset
    from keras_gan.data import scan_images

    if not os.path.isdir(directory):
        raise UsageError(
            f"DATA should be an image folder or `digits`. Received: "
            f"{directory!r} (no such folder)"
        )
    report = scan_images(directory, labels=labels)
    report.summary()
    if report.num_images == 0:
        raise UsageError(f"no readable images in {directory!r}")
    if report.bad_files:
        print(f"Skipping {len(report.bad_files)} unreadable file(s):")
        for path in report.bad_files:
            print(f"  {path}: {report.unreadable[path]}")
    if labels and not report.class_counts:
        raise UsageError(
            "--labels inferred needs one subfolder per class in DATA"
        )
    image_size = image_size or _default_size(report)
    gray = all(mode in GRAY_MODES for mode in report.modes)
    data = image_dataset(
        directory, image_size, batch_size=256, channels=1 if gray else 3,
        labels=labels, shuffle=False, on_error="skip",
    )
    xs, ys = [], []
    batches = data if hasattr(data, "take") else (
        data[i] for i in range(len(data))
    )
    for batch in batches:
        if labels:
            batch, label = batch
            ys.append(np.asarray(label))
        # uint8 in memory: a quarter of float32, as the files held.
        pixels = (np.asarray(batch, dtype="float32") + 1.0) * 127.5
        xs.append(np.clip(pixels.round(), 0, 255).astype("uint8"))
    x = np.concatenate(xs)
    y = np.concatenate(ys).astype("int32") if labels else None
    info = {"num_files": report.num_files, "skipped": report.bad_files}
    return x, y, (list(data.class_names) if labels else None), info


def load_data(data, image_size, labels):
    """`(x, y, class_names, info)` for DATA; x is float32 or uint8."""
    if data == "digits":
        return _load_digits(image_size or (8, 8), labels)
    return _load_folder(data, image_size, labels)


def _build_model(config):
    try:
        from keras_gan import recipes
    except ImportError:
        raise UsageError(
            "keras_gan.recipes is not available in this install"
        ) from None
    names = list(recipes.names())
    if config["recipe"] not in ("auto", *names):
        raise UsageError(
            f"--recipe should be auto or one of {names}. Received: "
            f"{config['recipe']!r}"
        )
    return recipes.build(
        recipe=config["recipe"],
        image_shape=tuple(config["image_shape"]),
        num_images=config["num_images"],
        num_classes=config["num_classes"],
        seed=config["seed"],
    )


def _new_config(args, argv, x, class_names, info):
    batch_size = min(args.batch_size, len(x))
    steps_per_epoch = max(1, len(x) // batch_size)
    if args.steps:
        steps_per_epoch = min(steps_per_epoch, args.steps)
        epochs = -(-args.steps // steps_per_epoch)
    else:
        default = DIGITS_EPOCHS if args.data == "digits" else DEFAULT_EPOCHS
        epochs = args.epochs or default
    return {
        "command": "keras-gan " + shlex.join(argv),
        "argv": argv,
        "data": args.data if args.data == "digits" else os.path.abspath(
            args.data
        ),
        "recipe": args.recipe,
        "image_shape": list(x.shape[1:]),
        "num_images": int(len(x)),
        "num_files": info["num_files"],
        "skipped_files": info["skipped"],
        "labels": args.labels,
        "num_classes": len(class_names) if class_names else None,
        "class_names": class_names,
        "batch_size": batch_size,
        "steps_per_epoch": steps_per_epoch,
        "epochs": epochs,
        "seed": args.seed,
        "checkpoint_every": args.checkpoint_every or max(1, epochs // 5),
        "keep": args.keep,
        "eval_every": args.eval_every or max(1, epochs // 10),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "keras_gan_version": keras_gan.__version__,
        "python": sys.version.split()[0],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _resume_config(args, argv, run):
    path = os.path.join(run, "config.json")
    if not os.path.exists(path):
        raise UsageError(f"--resume: {run!r} holds no run (no config.json)")
    with open(path) as f:
        config = json.load(f)
    data = args.data if args.data == "digits" else os.path.abspath(args.data)
    if data != config["data"]:
        raise UsageError(
            f"--resume: DATA should be the run's data {config['data']!r}. "
            f"Received: {args.data!r}"
        )
    if args.steps:
        config["epochs"] = -(-args.steps // config["steps_per_epoch"])
    elif args.epochs:
        config["epochs"] = args.epochs
    config.setdefault("resumed", []).append(
        {"command": "keras-gan " + shlex.join(argv),
         "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
         "backend": keras.backend.backend()}
    )
    return config


def _real_images(x, count=1000):
    x = x[:count]
    if x.dtype == np.uint8:
        return x.astype("float32") / 127.5 - 1.0
    return x


def _evaluation_callbacks(config, x, y=None):
    callbacks = []
    if config["data"] == "digits" and x.shape[-1] == 1:
        from keras_gan.metrics import FrechetDistance
        from keras_gan.metrics import digits_classifier

        callbacks.append(keras_gan.callbacks.GANEvaluator(
            FrechetDistance(digits_classifier()), _real_images(x),
            num_samples=min(1000, len(x)),
        ))
    real = _real_images(x, 256)
    if y is not None:  # a conditional GAN's D takes the labels too
        real = (real, y[:256])
    callbacks.append(
        keras_gan.callbacks.TrainingMonitor(real, on_failure="warn")
    )
    return [_run.Every(c, config["eval_every"]) for c in callbacks]


def train(args, argv):
    """Runs `keras-gan train`; returns the exit code."""
    run = args.out
    config_path = os.path.join(run, "config.json")
    if args.resume:
        config = _resume_config(args, argv, run)
        image_size = tuple(config["image_shape"][:2])
        labels = config["labels"]
    else:
        if os.path.exists(config_path):
            raise UsageError(
                f"{run!r} already holds a run: pass --resume to continue "
                "it, or another --out"
            )
        image_size, labels = args.image_size, args.labels
    x, y, class_names, info = load_data(args.data, image_size, labels)
    if not args.resume:
        config = _new_config(args, argv, x, class_names, info)
    state = _run.read_state(run) if args.resume else None
    if args.resume and state is None:
        raise UsageError(f"--resume: {run!r} has no checkpoint yet")
    initial_epoch = state["epoch"] if state else 0
    if initial_epoch >= config["epochs"]:
        print(f"{run}: already trained {initial_epoch} epochs (of "
              f"{config['epochs']}); pass a larger --epochs to go on.")
        return 0
    os.makedirs(run, exist_ok=True)
    _run.write_json(config_path, config)

    keras.utils.set_random_seed(config["seed"] + initial_epoch)
    if state:
        gan = keras.saving.load_model(os.path.join(run, state["checkpoint"]))
    else:
        gan = _build_model(config)
    data = _run.OrderedBatches(
        x, y, config["batch_size"], config["seed"],
        start_step=initial_epoch * config["steps_per_epoch"],
        steps_per_epoch=config["steps_per_epoch"],
    )
    log = _run.WarningLog(os.path.join(run, "warnings.txt"))
    grids = keras_gan.callbacks.SampleGrid(
        os.path.join(run, "samples"), num_samples=64,
        tensorboard_dir=os.path.join(run, "tensorboard"),
    )
    callbacks = _evaluation_callbacks(config, x, y) + [
        _run.Every(grids, config["eval_every"]),
        _run.MetricsCSV(os.path.join(run, "metrics.csv")),
        _run.Checkpoints(run, config["checkpoint_every"], config["keep"],
                         config["steps_per_epoch"]),
        _run.Report(run, config, log, every=config["eval_every"]),
    ]
    tensorboard = _run.tensorboard_callback(os.path.join(run, "tensorboard"))
    if tensorboard is None:
        log.add("TensorBoard scalars need TensorFlow (not installed): "
                "tensorboard/ holds the sample grids only")
    else:
        callbacks.append(tensorboard)
    if not args.quiet:
        callbacks.append(keras_gan.callbacks.RunProgress())
    print(f"Training {config['recipe']} on {config['data']}: "
          f"{config['num_images']} images {tuple(config['image_shape'])}, "
          f"epochs {initial_epoch + 1}-{config['epochs']} x "
          f"{config['steps_per_epoch']} steps, batch "
          f"{config['batch_size']}, backend {keras.backend.backend()}")
    start = time.time()
    with log.capture():
        gan.fit(data, epochs=config["epochs"], initial_epoch=initial_epoch,
                steps_per_epoch=config["steps_per_epoch"],
                callbacks=callbacks, shuffle=False, verbose=0)
    seconds = time.time() - start
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    summary = collections.OrderedDict(
        seconds=round(seconds, 1), epochs=config["epochs"],
        load_average_1min=load, cpu_count=os.cpu_count(),
    )
    _run.write_json(os.path.join(run, "timing.json"), summary)
    print(f"Trained epochs {initial_epoch + 1}-{config['epochs']} in "
          f"{seconds:.1f} s on {keras.backend.backend()} ({os.cpu_count()} "
          f"CPU cores, load average {load:.1f} at the end). Report: "
          f"{os.path.abspath(os.path.join(run, 'report.html'))}")
    return 0
