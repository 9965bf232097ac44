"""JAX driver: a stateless step over the whole training state.

Keras's JAX trainer calls `train_step(state, data)` with the values of
`(trainable_variables, non_trainable_variables, optimizer.variables,
metrics_variables)` and expects the new values back; under `jit` the
variables themselves hold no value. The driver keeps every value in a dict
and runs each phase of `_step` inside a `keras.StatelessScope` over it, so
the same phase code that assigns variables on TensorFlow and PyTorch only
records new values here. `minimize` differentiates a phase with `jax.grad`
with respect to the phase's own variables and applies the optimizer in
another scope. Both optimizers' variables travel in the state because
`gan.optimizer` is one `GANOptimizer` owning both.
"""

import jax
import jax.numpy as jnp
import keras

from keras_gan import _step


def _current_value(variable):
    scope = keras.src.backend.common.stateless_scope.get_stateless_scope()
    value = scope.get_current_value(variable) if scope else None
    return variable.value if value is None else value


class Driver:
    def __init__(self, gan, state):
        self.gan = gan
        self.groups = (
            gan.trainable_variables,
            gan.non_trainable_variables,
            gan.optimizer.variables,
            gan.metrics_variables,
        )
        self.variables = {}
        self.values = {}
        for variables, values in zip(self.groups, state):
            for variable, value in zip(variables, values):
                self.variables[id(variable)] = variable
                self.values[id(variable)] = value

    def state(self):
        return tuple(
            [self.values[id(v)] for v in variables] for variables in self.groups
        )

    def _scope(self, overrides=None):
        values = dict(self.values)
        values.update(overrides or {})
        return keras.StatelessScope(
            state_mapping=[(self.variables[k], v) for k, v in values.items()]
        )

    def _collect(self, scope):
        return {
            k: scope.get_current_value(v) for k, v in self.variables.items()
        }

    def minimize(self, loss_fn, variables):
        keys = [id(v) for v in variables]

        def compute(train_values):
            with self._scope(dict(zip(keys, train_values))) as scope:
                loss, logs = loss_fn()
                scaled = self.gan.optimizer.scale_loss(loss)
            # The phase's own variables are collected too: a layer may
            # assign them in its forward pass (SpectralNormalization writes
            # the normalized kernel), and the update then applies to that
            # value, as on TensorFlow and PyTorch.
            return scaled, (logs, self._collect(scope))

        grads, (logs, updates) = jax.grad(compute, has_aux=True)(
            [self.values[k] for k in keys]
        )
        self.values.update(updates)
        self._apply(grads, variables)
        return logs

    def _apply(self, grads, variables):
        optimizer = self.gan.optimizer
        if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            with self._scope() as scope:
                optimizer.apply(grads, variables)
            self.values.update(self._collect(scope))
            return
        # Mixed float16: Keras's loss-scale `apply` branches with `ops.cond`,
        # whose branches would leak tracers out of our scope. Compute both
        # outcomes and select, which is what `cond` does under `jit` anyway.
        scale, counter = optimizer.dynamic_scale, optimizer.step_counter
        finite = optimizer.check_finite(grads)
        with self._scope() as scope:
            optimizer.inner_optimizer.apply(
                [g / scale.value for g in grads], variables
            )
            grow = counter.value == optimizer.dynamic_growth_steps - 1
            counter.assign(jnp.where(grow, 0, counter.value + 1))
            scale.assign(jnp.where(grow, scale.value * 2.0, scale.value))
        applied = self._collect(scope)
        skipped = dict(self.values)
        skipped[id(counter)] = jnp.zeros_like(skipped[id(counter)])
        skipped[id(scale)] = skipped[id(scale)] / 2.0
        self.values = {
            k: jnp.where(finite, applied[k], skipped[k]) for k in applied
        }

    def run(self, fn):
        with self._scope() as scope:
            result = fn()
        self.values.update(self._collect(scope))
        return result

    def input_gradients(self, fn, x):
        # Variables read inside the inner `grad` come from the phase's scope;
        # updates made there (batch-norm statistics) are discarded so that no
        # inner tracer escapes.
        values = {k: _current_value(v) for k, v in self.variables.items()}

        def total(x):
            mapping = [(self.variables[k], v) for k, v in values.items()]
            with keras.StatelessScope(state_mapping=mapping):
                return jnp.sum(fn(x).astype("float32"))

        return jax.grad(total)(x)


class JAXTrainer:
    """Stateless `train_step(state, data)` for Keras's JAX trainer."""

    def train_step(self, state, data):
        driver = Driver(self, state)
        logs = _step.train_step(self, data, driver)
        return logs, driver.state()
