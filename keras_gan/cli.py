"""The `keras-gan` command: train, generate, scan and fid.

    keras-gan train DATA --out RUN [--recipe NAME] [--image-size H|HxW]
                    [--steps N | --epochs N] [--batch-size N]
                    [--labels inferred] [--backend NAME] [--resume]
    keras-gan generate RUN --num N --out DIR [--per-class N]
                    [--truncation PSI] [--seed S]
    keras-gan scan DIR
    keras-gan fid A B [options of python -m keras_gan.metrics]

Also `python -m keras_gan ...`. Bad arguments print a message and exit
with code 2, as argparse does. `--backend` sets `KERAS_BACKEND`; when Keras
was already imported with another backend the command runs again in a
fresh process.

This module imports Keras only inside the subcommands, so that `--help`
and argument errors are fast.
"""

import argparse
import os
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")


class UsageError(Exception):
    """A bad argument found after parsing: printed, exit code 2."""


def _image_size(text):
    """`"32"` -> `(32, 32)`; `"32x48"` -> `(32, 48)` (height x width)."""
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or min(values, default=0) < 8:
        raise argparse.ArgumentTypeError(
            f"should be H or HxW with both sides >= 8, e.g. 32 or 32x48. "
            f"Received: {text!r}"
        )
    return (values[0], values[-1])


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(
            f"should be a positive integer. Received: {text!r}"
        )
    return value


def _truncation(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"should be a number in (0, 1]. Received: {text!r}"
        )
    return value


def build_parser():
    """The argument parser of the `keras-gan` command.

    Returns:
        An `argparse.ArgumentParser` with subcommands train, generate,
        scan and fid.
    """
    parser = argparse.ArgumentParser(
        prog="keras-gan",
        description="Train GANs on a folder of images, sample them, scan "
        "data and compare image folders.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--backend", choices=BACKENDS,
        help="Keras backend (sets KERAS_BACKEND). Defaults to the "
        "environment's KERAS_BACKEND, else Keras's default.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    train = sub.add_parser(
        "train", parents=[common],
        help="train a GAN; writes a run folder",
        description="Train a GAN chosen by keras_gan.recipes on a folder "
        "of images (scanned first; unreadable files skipped and listed) or "
        "on `digits` (scikit-learn's bundled digits). Writes config.json, "
        "checkpoints/*.keras, samples/epoch_NNNN.png, metrics.csv, "
        "tensorboard/ and report.html into --out.",
    )
    train.add_argument("data", metavar="DATA",
                       help="an image folder, or `digits`")
    train.add_argument("--out", required=True, metavar="RUN",
                       help="the run folder (created)")
    train.add_argument("--recipe", default="auto",
                       help="a name from keras_gan.recipes.names(). "
                       "Defaults to auto (chosen from the data)")
    train.add_argument("--image-size", type=_image_size, metavar="H|HxW",
                       help="training size; defaults to 8 for digits, "
                       "else the most common size, at most 64 a side")
    length = train.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=_positive, metavar="N",
                        help="passes over the data (default 30; digits 60)")
    length.add_argument("--steps", type=_positive, metavar="N",
                        help="generator updates in all, rounded up to "
                        "whole epochs")
    train.add_argument("--batch-size", type=_positive, default=64,
                       metavar="N", help="defaults to 64")
    train.add_argument("--labels", choices=("inferred",),
                       help="inferred: subfolders (digits: 0-9) are "
                       "classes; trains a conditional GAN")
    train.add_argument("--seed", type=int, default=0,
                       help="seed of the model and the data order")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --out from its last "
                       "checkpoint (epochs, sample numbering, data order); "
                       "--epochs/--steps may raise the total")
    train.add_argument("--checkpoint-every", type=_positive, metavar="N",
                       help="epochs between checkpoints (default: 5 per "
                       "run, and the last epoch)")
    train.add_argument("--keep", type=_positive, default=3, metavar="K",
                       help="checkpoints kept besides best.keras (default 3)")
    train.add_argument("--eval-every", type=_positive, metavar="N",
                       help="epochs between FID / health evaluations "
                       "and sample grids (digits: classifier FID; default: 10 "
                       "per run, and the last epoch)")
    train.add_argument("--quiet", action="store_true",
                       help="no progress bar")

    gen = sub.add_parser(
        "generate", parents=[common],
        help="write generated images as PNG files",
        description="Write PNG files from a run's checkpoint, with "
        "manifest.csv (file, label, class). A conditional model writes one "
        "folder per class.",
    )
    gen.add_argument("run", metavar="RUN", help="a run folder (or a .keras)")
    gen.add_argument("--out", required=True, metavar="DIR")
    count = gen.add_mutually_exclusive_group(required=True)
    count.add_argument("--num", type=_positive, metavar="N",
                       help="images in all (spread over the classes)")
    count.add_argument("--per-class", type=_positive, metavar="N",
                       help="images per class (conditional models)")
    gen.add_argument("--truncation", type=_truncation, default=1.0,
                     metavar="PSI",
                     help="latents scaled by PSI in (0, 1] towards their "
                     "mean (the truncation trick in z); defaults to 1")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--checkpoint", default="latest",
                     help="latest, best, or a .keras path (default latest)")
    gen.add_argument("--no-ema", action="store_true",
                     help="use the trained generator, not its EMA copy")

    scan = sub.add_parser(
        "scan", parents=[common],
        help="report on a folder of images",
        description="Print keras_gan.data.scan_images's report: unreadable "
        "files, sizes, modes, duplicates, value ranges, class balance. "
        "Exit code 1 when some files are unreadable.",
    )
    scan.add_argument("directory", metavar="DIR")
    scan.add_argument("--labels", choices=("auto", "inferred", "none"),
                      default="auto")

    fid = sub.add_parser(
        "fid", parents=[common],
        help="FID (and more) between two image folders",
        description="Runs `python -m keras_gan.metrics A B ...`; every "
        "option after A B is passed on to it (see its --help).",
        add_help=True,
    )
    fid.add_argument("a", metavar="A")
    fid.add_argument("b", metavar="B")
    fid.add_argument("rest", nargs=argparse.REMAINDER,
                     help="options of python -m keras_gan.metrics")
    return parser


