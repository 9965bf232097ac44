"""Data-parallel plumbing for the engines Keras users already run on.

- JAX, `keras.distribution.DataParallel`: the step is one global program
  that JAX shards; nothing to do here.
- TensorFlow, `tf.distribute` (e.g. `MirroredStrategy`): each replica runs
  the step on its slice of the batch and the optimizer sums the replicas'
  gradients, so each replica's loss is divided by the number of replicas
  (Keras's own trainer does the same).
- PyTorch, `torch.distributed` (e.g. `torchrun`): each process runs the
  step on its shard of the data; the drivers average the gradients over
  processes with `all_reduce` and start every process from rank 0's weights.

On TensorFlow and PyTorch every replica would otherwise draw the same
latents from the same seed state; `ReplicaSeedGenerator` gives each replica
its own stream.
"""

import sys

import keras
from keras import ops


def _tf_replica_context():
    if "tensorflow" not in sys.modules or keras.backend.backend() != (
        "tensorflow"
    ):
        return None
    import tensorflow as tf

    if not tf.distribute.has_strategy():
        return None
    if tf.distribute.in_cross_replica_context():
        return None
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync < 2:
        return None
    return context


def _torch_world():
    if keras.backend.backend() != "torch":
        return None
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None
    return dist if dist.get_world_size() > 1 else None


def num_replicas():
    """How many replicas each run the step on a slice of the batch."""
    context = _tf_replica_context()
    if context is not None:
        return context.num_replicas_in_sync
    world = _torch_world()
    return 1 if world is None else world.get_world_size()


def replica_index():
    """This replica's index (a tensor on TF), or None when alone."""
    context = _tf_replica_context()
    if context is not None:
        return context.replica_id_in_sync_group
    world = _torch_world()
    return None if world is None else world.get_rank()


def average_gradients(grads):
    """Averages PyTorch gradients over the processes, in place."""
    world = _torch_world()
    if world is None:
        return grads
    size = world.get_world_size()
    for grad in grads:
        if grad is not None:
            world.all_reduce(grad)
            grad.div_(size)
    return grads


def broadcast_from_first(variables):
    """Copies rank 0's values of `variables` to every PyTorch process."""
    world = _torch_world()
    if world is None:
        return
    for variable in variables:
        world.broadcast(variable.value.data, src=0)


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
