"""TrainingMonitor: a callback that notices failing GAN runs while they train.

Exported as `keras_gan.callbacks.TrainingMonitor`; the statistics it logs
are `keras_gan.metrics.diversity_ratio` and `keras_gan.metrics.d_overfit`.
"""

import math
import warnings

import keras
import numpy as np

from keras_gan.metrics.base import _to_numpy
from keras_gan.metrics.diversity import d_overfit
from keras_gan.metrics.diversity import diversity
from keras_gan.training import faults
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

#: The losses whose values must stay finite (when logged).
LOSS_KEYS = ("loss", "d_loss", "g_loss", "penalty")

COLLAPSE, D_WON, NON_FINITE = "collapse", "discriminator_won", "non_finite"

_REMEDIES = {
    COLLAPSE: (
        "Try: a lower discriminator learning rate than the generator's, "
        "augmentation on small data (`keras_gan.augment.DiffAugment("
        "'translation,cutout')` or `AdaptiveAugment()`), an R1 penalty "
        "(`keras_gan.penalties.R1`), or a recipe chosen for the data: "
        "`keras_gan.recipes.build(...)`."
    ),
    D_WON: (
        "The generator gets almost no gradient. Try: a lower "
        "discriminator learning rate, augmentation (`DiffAugment`, "
        "`AdaptiveAugment(target=0.6)`), an R1 penalty "
        "(`keras_gan.penalties.R1`), label smoothing "
        "(`NonSaturating(label_smoothing=0.1)`), or "
        "`keras_gan.recipes.build(...)`."
    ),
    NON_FINITE: (
        "Try: lower learning rates, a penalty (`keras_gan.penalties.R1` "
        "or `GradientPenalty`), float32 instead of mixed precision, and "
        "data checked for NaN / inf and scaled to the generator's range."
    ),
}


def _real_batch(real_data, num_samples, seed):
    """Up to `num_samples` real images (and labels), fixed once.

    Arrays give a random subset (seeded); iterables their first batches.
    """
    labels = None
    if isinstance(real_data, (tuple, list)) and len(real_data) == 2 and all(
        hasattr(d, "shape") for d in real_data
    ):
        real_data, labels = real_data
    if hasattr(real_data, "shape") and not hasattr(real_data, "element_spec"):
        images = _to_numpy(real_data)
        labels = None if labels is None else _to_numpy(labels)
        if len(images) > num_samples:
            rng = np.random.default_rng(seed)
            keep = np.sort(rng.choice(len(images), num_samples, False))
            images = images[keep]
            labels = None if labels is None else labels[keep]
        return images, labels
    if isinstance(real_data, keras.utils.PyDataset):
        batches = (real_data[i] for i in range(len(real_data)))
    else:
        batches = iter(real_data)
    images, label_list, seen = [], [], 0
    for batch in batches:
        batch_labels = None
        if isinstance(batch, (tuple, list)):
            batch, batch_labels = batch[0], (
                batch[1] if len(batch) > 1 else None
            )
        batch = _to_numpy(batch)[: num_samples - seen]
        images.append(batch)
        if batch_labels is not None:
            label_list.append(_to_numpy(batch_labels)[: len(batch)])
        seen += len(batch)
        if seen >= num_samples:
            break
    if not images:
        raise ValueError("TrainingMonitor: `real_data` yielded no images.")
    labels = np.concatenate(label_list) if label_list else None
    return np.concatenate(images), labels


