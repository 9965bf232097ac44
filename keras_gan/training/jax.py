"""JAX driver: a stateless step over the whole training state.

Keras's JAX trainer calls `train_step(state, data)` with the values of
`(trainable_variables, non_trainable_variables, optimizer.variables,
metrics_variables)` and expects the new values back; under `jit` the
variables themselves hold no value. The driver keeps every value in a dict
and runs each phase of `training.step` inside a `keras.StatelessScope` over
it, so the same phase code that assigns variables on TensorFlow and PyTorch only
records new values here. `minimize` differentiates a phase with `jax.grad`
with respect to the phase's own variables and applies the optimizer in
another scope. Both optimizers' variables travel in the state because
`gan.optimizer` is one `GANOptimizer` owning both.
"""

import jax
import jax.numpy as jnp
import keras

from keras_gan.training import faults
from keras_gan.training import step


class Driver:
    """The `Driver` protocol (`training/driver.py`) over a JAX state.

    Args:
        optimizer: the GAN's optimizer (owning both networks' optimizers).
        groups: the variable lists of Keras's JAX state, in its order.
        state: their values.
        keep: variables the non-finite guard leaves alone (the seed
            state: a skipped step still draws new latents).
    """

    def __init__(self, optimizer, groups, state, keep=()):
        self.optimizer = optimizer
        self.groups = groups
        self.keep = {id(v) for v in keep}
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
        # The non-finite guard: every value is selected between before and
        # after the phase (branch-free, as the loss scaling below).
        before = dict(self.values)
        logs, ok = self._minimize(loss_fn, variables)
        if not isinstance(ok, jax.core.Tracer):
            # Eager (`jit_compile=False`): a Python branch, as on PyTorch;
            # a select per variable would be one dispatch each.
            if not bool(ok):
                self.values = {
                    k: v if k in self.keep else before[k]
                    for k, v in self.values.items()
                }
        else:
            self.values = {
                k: v if k in self.keep or v is before[k]
                else jnp.where(ok, v, before[k])
                for k, v in self.values.items()
            }
        logs[faults.OK] = ok
        return logs

    def _minimize(self, loss_fn, variables):
        keys = [id(v) for v in variables]

        def compute(train_values):
            with self._scope(dict(zip(keys, train_values))) as scope:
                loss, logs = loss_fn()
                scaled = self.optimizer.scale_loss(loss)
            # The phase's own variables are collected too: a layer may
            # assign them in its forward pass (SpectralNormalization writes
            # the normalized kernel), and the update then applies to that
            # value, as on TensorFlow and PyTorch.
            return scaled, (logs, self._collect(scope), loss)

        grads, (logs, updates, loss) = jax.grad(compute, has_aux=True)(
            [self.values[k] for k in keys]
        )
        self.values.update(updates)
        self._apply(grads, variables)
        if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            # The loss scaling skips non-finite gradients itself.
            return logs, faults.all_finite(loss)
        return logs, faults.all_finite(loss, grads)

    def _apply(self, grads, variables):
        optimizer = self.optimizer
        if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            with self._scope() as scope:
                optimizer.apply(grads, variables)
            self.values.update(self._collect(scope))
            return
        # Mixed float16: `LossScaleOptimizer.apply` branches with `ops.cond`,
        # whose branches would leak tracers out of our scope, and its public
        # `stateless_apply` cannot serve a phase: it takes the gradients of
        # all of the GAN's trainable variables at once (D's and G's), while
        # a phase updates one network. So the same branching is written here
        # with the optimizer's public attributes: compute both outcomes and
        # select, which is what `cond` does under `jit` anyway.
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
        # Variables read inside the inner `grad` come from the phase's scope
        # (inside a stateless scope, `variable.value` is the scope's value);
        # updates made there (batch-norm statistics) are discarded so that no
        # inner tracer escapes.
        values = {k: v.value for k, v in self.variables.items()}

        def total(x):
            mapping = [(self.variables[k], v) for k, v in values.items()]
            with keras.StatelessScope(state_mapping=mapping):
                return jnp.sum(fn(x).astype("float32"))

        return jax.grad(total)(x)


    def cond(self, pred, true_fn, false_fn):
        # `lax.cond` over every variable's current value: only the chosen
        # branch runs (under `jit` too), and its assignments come back as
        # outputs instead of leaking tracers out of the branch.
        if not isinstance(pred, jax.core.Tracer):
            # Un-jitted: the predicate is known, run one branch in Python.
            return true_fn() if bool(pred) else false_fn()
        keys = list(self.variables)
        current = [self.variables[k].value for k in keys]

        def branch(fn):
            def run(values):
                mapping = [(self.variables[k], v) for k, v in zip(keys, values)]
                with keras.StatelessScope(state_mapping=mapping) as scope:
                    out = jnp.asarray(fn(), "float32")
                new = [scope.get_current_value(self.variables[k]) for k in keys]
                return out, new

            return run

        out, new = jax.lax.cond(
            pred, branch(true_fn), branch(false_fn), current
        )
        for k, value in zip(keys, new):
            self.variables[k].assign(value)
        return out


class JAXTrainer:
    """Stateless `train_step(state, data)` for Keras's JAX trainer."""

    def __setattr__(self, name, value):
        if name in _UNTRACKED:
            # Keras's JAX `fit` stores the state's values here after every
            # step; `Layer.__setattr__` would walk them all to look for
            # variables and layers (none: they are arrays), about 1 ms per
            # step for a GAN's few hundred values (cProfile of
            # `benchmarks/throughput.py`, 8x8 model).
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def train_step(self, state, data):
        groups = (
            self.trainable_variables,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables,
        )
        driver = Driver(
            self.optimizer, groups, state, keep=[self.seed_generator.state]
        )
        logs = step.train_step(self.step_config(), data, driver)
        return logs, driver.state()

    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return
        super().make_train_function(force=force)
        run = self.train_function
        count = self.steps_per_execution

        def check(batch):
            if getattr(self, "batches_prechecked", False):
                return
            config = self.step_config()
            images, labels = step.unpack(config, batch)
            faults.check_now(config, images, labels)

        # Batches are checked on the host before the jitted step runs, so
        # a refused batch raises while the (donated) state is intact.
        def train_function(state, iterator):
            checked = faults.CheckedIterator(iterator, count, check)
            try:
                checked.fill()
            except Exception:
                self._put_back(state)
                raise
            return run(state, checked)

        self.train_function = train_function

    def _put_back(self, state):
        groups = (
            self.trainable_variables,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables,
        )
        for variables, values in zip(groups, state):
            for variable, value in zip(variables, values):
                variable.assign(value)

    def fit(self, *args, **kwargs):
        # Keras's JAX trainer detaches the variables' values while it
        # trains; an error in the first step (e.g. a data check) would leave
        # them empty. Keep references (no copies) and put them back.
        state = self.variables + self.optimizer.variables
        saved = [(v, v.value) for v in state + self.metrics_variables]
        try:
            return super().fit(*args, **kwargs)
        except Exception:
            for variable, value in saved:
                if _detached(variable):
                    variable.assign(value)
            raise


#: Keras's per-step bookkeeping attributes: plain values, never tracked.
_UNTRACKED = frozenset({"_jax_state", "_jax_state_synced"})


def _detached(variable):
    """Whether Keras's JAX trainer left `variable` without a value."""
    # A detached, initialized variable has neither a value nor an
    # initializer: reading it raises.
    try:
        variable.value
    except TypeError:
        return True
    return False
