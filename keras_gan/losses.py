"""Adversarial losses.

Every loss takes the raw discriminator outputs ("logits") on a real batch and
on a fake batch and returns a scalar: `discriminator_loss(real, fake)` is what
the discriminator minimizes and `generator_loss(real, fake)` what the
generator minimizes. Values are means over every element of the logits, and
are computed in float32 whatever the compute dtype, so that mixed precision
does not change the objective. The discriminator's loss is the *sum* of its
real and fake terms, as in the reference DCGAN and WGAN code.
"""

import keras
from keras import ops

from keras_gan.utils import validation
from keras_gan.utils.export import ConfigObject
from keras_gan.utils.export import keras_gan_export


def _f32(x):
    """The adversarial logits in float32 (AC-GAN outputs: the first)."""
    if isinstance(x, (tuple, list)):
        x = x[0]
    return ops.cast(x, "float32")


def _per_sample(terms):
    """The mean over every axis but the batch axis: `(batch,)`."""
    if len(terms.shape) <= 1:
        return terms
    return ops.mean(terms, axis=tuple(range(1, len(terms.shape))))


@keras_gan_export
class AdversarialLoss(ConfigObject):
    """Base class of the adversarial losses.

    Subclasses implement `discriminator_loss` and `generator_loss`, both
    with the signature `(real_logits, fake_logits, real_labels=None,
    fake_labels=None)`: the step always passes the discriminator's raw
    outputs and, for conditional GANs, the labels of both batches (losses
    that do not use labels ignore them). Their constructor arguments are
    returned by `get_config` so that a loss saved with a model is rebuilt
    identical. The built-in losses also have `generator_loss_per_sample`,
    same arguments, the generator's loss of each fake `(batch,)` (its mean
    is `generator_loss`, the default of a subclass that defines only it):
    top-k training (`GAN.compile(top_k=...)`) needs it.

    Examples:

    >>> class Linear(AdversarialLoss):
    ...     def discriminator_loss(self, real_logits, fake_logits,
    ...                            real_labels=None, fake_labels=None):
    ...         return ops.mean(fake_logits) - ops.mean(real_logits)
    ...     def generator_loss(self, real_logits, fake_logits,
    ...                        real_labels=None, fake_labels=None):
    ...         return -ops.mean(fake_logits)
    >>> float(Linear().generator_loss(None, ops.ones((2, 1))))
    -1.0
    """

    #: Whether `generator_loss` uses the real logits (then the generator
    #: step also runs the discriminator on the real batch).
    uses_real_in_generator_loss = False

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        """The discriminator's loss.

        Args:
            real_logits: tensor, raw discriminator outputs on real images.
            fake_logits: tensor, raw discriminator outputs on generated images.
            real_labels: int tensor `(batch,)` or None, the real labels.
            fake_labels: int tensor `(batch,)` or None, the fake labels.

        Returns:
            A float32 scalar tensor.
        """
        raise NotImplementedError

    def generator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        """The generator's loss.

        Args:
            real_logits: tensor or None, raw discriminator outputs on real
                images (used by relativistic losses only).
            fake_logits: tensor, raw discriminator outputs on generated images.
            real_labels: int tensor `(batch,)` or None, the real labels.
            fake_labels: int tensor `(batch,)` or None, the fake labels.

        Returns:
            A float32 scalar tensor: by default the mean of
            `generator_loss_per_sample`.
        """
        per_sample = getattr(self, "generator_loss_per_sample", None)
        if per_sample is None:
            raise NotImplementedError
        return ops.mean(
            per_sample(real_logits, fake_logits, real_labels, fake_labels)
        )


