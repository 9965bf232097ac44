"""The math of one GAN training step, written once with `keras.ops`.

A step is a few named phases, each a small function of tensors:

- the discriminator phase (run `d_steps` times): D's adversarial loss on a
  real batch and a batch of detached fakes, plus any penalty;
- the generator phase: G's adversarial loss through D;
- the EMA phase: the moving average of G's weights;
- the metrics phase: the running means shown in the progress bar.

Everything backend-specific hides behind a small `driver` (see
`keras_gan/backends/`): `driver.minimize(loss_fn, variables)` takes the
gradients of `loss_fn()[0]` with respect to `variables` and applies them with
`gan.optimizer`; `driver.run(fn)` runs code that assigns variables;
`driver.input_gradients(fn, x)` returns the differentiable gradient of
`sum(fn(x))` with respect to `x` (for gradient penalties).

Choices, stated once: with `d_steps=k` every discriminator update sees the
same real batch and fresh latent vectors; fakes for D are detached (no
gradient reaches G); D sees reals and fakes in two separate calls, as in the
reference DCGAN code, so batch-norm statistics are never mixed; both networks
run with `training=True` in both phases, so batch-norm moving statistics
update as in a hand-written loop.
"""

import keras
from keras import ops


def unpack(gan, data):
    """Splits a batch into `(images, labels)` and checks it statically."""
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(images, (tuple, list)) and labels is None:
        if len(images) == 2:
            images, labels = images
    gan._check_batch(images, labels)
    # Un-jitted JAX steps receive numpy batches; Keras refuses a list
    # mixing numpy images with tensor labels.
    images = ops.convert_to_tensor(images)
    if labels is not None:
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return images, labels


def latents(gan, batch_size):
    """Draws `z ~ N(0, I)` from the GAN's own seed generator."""
    return keras.random.normal(
        (batch_size, gan.latent_dim), seed=gan.seed_generator
    )


def fake_labels(gan, labels, batch_size):
    """Labels for a fake batch: uniform classes, or the real batch's."""
    if gan.num_classes is None:
        return None
    if gan.fake_labels == "real" and labels is not None:
        return labels
    return keras.random.randint(
        (batch_size,), 0, gan.num_classes, seed=gan.seed_generator
    )


def generate(gan, z, labels, training=True):
    inputs = z if labels is None else [z, labels]
    return gan.generator(inputs, training=training)


def critic_inputs(gan, images, labels):
    if labels is None or not gan.discriminator_takes_labels:
        return images
    return [images, labels]


def discriminate(gan, images, labels, training=True):
    if gan.augment is not None:
        images = gan.augment(images, training=training)
    return gan.discriminator(
        critic_inputs(gan, images, labels), training=training
    )


def _adversarial(outputs):
    """The adversarial logits of a discriminator output (AC-GAN: first)."""
    if isinstance(outputs, (tuple, list)):
        return outputs[0]
    return outputs


def discriminator_phase(gan, real, labels, driver):
    """D's loss on reals and detached fakes, plus the penalties."""
    batch_size = ops.shape(real)[0]
    f_labels = fake_labels(gan, labels, batch_size)
    fake = ops.stop_gradient(
        generate(gan, latents(gan, batch_size), f_labels)
    )
    real_out = discriminate(gan, real, labels)
    fake_out = discriminate(gan, fake, f_labels)
    loss = gan.loss.discriminator_loss(
        *_loss_args(gan, real_out, fake_out, labels, f_labels)
    )
    real_logits = _adversarial(real_out)
    logs = {
        "d_real": ops.mean(ops.cast(real_logits, "float32")),
        "d_fake": ops.mean(ops.cast(_adversarial(fake_out), "float32")),
    }
    if gan.penalties:
        penalty = penalty_phase(gan, real, fake, labels, f_labels, driver)
        logs["penalty"] = penalty
        loss = loss + penalty
    if gan.augment is not None and hasattr(gan.augment, "update"):
        logs["augment_p"] = gan.augment.update(real_logits)
    logs["d_loss"] = loss
    return loss, logs


def generator_phase(gan, real, labels):
    """G's loss through D (on reals too for relativistic losses)."""
    batch_size = ops.shape(real)[0]
    f_labels = fake_labels(gan, labels, batch_size)
    fake = generate(gan, latents(gan, batch_size), f_labels)
    fake_out = discriminate(gan, fake, f_labels)
    real_out = None
    if gan.loss.uses_real_in_generator_loss:
        real_out = discriminate(gan, real, labels)
    loss = gan.loss.generator_loss(
        *_loss_args(gan, real_out, fake_out, labels, f_labels)
    )
    return loss, {"g_loss": loss}


def _loss_args(gan, real_out, fake_out, labels, f_labels):
    if getattr(gan.loss, "uses_labels", False):
        return real_out, fake_out, labels, f_labels
    return _adversarial(real_out), _adversarial(fake_out)


def penalty_phase(gan, real, fake, labels, f_labels, driver):
    """The sum of the compiled penalties (already weighted)."""

    def critic(label_batch):
        def fn(images):
            inputs = critic_inputs(gan, images, label_batch)
            return _adversarial(gan.discriminator(inputs, training=True))

        return fn

    total = 0.0
    for penalty in gan.penalties:
        total = total + penalty(
            real=real,
            fake=fake,
            critic_real=critic(labels),
            critic_fake=critic(f_labels),
            input_gradients=driver.input_gradients,
            step=gan.d_optimizer.iterations,
            seed_generator=gan.seed_generator,
        )
    return ops.cast(total, "float32")


def ema_phase(gan):
    """`ema = decay * ema + (1 - decay) * w` after each G update.

    During the first `ema_warmup` generator updates the average copies the
    weights. Non-trainable weights (batch-norm statistics) are copied.
    """
    step = ops.cast(gan.g_optimizer.iterations, "float32")
    decay = ops.where(step <= gan.ema_warmup, 0.0, gan.ema_decay)
    source = gan.generator
    for ema_w, w in zip(gan.ema_generator.weights, source.weights):
        value = ops.cast(w.value, ema_w.dtype)
        if w.trainable:
            d = ops.cast(decay, ema_w.dtype)
            value = d * ema_w.value + (1.0 - d) * value
        ema_w.assign(value)


def metrics_phase(gan, logs):
    for tracker in gan.metrics:
        if tracker.name in logs:
            tracker.update_state(logs[tracker.name])
    return {m.name: m.result() for m in gan.metrics}


def train_step(gan, data, driver):
    """One full GAN step: `d_steps` D updates, one G update, EMA, metrics."""
    real, labels = unpack(gan, data)
    logs = {}
    d_vars, g_vars = gan._phase_variables
    for _ in range(gan.d_steps):
        logs.update(
            driver.minimize(
                lambda: discriminator_phase(gan, real, labels, driver), d_vars
            )
        )
    logs.update(
        driver.minimize(lambda: generator_phase(gan, real, labels), g_vars)
    )
    if gan.ema_generator is not None:
        driver.run(lambda: ema_phase(gan))
    return driver.run(lambda: metrics_phase(gan, logs))
