"""`python -m keras_gan.metrics A B`: metrics between two image folders.

    python -m keras_gan.metrics REAL_DIR FAKE_DIR --weights pt_inception.pth
    python -m keras_gan.metrics REAL_DIR --save-stats real.npz --weights ...
    python -m keras_gan.metrics real.npz FAKE_DIR --weights ...
    python -m keras_gan.metrics convert-fid-weights IN.pth OUT.npz

Prints one line per metric (`fid: 12.3456`) on stdout; progress and
skipped files go to stderr. Exit code 2 and a message on bad input: an
empty folder, a folder whose files are all unreadable (unreadable files
among readable ones are reported and skipped), missing weights.
"""

import argparse
import os
import sys
import warnings

import numpy as np

from keras_gan.utils.export import keras_gan_export

METRICS = ("fid", "kid", "precision", "recall", "density", "coverage")
FEATURES = ("fid-inception", "inception", "digits")


class UsageError(Exception):
    """Bad input: the message is printed and the exit code is 2."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.metrics",
        description="Sample-quality metrics between two image folders (or "
        "a statistics file saved with --save-stats and a folder).",
    )
    parser.add_argument("paths", nargs="+", metavar="DIR_OR_STATS",
                        help="DIR_A [DIR_B]: the real images (a folder or a "
                        ".npz from --save-stats), then the generated ones")
    parser.add_argument("--features", choices=FEATURES,
                        default="fid-inception",
                        help="the extractor: fid-inception (the standard "
                        "FID network; needs --weights), inception (Keras's "
                        "ImageNet InceptionV3), digits (8x8 digits)")
    parser.add_argument("--weights", help="pytorch-fid's pt_inception-2015-"
                        "12-05-6726825d.pth, or a .npz converted from it")
    parser.add_argument("--metrics", default="fid",
                        help="comma-separated, of " + ",".join(METRICS)
                        + " (default: fid)")
    parser.add_argument("--batch-size", type=int, default=50,
                        help="images per batch (default: 50)")
    parser.add_argument("--save-stats", metavar="FILE",
                        help="save DIR_A's statistics and features to FILE "
                        "(.npz), to pass as DIR_A later")
    parser.add_argument("--no-verify-checksum", action="store_true",
                        help="accept FID weights other than the official")
    return parser


def _extractor(args):
    from keras_gan.metrics.extractors import digits_classifier
    from keras_gan.metrics.extractors import inception_v3
    from keras_gan.metrics.fid_network import _missing
    from keras_gan.metrics.fid_network import fid_inception

    if args.features == "digits":
        return digits_classifier(), 1
    if args.features == "inception":
        try:
            return inception_v3(), 3
        except RuntimeError as error:
            raise UsageError(str(error)) from error
    if not args.weights:
        raise UsageError(
            "--features fid-inception needs --weights. "
            + str(_missing("(none given)"))
        )
    try:
        net = fid_inception(args.weights,
                            verify_checksum=not args.no_verify_checksum)
    except (FileNotFoundError, ValueError, ImportError) as error:
        raise UsageError(str(error)) from error
    return net, 3


def _image_size(directory):
    """The most common image size of a folder; reports unreadable files."""
    from keras_gan.data import scan_images

    try:
        report = scan_images(directory, labels=None)
    except (FileNotFoundError, NotADirectoryError, ValueError) as error:
        raise UsageError(str(error)) from error
    for path, reason in sorted(report.unreadable.items()):
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if not report.sizes:
        if report.unreadable:
            raise UsageError(
                f"None of the {len(report.unreadable)} image files in "
                f"{directory} can be read (see above)."
            )
        raise UsageError(f"No images in {directory}.")
    (width, height), _ = max(report.sizes.items(), key=lambda kv: kv[1])
    return height, width, sum(report.sizes.values())


def _progress(label, done, total, width=30):
    filled = int(width * done / max(total, 1))
    bar = "#" * filled + "." * (width - filled)
    end = "\n" if done >= total else ""
    print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr,
          flush=True)


def _features(directory, net, channels, batch_size):
    import keras

    from keras_gan.data import image_dataset

    height, width, count = _image_size(directory)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = image_dataset(
            directory, (height, width), batch_size=batch_size,
            channels=channels, shuffle=False, cache=False,
            on_error="skip", resize="crop",
        )
    for warning in caught:  # e.g. the count of skipped files
        print(f"warning: {warning.message}", file=sys.stderr)
    outputs, done = [], 0
    label = os.path.basename(os.path.normpath(directory)) or directory
    for batch in data:
        batch = np.asarray(batch, dtype="float32")
        out = keras.ops.convert_to_numpy(net.predict_on_batch(batch))
        outputs.append(out.reshape(len(out), -1))
        done += len(batch)
        _progress(label, done, count)
    if done < count:  # skipped files: finish the bar at what was read
        print(file=sys.stderr)
    return np.concatenate(outputs).astype("float64")


def _stats(features):
    return {
        "mu": features.mean(axis=0),
        "sigma": np.cov(features, rowvar=False).reshape(
            features.shape[1], features.shape[1]
        ),
        "num_samples": np.asarray(len(features)),
        "features": features.astype("float32"),
    }


def _load_stats(path):
    with np.load(path) as stored:
        stats = {k: stored[k] for k in stored.files}
    if "mu" not in stats or "sigma" not in stats:
        raise UsageError(f"{path} holds no `mu` and `sigma` statistics.")
    return stats


def _compute(names, real, fake):
    from keras_gan.metrics.frechet import frechet_distance
    from keras_gan.metrics.kernel import kernel_distance
    from keras_gan.metrics.manifold import density_coverage
    from keras_gan.metrics.manifold import precision_recall

    real_features = real.get("features")
    if real_features is None and set(names) - {"fid"}:
        raise UsageError(
            "The statistics file holds only mu and sigma (pytorch-fid's "
            "format): it gives `fid` only. Save it with --save-stats here "
            "for the other metrics."
        )
    values = {}
    if "fid" in names:
        values["fid"] = float(frechet_distance(
            real["mu"], real["sigma"], fake["mu"], fake["sigma"]
        ))
    if "kid" in names:
        values["kid"] = kernel_distance(real_features, fake["features"])[0]
    if {"precision", "recall"} & set(names):
        p, r = precision_recall(real_features, fake["features"], k=3)
        values.update(precision=p, recall=r)
    if {"density", "coverage"} & set(names):
        d, c = density_coverage(real_features, fake["features"], k=5)
        values.update(density=d, coverage=c)
    return {name: values[name] for name in names}


def _convert(argv):
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.metrics convert-fid-weights",
        description="Converts pytorch-fid's .pth (needs torch) to a .npz "
        "that fid_inception() loads without torch.",
    )
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args(argv)
    from keras_gan.metrics.fid_network import convert_fid_weights

    try:
        print(convert_fid_weights(args.source, args.target))
    except (FileNotFoundError, ImportError) as error:
        raise UsageError(str(error)) from error


def _run(argv):
    if argv and argv[0] == "convert-fid-weights":
        return _convert(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.metrics.split(",") if n.strip()]
    unknown = sorted(set(names) - set(METRICS))
    if unknown or not names:
        parser.error(f"--metrics: unknown {unknown}; choose from "
                     + ",".join(METRICS))
    if args.batch_size <= 0:
        parser.error("--batch-size should be a positive integer")
    if len(args.paths) > 2 or (len(args.paths) == 1 and not args.save_stats):
        parser.error("give DIR_A DIR_B, or DIR_A with --save-stats FILE")
    for path in args.paths:
        if not os.path.exists(path):
            raise UsageError(f"No such folder or file: {path}")
    net, channels = _extractor(args)

    def stats_of(path):
        if os.path.isfile(path) and path.endswith(".npz"):
            return _load_stats(path)
        if not os.path.isdir(path):
            raise UsageError(f"{path} is neither a folder nor a .npz file.")
        return _stats(_features(path, net, channels, args.batch_size))

    real = stats_of(args.paths[0])
    if args.save_stats:
        np.savez(args.save_stats, **real)
        print(f"saved {args.save_stats}", file=sys.stderr)
    if len(args.paths) == 1:
        return
    fake = stats_of(args.paths[1])
    for name, value in _compute(names, real, fake).items():
        print(f"{name}: {value:.6g}")


@keras_gan_export
def main(argv=None):
    """Runs the command line; returns its exit code.

    Args:
        argv: list of str, the arguments after the program name; None reads
            `sys.argv[1:]`.

    Returns:
        int: 0 on success, 2 on bad input (after printing why to stderr).

    Examples:

    >>> main(["/no/such/folder", "/no/such/other"])
    2
    """
    try:
        _run(sys.argv[1:] if argv is None else list(argv))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SystemExit as error:  # argparse: 2 on bad arguments, 0 on --help
        return error.code if isinstance(error.code, int) else 2
    return 0
