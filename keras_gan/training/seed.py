"""A seed generator that gives each data-parallel replica its own stream.

On TensorFlow (`tf.distribute`) and PyTorch (`torch.distributed`) every
replica runs the same step with the same seed state and would draw the same
latents; on JAX (`keras.distribution`) the step is one global program and
needs nothing. Each driver module says which replica runs (`replica_index`).
"""

import sys

import keras
from keras import ops


def replica_index():
    """This replica's index (a tensor on TF), or None when alone."""
    backend = keras.backend.backend()
    if backend == "tensorflow" and "tensorflow" in sys.modules:
        from keras_gan.training import tensorflow

        return tensorflow.replica_index()
    if backend == "torch":
        from keras_gan.training import torch

        return torch.replica_index()
    return None


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A `SeedGenerator` that gives each data-parallel replica its stream.

    The state (and so saving and resuming) is shared; the seed a replica
    draws has the replica's index added to its first element, so replicas
    draw different latents, interpolation points and labels.
    """

    def next(self, ordered=True):
        seed = super().next(ordered=ordered)
        index = replica_index()
        if index is None:
            return seed
        offset = ops.cast(index, seed.dtype) * ops.array([1, 0], seed.dtype)
        return seed + offset