@keras_gan_export
class TrainingMonitor(keras.callbacks.Callback):
    """Logs sample diversity and D's overfitting, and flags failing runs.

    Every `every_n_epochs` epochs it generates `num_samples` images from a
    fixed latent batch (drawn from `seed`; labels `0, 1, 2, ...` cycling
    through the classes for a conditional GAN) and adds two values to the
    epoch logs, so that `History`, `CSVLogger`, `TensorBoard` and the
    progress bar see them:

    - `diversity`: `diversity(fake) / diversity(real)`
      (`keras_gan.metrics.diversity_ratio`), the mean pairwise distance of
      the samples in pixels area-averaged to at most 16x16 (or in
      `features`), over that of `num_samples` real images. About 1 is
      healthy; near 0 every sample looks alike (mode collapse).
    - `d_overfit`: ADA's `r_t = E[sign(D(x_real))]` on the same fixed real
      images (`keras_gan.metrics.d_overfit`): near 1 the discriminator
      calls every training image real (ADA's target is 0.6).

    It flags three failures, each checked at the end of every evaluated
    epoch (non-finite losses at every epoch):

    - collapse: `diversity < collapse_threshold` at `patience`
      consecutive evaluations;
    - a discriminator that has won: D's adversarial loss (`d_loss` minus
      any `penalty`) below `d_loss_threshold` at `patience` consecutive
      evaluations while `g_loss` did not fall over them (a loss that is
      not bounded below by 0, such as Wasserstein's, is never flagged);

    both only once the generator has made `warmup_steps` updates: early
    training often looks like both and recovers (a DCGAN starts near
    diversity 0.01; on 400 photo crops with DiffAugment its D "won" with
    diversity 0.11 for 450 steps, then reached 0.88 by step 500);
    - non-finite values: a logged loss (`loss`, `d_loss`, `g_loss`,
      `penalty`) is NaN or infinite, steps were skipped (`bad_steps`), or
      the samples are not finite.

    With `on_failure="warn"` each kind is warned about once (a
    `UserWarning` naming TrainingMonitor, the problem and what to try);
    with `"stop"` it also sets `model.stop_training`, and the warning says
    why training stopped. `flags` records every detection.

    Args:
        real_data: real images in the generator's range, as an array, an
            `(images, labels)` tuple or an iterable of batches (images or
            `(images, labels)`). From arrays a random subset (`seed`) of
            `num_samples` is kept, from iterables the first ones. A
            conditional discriminator needs the labels.
        every_n_epochs: int, evaluate every n-th epoch. Defaults to 1.
        on_failure: "warn" (default) or "stop".
        num_samples: int >= 2, generated and real images per evaluation.
            Defaults to 64.
        seed: int, seed of the fixed latent batch and real subset.
            Defaults to 0.
        collapse_threshold: float, the diversity ratio below which samples
            count as collapsed. Defaults to 0.25.
        d_loss_threshold: float, D's adversarial loss below which it counts
            as having won. Defaults to 0.05.
        patience: int, consecutive evaluations a rule must hold before it
            is flagged. Defaults to 2.
        warmup_steps: int, generator updates before collapse or a
            winning discriminator can be flagged. Defaults to 500.
        features: None (pixels) or a callable mapping images to vectors,
            for `diversity`.
        use_ema: bool, sample from the EMA generator when there is one.
            Defaults to False: the generator that D trains against.

    Returns:
        A `keras.callbacks.Callback`. `epochs` lists the evaluated epochs
        (1-based), `history` maps "diversity" and "d_overfit" to their
        values, `flags` lists `(epoch, kind)` detections with kind one of
        "collapse", "discriminator_won", "non_finite". `get_config()`
        leaves out `real_data` and `features`.

    Examples:

    >>> import keras_gan
    >>> monitor = TrainingMonitor(np.zeros((8, 4, 4, 1)), on_failure="stop")
    >>> monitor.get_config()["collapse_threshold"]
    0.25
    """

    def __init__(
        self,
        real_data,
        every_n_epochs=1,
        on_failure="warn",
        num_samples=64,
        seed=0,
        collapse_threshold=0.25,
        d_loss_threshold=0.05,
        patience=2,
        warmup_steps=500,
        features=None,
        use_ema=False,
    ):
        super().__init__()
        if real_data is None:
            raise ValueError(
                "TrainingMonitor needs `real_data`: real images to compare "
                "the samples' diversity with and to probe D on."
            )
        self.real_data = real_data
        self.every_n_epochs = validation.positive_int(
            "every_n_epochs", every_n_epochs
        )
        self.on_failure = validation.check_choice(
            "on_failure", on_failure, ("warn", "stop")
        )
        self.num_samples = validation.check_int(
            "num_samples", num_samples, minimum=2
        )
        self.seed = seed
        self.collapse_threshold = validation.non_negative_float(
            "collapse_threshold", collapse_threshold
        )
        self.d_loss_threshold = validation.non_negative_float(
            "d_loss_threshold", d_loss_threshold
        )
        self.patience = validation.positive_int("patience", patience)
        self.warmup_steps = validation.check_int(
            "warmup_steps", warmup_steps, minimum=0
        )
        if features is not None and not callable(features):
            raise ValueError(
                "`features` should be None or a callable mapping images "
                f"to vectors. Received: `features={features!r}`"
            )
        self.features = features
        self.use_ema = validation.check_bool("use_ema", use_ema)
        self.epochs = []
        self.history = {"diversity": [], "d_overfit": []}
        self.flags = []
        self._warned = set()
        self._window = []  # (diversity, adversarial d_loss, g_loss, steps)
        self._real = None

    # ------------------------------------------------------------------
    def _prepare(self):
        gan = self.model
        if not hasattr(gan, "generate"):
            raise TypeError(
                "TrainingMonitor needs a `keras_gan.GAN` (a model with "
                f"`generate` and a `discriminator`). Received "
                f"{type(gan).__name__}."
            )
        images, labels = _real_batch(
            self.real_data, self.num_samples, self.seed
        )
        if len(images) < 2:
            raise ValueError(
                "TrainingMonitor needs at least 2 real images. Received "
                f"{len(images)}."
            )
        # Raw [0, 255] pixels against a tanh generator would read as
        # collapse: refuse what `fit` itself would refuse.
        faults.check_arrays(images, getattr(gan, "data_range", None),
                            name="real_data")
        takes_labels = getattr(gan, "discriminator_takes_labels", False)
        if takes_labels and labels is None:
            raise ValueError(
                "TrainingMonitor: this conditional discriminator takes "
                "`[images, labels]`; pass `real_data=(images, labels)` or "
                "batches of `(images, labels)`."
            )
        reference = diversity(images, self.features)
        if not reference > 0:
            raise ValueError(
                "TrainingMonitor: the real images are all identical "
                "(diversity 0); pass varied real images as `real_data`."
            )
        num_classes = getattr(gan, "num_classes", None)
        fake_labels = None
        if num_classes:
            fake_labels = np.arange(self.num_samples) % num_classes
        self._real = (
            images,
            labels if takes_labels else None,
            reference,
            fake_labels,
        )

    def on_train_begin(self, logs=None):
        if self._real is None:
            self._prepare()

    def evaluate(self):
        """Samples the fixed latent batch and computes both statistics.

        Returns:
            A dict `{"diversity": float, "d_overfit": float}`; diversity is
            NaN when the samples are not finite.
        """
        if self._real is None:
            self._prepare()
        images, labels, reference, fake_labels = self._real
        fake = self.model.generate(
            self.num_samples,
            labels=fake_labels,
            seed=self.seed,
            use_ema=self.use_ema,
        )
        if np.isfinite(fake).all():
            ratio = diversity(fake, self.features) / reference
        else:
            ratio = float("nan")
        overfit = d_overfit(self.model.discriminator, images, labels)
        return {"diversity": float(ratio), "d_overfit": overfit}

    # ------------------------------------------------------------------
    def _flag(self, epoch, kind, problem):
        self.flags.append((epoch, kind))
        stop = self.on_failure == "stop"
        if stop:
            self.model.stop_training = True
        if kind in self._warned and not stop:
            return
        self._warned.add(kind)
        action = (
            f"Training stopped (on_failure='stop') after epoch {epoch}."
            if stop
            else "(Warned once per kind; pass on_failure='stop' to stop.)"
        )
        warnings.warn(
            f"TrainingMonitor, epoch {epoch}: {problem} "
            f"{_REMEDIES[kind]} {action}",
            stacklevel=2,
        )

    def _check_finite(self, epoch, logs):
        bad = [
            f"{key}={float(logs[key]):g}"
            for key in LOSS_KEYS
            if key in logs and not math.isfinite(float(logs[key]))
        ]
        skipped = float(logs.get("bad_steps", 0) or 0)
        if skipped > 0:
            bad.append(f"{int(skipped)} step(s) skipped (bad_steps)")
        if "diversity" in logs and not math.isfinite(logs["diversity"]):
            bad.append("the samples contain NaN or inf")
        if bad:
            self._flag(
                epoch,
                NON_FINITE,
                "non-finite values in training: " + ", ".join(bad) + ".",
            )
            return False
        return True

    def _check_rules(self, epoch, values, logs):
        d_loss = logs.get("d_loss")
        g_loss = logs.get("g_loss")
        adversarial = None
        if d_loss is not None:
            adversarial = float(d_loss) - float(logs.get("penalty", 0.0))
        steps = int(
            keras.ops.convert_to_numpy(self.model.g_optimizer.iterations)
        ) if getattr(self.model, "g_optimizer", None) is not None else 0
        self._window.append((values["diversity"], adversarial, g_loss, steps))
        self._window = self._window[-self.patience :]
        if len(self._window) < self.patience:
            return
        if steps < self.warmup_steps:
            return
        ratios = [w[0] for w in self._window]
        if all(r < self.collapse_threshold for r in ratios):
            self._flag(
                epoch,
                COLLAPSE,
                f"the samples look collapsed: diversity "
                f"{ratios[-1]:.3f} of the real images' (below "
                f"collapse_threshold={self.collapse_threshold:g} at "
                f"{self.patience} evaluations in a row); different latent "
                "vectors give nearly the same image.",
            )
        d_values = [w[1] for w in self._window]
        g_values = [w[2] for w in self._window]
        if None in d_values or None in g_values:
            return
        won = all(0.0 <= d < self.d_loss_threshold for d in d_values)
        if won and float(g_values[-1]) >= float(g_values[0]):
            self._flag(
                epoch,
                D_WON,
                f"the discriminator has won: its loss {d_values[-1]:.4f} "
                f"is below d_loss_threshold={self.d_loss_threshold:g} at "
                f"{self.patience} evaluations in a row while g_loss went "
                f"{float(g_values[0]):.3g} -> {float(g_values[-1]):.3g} "
                f"(d_overfit {values['d_overfit']:.2f}).",
            )

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        number = epoch + 1
        evaluate = not (number % self.every_n_epochs)
        values = self.evaluate() if evaluate else None
        if values is not None:
            self.epochs.append(number)
            for name, value in values.items():
                self.history[name].append(value)
            logs.update(values)
        if not self._check_finite(number, logs):
            return
        if values is not None:
            self._check_rules(number, values, logs)

    def get_config(self):
        return {
            "every_n_epochs": self.every_n_epochs,
            "on_failure": self.on_failure,
            "num_samples": self.num_samples,
            "seed": self.seed,
            "collapse_threshold": self.collapse_threshold,
            "d_loss_threshold": self.d_loss_threshold,
            "patience": self.patience,
            "warmup_steps": self.warmup_steps,
            "use_ema": self.use_ema,
        }