@keras_gan_export
class Minimax(AdversarialLoss):
    """The original GAN objective (Goodfellow et al., 2014).

    With `sigma` the logistic function, the discriminator minimizes
    `-E[log sigma(r)] - E[log(1 - sigma(f))]` and the generator minimizes
    `E[log(1 - sigma(f))]`. The generator's gradient vanishes when the
    discriminator is confident; prefer `NonSaturating` in practice.

    Examples:

    >>> loss = Minimax()
    >>> round(float(loss.discriminator_loss(ops.zeros(4), ops.zeros(4))), 4)
    1.3863

    Reference: Goodfellow et al., "Generative Adversarial Nets", 2014.
    """

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        real, fake = _f32(real_logits), _f32(fake_logits)
        return ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        # log(1 - sigmoid(f)) = -softplus(f)
        return -_per_sample(ops.softplus(_f32(fake_logits)))


@keras_gan_export
class NonSaturating(AdversarialLoss):
    """The non-saturating GAN loss, with optional one-sided label smoothing.

    The discriminator minimizes binary cross-entropy with target `1 - s` on
    reals and `0` on fakes; the generator minimizes `-E[log sigma(f)]`, which
    keeps strong gradients early in training. Smoothing only the real target
    ("one-sided") keeps the optimal discriminator from rewarding fakes.

    Args:
        label_smoothing: float in [0, 1), the `s` above (0.1 gives the
            classic real target 0.9). Defaults to 0.

    Examples:

    >>> loss = NonSaturating(label_smoothing=0.1)
    >>> round(float(loss.generator_loss(None, ops.zeros(4))), 4)
    0.6931

    Reference: Goodfellow et al., 2014; Salimans et al., "Improved
    Techniques for Training GANs", 2016 (one-sided label smoothing).
    """

    def __init__(self, label_smoothing=0.0):
        # For example 0.1, for a real target of 0.9.
        label_smoothing = validation.check_float(
            "label_smoothing", label_smoothing, 0.0, 1.0, max_inclusive=False
        )
        self.label_smoothing = label_smoothing

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        real, fake = _f32(real_logits), _f32(fake_logits)
        s = self.label_smoothing
        # BCE(target t, logit x) = t * softplus(-x) + (1 - t) * softplus(x)
        real_term = ops.softplus(-real)
        if s:  # skipped when unsmoothed: fewer ops in every step
            real_term = (1.0 - s) * real_term + s * ops.softplus(real)
        return ops.mean(real_term) + ops.mean(ops.softplus(fake))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return _per_sample(ops.softplus(-_f32(fake_logits)))

    def get_config(self):
        return {"label_smoothing": self.label_smoothing}


@keras_gan_export
class LeastSquares(AdversarialLoss):
    """Least-squares GAN loss (LSGAN, targets a=0, b=c=1).

    The discriminator minimizes `E[(r - 1)^2] / 2 + E[f^2] / 2`, the generator
    `E[(f - 1)^2] / 2`, on raw (linear) discriminator outputs.

    Examples:

    >>> loss = LeastSquares()
    >>> float(loss.discriminator_loss(ops.ones(2), ops.ones(2)))
    0.5

    Reference: Mao et al., "Least Squares Generative Adversarial Networks",
    2017.
    """

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        real, fake = _f32(real_logits), _f32(fake_logits)
        return 0.5 * ops.mean(ops.square(real - 1.0)) + 0.5 * ops.mean(
            ops.square(fake)
        )

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return 0.5 * _per_sample(ops.square(_f32(fake_logits) - 1.0))


@keras_gan_export
class Wasserstein(AdversarialLoss):
    """Wasserstein GAN loss: the critic maximizes `E[r] - E[f]`.

    The critic minimizes `E[f] - E[r]` and the generator `-E[f]`. It needs a
    Lipschitz constraint on the critic: use it with
    `keras_gan.penalties.GradientPenalty` (WGAN-GP) or spectral normalization,
    and usually `d_steps=5`.

    Examples:

    >>> loss = Wasserstein()
    >>> float(loss.discriminator_loss(ops.ones(2), ops.zeros(2)))
    -1.0

    Reference: Arjovsky et al., "Wasserstein GAN", 2017.
    """

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return -_per_sample(_f32(fake_logits))


