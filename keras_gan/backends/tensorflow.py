"""TensorFlow driver: `tf.GradientTape`, then `optimizer.apply`."""

import tensorflow as tf

from keras_gan import _distributed
from keras_gan import _step


class Driver:
    def __init__(self, gan):
        self.gan = gan

    def minimize(self, loss_fn, variables):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            replicas = _distributed.num_replicas()
            if replicas > 1:
                # tf.distribute sums the replicas' gradients.
                loss = loss / replicas
            scaled = self.gan.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        self.gan.optimizer.apply(grads, variables)
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


class TensorFlowTrainer:
    """`train_step(data)` for Keras's TensorFlow trainer."""

    def train_step(self, data):
        return _step.train_step(self, data, Driver(self))
