"""The deterministic, stratified split behind `split` and
`image_dataset(validation_split=...)`."""

import numbers
import os

import numpy as np


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
    if not (isinstance(fraction, numbers.Real) and 0 < fraction < 1):
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
