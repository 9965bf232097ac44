"""Gradient penalties on the discriminator.

A penalty is called inside the discriminator phase and returns a weighted
scalar that is added to the discriminator's loss (and logged as `penalty`).
Each needs the gradient of the critic's output with respect to its *input*,
kept differentiable with respect to the critic's weights (a second-order
gradient); every backend driver supplies that as `input_gradients(fn, x)`:
nested `GradientTape`s on TensorFlow, `torch.autograd.grad(...,
create_graph=True)` on PyTorch, a nested `jax.grad` on JAX.

Lazy regularization (StyleGAN2): with `every=k` the penalty is applied on
every k-th discriminator update only (updates 0, k, 2k, ... as counted by
`gan.d_optimizer.iterations`), multiplied by k so that its average strength
is unchanged. The penalty is still computed on the other steps and
multiplied by 0, which keeps the step one static graph on every backend.
"""

import keras
from keras import ops

from keras_gan.utils.export import ConfigObject
from keras_gan.utils.export import keras_gan_export


def _squared_norms(grads):
    """Per-sample squared L2 norm of a batch of gradients, float32."""
    grads = ops.cast(grads, "float32")
    axes = tuple(range(1, len(grads.shape)))
    return ops.sum(ops.square(grads), axis=axes)


@keras_gan_export
class Penalty(ConfigObject):
    """Base class: handles the weight of lazy regularization.

    Args:
        every: int, apply on every `every`-th discriminator update, with the
            penalty multiplied by `every`. Defaults to 1 (every update).

    Examples:

    >>> class Zero(Penalty):
    ...     def compute(self, real, fake, critic_real, critic_fake,
    ...                 input_gradients, seed_generator):
    ...         return ops.zeros(())
    >>> Zero(every=4).get_config()
    {'every': 4}
    """

    def __init__(self, every=1):
        if int(every) != every or every < 1:
            raise ValueError(
                "`every` should be a positive integer (1 applies the "
                f"penalty at every step). Received: `every={every}`"
            )
        self.every = int(every)

    def compute(
        self, real, fake, critic_real, critic_fake, input_gradients,
        seed_generator,
    ):
        """The unweighted-by-`every` penalty; implemented by subclasses.

        Args:
            real: batch of real images.
            fake: batch of generated images (detached from the generator).
            critic_real: callable, images -> D logits with the real labels.
            critic_fake: callable, images -> D logits with the fake labels.
            input_gradients: callable `(fn, x) -> d sum(fn(x)) / dx`,
                differentiable.
            seed_generator: a `keras.random.SeedGenerator`.

        Returns:
            A float32 scalar tensor.
        """
        raise NotImplementedError

    def __call__(
        self, real, fake, critic_real, critic_fake, input_gradients, step,
        seed_generator=None,
    ):
        value = self.compute(
            real, fake, critic_real, critic_fake, input_gradients,
            seed_generator,
        )
        if self.every == 1:
            return value
        on = ops.equal(ops.mod(ops.cast(step, "int32"), self.every), 0)
        return value * ops.cast(on, "float32") * float(self.every)

    def get_config(self):
        """Returns the constructor arguments."""
        return {"every": self.every}


@keras_gan_export
class GradientPenalty(Penalty):
    """WGAN-GP: `weight * E[(||grad D(x_hat)|| - 1)^2]`.

    `x_hat = eps * real + (1 - eps) * fake` with `eps ~ U(0, 1)` per sample:
    the critic is pushed towards unit gradient norm on the lines between
    real and generated samples, a soft 1-Lipschitz constraint. Use with
    `loss="wasserstein"` and `d_steps=5`, and no batch normalization in the
    critic.

    Args:
        weight: float, lambda in the paper. Defaults to 10.
        every: int, lazy regularization interval. Defaults to 1.

    Examples:

    >>> gp = GradientPenalty(weight=10.0)
    >>> gp.get_config()
    {'every': 1, 'weight': 10.0}

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs",
    2017.
    """

    def __init__(self, weight=10.0, every=1):
        super().__init__(every=every)
        if float(weight) < 0:
            raise ValueError(
                "`weight` should be >= 0. Received: " f"`weight={weight}`"
            )
        self.weight = float(weight)

    def compute(
        self, real, fake, critic_real, critic_fake, input_gradients,
        seed_generator,
    ):
        real = ops.cast(real, "float32")
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = keras.random.uniform(shape, seed=seed_generator)
        mixed = eps * real + (1.0 - eps) * ops.cast(fake, "float32")
        mixed = ops.cast(mixed, fake.dtype)
        # sqrt(0) has no gradient: keep the norm strictly positive.
        norms = ops.sqrt(_squared_norms(input_gradients(critic_real, mixed))
                         + 1e-12)
        return self.weight * ops.mean(ops.square(norms - 1.0))

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


@keras_gan_export
class R1(Penalty):
    """R1: `gamma / 2 * E[||grad D(x_real)||^2]` on real images.

    Penalizes the discriminator's gradient on the data, which makes training
    converge locally (StyleGAN, StyleGAN2 use it with `every=16`).

    Args:
        gamma: float, the penalty's weight. Defaults to 10.
        every: int, lazy regularization interval. Defaults to 1.

    Examples:

    >>> R1(gamma=1.0, every=16).get_config()
    {'every': 16, 'gamma': 1.0}

    Reference: Mescheder et al., "Which Training Methods for GANs do
    actually Converge?", 2018.
    """

    _on = "real"

    def __init__(self, gamma=10.0, every=1):
        super().__init__(every=every)
        if float(gamma) < 0:
            raise ValueError(
                f"`gamma` should be >= 0. Received: `gamma={gamma}`"
            )
        self.gamma = float(gamma)

    def compute(
        self, real, fake, critic_real, critic_fake, input_gradients,
        seed_generator,
    ):
        if self._on == "real":
            grads = input_gradients(critic_real, real)
        else:
            grads = input_gradients(critic_fake, fake)
        return 0.5 * self.gamma * ops.mean(_squared_norms(grads))

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma}


@keras_gan_export
class R2(R1):
    """R2: `gamma / 2 * E[||grad D(x_fake)||^2]` on generated images.

    Args:
        gamma: float, the penalty's weight. Defaults to 10.
        every: int, lazy regularization interval. Defaults to 1.

    Examples:

    >>> R2(gamma=5.0).gamma
    5.0

    Reference: Mescheder et al., 2018.
    """

    _on = "fake"
