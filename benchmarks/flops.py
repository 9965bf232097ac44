"""Analytic FLOP counts of Keras networks and of one GAN training step.

`forward_flops(model, inputs)` runs `model` once on `inputs` (a small
batch) with every layer that owns a `kernel` watched, and counts from the
shapes it saw, per sample, with one multiply-add = 2 FLOPs:

- a kernel of rank 2 (`Dense`, `EqualizedDense`): `2 * in * out` per
  output position;
- a kernel of rank 4 whose class name contains "Transpose"
  (`Conv2DTranspose`, kernel `(kh, kw, out, in)`): `2 * kh * kw * in * out`
  per *input* pixel (each input pixel scatters one kernel);
- any other kernel of rank 4 (`Conv2D`, `EqualizedConv2D`,
  `ModulatedConv2D`, kernel `(kh, kw, in, out)`): `2 * kh * kw * in * out`
  per output pixel.

Channels-last only. Everything else (normalization, activations,
element-wise ops, the optimizer update) is left out: on the models here it
is a few percent of the count, and it is memory-bound rather than
arithmetic-bound.

`train_step_flops(generator, discriminator, batch_size)` is the FLOPs of one
`GAN` step with `d_steps=1` and no penalty, counting a backward pass as 2x
its forward pass (input and weight gradients): the D phase runs G forward
once and D forward and backward on reals and fakes (`G + 2 * 3 * D`), the G
phase runs G and D forward and backward (`3 * (G + D)`), in all
`4 * G + 9 * D` per sample.
"""

import math

import keras  # noqa: F401  (the doctest uses it)
import numpy as np


def _layers(model):
    # Every layer, nested ones included (blocks hold their own convs).
    return list(model._flatten_layers(include_self=True, recursive=True))


def _first(x):
    while isinstance(x, (list, tuple)):
        x = x[0]
    return x


def _layer_flops(layer, in_shape, out_shape):
    """FLOPs per sample of one call of `layer` (0 when it has no kernel)."""
    kernel = getattr(layer, "kernel", None)
    if kernel is None or not hasattr(kernel, "shape"):
        return 0
    shape = tuple(int(d) for d in kernel.shape)
    if len(shape) == 2:
        positions = math.prod(out_shape[1:-1]) if len(out_shape) > 2 else 1
        return 2 * positions * shape[0] * shape[1]
    if len(shape) == 4:
        macs_per_pixel = math.prod(shape)
        if "Transpose" in type(layer).__name__:
            return 2 * math.prod(in_shape[1:-1]) * macs_per_pixel
        return 2 * math.prod(out_shape[1:-1]) * macs_per_pixel
    return 0


def forward_flops(model, inputs, details=False):
    """FLOPs per sample of one forward pass of `model` on `inputs`.

    Args:
        model: a built Keras model or layer.
        inputs: a batch it accepts (numpy arrays; one sample suffices).
        details: bool, also return a list of `(layer name, FLOPs)`.

    Returns:
        An int, or `(int, list)` with `details=True`.

    Examples:

    >>> inputs = keras.Input((4,))
    >>> model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    >>> forward_flops(model, np.zeros((1, 4), "float32"))
    24
    """
    seen = []
    patched = []
    for layer in _layers(model):
        if getattr(layer, "kernel", None) is None:
            continue
        original = layer.call

        def call(*args, _layer=layer, _call=original, **kwargs):
            out = _call(*args, **kwargs)
            in_shape = tuple(_first(args).shape)
            seen.append((_layer, in_shape, tuple(_first(out).shape)))
            return out

        object.__setattr__(layer, "call", call)
        patched.append(layer)
    try:
        model(inputs, training=False)
    finally:
        for layer in patched:
            object.__delattr__(layer, "call")
    rows = [
        (layer.name, _layer_flops(layer, i, o)) for layer, i, o in seen
    ]
    total = sum(f for _, f in rows)
    return (total, rows) if details else total


def dcgan_inputs(generator, discriminator):
    """One-sample inputs of an unconditional generator and discriminator."""
    latent = int(generator.inputs[0].shape[-1])
    image = tuple(int(d) for d in discriminator.inputs[0].shape[1:])
    return (
        np.zeros((1, latent), "float32"),
        np.zeros((1, *image), "float32"),
    )


def train_step_flops(generator, discriminator, batch_size):
    """FLOPs of one GAN step (`d_steps=1`, no penalty), see module doc.

    Args:
        generator: unconditional generator (takes `z`).
        discriminator: unconditional discriminator (takes images).
        batch_size: int.

    Returns:
        A dict: `generator` and `discriminator` forward FLOPs per sample,
        and `step`, the FLOPs of one step of `batch_size` samples.

    Examples:

    >>> import keras_gan
    >>> g, d = keras_gan.models.dcgan((8, 8, 1), latent_dim=4, filters=2)
    >>> f = train_step_flops(g, d, batch_size=2)
    >>> f["step"] == 2 * (4 * f["generator"] + 9 * f["discriminator"])
    True
    """
    z, x = dcgan_inputs(generator, discriminator)
    g = forward_flops(generator, z)
    d = forward_flops(discriminator, x)
    return {
        "generator": g,
        "discriminator": d,
        "step": batch_size * (4 * g + 9 * d),
    }


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import keras_gan

    for shape in ((8, 8, 1), (32, 32, 3), (64, 64, 3)):
        g, d = keras_gan.models.dcgan(shape, latent_dim=100)
        f = train_step_flops(g, d, 64)
        print(shape, {k: f"{v / 1e6:.1f} MFLOP" for k, v in f.items()})

