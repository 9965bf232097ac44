"""Hand-written Keras GAN training loops: the baselines of `throughput.py`.

Each loop is the training pattern the Keras documentation teaches for its
backend, applied to a GAN:

- TensorFlow: a `keras.Model` subclass overriding `train_step` with two
  `tf.GradientTape`s, trained with `fit` (the keras.io DCGAN example);
- JAX: a pure step function over state tuples, with `model.stateless_call`,
  `jax.value_and_grad` and `optimizer.stateless_apply`, jitted or not
  (keras.io, "Writing a training loop from scratch in JAX");
- PyTorch: `zero_grad()`, `loss.backward()`, then `optimizer.apply` under
  `torch.no_grad()` (keras.io, "Writing a training loop from scratch in
  PyTorch"), optionally wrapped in `torch.compile`.

All three do what `keras_gan.GAN` does with its defaults, so that the
benchmark compares overheads and nothing else: the discriminator sees the
real batch and a batch of detached fakes in two separate calls, then the
generator is updated through the discriminator; both networks always run with
`training=True` (batch-norm statistics update in both phases); the loss is
the non-saturating one, the sum of the real and fake binary cross-entropy
terms; each network has its own `Adam(2e-4, beta_1=0.5)`.

Every loop has the same interface: `train(x, batch_size, steps)` runs
`steps` steps on consecutive batches of the numpy array `x` and returns once
the work is done (so that wall-clock time measures it).
"""

import keras
from keras import ops


def make_optimizer():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


# Binary cross-entropy from logits with targets 1 and 0, written as softplus:
# BCE(1, x) = softplus(-x) and BCE(0, x) = softplus(x). This is the formula of
# `keras_gan.losses.NonSaturating`, so both sides do the same arithmetic.
def d_loss_fn(real_logits, fake_logits):
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(
        ops.softplus(fake_logits)
    )


def g_loss_fn(fake_logits):
    return ops.mean(ops.softplus(-fake_logits))


