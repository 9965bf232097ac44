"""The math of one GAN training step, written once with `keras.ops`.

A step is a few named phases, each a small function of tensors:

- the discriminator phase (run `d_steps` times): D's adversarial loss on a
  real batch and a batch of detached fakes, plus any penalty;
- the generator phase: G's adversarial loss through D;
- the EMA phase: the moving average of G's weights;
- the metrics phase: the running means shown in the progress bar.

The phases read the GAN through one declared interface, a `StepConfig`
built by `GAN.compile`, and do everything backend-specific through a
`Driver` (`keras_gan/training/driver.py`). They never reach into the GAN's
private attributes.

Choices, stated once: with `d_steps=k` every discriminator update sees the
same real batch and fresh latent vectors; fakes for D are detached (no
gradient reaches G); D sees reals and fakes in two separate calls, as in the
reference DCGAN code, so batch-norm statistics are never mixed; both networks
run with `training=True` in both phases, so batch-norm moving statistics
update as in a hand-written loop.
"""

import dataclasses

import keras
from keras import ops

from keras_gan import topk
from keras_gan.penalties import GeneratorContext
from keras_gan.penalties import PenaltyContext
from keras_gan.training import faults
from keras_gan.training import networks

#: The log names of every step, in the order of the progress bar. `loss`
#: is `d_loss + g_loss` (what `keras.callbacks.TerminateOnNaN` reads).
BASE_LOGS = ("loss", "d_loss", "g_loss", "d_real", "d_fake")

#: The count of skipped (non-finite) steps in the epoch: a sum, not a mean.
BAD_STEPS = "bad_steps"


def is_adaptive(augment):
    """Whether an augmentation adapts its strength from D's outputs (ADA)."""
    return augment is not None and callable(getattr(augment, "update", None))


def log_names(penalties, augment):
    """The names a step logs: the trackers of `GAN.metrics` use this list.

    Args:
        penalties: the compiled penalties (a list).
        augment: the compiled augmentation, or None.

    Returns:
        A tuple of strings.
    """
    names = BASE_LOGS
    if penalties:
        names += ("penalty",)
    if generator_terms(penalties):
        names += ("g_penalty",)
    if is_adaptive(augment):
        names += ("augment_p",)
    return names + (BAD_STEPS,)


@dataclasses.dataclass(frozen=True)
class StepConfig:
    """Everything a training step reads from the GAN, declared in one place.

    `GAN.compile` builds it; the drivers pass it to `train_step`. Variables
    and optimizers are held by reference, so the step always sees their
    current values (on JAX, the values of the stateless scope).
    """

    generator: keras.layers.Layer
    discriminator: keras.layers.Layer
    ema_generator: object
    image_shape: tuple
    latent_dim: int
    num_classes: object
    fake_labels: str
    discriminator_takes_labels: bool
    seed_generator: keras.random.SeedGenerator
    loss: object
    d_steps: int
    penalties: tuple
    augment: object
    ema_decay: object
    ema_warmup: int
    d_optimizer: object
    g_optimizer: object
    d_variables: list
    g_variables: list
    trackers: tuple
    data_range: object = None
    top_k: object = None
    ema_kimg: object = None
    ema_rampup: object = None

    @property
    def phase_variables(self):
        """`(D's trainable variables, G's trainable variables)`."""
        return self.d_variables, self.g_variables


def check_batch(config, images, labels):
    """Static checks of a batch, raised before any weight changes.

    Args:
        config: the `StepConfig`.
        images: a batch of images (tensor or array).
        labels: a batch of labels, or None.
    """
    image_shape = config.image_shape
    shape = networks.shape_tuple(images.shape)
    if len(shape) != len(image_shape) + 1:
        raise ValueError(
            f"Expected batches of images of shape (batch, "
            f"{', '.join(map(str, image_shape))}); received data "
            f"of rank {len(shape)} with shape {shape}. Add or remove "
            "axes (e.g. `x[..., None]` for one channel)."
        )
    mismatch = any(
        e is not None and r is not None and e != r
        for e, r in zip(image_shape, shape[1:])
    )
    if mismatch:
        raise ValueError(
            f"The data's image shape {shape[1:]} differs from the "
            f"generator's output shape {image_shape}. Resize the "
            "data or build the networks for this shape."
        )
    if config.num_classes is None and labels is not None:
        raise ValueError(
            "This GAN is unconditional but the data yields "
            "(images, labels). Pass images only, or build a conditional "
            "GAN with `GAN(..., num_classes=N)`."
        )
    if config.num_classes is not None:
        if labels is None:
            raise ValueError(
                f"This GAN is conditional (`num_classes="
                f"{config.num_classes}`) but the data has no labels. "
                "Pass `(images, labels)` batches, or `fit(x, labels)`."
            )
        faults.check_label_shape(labels)
        dtype = keras.backend.standardize_dtype(labels.dtype)
        if "int" not in dtype:
            raise ValueError(
                "Labels should be integers in [0, num_classes); received "
                f"dtype {dtype}. Convert with `labels.astype('int32')`."
            )


