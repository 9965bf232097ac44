"""TensorFlow driver: `tf.GradientTape`, then `optimizer.apply`.

Data parallelism with `tf.distribute` (e.g. `MirroredStrategy`): each
replica runs the step on its slice of the batch and the optimizer sums the
replicas' gradients, so each replica's loss is divided by the number of
replicas (Keras's own trainer does the same).
"""

import tensorflow as tf

from keras_gan.training import step


def _replica_context():
    if not tf.distribute.has_strategy():
        return None
    if tf.distribute.in_cross_replica_context():
        return None
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync < 2:
        return None
    return context


def num_replicas():
    """How many replicas each run the step on a slice of the batch."""
    context = _replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def replica_index():
    """This replica's index (a tensor), or None outside `tf.distribute`."""
    context = _replica_context()
    return None if context is None else context.replica_id_in_sync_group


class Driver:
    """The `Driver` protocol (`training/driver.py`) for TensorFlow."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def minimize(self, loss_fn, variables):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            replicas = num_replicas()
            if replicas > 1:
                # tf.distribute sums the replicas' gradients.
                loss = loss / replicas
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply(grads, variables)
        return logs

    def run(self, fn):
        return fn()

    def input_gradients(self, fn, x):
        # Recorded by the outer tape too: the result stays differentiable
        # with respect to the critic's weights (second-order gradients).
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.cast(fn(x), "float32"))
        return tape.gradient(y, x)

    def cond(self, pred, true_fn, false_fn):
        # A Python branch when eager; `tf.cond` in graphs and under XLA,
        # which runs the chosen branch only and differentiates through it.
        return tf.cond(pred, true_fn, false_fn)


class TensorFlowTrainer:
    """`train_step(data)` for Keras's TensorFlow trainer."""

    def train_step(self, data):
        config = self.step_config()
        return step.train_step(config, data, Driver(self.optimizer))
