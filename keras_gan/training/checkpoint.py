"""Checkpoints that are never half-written, and damaged ones named as such.

`GAN.save` and `GAN.save_weights` (and so `ModelCheckpoint` and
`BackupAndRestore`, which call them) write a temporary file in the target's
folder and rename it over the target (`os.replace`, atomic on POSIX and
Windows) only once it is complete: a crash, a full disk or a serialization
error leaves the previous file as it was. `load` says that a file is
damaged (empty, truncated, not a zip) where Keras would say "File not
found".
"""

import contextlib
import json
import os
import shutil
import tempfile
import warnings
import zipfile
import zlib

import keras
import numpy as np

from keras_gan.utils.export import keras_gan_export


class DamagedFileError(OSError, ValueError):
    """A checkpoint that exists but cannot be read (empty, truncated)."""


def _suffix(path):
    name = os.path.basename(path)
    for suffix in (".weights.h5", ".weights.json", ".keras", ".h5"):
        if name.endswith(suffix):
            return suffix
    return os.path.splitext(name)[1]


def is_local(filepath):
    """Whether `filepath` is a local path (not `gs://...` or a file)."""
    if not isinstance(filepath, (str, os.PathLike)):
        return False
    return "://" not in os.fspath(filepath)


def atomic_write(filepath, write):
    """Calls `write(tmp)`, then renames `tmp` over `filepath`.

    Args:
        filepath: the target path.
        write: a function writing a complete file at the path it gets
            (same folder, same suffix as `filepath`).
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    name = os.path.basename(filepath)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{name}.", suffix=".tmp" + _suffix(filepath), dir=directory
    )
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def save(save_fn, model, filepath, overwrite=True, **kwargs):
    """Calls `save_fn` (Keras's `save` or `save_weights`) atomically.

    Args:
        save_fn: the bound Keras method.
        model: the model (its weights are checked to be finite first).
        filepath: the target path.
        overwrite: bool, as in Keras.
        **kwargs: passed to `save_fn`.
    """
    check_finite(model)
    if (
        not is_local(filepath)
        or kwargs.get("zipped") is False
        or (not overwrite and os.path.exists(filepath))
    ):
        return save_fn(filepath, overwrite=overwrite, **kwargs)
    atomic_write(
        filepath, lambda tmp: save_fn(tmp, overwrite=True, **kwargs)
    )


def check_finite(model):
    """Refuses to save a model holding a NaN or inf weight."""
    for variable in model.weights:
        dtype = keras.backend.standardize_dtype(variable.dtype)
        if "float" not in dtype:
            continue
        value = np.asarray(keras.ops.convert_to_numpy(variable))
        if not np.isfinite(value).all():
            raise ValueError(
                f"The weight `{variable.path}` holds non-finite values "
                "(NaN or inf); the checkpoint was not written and the "
                "previous file, if any, is unchanged. Training diverged: "
                "see `compile(max_bad_steps=...)` and docs/faults.md."
            )


def damage(filepath):
    """Why the checkpoint at `filepath` cannot be read, or None.

    Args:
        filepath: a `.keras`, `.weights.h5` or `.json` path that exists.

    Returns:
        A short reason ("empty", "not a zip archive", ...) or None.
    """
    filepath = os.fspath(filepath)
    if os.path.getsize(filepath) == 0:
        return "the file is empty"
    if filepath.endswith(".keras"):
        if not zipfile.is_zipfile(filepath):
            return "it is not a zip archive (truncated or overwritten?)"
        try:
            with zipfile.ZipFile(filepath) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            return f"its zip archive is corrupt ({e})"
        if bad is not None:
            return f"the member {bad!r} of its zip archive is corrupt"
    elif filepath.endswith(".h5"):
        try:
            import h5py

            with h5py.File(filepath, "r"):
                pass
        except OSError as e:
            return f"it is not a readable HDF5 file ({e})"
    elif filepath.endswith(".json"):
        try:
            with open(filepath) as f:
                json.load(f)
        except ValueError as e:
            return f"it is not valid JSON ({e})"
    return None


def check_readable(filepath):
    """Raises `FileNotFoundError` or `DamagedFileError` as the case is."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No checkpoint at {os.fspath(filepath)!r}.")
    reason = damage(filepath)
    if reason is not None:
        raise DamagedFileError(
            f"The checkpoint {os.fspath(filepath)!r} exists but is damaged: "
            f"{reason}. Load an earlier checkpoint; files written by "
            "`GAN.save` are replaced atomically, so this one was written "
            "or changed by something else."
        )


@keras_gan_export
def load(filepath, **kwargs):
    """`keras.saving.load_model`, with damaged files named as such.

    Args:
        filepath: a `.keras` file written by `GAN.save`.
        **kwargs: passed to `keras.saving.load_model` (e.g.
            `custom_objects`).

    Returns:
        The model (a compiled `GAN` for a GAN's file).

    Examples:

    >>> import os, tempfile, keras_gan
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.keras")
    >>> open(path, "wb").close()
    >>> try:
    ...     keras_gan.load(path)
    ... except ValueError as e:
    ...     print(str(e).split(":")[0])
    The checkpoint '...empty.keras' exists but is damaged
    """
    if is_local(filepath):
        check_readable(filepath)
    try:
        return keras.saving.load_model(filepath, **kwargs)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise DamagedFileError(
            f"The checkpoint {os.fspath(filepath)!r} is damaged: {e}."
        ) from e


def repair_backup(callback):
    """Skips a damaged `BackupAndRestore` backup for the last good one.

    The weights file (and its metadata) is checked before Keras loads it:
    a damaged one is reported (a warning), kept aside as `*.damaged`, and
    replaced by the previous backup when `double_checkpoint=True` left a
    good one; else training starts from the beginning.

    Args:
        callback: a `keras.callbacks.BackupAndRestore`.
    """
    directory = callback.backup_dir
    weights = getattr(callback, "_weights_path", None) or os.path.join(
        directory, "latest.weights.h5"
    )
    meta = getattr(callback, "_training_metadata_path", None) or (
        os.path.join(directory, "training_metadata.json")
    )
    prev = getattr(callback, "_prev_weights_path", weights + ".bkp")
    prev_meta = getattr(callback, "_prev_training_metadata_path", meta + ".bkp")
    if not is_local(weights) or not os.path.exists(weights):
        return
    reason = damage(weights) or (
        damage(meta) if os.path.exists(meta) else None
    )
    if reason is None:
        return
    os.replace(weights, weights + ".damaged")
    if os.path.exists(prev) and damage(prev) is None:
        shutil.copyfile(prev, weights)
        if os.path.exists(prev_meta) and damage(prev_meta) is None:
            shutil.copyfile(prev_meta, meta)
        elif os.path.exists(meta):
            os.remove(meta)
        fallback = "resuming from the previous backup"
    else:
        if os.path.exists(meta):
            os.remove(meta)
        fallback = "no good previous backup: training starts over"
    warnings.warn(
        f"BackupAndRestore: the backup {weights!r} is damaged ({reason}); "
        f"it was moved to '*.damaged', {fallback}.",
        stacklevel=2,
    )
