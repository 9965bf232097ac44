"""Checks of the two networks and of the labels, made before any update.

`GAN` calls these at construction (the networks), before `fit` (labels of
in-memory data) and in `generate` (requested labels); the step calls
`shape_tuple` for its batch checks.
"""

import keras
import numpy as np

from keras_gan.utils import validation


def shape_tuple(shape):
    """A shape as a tuple of ints and Nones."""
    return tuple(None if d is None else int(d) for d in shape)


def infer_latent_dim(generator, latent_dim):
    """`latent_dim`, from the argument or the generator's declared input.

    Args:
        generator: the generator network.
        latent_dim: int or None.

    Returns:
        The latent size, an int.
    """
    inputs = getattr(generator, "inputs", None)
    declared = None
    if inputs:
        shape = inputs[0].shape
        if len(shape) != 2:
            raise ValueError(
                "The generator's latent input should have shape "
                f"(batch, latent_dim). Received: {shape_tuple(shape)}."
            )
        declared = shape[-1]
    if latent_dim is None:
        if declared is None:
            raise ValueError(
                "Cannot infer `latent_dim` from a generator without a "
                "declared input shape. Pass `latent_dim=` to GAN(...)."
            )
        return int(declared)
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    if declared is not None and int(declared) != latent_dim:
        raise ValueError(
            f"`latent_dim={latent_dim}` disagrees with the generator, "
            f"whose latent input has size {declared}. Pass "
            f"`latent_dim={declared}` or leave it out."
        )
    return latent_dim


def generator_inputs_spec(latent_dim, num_classes, batch=2):
    """Symbolic generator inputs: `z`, or `[z, labels]` when conditional."""
    z = keras.KerasTensor((batch, latent_dim))
    if num_classes is None:
        return z
    return [z, keras.KerasTensor((batch,), dtype="int32")]


def check_networks(generator, discriminator, latent_dim, num_classes):
    """Runs G then D symbolically and checks that their shapes agree.

    Args:
        generator: the generator network.
        discriminator: the discriminator network.
        latent_dim: int.
        num_classes: int or None.

    Returns:
        `(image_shape, discriminator_takes_labels)`.
    """
    try:
        fake = generator(generator_inputs_spec(latent_dim, num_classes))
    except Exception as e:
        raise ValueError(
            "Could not run the generator on latent vectors of shape "
            f"(batch, {latent_dim})"
            + (" and labels" if num_classes else "")
            + f": {e}"
        ) from e
    if isinstance(fake, (list, tuple)):
        raise ValueError(
            "The generator should return one tensor of images; it "
            f"returns {len(fake)} outputs."
        )
    image_shape = shape_tuple(fake.shape[1:])
    inputs = getattr(discriminator, "inputs", None)
    if inputs:
        expected = shape_tuple(inputs[0].shape[1:])
        compatible = len(expected) == len(image_shape) and all(
            e is None or e == g for e, g in zip(expected, image_shape)
        )
        if not compatible:
            raise ValueError(
                f"The generator's output shape {image_shape} differs "
                f"from the discriminator's input shape {expected}. "
                "Make the generator produce images of the "
                "discriminator's input shape (e.g. build both with the "
                "same `image_shape`)."
            )
        if num_classes is not None and len(inputs) > 2:
            raise ValueError(
                f"With `num_classes={num_classes}` the "
                "discriminator should take `[images, labels]` (or "
                "images only, for an auxiliary classifier); it has "
                f"{len(inputs)} inputs."
            )
    # A conditional discriminator takes `[images, labels]`, unless it
    # declares a single input (AC-GAN: it predicts the labels instead).
    takes_labels = num_classes is not None and (
        not inputs or len(inputs) == 2
    )
    d_inputs = fake
    if takes_labels:
        d_inputs = [fake, keras.KerasTensor((2,), dtype="int32")]
    try:
        discriminator(d_inputs)
    except Exception as e:
        raise ValueError(
            f"Could not run the discriminator on generated images of "
            f"shape {image_shape}: {e}"
        ) from e
    return image_shape, takes_labels


def check_array_labels(y, num_classes):
    """Value checks of in-memory labels, before any weight changes."""
    if y is None or num_classes is None:
        return
    if not isinstance(y, (np.ndarray, list, tuple)):
        return
    labels = np.asarray(y)
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "Labels should be integers in [0, num_classes); "
            f"received dtype {labels.dtype}. Convert with "
            "`labels.astype('int32')`."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Labels should be in [0, {num_classes}); "
            f"received values from {labels.min()} to "
            f"{labels.max()}. Check `num_classes` or remap the "
            "labels."
        )


