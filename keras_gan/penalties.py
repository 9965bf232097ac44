"""Penalties on the discriminator.

A penalty is called inside the discriminator phase with a `PenaltyContext`
and returns a weighted scalar that is added to the discriminator's loss (and
logged as `penalty`). The gradient penalties need the gradient of the
critic's output with respect to its *input*, kept differentiable with
respect to the critic's weights (a second-order gradient); every backend
driver supplies that as `context.input_gradients(fn, x)`: nested
`GradientTape`s on TensorFlow, `torch.autograd.grad(..., create_graph=True)`
on PyTorch, a nested `jax.grad` on JAX.

Lazy regularization (StyleGAN2): with `every=k` the penalty is applied on
every k-th discriminator update only (updates 0, k, 2k, ... as counted by
`gan.d_optimizer.iterations`), multiplied by k so that its average strength
is unchanged. On the other updates it is not computed at all: the step runs
it under a conditional (`tf.cond`, `jax.lax.cond`, a Python `if` on
PyTorch), so `every=16` saves fifteen of every sixteen penalty passes.

Augmentation: with `augment=True` the critic inside the penalty sees the
compiled augmentation of its input (`D(augment(x))`) and the gradient is
taken with respect to the un-augmented `x`, as StyleGAN2-ADA and R3GAN do for
R1 (their discriminators always run behind the augmentation pipeline). The
default, `augment=False`, penalizes `D(x)` on the raw images.
"""

import dataclasses
from typing import Any
from typing import Callable

import keras
from keras import ops

from keras_gan.utils import validation
from keras_gan.utils.export import ConfigObject
from keras_gan.utils.export import keras_gan_export


def _squared_norms(grads):
    """Per-sample squared L2 norm of a batch of gradients, float32."""
    grads = ops.cast(grads, "float32")
    axes = tuple(range(1, len(grads.shape)))
    return ops.sum(ops.square(grads), axis=axes)


@dataclasses.dataclass(frozen=True)
class PenaltyContext:
    """What a penalty sees of the discriminator step.

    Attributes:
        real: the batch of real images.
        fake: the batch of generated images (detached from the generator).
        real_labels: the real batch's labels, or None.
        fake_labels: the fake batch's labels, or None.
        real_logits: D's adversarial logits on `real` (differentiable).
        fake_logits: D's adversarial logits on `fake` (differentiable).
        critic: callable `(images, labels, augment=False) -> logits`, the
            discriminator in training mode.
        input_gradients: callable `(fn, x) -> d sum(fn(x)) / dx`, kept
            differentiable with respect to the critic's weights.
        seed_generator: the GAN's `keras.random.SeedGenerator`.
        step: the discriminator's update count (a scalar tensor).
        latents: the latent vectors `z` of `fake`.
        generator: callable `(z, labels) -> images`, the generator in
            training mode, detached (no gradient reaches G in this phase).
    """

    real: Any
    fake: Any
    real_labels: Any
    fake_labels: Any
    real_logits: Any
    fake_logits: Any
    critic: Callable
    input_gradients: Callable
    seed_generator: Any
    step: Any
    latents: Any = None
    generator: Callable = None

    def critic_fn(self, labels, augment=False):
        """`images -> logits` with fixed labels, for `input_gradients`."""
        return lambda images: self.critic(images, labels, augment=augment)


@dataclasses.dataclass(frozen=True)
class GeneratorContext:
    """What a penalty's generator term sees of the generator step.

    Attributes:
        latents: the latent vectors `z` of `fake`.
        fake: `G(z)`, differentiable with respect to G's weights.
        fake_labels: the fake batch's labels, or None.
        fake_logits: D's adversarial logits on `fake`.
        generator: callable `(z, labels) -> images`, the generator in
            training mode (differentiable).
        critic: callable `(images, labels, augment=False) -> logits`.
        seed_generator: the GAN's `keras.random.SeedGenerator`.
        step: the generator's update count (a scalar tensor).
    """

    latents: Any
    fake: Any
    fake_labels: Any
    fake_logits: Any
    generator: Callable
    critic: Callable
    seed_generator: Any
    step: Any


@keras_gan_export
class Penalty(ConfigObject):
    """Base class: lazy regularization and the augmentation choice.

    Subclasses implement `compute(context)`, the term added to D's loss.
    A penalty that also regularizes the generator defines
    `generator_term(context)` (a `GeneratorContext` in, a float32 scalar
    added to G's loss out, logged as `g_penalty`); `every` applies to it
    too, counted in generator updates. A penalty with state (variables,
    random augmentations) returns its Keras layers from `layers`: the GAN
    tracks them, so their variables are saved with it and carried through
    the JAX step.

    Args:
        every: int, apply on every `every`-th discriminator update, with the
            penalty multiplied by `every`; it is not computed on the other
            updates. Defaults to 1 (every update).
        augment: bool, whether the critic inside the penalty sees the
            compiled augmentation (`D(augment(x))`, gradient with respect to
            `x`). Defaults to False.

    Returns:
        A penalty; `compute(context)` returns a float32 scalar.

    Examples:

    >>> class Zero(Penalty):
    ...     def compute(self, context):
    ...         return ops.zeros(())
    >>> Zero(every=4).get_config()
    {'every': 4, 'augment': False}
    """

    def __init__(self, every=1, augment=False):
        self.every = validation.positive_int("every", every)
        self.augment = validation.check_bool("augment", augment)

    #: Optional `generator_term(context)`; None: the penalty acts on D only.
    generator_term = None

    @property
    def layers(self):
        """The Keras layers holding the penalty's state (none here)."""
        return []

    def compute(self, context):
        """The penalty, not yet multiplied by `every`.

        Args:
            context: a `PenaltyContext`.

        Returns:
            A float32 scalar tensor.
        """
        raise NotImplementedError

    def get_config(self):
        """Returns the constructor arguments."""
        return {"every": self.every, "augment": self.augment}