@keras_gan_export
class Hinge(AdversarialLoss):
    """Hinge loss, as in SNGAN, SAGAN and BigGAN.

    The discriminator minimizes `E[relu(1 - r)] + E[relu(1 + f)]`, the
    generator `-E[f]`.

    Examples:

    >>> loss = Hinge()
    >>> float(loss.discriminator_loss(ops.zeros(2), ops.zeros(2)))
    2.0

    Reference: Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
    Normalization for GANs", 2018.
    """

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        real, fake = _f32(real_logits), _f32(fake_logits)
        return ops.mean(ops.relu(1.0 - real)) + ops.mean(ops.relu(1.0 + fake))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return -_per_sample(_f32(fake_logits))


@keras_gan_export
class RelativisticAverage(AdversarialLoss):
    """Relativistic average GAN loss (RaGAN, with cross-entropy).

    Each side judges whether a real image is more realistic than the average
    fake, and vice versa: with `dr = r - E[f]` and `df = f - E[r]`, the
    discriminator minimizes `E[softplus(-dr)] + E[softplus(df)]` and the
    generator `E[softplus(-df)] + E[softplus(dr)]`. The generator's loss uses
    the real logits, so its step runs the discriminator on reals too.

    Examples:

    >>> loss = RelativisticAverage()
    >>> round(float(loss.generator_loss(ops.zeros(2), ops.zeros(2))), 4)
    1.3863

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018.
    """

    uses_real_in_generator_loss = True

    def _relative(self, real_logits, fake_logits):
        real, fake = _f32(real_logits), _f32(fake_logits)
        return real - ops.mean(fake), fake - ops.mean(real)

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        dr, df = self._relative(real_logits, fake_logits)
        return ops.mean(ops.softplus(-dr)) + ops.mean(ops.softplus(df))

    def generator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        dr, df = self._relative(real_logits, fake_logits)
        return ops.mean(ops.softplus(-df)) + ops.mean(ops.softplus(dr))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        # Fake i's term and real i's (batches of the same size).
        dr, df = self._relative(real_logits, fake_logits)
        return _per_sample(ops.softplus(-df) + ops.softplus(dr))


