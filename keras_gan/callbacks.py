"""Callbacks: sample grids, evaluation, training health, progress and
progressive growing (`TrainingMonitor` lives in `keras_gan.monitor`)."""

import math
import os
import re
import warnings

import keras
import numpy as np

from keras_gan._progress import RunProgress  # noqa: F401
from keras_gan.models.progressive import _fade_layers
from keras_gan.models.progressive import set_progress
from keras_gan.monitor import TrainingMonitor  # noqa: F401
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
def image_grid(images, rows=None, padding=1):
    """Tiles images in [-1, 1] into one uint8 grid image.

    Args:
        images: array `(n, height, width, channels)` in [-1, 1], channels 1
            or 3 (values outside are clipped).
        rows: int or None, the number of rows; by default the grid is as
            square as possible.
        padding: int, white pixels between tiles. Defaults to 1.

    Returns:
        A uint8 numpy array `(rows * (height + padding) - padding,
        cols * (width + padding) - padding, channels)`.

    Examples:

    >>> image_grid(np.zeros((6, 4, 4, 1)), rows=2).shape
    (9, 14, 1)
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(
            "`images` should have shape (n, height, width, channels). "
            f"Received shape {images.shape}."
        )
    n, h, w, c = images.shape
    rows = rows or int(math.floor(math.sqrt(n)))
    cols = int(math.ceil(n / rows))
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype("uint8")
    p = int(padding)
    grid = np.full(
        (rows * (h + p) - p, cols * (w + p) - p, c), 255, dtype="uint8"
    )
    for i in range(n):
        top, left = (k * (s + p) for k, s in zip(divmod(i, cols), (h, w)))
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


@keras_gan_export
class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of generated images at the end of chosen epochs.

    The latent vectors are fixed (drawn from `seed`), so successive grids
    show the same samples improving. The EMA generator is used when the GAN
    has one. For a conditional GAN the grid has one row per class. Pixels
    are mapped from [-1, 1] to 0..255.

    A grid is never overwritten: when the directory already holds grids
    up to `epoch_0010.png` and training starts again at epoch 1 (a model
    reloaded with `keras.saving.load_model` and `fit` called without
    `initial_epoch`), the numbering continues at `epoch_0011.png`. Pass
    `fit(..., initial_epoch=10)` to continue the epoch count itself.

    Args:
        directory: where to write `epoch_0001.png`, `epoch_0002.png`, ...
            (created if missing).
        num_samples: int, images per grid (for a conditional GAN: rounded
            to whole rows, one row per class). Defaults
            to 64.
        every_n_epochs: int, save every n-th epoch. Defaults to 1.
        seed: int, seed of the fixed latent vectors. Defaults to 0.
        tensorboard_dir: str or None; when given, the grid is also written
            there as a TensorBoard image summary named "samples".

    Returns:
        A `keras.callbacks.Callback`; `paths` lists the files written.

    Examples:

    >>> import keras_gan
    >>> cb = SampleGrid("samples/", num_samples=16)
    >>> cb.every_n_epochs
    1
    """

    def __init__(
        self,
        directory,
        num_samples=64,
        every_n_epochs=1,
        seed=0,
        tensorboard_dir=None,
    ):
        super().__init__()
        num_samples = validation.positive_int("num_samples", num_samples)
        every_n_epochs = validation.positive_int(
            "every_n_epochs", every_n_epochs
        )
        self.directory = str(directory)
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.seed = seed
        self.tensorboard_dir = tensorboard_dir
        self.paths = []
        self._offset = None

    def _numbers_on_disk(self):
        if not os.path.isdir(self.directory):
            return []
        found = (re.fullmatch(r"epoch_(\d+)\.png", name)
                 for name in os.listdir(self.directory))
        return [int(m.group(1)) for m in found if m]

    def grid_number(self, epoch):
        """The file number for a 0-based `epoch` of the current `fit`.

        `epoch + 1`, shifted past the grids already on disk when this
        `fit` started below them (see above).

        Args:
            epoch: int, the 0-based epoch as Keras counts it.

        Returns:
            An int, the number in `epoch_NNNN.png`.
        """
        if self._offset is None:
            on_disk = max(self._numbers_on_disk(), default=0)
            self._offset = max(0, on_disk - epoch)
        return epoch + 1 + self._offset

    def make_grid(self):
        """Generates the grid for the current model.

        Returns:
            A uint8 array `(height, width, channels)`.
        """
        gan = self.model
        num_classes = getattr(gan, "num_classes", None)
        if num_classes:
            per_row = max(1, self.num_samples // num_classes)
            labels = np.repeat(np.arange(num_classes), per_row)
            images = gan.generate(len(labels), labels=labels, seed=self.seed)
            return image_grid(images, rows=num_classes)
        return image_grid(gan.generate(self.num_samples, seed=self.seed))

    def on_train_begin(self, logs=None):
        self._offset = None
        # Fail now, not after the first epoch's training time.
        try:
            os.makedirs(self.directory, exist_ok=True)
            probe = os.path.join(self.directory, ".samplegrid_write_test")
            with open(probe, "wb"):
                pass
            os.remove(probe)
        except OSError as e:
            raise ValueError(
                f"SampleGrid cannot write to `directory={self.directory!r}`"
                f": {e}. Pass a writable directory."
            ) from e

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        from PIL import Image

        number = self.grid_number(epoch)
        grid = self.make_grid()
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{number:04d}.png")
        Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(
            path
        )
        self.paths.append(path)
        if self.tensorboard_dir:
            from keras_gan.utils import tensorboard as _tensorboard

            _tensorboard.write_image(
                self.tensorboard_dir, "samples", grid, number
            )

    def get_config(self):
        return {
            "directory": self.directory,
            "num_samples": self.num_samples,
            "every_n_epochs": self.every_n_epochs,
            "seed": self.seed,
            "tensorboard_dir": self.tensorboard_dir,
        }


def _ranges_differ(real, fake):
    """Whether two `(low, high)` ranges differ in scale by over 10x."""
    scales = [max(abs(lo), abs(hi), 1.0) for lo, hi in (real, fake)]
    return max(scales) > 10.0 * min(scales)


@keras_gan_export
class GANEvaluator(keras.callbacks.Callback):
    """Adds sample-quality metrics (FID, KID, IS, ...) to the epoch logs.

    At the end of chosen epochs it generates `num_samples` images with
    `model.generate(num_samples, seed=seed, use_ema=True)` (the EMA
    generator when the GAN keeps one; the same latents every time, so
    successive values differ by the generator only), feeds them to each
    metric and writes `logs[metric.name]`: "fid", "kid", "is", ... The
    values then appear in the progress bar, in `History`, `CSVLogger` and
    `TensorBoard`, and can be monitored by `ModelCheckpoint(monitor="fid",
    mode="min")` or `EarlyStopping`. Callbacks see the logs in list order:
    put `GANEvaluator` before the callbacks that read its values.

    The real statistics are computed once, at the start of training, from
    `real_data` (`metric.set_reference()`), unless a metric already has a
    reference (e.g. from `load_reference()`).

    Epochs that are not evaluated carry no metric keys, as Keras does for
    `validation_freq`: `EarlyStopping` then counts its patience in
    evaluations, `History` lists hold only evaluated epochs (see
    `epochs`), `CSVLogger` takes its columns from the first epoch, and
    `ModelCheckpoint(save_best_only=True)` saves, with a warning, on
    epochs without the key. Keep `every_n_epochs=1` when those matter.

    It warns (a `UserWarning`, training goes on) when `real_data` holds
    fewer than `num_samples` images (the metrics then compare `num_samples`
    fakes with fewer reals, and FID or KID from few images is biased), and,
    once, when the real and the generated images' value ranges differ by
    far: their largest magnitudes (at least 1) differ by more than a
    factor of 10, e.g. reals in [0, 255] against fakes in [-1, 1].

    Args:
        metrics: a metric or a list of them, e.g.
            `keras_gan.metrics.FrechetDistance()`; each has a unique name.
        real_data: real images in [-1, 1] as an array, an `(images,
            labels)` tuple, or an iterable of batches; None when every
            metric already has its reference or needs none (Inception
            Score).
        num_samples: int, generated images per evaluation (and the maximum
            real images used for the reference). Defaults to 1000.
        every_n_epochs: int, evaluate every n-th epoch. Defaults to 1.
        batch_size: int, images per feature-extractor call. Defaults to 64.
        seed: int, seed of the generated images' latents. Defaults to 0.

    Returns:
        A `keras.callbacks.Callback`; `epochs` lists the evaluated epochs
        (1-based) and `history` maps each metric name to its values.
        `get_config()` leaves out `real_data`.

    Examples:

    >>> import keras_gan
    >>> identity = keras.Sequential([keras.layers.Flatten()])
    >>> fid = keras_gan.metrics.FrechetDistance(identity)
    >>> evaluator = GANEvaluator(fid, np.zeros((8, 4, 4, 1)), num_samples=8)
    >>> evaluator.metrics[0].name
    'fid'
    """

    def __init__(
        self,
        metrics,
        real_data=None,
        num_samples=1000,
        every_n_epochs=1,
        batch_size=64,
        seed=0,
    ):
        super().__init__()
        if not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        names = [m.name for m in metrics]
        if not metrics or len(set(names)) != len(names):
            raise ValueError(
                "`metrics` should be one or more metrics with unique names. "
                f"Received names {names}."
            )
        for arg, value in (
            ("num_samples", num_samples),
            ("every_n_epochs", every_n_epochs),
            ("batch_size", batch_size),
        ):
            validation.positive_int(arg, value)
        self.metrics = list(metrics)
        self.real_data = real_data
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.batch_size = int(batch_size)
        self.seed = seed
        self._range_checked = False
        self.epochs = []
        self.history = {name: [] for name in names}

    def _needs_reference(self, metric):
        return getattr(metric, "uses_real_images", False) and not (
            metric.has_reference
        )

    def on_train_begin(self, logs=None):
        missing = [m for m in self.metrics if self._needs_reference(m)]
        if missing and self.real_data is None:
            raise ValueError(
                f"GANEvaluator: metrics {[m.name for m in missing]} need "
                "real images: pass `real_data=`, or give each metric its "
                "reference first (`set_reference()` / `load_reference()`)."
            )
        for metric in missing:
            metric.set_reference(
                self.real_data,
                num_samples=self.num_samples,
                batch_size=self.batch_size,
            )
        counts = {getattr(m, "reference_count", None) for m in missing}
        count = min((c for c in counts if c is not None), default=None)
        if count is not None and count < self.num_samples:
            warnings.warn(
                f"GANEvaluator: `real_data` has only {count} images, fewer "
                f"than `num_samples={self.num_samples}`: the metrics compare "
                f"{self.num_samples} generated images with {count} real "
                "ones, and FID / KID from few images are biased (not "
                "comparable with values from more). Pass at least "
                f"{self.num_samples} real images or lower `num_samples`.",
                UserWarning,
                stacklevel=1,
            )
        self._range_checked = False

    def _check_ranges(self, images):
        self._range_checked = True
        fake = (float(np.min(images)), float(np.max(images)))
        for metric in self.metrics:
            real = getattr(metric, "reference_range", None)
            if real is not None and _ranges_differ(tuple(real), fake):
                warnings.warn(
                    f"GANEvaluator: the real images lie in [{real[0]:g}, "
                    f"{real[1]:g}] but the generated ones in [{fake[0]:g}, "
                    f"{fake[1]:g}]: metric '{metric.name}' compares "
                    "different scales. Give `real_data` in the generator's "
                    "range, e.g. `keras_gan.data.to_unit_range(x)` for "
                    "images in [0, 255].",
                    UserWarning,
                    stacklevel=1,
                )
                return

    def evaluate(self):
        """Generates `num_samples` images and computes every metric.

        Returns:
            A dict `{metric.name: float}`.
        """
        if not hasattr(self.model, "generate"):
            raise TypeError(
                "GANEvaluator needs a model with `generate(num_samples, "
                "seed=..., use_ema=True)`, such as `keras_gan.GAN`. "
                f"Received {type(self.model).__name__}."
            )
        images = self.model.generate(
            self.num_samples, seed=self.seed, use_ema=True
        )
        if not self._range_checked:
            self._check_ranges(images)
        values = {}
        for metric in self.metrics:
            metric.reset_state()
            for start in range(0, len(images), self.batch_size):
                metric.update_state(
                    fake=images[start : start + self.batch_size]
                )
            values[metric.name] = float(
                keras.ops.convert_to_numpy(metric.result())
            )
        return values

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        values = self.evaluate()
        self.epochs.append(epoch + 1)
        for name, value in values.items():
            self.history[name].append(value)
        if logs is not None:
            logs.update(values)

    def get_config(self):
        return {
            "metrics": [
                keras.saving.serialize_keras_object(m) for m in self.metrics
            ],
            "num_samples": self.num_samples,
            "every_n_epochs": self.every_n_epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }


@keras_gan_export
class ProgressiveGrowing(keras.callbacks.Callback):
    """Grows `keras_gan.models.progressive` networks stage by stage.

    At the start of every epoch it sets the progress of the GAN's
    generator, discriminator and EMA generator (`set_progress`) from the
    epoch number, so a resumed run (`initial_epoch`, `BackupAndRestore`)
    continues the schedule. Stage 0 (4x4) lasts `epochs_per_stage` epochs;
    each later stage `k` also lasts `epochs_per_stage` epochs, of which the
    first `fade_epochs` fade it in, at progress values evenly spaced
    strictly between `k - 1` and `k`, and the rest hold it at `k`. After
    the last stage progress stays at its maximum. With `E =
    epochs_per_stage` and `F = fade_epochs`, epoch `e` (0-based) of stage
    `k = e // E >= 1` has progress `k - 1 + min(1, (e % E + 1) / (F + 1))`.

    The schedule is counted in epochs because progress can only change
    between epochs on JAX (Keras's `LearningRateScheduler` is per epoch for
    the same reason); for a finer fade, make epochs short with
    `fit(..., steps_per_epoch=...)` on a repeating dataset.

    Args:
        epochs_per_stage: int, epochs per stage, fade included.
        fade_epochs: int in `[0, epochs_per_stage)`, epochs of each stage
            after the first spent fading it in; 0 switches stages at once.
            Defaults to `epochs_per_stage // 2`.

    Returns:
        A `keras.callbacks.Callback`; `history` lists the progress set at
        each epoch.

    Examples:

    >>> cb = ProgressiveGrowing(epochs_per_stage=4, fade_epochs=3)
    >>> [cb.progress_at(e, num_stages=3) for e in range(10)]
    [0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]

    Reference: Karras et al., "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", 2018, section 2.
    """

    def __init__(self, epochs_per_stage, fade_epochs=None):
        super().__init__()
        epochs_per_stage = validation.positive_int(
            "epochs_per_stage", epochs_per_stage
        )
        if fade_epochs is None:
            fade_epochs = epochs_per_stage // 2
        fade_epochs = validation.check_int(
            "fade_epochs", fade_epochs, 0, epochs_per_stage - 1
        )
        self.epochs_per_stage = epochs_per_stage
        self.fade_epochs = int(fade_epochs)
        self.history = []

    def progress_at(self, epoch, num_stages):
        """The progress for a 0-based `epoch`, capped at `num_stages - 1`.

        Args:
            epoch: int, the 0-based epoch.
            num_stages: int, the networks' number of stages (resolutions).

        Returns:
            A float in `[0, num_stages - 1]`.
        """
        stage, offset = divmod(int(epoch), self.epochs_per_stage)
        if stage == 0:
            return 0.0
        fade = min(1.0, (offset + 1) / (self.fade_epochs + 1))
        return float(min(stage - 1 + fade, num_stages - 1))

    def on_epoch_begin(self, epoch, logs=None):
        # The GAN's layers are G, D and the EMA generator: one walk finds
        # every FadeIn layer of all three.
        fades = _fade_layers(self.model)
        last = max((layer.stage for layer in fades), default=0)
        progress = self.progress_at(epoch, last + 1)
        set_progress(fades, progress)
        self.history.append(progress)

    def get_config(self):
        return {
            "epochs_per_stage": self.epochs_per_stage,
            "fade_epochs": self.fade_epochs,
        }
