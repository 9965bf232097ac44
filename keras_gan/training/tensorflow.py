"""TensorFlow driver: `tf.GradientTape`, then `optimizer.apply`.

Data parallelism with `tf.distribute` (e.g. `MirroredStrategy`): each
replica runs the step on its slice of the batch and the optimizer sums the
replicas' gradients, so each replica's loss is divided by the number of
replicas (Keras's own trainer does the same).
"""

import keras
import tensorflow as tf

from keras_gan.training import faults
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


#: Whether a graph-mode step without XLA guards the update with one
#: `tf.cond` (else a select per guarded value, as under XLA). Read when the
#: step is traced; `benchmarks/throughput.py --guard-ab` sets it to False
#: for one side to time the select guard against it.
BRANCH_GUARD = True


class Driver:
    """The `Driver` protocol (`training/driver.py`) for TensorFlow.

    Args:
        optimizer: the GAN's optimizer.
        config: the `StepConfig`, or None (no non-finite guard).
    """

    def __init__(self, optimizer, config=None, branch=False):
        self.optimizer = optimizer
        self.config = config
        self.branch = branch

    def minimize(self, loss_fn, variables):
        if self.config is None:
            return self._minimize(loss_fn, variables)
        # The non-finite guard, so a NaN loss or gradient reaches neither
        # the weights nor the optimizer's state. In a TF graph without XLA
        # (`branch`) the update runs in one `tf.cond` on the finite check,
        # and only what the forward pass assigns (batch-norm statistics,
        # ...) needs a snapshot and a select: at 8x8 the per-op cost of
        # those decides the step time (benchmarks/tf_graph_ops.py).
        # Otherwise every value the phase may change is selected between
        # before and after (XLA fuses the selects).
        branch = self.branch and num_replicas() == 1 and not isinstance(
            self.optimizer, keras.optimizers.LossScaleOptimizer
        )
        guarded = faults.state_variables(self.config)
        if not branch:
            guarded = list(variables) + guarded
            guarded += faults.phase_optimizer_variables(
                self.optimizer, self.config, variables
            )
        old = [tf.identity(v.value) for v in guarded]
        logs, ok = self._minimize(loss_fn, variables, check=True,
                                  branch=branch)
        for v, value in zip(guarded, old):
            v.assign(tf.where(ok, v.value, value))
        logs[faults.OK] = ok
        return logs

    def _minimize(self, loss_fn, variables, check=False, branch=False):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            replicas = num_replicas()
            if replicas > 1:
                # tf.distribute sums the replicas' gradients.
                loss = loss / replicas
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        if branch:
            ok = faults.all_finite(loss, grads)

            def update():
                self.optimizer.apply(grads, variables)
                return tf.constant(True)

            tf.cond(ok, update, lambda: tf.constant(False))
            return logs, ok
        self.optimizer.apply(grads, variables)
        if not check:
            return logs
        if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            # The loss scaling skips non-finite gradients itself.
            return logs, faults.all_finite(loss)
        return logs, faults.all_finite(loss, grads)

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
    """`train_step(data)` for Keras's TensorFlow trainer.

    With `jit_compile=True` on one device, the batch checks and the branch
    that refuses a bad batch stay in the outer graph and the step itself is
    compiled by XLA on its own: XLA on CPU runs the convolutions of a step
    nested in a conditional 5-20x slower than the same step at top level
    (measured with `benchmarks/throughput.py`, 32x32 DCGAN: about 8 s per
    step instead of 0.5 s). In-memory arrays, checked whole before `fit`
    starts, need no per-batch checks: the step is then traced without
    them, and under XLA compiled whole by Keras (at 8x8 the outer graph
    and the call into the compiled step had cost 0.73 -> 0.97 of the
    hand-written XLA loop, `benchmarks/throughput.py`, 2026-12-04).
    """

    def make_train_function(self, force=False):
        # The traced step holds the per-batch checks or not, by whether
        # `fit`'s data were in-memory arrays checked whole beforehand: a
        # later `fit` on other data traces it again.
        # So is the batch size, when every batch is full.
        key = (
            bool(getattr(self, "batches_prechecked", False)),
            getattr(self, "full_batch_size", None),
        )
        if getattr(self, "_traced_for", key) != key:
            force = True
        self._traced_for = key
        prechecked = key[0]
        if self.train_function is not None and not force:
            return self.train_function
        jit = self.jit_compile
        self._xla_step = None
        strategy = self.distribute_strategy
        replicas = strategy.num_replicas_in_sync
        # (The default strategy, one replica, has no `worker_devices`.)
        if jit and replicas > 1 and all(
            "CPU" in d for d in strategy.extended.worker_devices
        ):
            raise ValueError(
                "`jit_compile=True` with a tf.distribute strategy over "
                f"{replicas} CPU devices: XLA cannot run a step whose "
                "variables live on another CPU device (TensorFlow's XLA "
                "known issue). Pass `compile(jit_compile=False)` (what "
                "'auto' picks on CPU), or distribute over GPUs."
            )
        if jit and not self.run_eagerly and replicas == 1 and not prechecked:
            self._xla_step = tf.function(
                self._unchecked_step, jit_compile=True, reduce_retracing=True
            )
            # Keras compiles the outer function without XLA; ours is inside.
            self._jit_compile = False
        try:
            return super().make_train_function(force=force)
        finally:
            self._jit_compile = jit

    @tf.autograph.experimental.do_not_convert
    def _unchecked_step(self, data):
        config = self.step_config()
        # XLA keeps the select guard: it fuses the selects, and runs a
        # step nested in a conditional slowly (see the class docstring).
        branch = BRANCH_GUARD and not self.jit_compile and (
            not tf.executing_eagerly()
        )
        driver = Driver(self.optimizer, config, branch=branch)
        return step.train_step(config, data, driver)

    def train_step(self, data):
        config = self.step_config()
        run = getattr(self, "_xla_step", None) or self._unchecked_step
        images, labels = step.unpack(config, data)
        prechecked, batch_size = getattr(self, "_traced_for", (False, None))
        if batch_size is not None and not self.jit_compile:
            # A static batch size: the shape ops of the step (and of its
            # gradients) fold into constants when traced (XLA compiles for
            # the batch's shape anyway: there `ensure_shape` made the 8x8
            # step twice as slow).
            data = tf.nest.map_structure(
                lambda t: tf.ensure_shape(t, [batch_size, *t.shape[1:]]),
                data,
            )
        # In-memory arrays were checked whole before `fit` started.
        if prechecked:
            return run(data)
        checks = faults.batch_checks(config, images, labels)
        if not checks:
            return run(data)
        if num_replicas() > 1:
            # tf.distribute refuses a synchronization point (the gradient
            # all-reduce) inside `tf.cond`: every op of the step depends on
            # the assertions instead, so a refused batch still changes
            # nothing (XLA, which drops assertions, is not used here).
            asserts = [
                tf.debugging.Assert(check, [faults.message(config, number)])
                for check, number in checks
            ]
            with tf.control_dependencies(asserts):
                return run(data)
        # A refused batch changes nothing: the whole step sits in the true
        # branch. Assertions then raise (this outer graph is not compiled
        # by XLA, which would drop them); the code of the fault is also
        # recorded for `FaultMonitor`, which names it if they did not.
        ok = tf.reduce_all(tf.stack([check for check, _ in checks]))
        code = tf.constant(0, "int32")
        for check, number in reversed(checks):
            code = tf.where(check, code, number)

        def refuse():
            self.data_fault.assign(code)
            return step.tracker_results(config)

        logs = tf.cond(ok, lambda: run(data), refuse)
        with tf.control_dependencies(list(logs.values())):
            for check, number in checks:
                tf.debugging.Assert(check, [faults.message(config, number)])
        return logs
