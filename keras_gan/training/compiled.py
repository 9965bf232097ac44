"""What `GAN.compile` records: validated options, their config, the step's.

`GAN.compile` keeps its signature and docstring (the public API); the
bookkeeping lives here so that a new compile option is one argument, one
validation line and one `StepConfig` field.
"""

import dataclasses

import keras

from keras_gan import losses as losses_module
from keras_gan import topk
from keras_gan.training import faults
from keras_gan.training import networks
from keras_gan.training import step
from keras_gan.training.logs import StepLogs
from keras_gan.utils import validation


def default_optimizer():
    """The DCGAN optimizer, `Adam(2e-4, beta_1=0.5)`, a new object."""
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def configure(gan, options):
    """Validates `compile`'s training options and sets them on the GAN.

    Args:
        gan: the `GAN` being compiled.
        options: dict of `compile`'s arguments.

    Returns:
        `(d_optimizer, g_optimizer)`, Keras optimizer instances.
    """
    d_optimizer = keras.optimizers.get(
        options["d_optimizer"] or default_optimizer()
    )
    g_optimizer = keras.optimizers.get(
        options["g_optimizer"] or default_optimizer()
    )
    gan.loss = losses_module.get(options["loss"])
    gan.d_steps = validation.positive_int("d_steps", options["d_steps"])
    gan.penalties = networks.penalty_list(options["penalty"])
    # Layers holding penalties' state (LeCam's anchors, bCR's augmentation):
    # tracked by the GAN, so they are saved and carried in the JAX state.
    gan.penalty_layers = [
        layer for p in gan.penalties for layer in getattr(p, "layers", [])
    ]
    augment = options["augment"]
    if augment is not None and not augment.built:
        augment.build((None,) + gan.image_shape)
    gan.augment = augment
    set_ema(gan, options["ema_decay"], options["ema_warmup"],
            options["ema_kimg"], options["ema_rampup"])
    gan.top_k = topk.get(options["top_k"])
    if gan.top_k is not None and not callable(
        getattr(gan.loss, "generator_loss_per_sample", None)
    ):
        raise ValueError(
            f"`top_k` needs a loss with `generator_loss_per_sample` (G's "
            f"loss of each fake). Received: `loss={gan.loss!r}`"
        )
    gan.max_bad_steps = validation.check_int(
        "max_bad_steps", options["max_bad_steps"], 1, allow_none=True
    )
    gan.data_range = faults.resolve_range(
        options["data_range"], gan.generator
    )
    faults.warn_probability_output(gan.discriminator)
    faults.warn_unbounded_output(gan.generator, options["data_range"])
    return d_optimizer, g_optimizer


def set_ema(gan, ema_decay, ema_warmup, ema_kimg=None, ema_rampup=None):
    """Sets the EMA options and creates `gan.ema_generator` when needed."""
    gan.ema_decay = validation.check_float(
        "ema_decay", ema_decay, 0.0, 1.0, False, False, allow_none=True
    )
    gan.ema_warmup = validation.check_int("ema_warmup", ema_warmup, 0)
    gan.ema_kimg = validation.positive_float(
        "ema_kimg", ema_kimg, allow_none=True
    )
    gan.ema_rampup = validation.positive_float(
        "ema_rampup", ema_rampup, allow_none=True
    )
    if gan.ema_decay is not None and gan.ema_kimg is not None:
        raise ValueError(
            "Pass `ema_decay` (a fixed decay) or `ema_kimg` (a half-life in "
            "thousands of images), not both. Received: "
            f"`ema_decay={gan.ema_decay}`, `ema_kimg={gan.ema_kimg}`"
        )
    if gan.ema_rampup is not None and gan.ema_kimg is None:
        raise ValueError(
            "`ema_rampup` ramps up `ema_kimg`'s half-life: pass `ema_kimg` "
            f"too. Received: `ema_rampup={gan.ema_rampup}`, `ema_kimg=None`"
        )
    if gan.ema_decay is None and gan.ema_kimg is None:
        gan.ema_generator = None
    elif gan.ema_generator is None:
        gan.ema_generator = networks.copy_generator(
            gan.generator, gan.latent_dim, gan.num_classes
        )


def compile_config(gan, options, d_optimizer, g_optimizer):
    """The serializable form of `compile`'s arguments (`get_compile_config`).

    Args:
        gan: the compiled `GAN`.
        options: dict of `compile`'s arguments, as given.
        d_optimizer: D's optimizer instance.
        g_optimizer: G's optimizer instance.

    Returns:
        A dict that `from_compile_config` turns back into `compile` kwargs.
    """
    config = dict(options)
    data_range = options["data_range"]
    config.update(
        d_optimizer=keras.optimizers.serialize(d_optimizer),
        g_optimizer=keras.optimizers.serialize(g_optimizer),
        loss=keras.saving.serialize_keras_object(gan.loss),
        d_steps=gan.d_steps,
        penalty=[
            keras.saving.serialize_keras_object(p) for p in gan.penalties
        ],
        augment=keras.saving.serialize_keras_object(options["augment"]),
        ema_decay=gan.ema_decay,
        ema_warmup=gan.ema_warmup,
        ema_kimg=gan.ema_kimg,
        ema_rampup=gan.ema_rampup,
        top_k=keras.saving.serialize_keras_object(gan.top_k),
        max_bad_steps=gan.max_bad_steps,
        data_range=data_range if data_range in (None, "auto") else list(
            gan.data_range
        ),
    )
    return config


def from_compile_config(config):
    """The `compile` kwargs of a `compile_config` dict."""
    config = dict(config)
    config["loss"] = losses_module.get(config["loss"])
    config["penalty"] = [
        keras.saving.deserialize_keras_object(p) for p in config["penalty"]
    ] or None
    config["augment"] = keras.saving.deserialize_keras_object(
        config["augment"]
    )
    config["top_k"] = topk.get(config.get("top_k"))
    return config


def make_trackers(gan):
    """The metric of `GAN.metrics`: running means of the step's logs."""
    names = step.log_names(gan.penalties, gan.augment)
    return [StepLogs(names, sums=(step.BAD_STEPS,))]


def step_config(gan, optimizer):
    """The `StepConfig` of a compiled GAN.

    Args:
        gan: the compiled `GAN`.
        optimizer: its `GANOptimizer`.

    Returns:
        A `keras_gan.training.step.StepConfig`.
    """
    # Every field is the GAN's attribute of the same name, except these.
    values = {
        "penalties": tuple(gan.penalties),
        "trackers": tuple(gan._trackers),
        "d_optimizer": optimizer.d_optimizer,
        "g_optimizer": optimizer.g_optimizer,
        "d_variables": optimizer.d_variables,
        "g_variables": optimizer.g_variables,
    }
    for field in dataclasses.fields(step.StepConfig):
        if field.name not in values:
            values[field.name] = getattr(gan, field.name)
    return step.StepConfig(**values)
