"""A recurrent GAN for sequences (C-RNN-GAN style)."""

import keras
from keras import layers

from keras_gan.layers.output import OutputRange
from keras_gan.models import _conditioning
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_CELLS = {"lstm": layers.LSTM, "gru": layers.GRU}


@keras_gan_export
def sequence(
    sequence_length,
    features,
    latent_dim=32,
    units=64,
    num_layers=2,
    num_classes=None,
    cell="lstm",
    bidirectional=True,
    output_activation="tanh",
):
    """A recurrent generator and discriminator for sequences.

    Generator: one flat latent vector `z` `(batch, latent_dim)` (what
    `keras_gan.GAN` draws) -> a Dense layer to `sequence_length * units`,
    reshaped to one input vector per time step -> `num_layers` stacked
    recurrent layers -> a Dense layer applied at every step to `features`
    values. Each step's input is its own learned projection of `z` (the
    Dense bias doubles as a learned position code), so one `z` decides the
    whole sequence and the same `z` always gives the same sequence.
    Discriminator: `num_layers` stacked recurrent layers (bidirectional by
    default) over the sequence, a Dense decision at every step, averaged
    over the steps into one logit (C-RNN-GAN).

    With `num_classes`, the generator takes `[z, labels]` (the label's
    learned embedding is concatenated to `z`) and the discriminator
    `[sequences, labels]` (the label's embedding is appended to the
    features of every step).

    Args:
        sequence_length: int, the number of time steps.
        features: int, the number of values per time step.
        latent_dim: int, size of `z`. Defaults to 32.
        units: int, the width of every recurrent layer (per direction).
            Defaults to 64.
        num_layers: int, the number of stacked recurrent layers in each
            network. Defaults to 2.
        num_classes: int or None; when given, a conditional pair.
        cell: `"lstm"` or `"gru"`. Defaults to `"lstm"`.
        bidirectional: bool, whether the discriminator's recurrent layers
            read the sequence both ways. Defaults to True.
        output_activation: the generator's output activation. Defaults to
            `"tanh"`, for data scaled to [-1, 1]; `None` for unbounded
            values. Other than tanh or sigmoid, the generator ends with
            `keras_gan.layers.OutputRange(None, None)` (unbounded on
            purpose: no data-range check).

    Returns:
        A tuple `(generator, discriminator)` of functional Keras models;
        the generator outputs `(batch, sequence_length, features)`.

    Examples:

    >>> g, d = sequence(sequence_length=12, features=2, latent_dim=8,
    ...                 units=4, num_layers=1, cell="gru")
    >>> g.output.shape, d.output.shape
    ((None, 12, 2), (None, 1))

    Reference: Mogren, "C-RNN-GAN: Continuous recurrent neural networks
    with adversarial training", 2016; Esteban et al., "Real-valued (Medical)
    Time Series Generation with Recurrent Conditional GANs", 2017.
    """
    check = validation.positive_int
    sequence_length = check("sequence_length", sequence_length)
    features = check("features", features)
    latent_dim = check("latent_dim", latent_dim)
    units = check("units", units)
    num_layers = check("num_layers", num_layers)
    if num_classes is not None:
        num_classes = check("num_classes", num_classes)
    recurrent = _CELLS[validation.check_choice("cell", cell, tuple(_CELLS))]
    if not isinstance(bidirectional, bool):
        raise ValueError(
            "`bidirectional` should be True or False. Received: "
            f"`bidirectional={bidirectional!r}`"
        )
    output_activation = keras.activations.get(output_activation)

    g_inputs, x = _conditioning.latent_inputs(latent_dim, num_classes)
    x = layers.Dense(sequence_length * units, name="step_inputs")(x)
    x = layers.Reshape((sequence_length, units))(x)
    for i in range(num_layers):
        x = recurrent(units, return_sequences=True, name=f"{cell}_{i}")(x)
    outputs = layers.Dense(
        features, activation=output_activation, name="step_outputs"
    )(x)
    if output_activation.__name__ not in ("tanh", "sigmoid"):
        # Unbounded on purpose (real-valued features): declared, unchecked.
        outputs = OutputRange(None, None, name="output_range")(outputs)
    generator = keras.Model(g_inputs, outputs, name="generator")

    sequences = keras.Input((sequence_length, features), name="sequences")
    d_inputs, x = sequences, sequences
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        d_inputs = [sequences, labels]
        embedding = layers.Embedding(
            num_classes, min(units, 50), name="label_embedding"
        )(labels)
        embedding = layers.RepeatVector(sequence_length)(embedding)
        x = layers.Concatenate(name="steps_and_label")([x, embedding])
    for i in range(num_layers):
        layer = recurrent(units, return_sequences=True, name=f"{cell}_{i}")
        if bidirectional:
            layer = layers.Bidirectional(layer, name=f"bidirectional_{i}")
        x = layer(x)
    x = layers.Dense(1, name="step_logits")(x)
    logits = layers.GlobalAveragePooling1D(name="mean_over_steps")(x)
    discriminator = keras.Model(d_inputs, logits, name="discriminator")
    return generator, discriminator