def sample_labels(labels, num_samples, num_classes, rng):
    """The labels of `generate()`: checked, or drawn uniformly.

    Args:
        labels: None, an int, or one int per sample.
        num_samples: int.
        num_classes: int or None (unconditional).
        rng: a `numpy.random.Generator`.

    Returns:
        An int32 array `(num_samples,)`, or None when unconditional.
    """
    if num_classes is None:
        if labels is not None:
            raise ValueError(
                "This GAN is unconditional: `generate()` takes no "
                "labels. Build it with `num_classes=` to condition."
            )
        return None
    if labels is None:
        return rng.integers(0, num_classes, num_samples).astype("int32")
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"`labels` should be integers; received dtype {labels.dtype}."
        )
    if labels.ndim == 0:
        labels = np.full((num_samples,), int(labels))
    labels = labels.reshape(-1).astype("int32")
    if len(labels) != num_samples:
        raise ValueError(
            f"Got {len(labels)} labels for `num_samples={num_samples}`: "
            "pass one label per sample, or a single int."
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` should be in [0, {num_classes}); received "
            f"values from {labels.min()} to {labels.max()}."
        )
    return labels


def penalty_list(penalty):
    penalties = list(penalty) if isinstance(penalty, (list, tuple)) else (
        [] if penalty is None else [penalty]
    )
    for p in penalties:
        if not callable(getattr(p, "compute", None)):
            raise ValueError(
                "`penalty` should be a `keras_gan.penalties` instance or "
                f"a list of them. Received: `penalty={p!r}`"
            )
    return penalties


def copy_generator(source, latent_dim, num_classes):
    """A non-trainable copy of the generator (the EMA generator)."""
    if isinstance(source, keras.Sequential) or getattr(
        source, "_is_graph_network", False
    ):
        ema = keras.models.clone_model(source)
    else:
        ema = source.__class__.from_config(source.get_config())
        ema(generator_inputs_spec(latent_dim, num_classes))
    ema.set_weights(source.get_weights())
    ema.trainable = False
    return ema


def generate_into(net, z, labels, batch_size):
    """Runs `net` batch by batch into one preallocated float32 array.

    Args:
        net: the generator.
        z: latent vectors, `(num_samples, latent_dim)`.
        labels: int labels `(num_samples,)` or None.
        batch_size: int.

    Returns:
        A float32 numpy array `(num_samples, *image_shape)`.
    """
    out = None
    for start in range(0, len(z), batch_size):
        stop = start + batch_size
        inputs = z[start:stop]
        if labels is not None:
            inputs = [inputs, labels[start:stop]]
        batch = keras.ops.convert_to_numpy(net(inputs, training=False))
        if out is None:
            out = np.empty((len(z),) + batch.shape[1:], "float32")
        out[start : start + len(batch)] = batch
    return out


def batch_norm_layers(model):
    """The `keras.layers.BatchNormalization` layers of a model, nested too.

    Args:
        model: a Keras layer or model.

    Returns:
        A list of layers, in depth-first order.
    """
    found, stack = [], [model]
    while stack:
        layer = stack.pop()
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        stack.extend(reversed(getattr(layer, "layers", None) or []))
    return found


def recompute_batch_stats(gan, num_batches=16, batch_size=64, seed=None):
    """Re-estimates the EMA generator's batch-norm statistics ("standing").

    The EMA phase copies the raw generator's moving means and variances;
    this replaces them, in `gan.ema_generator` (or `gan.generator` without
    EMA), by the cumulative average of the batch statistics over
    `num_batches` fresh latent batches run in training mode (as
    PyTorch-StudioGAN's standing statistics). Only the batch-norm moving
    statistics change.

    Args:
        gan: a `keras_gan.GAN`.
        num_batches: int, latent batches to average over. Defaults to 16.
        batch_size: int, the batch size (the statistics depend on it: use
            the training batch size). Defaults to 64.
        seed: int or None, seeds the latent vectors (and labels).

    Returns:
        The number of batch-norm layers updated, an int.

    Examples:

    >>> import keras_gan
    >>> g, d = keras_gan.models.dcgan((8, 8, 1), latent_dim=8, filters=4)
    >>> gan = keras_gan.GAN(g, d)
    >>> gan.compile(ema_kimg=10, ema_rampup=0.05)
    >>> recompute_batch_stats(gan, num_batches=2, batch_size=8, seed=0)
    1
    """
    num_batches = validation.positive_int("num_batches", num_batches)
    batch_size = validation.positive_int("batch_size", batch_size)
    net = gan.ema_generator if gan.ema_generator is not None else gan.generator
    layers = batch_norm_layers(net)
    saved = [(layer.trainable, layer.momentum) for layer in layers]
    rng = np.random.default_rng(seed)
    try:
        for layer in layers:
            layer.trainable = True
        for t in range(num_batches):
            for layer in layers:
                # moving = m * moving + (1 - m) * batch: with m = t / (t + 1)
                # the running value is the mean of the batches so far.
                layer.momentum = t / (t + 1.0)
            z = rng.standard_normal((batch_size, gan.latent_dim))
            labels = sample_labels(None, batch_size, gan.num_classes, rng)
            inputs = z.astype("float32")
            if labels is not None:
                inputs = [inputs, labels]
            net(inputs, training=True)
    finally:
        for layer, (trainable, momentum) in zip(layers, saved):
            layer.trainable = trainable
            layer.momentum = momentum
    return len(layers)
