"""Limited-data regularizers of the discriminator: LeCam, bCR and zCR.

They are `keras_gan.penalties` (use them as `penalties.LeCam`, ...): each is
passed to `GAN.compile(penalty=...)`, alone or in a list with R1 / R2, its
discriminator term is added to D's loss and logged in `penalty`. They read
the logits that the discriminator phase already computed
(`context.real_logits`, `context.fake_logits`: no second forward pass of D
on the same images) and add only the passes they need: bCR runs D on the
transformed batches, zCR runs G and D on perturbed latents.

- `LeCam` keeps two anchors, moving averages of D's mean logits on real
  and on generated images, as non-trainable variables of a small layer that
  the GAN tracks: they update inside the training step on every backend
  (under `jax.jit` too, where the step carries them in its state) and are
  saved with the model.
- `LatentConsistency` also has a generator term (`generator_term`), added to
  G's loss and logged as `g_penalty`.

With a compiled augmentation (`compile(augment=...)`) the D-phase logits are
`D(augment(x))`; the extra passes of bCR and zCR see their own inputs
without it, as in PyTorch-StudioGAN.
"""

import keras
from keras import ops

from keras_gan.augment import DiffAugment
from keras_gan.penalties import Penalty
from keras_gan.penalties import _weight
from keras_gan.penalties import _weight_config
from keras_gan.penalties import _weight_value
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


def _mean_square(a, b):
    """Mean over all elements of `(a - b)^2`, float32."""
    return ops.mean(ops.square(ops.cast(a, "float32") - ops.cast(b, "float32")))


