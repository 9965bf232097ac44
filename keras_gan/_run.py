"""The pieces of a run folder: data order, checkpoints, metrics, report."""

import contextlib
import csv
import json
import os
import re
import warnings

import keras
import numpy as np

from keras_gan import _report

STATE = "state.json"


def write_json(path, value):
    """Writes JSON atomically (temporary file, then `os.replace`)."""
    partial = f"{path}.tmp"
    with open(partial, "w") as f:
        json.dump(value, f, indent=2, default=str)
        f.write("\n")
    os.replace(partial, path)


def read_state(run):
    """The run's `state.json` (last checkpoint, epoch, best FID), or None."""
    path = os.path.join(run, STATE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def atomic_save(model, path):
    """`model.save(path)` through a temporary file in the same folder.

    A failure during the save leaves any previous `path` as it was and
    removes the partial file.
    """
    folder, name = os.path.split(path)
    partial = os.path.join(folder, f".partial-{os.getpid()}-{name}")
    try:
        model.save(partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


class OrderedBatches(keras.utils.PyDataset):
    """An endless sequence of batches whose order depends on the step only.

    Batch `i` of a `fit` that starts at global step `start_step` is batch
    `start_step + i` of the run: epoch `e` uses the permutation drawn from
    `(seed, e)`, so a resumed run sees the data in the same order as an
    uninterrupted one. Used with `fit(..., steps_per_epoch=...)`, which
    keeps one iterator over the epochs. uint8 images are mapped to
    [-1, 1] per batch.
    """

    def __init__(self, x, y, batch_size, seed, start_step=0,
                 steps_per_epoch=None):
        super().__init__()
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.start_step = int(start_step)
        self.steps_per_epoch = int(
            steps_per_epoch or max(1, len(x) // self.batch_size)
        )
        self._order = (None, None)

    @property
    def num_batches(self):
        return None  # endless: fit's steps_per_epoch counts the epochs

    def indices(self, step):
        """The image indices of global step `step`."""
        epoch, position = divmod(int(step), self.steps_per_epoch)
        if self._order[0] != epoch:
            rng = np.random.default_rng([self.seed, epoch])
            self._order = (epoch, rng.permutation(len(self.x)))
        start = position * self.batch_size
        return np.sort(self._order[1][start : start + self.batch_size])

    def __getitem__(self, index):
        rows = self.indices(self.start_step + index)
        x = self.x[rows]
        if x.dtype == np.uint8:
            x = x.astype("float32") / 127.5 - 1.0
        if self.y is None:
            return x
        return x, self.y[rows]


class Every(keras.callbacks.Callback):
    """Runs `callback`'s epoch end every `every` epochs and on the last.

    The callback itself is set to act on every epoch it is shown (its
    `every_n_epochs` set to 1); the other hooks are passed on as they come.
    """

    def __init__(self, callback, every):
        super().__init__()
        self.callback, self.every = callback, int(every)
        if hasattr(callback, "every_n_epochs"):
            callback.every_n_epochs = 1

    def set_model(self, model):
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.callback.set_params(params)

    def on_train_begin(self, logs=None):
        self.callback.on_train_begin(logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if last or (epoch + 1) % self.every == 0:
            self.callback.on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        self.callback.on_train_end(logs)


class MetricsCSV(keras.callbacks.Callback):
    """`metrics.csv`: one row per epoch, every column any epoch logged.

    Unlike `keras.callbacks.CSVLogger` (columns fixed by the first epoch),
    values logged only on some epochs (FID) keep their column. Rows of a
    resumed run are appended to the earlier ones.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.rows = []

    def on_train_begin(self, logs=None):
        self.rows = []
        if os.path.exists(self.path):
            with open(self.path, newline="") as f:
                self.rows = list(csv.DictReader(f))

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch}
        for key, value in (logs or {}).items():
            try:
                row[key] = float(value)
            except (TypeError, ValueError):
                continue
        self.rows = [r for r in self.rows if int(r["epoch"]) < epoch]
        self.rows.append(row)
        columns = []
        for r in self.rows:
            columns += [k for k in r if k not in columns]
        partial = f"{self.path}.tmp"
        with open(partial, "w", newline="") as f:
            writer = csv.DictWriter(f, columns, restval="")
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(partial, self.path)


class Checkpoints(keras.callbacks.Callback):
    """`checkpoints/epoch_NNNN.keras` every `every` epochs (and the last),
    written atomically; the last `keep` kept; `best.keras` by lowest FID
    when evaluated. `state.json` then names the checkpoint to resume."""

    def __init__(self, run, every, keep, steps_per_epoch):
        super().__init__()
        self.run, self.every, self.keep = run, int(every), int(keep)
        self.steps_per_epoch = int(steps_per_epoch)
        self.folder = os.path.join(run, "checkpoints")
        state = read_state(run) or {}
        self.best = state.get("best_fid")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every and not last:
            return
        os.makedirs(self.folder, exist_ok=True)
        name = f"epoch_{epoch + 1:04d}.keras"
        atomic_save(self.model, os.path.join(self.folder, name))
        fid = logs.get("fid")
        if fid is not None and np.isfinite(fid) and (
            self.best is None or fid < self.best
        ):
            atomic_save(self.model, os.path.join(self.folder, "best.keras"))
            self.best = float(fid)
        write_json(os.path.join(self.run, STATE), {
            "epoch": epoch + 1,
            "step": (epoch + 1) * self.steps_per_epoch,
            "checkpoint": os.path.join("checkpoints", name),
            "best_fid": self.best,
        })
        self._prune()

    def _prune(self):
        found = sorted(
            name for name in os.listdir(self.folder)
            if re.fullmatch(r"epoch_\d+\.keras", name)
        )
        for name in found[: -self.keep]:
            os.remove(os.path.join(self.folder, name))


class WarningLog:
    """Collects warnings (and notes) for the report and `warnings.txt`."""

    def __init__(self, path):
        self.path = path
        self.messages = []
        if os.path.exists(path):
            with open(path) as f:
                self.messages = [line.rstrip("\n") for line in f if line]
        else:
            open(path, "w").close()

    def add(self, message):
        message = " ".join(str(message).split())
        if message not in self.messages:
            self.messages.append(message)
            with open(self.path, "a") as f:
                f.write(message + "\n")

    @contextlib.contextmanager
    def capture(self):
        """Records every warning raised inside, still showing it."""
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            self.add(f"{category.__name__}: {message}")
            shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        try:
            yield self
        finally:
            warnings.showwarning = shown


class Report(keras.callbacks.Callback):
    """Rewrites `report.html` every `every` epochs and at the end."""

    def __init__(self, run, config, log, every):
        super().__init__()
        self.run, self.config, self.log = run, config, log
        self.every = int(every)

    def write(self, status):
        shown = {k: v for k, v in self.config.items() if k != "argv"}
        return _report.write_report(
            self.run, shown, self.log.messages, status
        )

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every == 0 and not last:
            self.write(f"running (epoch {epoch + 1} of "
                       f"{self.params.get('epochs')})")

    def on_train_end(self, logs=None):
        self.write("finished")


def tensorboard_callback(logdir):
    """`keras.callbacks.TensorBoard` when TensorFlow is installed, else
    None."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        return None
    return keras.callbacks.TensorBoard(
        logdir, write_graph=False, profile_batch=0, update_freq="epoch"
    )