def make_loop(generator, discriminator, latent_dim, jit_compile, seed=0):
    """The hand-written loop of the current backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return TensorFlowLoop(
            generator, discriminator, latent_dim, jit_compile, seed
        )
    if backend == "jax":
        return JAXLoop(generator, discriminator, latent_dim, jit_compile, seed)
    if backend == "torch":
        return TorchLoop(
            generator, discriminator, latent_dim, jit_compile, seed
        )
    raise ValueError(f"No hand-written loop for backend {backend!r}.")


# ----------------------------------------------------------------------------
# TensorFlow: the keras.io DCGAN example (two tapes in `train_step`), with two
# discriminator calls instead of one on concatenated images.
class TensorFlowLoop:
    def __init__(self, generator, discriminator, latent_dim, jit_compile, seed):
        self.model = _TFGAN(generator, discriminator, latent_dim, seed)
        self.model.compile(
            d_optimizer=make_optimizer(),
            g_optimizer=make_optimizer(),
            jit_compile=jit_compile,
        )

    def train(self, x, batch_size, steps):
        # `fit` returns after the last step; TF ops on CPU are synchronous.
        self.model.fit(
            x, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
            verbose=0,
        )


class _TFGAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim, seed):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)

    def compile(self, d_optimizer, g_optimizer, jit_compile):
        super().compile(jit_compile=jit_compile)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Built here rather than on the first `apply_gradients`, which would
        # create variables inside an XLA-compiled function.
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, data):
        import tensorflow as tf

        real = data[0] if isinstance(data, (tuple, list)) else data
        batch_size = tf.shape(real)[0]

        z = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        fake = tf.stop_gradient(self.generator(z, training=True))
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = d_loss_fn(real_logits, fake_logits)
        d_vars = self.discriminator.trainable_weights
        grads = tape.gradient(d_loss, d_vars)
        self.d_optimizer.apply_gradients(zip(grads, d_vars))

        z = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.generator(z, training=True), training=True
            )
            g_loss = g_loss_fn(fake_logits)
        g_vars = self.generator.trainable_weights
        grads = tape.gradient(g_loss, g_vars)
        self.g_optimizer.apply_gradients(zip(grads, g_vars))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


# ----------------------------------------------------------------------------
# JAX: a pure function of the state, as in the keras.io JAX guide. The state
# is (G trainable, G non-trainable, D trainable, D non-trainable, G optimizer,
# D optimizer, PRNG key); the Keras variables themselves are never updated.
class JAXLoop:
    def __init__(self, generator, discriminator, latent_dim, jit_compile, seed):
        import jax

        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.g_optimizer = make_optimizer()
        self.d_optimizer = make_optimizer()
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)

        def values(variables):
            return [v.value for v in variables]

        self.state = (
            values(generator.trainable_variables),
            values(generator.non_trainable_variables),
            values(discriminator.trainable_variables),
            values(discriminator.non_trainable_variables),
            values(self.g_optimizer.variables),
            values(self.d_optimizer.variables),
            jax.random.key(seed),
        )
        # "jit off" means no `jax.jit` at all: JAX then dispatches op by op.
        self.step = jax.jit(self.train_step) if jit_compile else self.train_step

    def d_loss(self, d_tv, d_ntv, g_tv, g_ntv, real, z):
        import jax

        fake, g_ntv = self.generator.stateless_call(
            g_tv, g_ntv, z, training=True
        )
        fake = jax.lax.stop_gradient(fake)
        real_logits, d_ntv = self.discriminator.stateless_call(
            d_tv, d_ntv, real, training=True
        )
        fake_logits, d_ntv = self.discriminator.stateless_call(
            d_tv, d_ntv, fake, training=True
        )
        return d_loss_fn(real_logits, fake_logits), (d_ntv, g_ntv)

    def g_loss(self, g_tv, g_ntv, d_tv, d_ntv, z):
        fake, g_ntv = self.generator.stateless_call(
            g_tv, g_ntv, z, training=True
        )
        fake_logits, d_ntv = self.discriminator.stateless_call(
            d_tv, d_ntv, fake, training=True
        )
        return g_loss_fn(fake_logits), (g_ntv, d_ntv)

    def train_step(self, state, real):
        import jax

        g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov, key = state
        key, d_key, g_key = jax.random.split(key, 3)
        shape = (real.shape[0], self.latent_dim)

        z = jax.random.normal(d_key, shape)
        (d_loss, (d_ntv, g_ntv)), grads = jax.value_and_grad(
            self.d_loss, has_aux=True
        )(d_tv, d_ntv, g_tv, g_ntv, real, z)
        d_tv, d_ov = self.d_optimizer.stateless_apply(d_ov, grads, d_tv)

        z = jax.random.normal(g_key, shape)
        (g_loss, (g_ntv, d_ntv)), grads = jax.value_and_grad(
            self.g_loss, has_aux=True
        )(g_tv, g_ntv, d_tv, d_ntv, z)
        g_tv, g_ov = self.g_optimizer.stateless_apply(g_ov, grads, g_tv)

        state = (g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov, key)
        return state, (d_loss, g_loss)

    def train(self, x, batch_size, steps):
        import jax

        for i in range(steps):
            real = x[i * batch_size : (i + 1) * batch_size]
            self.state, losses = self.step(self.state, real)
        # Dispatch is asynchronous: wait for the last step's results.
        jax.block_until_ready((self.state, losses))


# ----------------------------------------------------------------------------
# PyTorch: eager autograd, as in the keras.io PyTorch guide. Latents come from
# a `keras.random.SeedGenerator`, like the keras.io DCGAN example (and
# `keras_gan.GAN`).
class TorchLoop:
    def __init__(self, generator, discriminator, latent_dim, jit_compile, seed):
        import torch

        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.g_optimizer = make_optimizer()
        self.d_optimizer = make_optimizer()
        self.g_optimizer.build(generator.trainable_variables)
        self.d_optimizer.build(discriminator.trainable_variables)
        # `torch.compile` of the whole step, as Keras's torch trainer does
        # with `jit_compile=True`.
        self.step = (
            torch.compile(self.train_step) if jit_compile else self.train_step
        )

    def train_step(self, real):
        import torch

        batch_size = real.shape[0]
        d_vars = self.discriminator.trainable_weights
        g_vars = self.generator.trainable_weights

        z = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        fake = self.generator(z, training=True).detach()
        real_logits = self.discriminator(real, training=True)
        fake_logits = self.discriminator(fake, training=True)
        d_loss = d_loss_fn(real_logits, fake_logits)
        self.discriminator.zero_grad()
        d_loss.backward()
        with torch.no_grad():
            self.d_optimizer.apply([v.value.grad for v in d_vars], d_vars)

        z = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        fake_logits = self.discriminator(
            self.generator(z, training=True), training=True
        )
        g_loss = g_loss_fn(fake_logits)
        # D's weights collect gradients here too; D's `zero_grad` above
        # clears them before the next D update.
        self.generator.zero_grad()
        g_loss.backward()
        with torch.no_grad():
            self.g_optimizer.apply([v.value.grad for v in g_vars], g_vars)
        return d_loss.detach(), g_loss.detach()

    def train(self, x, batch_size, steps):
        for i in range(steps):
            real = ops.convert_to_tensor(
                x[i * batch_size : (i + 1) * batch_size]
            )
            self.step(real)
        # CPU torch ops run synchronously: nothing to wait for.


class TorchFitLoop:
    """`TorchLoop`'s step run by Keras's `fit` (`--fit-baseline`).

    The hand-written PyTorch loop iterates over numpy slices and pays none
    of `fit`'s per-step loop (the epoch iterator, the callbacks' thread
    hand-off, the logs made Python floats). This side runs the same
    hand-written step as the `train_step` of a `keras.Model`, so the
    library, which always trains with `fit`, is also compared with a
    hand-written step under the same loop.
    """

    def __init__(self, generator, discriminator, latent_dim, jit_compile, seed):
        self.loop = TorchLoop(
            generator, discriminator, latent_dim, jit_compile, seed
        )
        self.model = _FitStep(self.loop)
        self.model.compile(jit_compile=False)

    def train(self, x, batch_size, steps):
        self.model.fit(
            x, batch_size=batch_size, epochs=1, steps_per_epoch=steps,
            verbose=0,
        )


class _FitStep(keras.Model):
    def __init__(self, loop):
        super().__init__()
        self.loop = loop
        self.generator = loop.generator
        self.discriminator = loop.discriminator

    def call(self, images):
        return self.discriminator(images)

    def train_step(self, data):
        d_loss, g_loss = self.loop.step(data)
        return {"d_loss": d_loss, "g_loss": g_loss}