def unpack(config, data):
    """Splits a batch into `(images, labels)` and checks it statically."""
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(images, (tuple, list)) and labels is None:
        if len(images) == 2:
            images, labels = images
    check_batch(config, images, labels)
    # Un-jitted JAX steps receive numpy batches; Keras refuses a list
    # mixing numpy images with tensor labels.
    images = ops.convert_to_tensor(images)
    if labels is not None:
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    return images, labels


def latents(config, batch_size):
    """Draws `z ~ N(0, I)` from the GAN's own seed generator."""
    return keras.random.normal(
        (batch_size, config.latent_dim), seed=config.seed_generator
    )


def fake_labels(config, labels, batch_size):
    """Labels for a fake batch: uniform classes, or the real batch's."""
    if config.num_classes is None:
        return None
    if config.fake_labels == "real" and labels is not None:
        return labels
    return keras.random.randint(
        (batch_size,), 0, config.num_classes, seed=config.seed_generator
    )


def generate(config, z, labels, training=True):
    inputs = z if labels is None else [z, labels]
    return config.generator(inputs, training=training)


def critic_inputs(config, images, labels):
    if labels is None or not config.discriminator_takes_labels:
        return images
    return [images, labels]


def discriminate(config, images, labels, training=True, augment=True):
    if augment and config.augment is not None:
        images = config.augment(images, training=training)
    return config.discriminator(
        critic_inputs(config, images, labels), training=training
    )


def adversarial(outputs):
    """The adversarial logits of a discriminator output (AC-GAN: first)."""
    if isinstance(outputs, (tuple, list)):
        return outputs[0]
    return outputs


def discriminator_phase(config, real, labels, driver):
    """D's loss on reals and detached fakes, plus the penalties."""
    batch_size = ops.shape(real)[0]
    f_labels = fake_labels(config, labels, batch_size)
    z = latents(config, batch_size)
    fake = ops.stop_gradient(generate(config, z, f_labels))
    real, labels = pseudo_augment(config, real, fake, labels, f_labels)
    real_out = discriminate(config, real, labels)
    fake_out = discriminate(config, fake, f_labels)
    loss = config.loss.discriminator_loss(
        real_out, fake_out, labels, f_labels
    )
    real_logits = adversarial(real_out)
    logs = {
        "d_real": ops.mean(ops.cast(real_logits, "float32")),
        "d_fake": ops.mean(ops.cast(adversarial(fake_out), "float32")),
    }
    if config.penalties:
        context = PenaltyContext(
            real=real,
            fake=fake,
            real_labels=labels,
            fake_labels=f_labels,
            real_logits=real_logits,
            fake_logits=adversarial(fake_out),
            critic=lambda images, lab, augment=False: adversarial(
                discriminate(config, images, lab, augment=augment)
            ),
            input_gradients=driver.input_gradients,
            seed_generator=config.seed_generator,
            step=config.d_optimizer.iterations,
            latents=z,
            generator=lambda z, lab: ops.stop_gradient(
                generate(config, z, lab)
            ),
        )
        penalty = penalty_phase(config, context, driver)
        logs["penalty"] = penalty
        loss = loss + penalty
    if is_adaptive(config.augment):
        logs["augment_p"] = config.augment.update(real_logits)
    logs["d_loss"] = loss
    return loss, logs


def pseudo_augment(config, real, fake, labels, f_labels):
    """APA's hook: an augmentation with `pseudo_augment` may show D fakes
    as reals (`augment.AdaptivePseudoAugment`); others change nothing."""
    hook = getattr(config.augment, "pseudo_augment", None)
    if hook is None:
        return real, labels
    return hook(real, fake, labels, f_labels)


def penalty_phase(config, context, driver):
    """The sum of the compiled penalties (already weighted).

    A lazy penalty (`every=k > 1`) runs under `driver.cond`: on the other
    steps its forward and second-order backward are not computed at all.
    """
    return _lazy_sum(config.penalties, "compute", context, driver)


def generator_terms(penalties):
    """The penalties that also add a term to G's loss (`generator_term`)."""
    return [
        p for p in penalties if callable(getattr(p, "generator_term", None))
    ]


def generator_penalty_phase(penalties, context, driver):
    """The sum of the penalties' generator terms, lazily as in D's phase."""
    return _lazy_sum(penalties, "generator_term", context, driver)


def _lazy_sum(penalties, method, context, driver):
    total = ops.zeros((), "float32")
    for penalty in penalties:
        fn = getattr(penalty, method)
        if penalty.every == 1:
            value = fn(context)
        else:
            due = ops.equal(
                ops.mod(ops.cast(context.step, "int32"), penalty.every), 0
            )
            value = driver.cond(
                due,
                lambda fn=fn, k=penalty.every: ops.cast(fn(context), "float32")
                * float(k),
                lambda: ops.zeros((), "float32"),
            )
        total = total + ops.cast(value, "float32")
    return total