def _keras_backend_imported():
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    try:
        return keras.backend.backend()
    except Exception:  # a half-imported keras
        return None


def _reexec(argv, backend):
    env = dict(os.environ, KERAS_BACKEND=backend)
    cmd = [sys.executable, "-m", "keras_gan", *argv]
    return subprocess.call(cmd, env=env)


def main(argv=None):
    """Runs the `keras-gan` command.

    Args:
        argv: list of str, the arguments (without the program name);
            None reads `sys.argv[1:]`.

    Returns:
        The exit code: 0 on success, 1 on a failed check (scan found
        unreadable files), 2 on bad arguments.

    Examples:

    >>> main(["scan", "/no/such/folder"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.backend:
        current = _keras_backend_imported()
        if current is not None and current != args.backend:
            return _reexec(argv, args.backend)
        os.environ["KERAS_BACKEND"] = args.backend
    try:
        if args.command == "train":
            from keras_gan import _cli_train

            return _cli_train.train(args, argv)
        if args.command == "generate":
            from keras_gan import _cli_generate

            return _cli_generate.generate(args)
        if args.command == "scan":
            return scan(args)
        return fid(args)
    except UsageError as error:
        print(f"keras-gan {args.command}: error: {error}", file=sys.stderr)
        return 2


def scan(args):
    """`keras-gan scan DIR`: prints the report; 1 if files are unreadable."""
    if not os.path.isdir(args.directory):
        raise UsageError(f"{args.directory!r} is not a folder")
    from keras_gan.data import scan_images

    labels = None if args.labels == "none" else args.labels
    report = scan_images(args.directory, labels=labels)
    report.summary()
    return 1 if report.bad_files else 0


def fid(args):
    """`keras-gan fid A B ...`: the metrics command of keras_gan.metrics."""
    try:
        from keras_gan.metrics import cli as metrics_cli
    except ImportError:
        metrics_cli = None
    if metrics_cli is None or not hasattr(metrics_cli, "main"):
        print(
            "keras-gan fid: error: not available yet: this install has no "
            "`python -m keras_gan.metrics` command (keras_gan.metrics."
            "cli.main).",
            file=sys.stderr,
        )
        return 2
    code = metrics_cli.main([args.a, args.b, *args.rest])
    return int(code or 0)