@keras_gan_export
class RelativisticPairing(AdversarialLoss):
    """Relativistic pairing GAN loss (RpGAN), R3GAN's objective.

    Real and fake logits are paired in batch order: the discriminator
    minimizes `E[softplus(-(D(x_r) - D(x_f)))]` and the generator
    `E[softplus(-(D(x_f) - D(x_r)))]`. Unlike the average form, each fake is
    compared with one real image, which removes the mode-dropping optimum of
    the standard loss (Sun et al. 2020). The generator's loss uses the real
    logits, so its step runs the discriminator on reals too. Pair it with
    `R1` and `R2` (R3GAN).

    Examples:

    >>> loss = RelativisticPairing()
    >>> round(float(loss.discriminator_loss(ops.ones(2), ops.zeros(2))), 4)
    0.3133

    Reference: Jolicoeur-Martineau, 2018; Huang et al., "The GAN is dead;
    long live the GAN! A Modern GAN Baseline", NeurIPS 2024.
    """

    uses_real_in_generator_loss = True

    def discriminator_loss(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        return ops.mean(ops.softplus(_f32(fake_logits) - _f32(real_logits)))

    def generator_loss_per_sample(
        self, real_logits, fake_logits, real_labels=None, fake_labels=None
    ):
        real, fake = _f32(real_logits), _f32(fake_logits)
        return _per_sample(ops.softplus(real - fake))


@keras_gan_export
class AuxiliaryClassifier(AdversarialLoss):
    """AC-GAN: an adversarial loss plus a classification loss on the labels.

    For discriminators with two outputs, `[adversarial_logits,
    class_logits]`, and a conditional GAN (`GAN(..., num_classes=N)`) whose
    discriminator takes images only. The discriminator minimizes
    `base.discriminator_loss + weight * (CE(real classes, labels) +
    CE(fake classes, fake labels))`; the generator minimizes
    `base.generator_loss + weight * CE(fake classes, fake labels)`, so it is
    rewarded for images that are recognisably of the requested class.

    Args:
        base_loss: the adversarial loss, a name or instance. Defaults to
            "non_saturating".
        weight: float, weight of the classification terms. Defaults to 1.

    Examples:

    >>> loss = AuxiliaryClassifier("hinge", weight=0.5)
    >>> loss.get_config()["weight"]
    0.5

    Reference: Odena et al., "Conditional Image Synthesis with Auxiliary
    Classifier GANs", 2017.
    """

    def __init__(self, base_loss="non_saturating", weight=1.0):
        self.base_loss = get(base_loss)
        self.weight = validation.non_negative_float("weight", weight)
        self.uses_real_in_generator_loss = (
            self.base_loss.uses_real_in_generator_loss
        )

    @staticmethod
    def _split(outputs):
        if not isinstance(outputs, (tuple, list)) or len(outputs) != 2:
            raise ValueError(
                "AuxiliaryClassifier needs a discriminator with two outputs, "
                "`[adversarial_logits, class_logits]`."
            )
        return outputs

    @staticmethod
    def _labels(real_labels, fake_labels):
        if real_labels is None or fake_labels is None:
            raise ValueError(
                "AuxiliaryClassifier needs the labels of both batches: use "
                "it in a conditional GAN (`GAN(..., num_classes=N)`)."
            )
        return real_labels, fake_labels

    @staticmethod
    def _cross_entropy(class_logits, labels, reduce=True):
        ce = keras.losses.sparse_categorical_crossentropy(
            labels, _f32(class_logits), from_logits=True
        )
        return ops.mean(ce) if reduce else ce

    def discriminator_loss(
        self, real_outputs, fake_outputs, real_labels=None, fake_labels=None
    ):
        labels = self._labels(real_labels, fake_labels)
        real_adv, real_cls = self._split(real_outputs)
        fake_adv, fake_cls = self._split(fake_outputs)
        return self.base_loss.discriminator_loss(
            real_adv, fake_adv
        ) + self.weight * (
            self._cross_entropy(real_cls, labels[0])
            + self._cross_entropy(fake_cls, labels[1])
        )

    def generator_loss_per_sample(
        self, real_outputs, fake_outputs, real_labels=None, fake_labels=None
    ):
        _, fake_labels = self._labels(real_labels, fake_labels)
        fake_adv, fake_cls = self._split(fake_outputs)
        real_adv = None
        if real_outputs is not None:
            real_adv = self._split(real_outputs)[0]
        return self.base_loss.generator_loss_per_sample(
            real_adv, fake_adv
        ) + self.weight * self._cross_entropy(fake_cls, fake_labels, False)

    def get_config(self):
        return {
            "base_loss": keras.saving.serialize_keras_object(self.base_loss),
            "weight": self.weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["base_loss"] = get(config["base_loss"])
        return cls(**config)


_NAMES = {
    "minimax": Minimax,
    "non_saturating": NonSaturating,
    "least_squares": LeastSquares,
    "wasserstein": Wasserstein,
    "hinge": Hinge,
    "relativistic": RelativisticAverage,
    "relativistic_pairing": RelativisticPairing,
}


@keras_gan_export
def get(identifier):
    """Returns an adversarial loss from a name, a config or an instance.

    Args:
        identifier: one of "minimax", "non_saturating", "least_squares",
            "wasserstein", "hinge", "relativistic", "relativistic_pairing";
            an `AdversarialLoss`
            instance (returned as is); or a dict from
            `keras.saving.serialize_keras_object`.

    Returns:
        An `AdversarialLoss` instance.

    Examples:

    >>> get("hinge")
    Hinge()
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, dict):
        loss = keras.saving.deserialize_keras_object(identifier)
        if isinstance(loss, AdversarialLoss):
            return loss
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    raise ValueError(
        f"Unknown GAN loss: {identifier!r}. Use one of "
        f"{sorted(_NAMES)} or an instance of a `keras_gan.losses` class "
        "(for example `keras_gan.losses.NonSaturating(label_smoothing=0.1)`)."
    )
