"""A whole-run progress bar (exported as `keras_gan.callbacks.RunProgress`)."""

import sys
import time

import keras

from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


def format_seconds(seconds):
    """`3725.2` -> `"1:02:05"`; `65` -> `"1:05"`; None -> `"?"`."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@keras_gan_export
class RunProgress(keras.callbacks.Callback):
    """One progress bar for the whole run, with elapsed time and ETA.

    Keras's own bar restarts every epoch; this one counts the steps of the
    whole `fit` call (`epochs x steps per epoch`), continued from
    `initial_epoch` on a resumed run, and shows the epoch, the elapsed
    time, an estimate of the time left and the latest losses. The ETA uses
    the time per step measured after the first step (which includes
    compilation). On a terminal the bar is redrawn in place; otherwise
    (a log file) one line is written every `interval` seconds. Use it with
    `fit(..., verbose=0)`.

    Args:
        interval: float, the minimum seconds between two redraws (between
            two lines when not on a terminal: at least 10 times this).
            Defaults to 0.5.
        width: int, the bar's width in characters. Defaults to 30.
        stream: a file object, or None for `sys.stdout`.
        keys: list of log names shown after the bar. Defaults to
            `["d_loss", "g_loss", "fid"]` (those present).

    Returns:
        A `keras.callbacks.Callback`. `line()` is the text of the bar.

    Examples:

    >>> import io
    >>> bar = RunProgress(stream=io.StringIO())
    >>> bar.total, bar.done = 200, 50
    >>> bar.line(elapsed=10.0, logs={"d_loss": 0.5})[33:]
    ' 25% step 50/200 | 0:10<0:30 | d_loss 0.500'
    """

    def __init__(self, interval=0.5, width=30, stream=None, keys=None):
        super().__init__()
        self.interval = validation.non_negative_float("interval", interval)
        self.width = validation.positive_int("width", width)
        self.stream = stream
        if keys is None:
            keys = ["d_loss", "g_loss", "fid"]
        self.keys = list(keys)
        self.total = 0
        self.done = 0
        self.epoch = 0
        self.epochs = 0
        self._start = None
        self._first_step = None
        self._first_done = 0
        self._last_draw = 0.0

    def _out(self):
        return self.stream or sys.stdout

    def _tty(self):
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def on_train_begin(self, logs=None):
        self.epochs = int(self.params.get("epochs") or 0)
        self._steps = int(self.params.get("steps") or 0)
        self._start = time.time()
        self._first_step = None
        self.total = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._epoch_base = epoch * self._steps
        if self.total is None:  # the first epoch of this fit: initial_epoch
            self.total = self.epochs * self._steps
            self.done = self._epoch_base
            self._first_done = self.done

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the last step run (several per call with
        # steps_per_execution > 1).
        self.done = self._epoch_base + batch + 1
        now = time.time()
        if self._first_step is None:
            self._first_step = now
            self._first_done = self.done
        gap = self.interval if self._tty() else max(10 * self.interval, 5)
        if now - self._last_draw >= gap:
            self._draw(now, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._last_logs = logs

    def on_train_end(self, logs=None):
        self._draw(time.time(), getattr(self, "_last_logs", logs), end=True)

    def eta(self, now=None):
        """Seconds left, from the rate measured after the first step.

        Args:
            now: float or None, the time (`time.time()`) to measure at.

        Returns:
            A float, or None before two steps have run.
        """
        now = time.time() if now is None else now
        steps = self.done - self._first_done
        if self._first_step is None or steps <= 0 or not self.total:
            return None
        rate = (now - self._first_step) / steps
        return max(0.0, (self.total - self.done) * rate)

    def line(self, elapsed, eta=None, logs=None):
        """The bar's text.

        Args:
            elapsed: float, seconds since this `fit` started.
            eta: float or None, seconds left; None computes it from the
                counts when `total` is known.
            logs: dict or None, the latest logs.

        Returns:
            A str.
        """
        total = self.total or 0
        frac = min(1.0, self.done / total) if total else 0.0
        filled = int(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        if eta is None and total and self._start is None:
            eta = elapsed / max(self.done, 1) * (total - self.done)
        text = f"[{bar}] {frac:4.0%} step {self.done}/{total}"
        if self.epochs:
            text += f" epoch {self.epoch + 1}/{self.epochs}"
        text += f" | {format_seconds(elapsed)}<{format_seconds(eta)}"
        for key in self.keys:
            if logs and key in logs:
                try:
                    text += f" | {key} {float(logs[key]):.3f}"
                except (TypeError, ValueError):
                    pass
        return text

    def _draw(self, now, logs, end=False):
        self._last_draw = now
        text = self.line(now - (self._start or now), self.eta(now), logs)
        out = self._out()
        if self._tty():
            out.write("\r" + text + ("\n" if end else ""))
        else:
            out.write(text + "\n")
        out.flush()

    def get_config(self):
        return {
            "interval": self.interval,
            "width": self.width,
            "keys": self.keys,
        }