class LeCamAnchors(keras.layers.Layer):
    """The state of `LeCam`: its two anchors and their update count.

    Args:
        **kwargs: `keras.layers.Layer` arguments.

    Returns:
        A layer holding the non-trainable weights `real_anchor`,
        `fake_anchor` (float32 scalars) and `updates` (int32).

    Examples:

    >>> [w.name for w in LeCamAnchors().weights]
    ['real_anchor', 'fake_anchor', 'updates']
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name in ("real_anchor", "fake_anchor"):
            setattr(self, name, self.add_weight(
                shape=(), initializer="zeros", trainable=False, name=name,
                dtype="float32",
            ))
        self.updates = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="updates",
            dtype="int32",
        )
        self.built = True

    def call(self, inputs):
        return inputs


@keras_gan_export
class LeCam(Penalty):
    """LeCam regularization: D's outputs held near moving anchors.

    `weight * (E[relu(D(x_r) - alpha_F)^2] + E[relu(alpha_R - D(x_f))^2])`,
    where `alpha_R` and `alpha_F` are exponential moving averages of D's
    mean logit on the real and on the generated batches. Each time the
    penalty is computed, the anchors first take in the current batch's
    (detached) means, zero-debiased as in the reference code (the first
    anchors equal the first batch's means), then the penalty uses the new
    anchors. The anchors are `penalty.anchors.real_anchor` and
    `fake_anchor`, non-trainable variables tracked by the GAN: saved with
    it, updated inside the step (also under `jax.jit`), and restored with
    the D update when a step is skipped as non-finite. With `every=k` the
    penalty, and so the anchors' update, runs on every k-th D update.

    The paper pairs it with augmentation (DiffAugment, ADA) for small
    data sets; its CIFAR-10 weight is 0.3 (BigGAN) and its anchors' decay
    0.99.

    Args:
        weight: float >= 0 (lambda in the paper), or a
            `keras.optimizers.schedules.LearningRateSchedule` evaluated at
            the discriminator's update count. Defaults to 0.3.
        decay: float in [0, 1), the anchors' decay. Defaults to 0.99.
        every: int, lazy regularization interval. Defaults to 1.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> lecam = LeCam(weight=0.3, decay=0.9)
    >>> lecam.get_config()
    {'weight': 0.3, 'decay': 0.9, 'every': 1}
    >>> float(lecam.anchors.real_anchor.value)
    0.0

    Reference: Tseng et al., "Regularizing Generative Adversarial Networks
    under Limited Data", CVPR 2021 (google/lecam-gan).
    """

    def __init__(self, weight=0.3, decay=0.99, every=1):
        super().__init__(every=every)
        self.weight = _weight("weight", weight)
        self.decay = validation.check_float(
            "decay", decay, 0.0, 1.0, max_inclusive=False
        )
        self.anchors = LeCamAnchors()

    @property
    def layers(self):
        """`[self.anchors]`: the GAN tracks (and saves) the anchors."""
        return [self.anchors]

    def update_anchors(self, real_logits, fake_logits):
        """Takes a batch's mean logits into the anchors.

        Args:
            real_logits: D's logits on real images.
            fake_logits: D's logits on generated images.

        Returns:
            `(alpha_R, alpha_F)`, the new anchors (float32 scalars).
        """
        state = self.anchors
        count = state.updates.value + 1
        t = ops.cast(count, "float32")
        # Zero-debiased EMA written on the debiased values:
        # a_t = (d (1 - d^(t-1)) a_(t-1) + (1 - d) x_t) / (1 - d^t).
        d = self.decay
        keep = d * (1.0 - ops.power(d, t - 1.0))
        total = 1.0 - ops.power(d, t)
        new = []
        for variable, logits in (
            (state.real_anchor, real_logits), (state.fake_anchor, fake_logits)
        ):
            mean = ops.mean(ops.cast(ops.stop_gradient(logits), "float32"))
            value = (keep * variable.value + (1.0 - d) * mean) / total
            variable.assign(value)
            new.append(value)
        state.updates.assign(count)
        return tuple(new)

    def compute(self, context):
        real = ops.cast(context.real_logits, "float32")
        fake = ops.cast(context.fake_logits, "float32")
        alpha_r, alpha_f = self.update_anchors(real, fake)
        value = ops.mean(ops.square(ops.relu(real - alpha_f))) + ops.mean(
            ops.square(ops.relu(alpha_r - fake))
        )
        return _weight_value(self.weight, context.step) * value

    def get_config(self):
        return {
            "weight": _weight_config(self.weight),
            "decay": self.decay,
            "every": self.every,
        }


def _transform_config(value):
    if value is None:
        return None
    return keras.saving.serialize_keras_object(value)


@keras_gan_export
class BalancedConsistency(Penalty):
    """Balanced consistency regularization (bCR).

    `weight_real * E[(D(x_r) - D(T(x_r)))^2] + weight_fake * E[(D(G(z)) -
    D(T(G(z))))^2]`, the means over the batch of D's logits: D should not
    change its mind when a real or a generated image is transformed by `T`
    (`augment`). `D(x_r)` and `D(G(z))` are the logits of the D phase; the
    transformed batches are one more D pass each (without the compiled
    augmentation). Gradients flow through both sides into D, as in
    PyTorch-StudioGAN; the fakes are detached from G.

    Args:
        weight_real: float >= 0 or a schedule, lambda_real. Defaults to 10.
        weight_fake: float >= 0 or a schedule, lambda_fake. Defaults to 10.
        augment: the transformation `T`: a Keras layer (called with
            `training=True`, e.g. a `keras_gan.augment.DiffAugment`) or a
            callable `images -> images` (register it with
            `keras.saving.register_keras_serializable` to save the GAN).
            Defaults to None: `DiffAugment(policy="translation")`, shifts of
            up to 1/8 of the side (the paper's translation).
        every: int, lazy regularization interval. Defaults to 1.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> bcr = BalancedConsistency(weight_real=10.0, weight_fake=5.0)
    >>> bcr.weight_fake, bcr.augment.policy
    (5.0, 'translation')

    Reference: Zhao et al., "Improved Consistency Regularization for GANs",
    AAAI 2021 (bCR; with the augmentation of Zhang et al., "Consistency
    Regularization for Generative Adversarial Networks", ICLR 2020).
    """

    def __init__(self, weight_real=10.0, weight_fake=10.0, augment=None,
                 every=1):
        super().__init__(every=every)
        self.weight_real = _weight("weight_real", weight_real)
        self.weight_fake = _weight("weight_fake", weight_fake)
        if isinstance(augment, dict):
            augment = keras.saving.deserialize_keras_object(augment)
        if augment is None:
            augment = DiffAugment(policy="translation")
        if not callable(augment):
            raise ValueError(
                "`augment` should be a Keras layer or a callable `images -> "
                f"images`. Received: `augment={augment!r}`"
            )
        self.augment = augment

    @property
    def layers(self):
        """The transformation when it is a layer (its seed state)."""
        return [self.augment] if isinstance(
            self.augment, keras.layers.Layer
        ) else []

    def transform(self, images):
        """`T(images)`.

        Args:
            images: a batch of images.

        Returns:
            The transformed batch.
        """
        if isinstance(self.augment, keras.layers.Layer):
            return self.augment(images, training=True)
        return self.augment(images)

    def compute(self, context):
        terms = []
        for images, labels, logits in (
            (context.real, context.real_labels, context.real_logits),
            (context.fake, context.fake_labels, context.fake_logits),
        ):
            moved = context.critic(self.transform(images), labels)
            terms.append(_mean_square(logits, moved))
        return (
            _weight_value(self.weight_real, context.step) * terms[0]
            + _weight_value(self.weight_fake, context.step) * terms[1]
        )

    def __repr__(self):
        return (
            f"BalancedConsistency(weight_real={self.weight_real!r}, "
            f"weight_fake={self.weight_fake!r}, augment={self.augment!r}, "
            f"every={self.every})"
        )

    def get_config(self):
        return {
            "weight_real": _weight_config(self.weight_real),
            "weight_fake": _weight_config(self.weight_fake),
            "augment": _transform_config(self.augment),
            "every": self.every,
        }


@keras_gan_export
class LatentConsistency(Penalty):
    """Latent consistency regularization (zCR), on D and on G.

    With `z' = z + sigma * n`, `n ~ N(0, I)`:

    - D's term, added to D's loss: `weight_d * E[(D(G(z)) - D(G(z')))^2]`
      (the means over the batch of D's logits): D should give close outputs
      to images of close latents. G is detached here.
    - G's term, added to G's loss (logged as `g_penalty`):
      `-weight_g * mean((G(z) - G(z'))^2)`, the mean over all pixels, as
      PyTorch-StudioGAN: G is pushed to make close latents produce
      different images, against mode collapse.

    `D(G(z))` and `G(z)` are those of each phase; `G(z')` is one more G pass
    per phase and `D(G(z'))` one more D pass. With `every=k`, D's term runs
    on every k-th D update and G's term on every k-th G update, each
    multiplied by k.

    Args:
        weight_d: float >= 0 or a schedule (evaluated at D's update count),
            lambda_dis. Defaults to 5.
        weight_g: float >= 0 or a schedule (evaluated at G's update count),
            lambda_gen. Defaults to 0.5.
        sigma: float > 0, the latent perturbation's standard deviation.
            Defaults to 0.03.
        every: int, lazy regularization interval. Defaults to 1.
        augment: bool, whether D sees `G(z')` behind the compiled
            augmentation. Defaults to False.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> zcr = LatentConsistency(weight_d=5.0, weight_g=0.5, sigma=0.03)
    >>> zcr.weight_g, zcr.sigma
    (0.5, 0.03)

    Reference: Zhao et al., "Improved Consistency Regularization for GANs",
    AAAI 2021 (zCR; defaults from its CIFAR-10 settings).
    """

    def __init__(self, weight_d=5.0, weight_g=0.5, sigma=0.03, every=1,
                 augment=False):
        super().__init__(every=every, augment=augment)
        self.weight_d = _weight("weight_d", weight_d)
        self.weight_g = _weight("weight_g", weight_g)
        self.sigma = validation.positive_float("sigma", sigma)

    def _perturbed(self, z, seed_generator):
        noise = keras.random.normal(ops.shape(z), seed=seed_generator)
        return z + self.sigma * ops.cast(noise, z.dtype)

    def compute(self, context):
        z = self._perturbed(context.latents, context.seed_generator)
        moved = context.generator(z, context.fake_labels)
        logits = context.critic(moved, context.fake_labels, self.augment)
        weight = _weight_value(self.weight_d, context.step)
        return weight * _mean_square(context.fake_logits, logits)

    def generator_term(self, context):
        """G's term, `-weight_g * mean((G(z) - G(z'))^2)`.

        Args:
            context: a `keras_gan.penalties.GeneratorContext`.

        Returns:
            A float32 scalar tensor (<= 0).
        """
        z = self._perturbed(context.latents, context.seed_generator)
        moved = context.generator(z, context.fake_labels)
        weight = _weight_value(self.weight_g, context.step)
        return -weight * _mean_square(context.fake, moved)

    def get_config(self):
        return {
            **super().get_config(),
            "weight_d": _weight_config(self.weight_d),
            "weight_g": _weight_config(self.weight_g),
            "sigma": self.sigma,
        }