def _weight(name, value):
    """A float >= 0, or a Keras schedule evaluated at the D step."""
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule):
        return value
    if isinstance(value, dict):
        return keras.optimizers.schedules.deserialize(value)
    return validation.non_negative_float(name, value)


def _weight_value(value, step):
    if callable(value):
        return ops.cast(value(step), "float32")
    return value


def _weight_config(value):
    if callable(value):
        return keras.optimizers.schedules.serialize(value)
    return value


@keras_gan_export
class GradientPenalty(Penalty):
    """WGAN-GP: `weight * E[(||grad D(x_hat)|| - 1)^2]`.

    `x_hat = eps * real + (1 - eps) * fake` with `eps ~ U(0, 1)` per sample:
    the critic is pushed towards unit gradient norm on the lines between
    real and generated samples, a soft 1-Lipschitz constraint. Use with
    `loss="wasserstein"` and `d_steps=5`, and no batch normalization in the
    critic.

    Args:
        weight: float >= 0 (lambda in the paper), or a
            `keras.optimizers.schedules.LearningRateSchedule` evaluated at
            the discriminator's update count. Defaults to 10.
        every: int, lazy regularization interval. Defaults to 1.
        augment: bool, penalize `D(augment(x))`. Defaults to False.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> gp = GradientPenalty(weight=10.0)
    >>> gp.get_config()
    {'every': 1, 'augment': False, 'weight': 10.0}

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs",
    2017.
    """

    def __init__(self, weight=10.0, every=1, augment=False):
        super().__init__(every=every, augment=augment)
        self.weight = _weight("weight", weight)

    def compute(self, context):
        real = ops.cast(context.real, "float32")
        fake = context.fake
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = keras.random.uniform(shape, seed=context.seed_generator)
        mixed = eps * real + (1.0 - eps) * ops.cast(fake, "float32")
        mixed = ops.cast(mixed, fake.dtype)
        critic = context.critic_fn(context.real_labels, self.augment)
        # sqrt(0) has no gradient: keep the norm strictly positive.
        norms = ops.sqrt(
            _squared_norms(context.input_gradients(critic, mixed)) + 1e-12
        )
        weight = _weight_value(self.weight, context.step)
        return weight * ops.mean(ops.square(norms - 1.0))

    def get_config(self):
        return {**super().get_config(), "weight": _weight_config(self.weight)}


@keras_gan_export
class R1(Penalty):
    """R1: `gamma / 2 * E[||grad D(x_real)||^2]` on real images.

    Penalizes the discriminator's gradient on the data, which makes training
    converge locally (StyleGAN, StyleGAN2 use it with `every=16`). With R2
    it forms R3GAN's pair of zero-centred penalties; R3GAN decays gamma
    during training, which a schedule for `gamma` expresses in the graph:
    `R1(keras.optimizers.schedules.CosineDecay(0.05, 100000, alpha=0.1))`.

    Args:
        gamma: float >= 0, the penalty's weight, or a
            `keras.optimizers.schedules.LearningRateSchedule` evaluated at
            the discriminator's update count. Defaults to 10.
        every: int, lazy regularization interval. Defaults to 1.
        augment: bool, penalize `D(augment(x))` with the gradient taken
            with respect to `x` (StyleGAN2-ADA's and R3GAN's choice).
            Defaults to False.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> R1(gamma=1.0, every=16).get_config()
    {'every': 16, 'augment': False, 'gamma': 1.0}

    Reference: Mescheder et al., "Which Training Methods for GANs do
    actually Converge?", 2018.
    """

    _on = "real"

    def __init__(self, gamma=10.0, every=1, augment=False):
        super().__init__(every=every, augment=augment)
        self.gamma = _weight("gamma", gamma)

    def compute(self, context):
        if self._on == "real":
            images, labels = context.real, context.real_labels
        else:
            images, labels = context.fake, context.fake_labels
        critic = context.critic_fn(labels, self.augment)
        grads = context.input_gradients(critic, images)
        gamma = _weight_value(self.gamma, context.step)
        return 0.5 * gamma * ops.mean(_squared_norms(grads))

    def get_config(self):
        return {**super().get_config(), "gamma": _weight_config(self.gamma)}


@keras_gan_export
class R2(R1):
    """R2: `gamma / 2 * E[||grad D(x_fake)||^2]` on generated images.

    Args:
        gamma: float >= 0 or a schedule, the penalty's weight. Defaults
            to 10.
        every: int, lazy regularization interval. Defaults to 1.
        augment: bool, penalize `D(augment(x))`. Defaults to False.

    Returns:
        A penalty object for `GAN.compile(penalty=...)`.

    Examples:

    >>> R2(gamma=5.0).gamma
    5.0

    Reference: Mescheder et al., 2018.
    """

    _on = "fake"


# The consistency and anchor regularizers live in their own module (size);
# they are part of this namespace. Imported last: they subclass `Penalty`.
from keras_gan.consistency import BalancedConsistency  # noqa: E402
from keras_gan.consistency import LatentConsistency  # noqa: E402
from keras_gan.consistency import LeCam  # noqa: E402

__all__ = [
    "BalancedConsistency",
    "GeneratorContext",
    "GradientPenalty",
    "LatentConsistency",
    "LeCam",
    "Penalty",
    "PenaltyContext",
    "R1",
    "R2",
]
