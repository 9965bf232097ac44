"""`split`: the deterministic, stratified split of a folder or of arrays,
also behind `image_dataset(validation_split=...)`."""

import os

import numpy as np

from keras_gan.data import _io
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


def folder_strata(directory, paths):
    """Top-level subfolder of each path when every path has one, else
    None (no classes)."""
    tops = [os.path.relpath(p, directory).split(os.sep) for p in paths]
    if any(len(t) == 1 for t in tops) or len({t[0] for t in tops}) < 2:
        return None
    return np.asarray([t[0] for t in tops])


def split_indices(n, strata, fraction, seed, name="test_fraction"):
    """Deterministic (train, test) index arrays, stratified by `strata`.

    The test set has `round(fraction * n)` items; each stratum contributes
    its share rounded by largest remainder, so every class is within one
    item of its exact proportion.
    """
    if not (validation.is_number(fraction) and 0 < fraction < 1):
        raise ValueError(
            f"`{name}` should be a float strictly between 0 and 1. "
            f"Received: `{name}={fraction!r}`"
        )
    num_test = int(round(fraction * n))
    if num_test == 0 or num_test == n:
        raise ValueError(
            f"`{name}={fraction}` of {n} items leaves "
            f"{'the test' if num_test == 0 else 'the training'} set empty. "
            f"Use more data or a {'larger' if num_test == 0 else 'smaller'} "
            f"`{name}`."
        )
    rng = np.random.default_rng(seed)
    if strata is None:
        order = rng.permutation(n)
        test = np.sort(order[:num_test])
    else:
        strata = np.asarray(strata)
        classes, inverse = np.unique(strata, return_inverse=True)
        members = [np.flatnonzero(inverse == c) for c in range(len(classes))]
        exact = np.array([fraction * len(m) for m in members])
        counts = np.floor(exact).astype(int)
        # Largest remainder; ties go to the larger, then earlier, class.
        by_remainder = sorted(
            range(len(members)),
            key=lambda c: (-(exact[c] - counts[c]), -len(members[c]), c),
        )
        for c in by_remainder[: num_test - counts.sum()]:
            counts[c] += 1
        test = np.sort(
            np.concatenate(
                [rng.permutation(m)[:k] for m, k in zip(members, counts)]
            )
        )
    train = np.setdiff1d(np.arange(n), test)
    return train, test


@keras_gan_export
def split(directory_or_arrays, test_fraction=0.2, seed=0):
    """Splits a folder's files or arrays into training and test parts.

    Deterministic for a seed and stratified by class: each class is within
    one item of its share `test_fraction`. A folder's classes are its
    top-level subfolders (when every image lies in one of at least two);
    an array tuple's classes are its second array when that is 1-D. Items
    keep their original order within each part.

    Args:
        directory_or_arrays: a folder path; an array (or anything with a
            length and numpy indexing); or a tuple `(x, y)` of such, with
            `y` the labels.
        test_fraction: float in (0, 1), the test share, rounded to whole
            items. Defaults to 0.2.
        seed: int, the random seed. Defaults to 0.

    Returns:
        A tuple `(train, test)`: lists of file paths for a folder, arrays
        for an array, `(x, y)` tuples for a tuple.

    Examples:

    >>> from keras_gan.data import load_digits
    >>> x, y = load_digits()
    >>> (x_train, y_train), (x_test, y_test) = split((x, y), seed=0)
    >>> len(x_train), len(x_test)
    (1438, 359)
    >>> np.bincount(y_test).tolist()
    [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    """
    if isinstance(directory_or_arrays, (str, os.PathLike)):
        directory = _io.check_directory(directory_or_arrays)
        paths, _ = _io.list_files(directory)
        if not paths:
            raise _io.no_images_error(directory)
        strata = folder_strata(directory, paths)
        train, test = split_indices(
            len(paths), strata, test_fraction, seed
        )
        return [paths[i] for i in train], [paths[i] for i in test]
    if isinstance(directory_or_arrays, tuple):
        arrays = [np.asarray(a) for a in directory_or_arrays]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(
                "The arrays passed to `split` should have the same length. "
                f"Received lengths {[len(a) for a in arrays]}."
            )
        strata = arrays[1] if len(arrays) > 1 and arrays[1].ndim == 1 else None
        train, test = split_indices(
            len(arrays[0]), strata, test_fraction, seed
        )
        return tuple(a[train] for a in arrays), tuple(a[test] for a in arrays)
    array = np.asarray(directory_or_arrays)
    train, test = split_indices(
        len(array), None, test_fraction, seed
    )
    return array[train], array[test]