def generator_phase(config, real, labels, driver=None):
    """G's loss through D (on reals too for relativistic losses).

    Penalties with a `generator_term` (zCR) add it to G's loss, logged as
    `g_penalty`.
    """
    batch_size = ops.shape(real)[0]
    f_labels = fake_labels(config, labels, batch_size)
    z = latents(config, batch_size)
    fake = generate(config, z, f_labels)
    fake_out = discriminate(config, fake, f_labels)
    real_out = None
    if config.loss.uses_real_in_generator_loss:
        real_out = discriminate(config, real, labels)
    loss = generator_loss(config, real_out, fake_out, labels, f_labels)
    logs = {}
    terms = generator_terms(config.penalties)
    if terms:
        logs["g_penalty"] = generator_penalty_phase(terms, GeneratorContext(
            latents=z,
            fake=fake,
            fake_labels=f_labels,
            fake_logits=adversarial(fake_out),
            generator=lambda z, lab: generate(config, z, lab),
            critic=lambda images, lab, augment=False: adversarial(
                discriminate(config, images, lab, augment=augment)
            ),
            seed_generator=config.seed_generator,
            step=config.g_optimizer.iterations,
        ), driver)
        loss = loss + logs["g_penalty"]
    logs["g_loss"] = loss
    return loss, logs


def generator_loss(config, real_out, fake_out, labels, f_labels):
    """G's adversarial loss; with `top_k`, over the best-scored fakes."""
    if config.top_k is None:
        return config.loss.generator_loss(real_out, fake_out, labels, f_labels)
    per_sample = config.loss.generator_loss_per_sample(
        real_out, fake_out, labels, f_labels
    )
    k = config.top_k.k(config.g_optimizer.iterations, ops.shape(per_sample)[0])
    return topk.top_k_mean(per_sample, adversarial(fake_out), k)


def ema_decay(config, batch_size):
    """The EMA decay after the G update: `ema_decay`, or StyleGAN2's form.

    With `ema_kimg`: `0.5 ** (batch_size / ema_nimg)`, `ema_nimg =
    ema_kimg * 1000`, and with `ema_rampup`, `ema_nimg = min(ema_nimg,
    cur_nimg * ema_rampup)` where `cur_nimg` counts the images of the
    earlier generator updates. 0 (a copy) during the first `ema_warmup`.
    """
    step = ops.cast(config.g_optimizer.iterations, "float32")
    decay = config.ema_decay
    if config.ema_kimg is not None:
        batch = ops.cast(batch_size, "float32")
        nimg = config.ema_kimg * 1000.0
        if config.ema_rampup is not None:
            nimg = ops.minimum(nimg, (step - 1.0) * batch * config.ema_rampup)
        decay = ops.power(0.5, batch / ops.maximum(nimg, 1e-8))
    return ops.where(step <= config.ema_warmup, 0.0, decay)


def ema_phase(config, batch_size=None):
    """`ema = decay * ema + (1 - decay) * w` after each G update.

    The decay is `ema_decay(config, batch_size)`. Non-trainable weights
    (batch-norm statistics) are copied.
    """
    decay = ema_decay(config, batch_size)
    source = config.generator
    for ema_w, w in zip(config.ema_generator.weights, source.weights):
        value = ops.cast(w.value, ema_w.dtype)
        if w.trainable:
            d = ops.cast(decay, ema_w.dtype)
            value = d * ema_w.value + (1.0 - d) * value
        ema_w.assign(value)


def metrics_phase(config, logs):
    for tracker in config.trackers:
        tracker.update_state(logs)
    return tracker_results(config)


def tracker_results(config):
    """The running values of every log, a dict of scalars."""
    results = {}
    for tracker in config.trackers:
        results.update(tracker.result())
    return results


def train_step(config, data, driver):
    """One full GAN step: `d_steps` D updates, one G update, EMA, metrics.

    Args:
        config: the `StepConfig` of the compiled GAN.
        data: one batch, images or `(images, labels)`.
        driver: the backend's `Driver`.

    Returns:
        The logs: a dict of scalar tensors.
    """
    real, labels = unpack(config, data)
    logs, ok = {}, None
    for _ in range(config.d_steps):
        phase_logs = driver.minimize(
            lambda: discriminator_phase(config, real, labels, driver),
            config.d_variables,
        )
        ok = faults.merge_ok(ok, phase_logs)
        logs.update(phase_logs)
    phase_logs = driver.minimize(
        lambda: generator_phase(config, real, labels, driver),
        config.g_variables,
    )
    ok = faults.merge_ok(ok, phase_logs)
    logs.update(phase_logs)
    if config.ema_generator is not None:
        driver.run(lambda: ema_phase(config, ops.shape(real)[0]))
    logs["loss"] = logs["d_loss"] + logs["g_loss"]
    logs[BAD_STEPS] = (
        ops.zeros((), "float32")
        if ok is None
        else 1.0 - ops.cast(ok, "float32")
    )
    return driver.run(lambda: metrics_phase(config, logs))
