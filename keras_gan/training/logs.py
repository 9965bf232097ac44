"""`StepLogs`: the running means of a step's logs, in one metric.

A `keras.metrics.Mean` per log costs about eight small ops per step each
(update and result); eager JAX and PyTorch dispatch every one from Python,
and at 8x8 that was a measurable share of a step (docs/benchmarks.md). One
metric holding a vector of totals does the same bookkeeping in a handful
of ops, whatever the number of logs.
"""

import keras
from keras import ops


class StepLogs(keras.metrics.Metric):
    """Running means (or sums) of named scalar logs, one vector update each.

    Args:
        names: the log names, in display order.
        sums: the names among them reported as running sums, not means
            (the count of skipped steps).
        name: the metric's name. Defaults to "step_logs".
        **kwargs: passed to `keras.metrics.Metric` (e.g. `dtype`).

    Returns:
        `result()` returns a dict `{name: scalar}`, as Keras's trainers
        accept from a metric.

    Examples:

    >>> logs = StepLogs(["d_loss", "bad_steps"], sums=["bad_steps"])
    >>> logs.update_state({"d_loss": 1.0, "bad_steps": 1.0})
    >>> logs.update_state({"d_loss": 3.0, "bad_steps": 0.0})
    >>> {k: float(v) for k, v in logs.result().items()}
    {'d_loss': 2.0, 'bad_steps': 1.0}
    """

    def __init__(self, names, sums=(), name="step_logs", **kwargs):
        super().__init__(name=name, **kwargs)
        self.names = tuple(names)
        self.sums = tuple(sums)
        unknown = set(self.sums) - set(self.names)
        if unknown:
            raise ValueError(
                "`sums` must be among `names`. Received: "
                f"sums={sorted(unknown)}"
            )
        self.total = self.add_variable(
            shape=(len(self.names),), initializer="zeros", name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count"
        )
        self._means = [name not in self.sums for name in self.names]

    def _scalar(self, value):
        # Most logs already are float32 scalars: a reshape and a cast each
        # would be two more ops per log, dispatched one by one on the eager
        # backends.
        shape = getattr(value, "shape", None)
        dtype = getattr(value, "dtype", None)
        if (
            shape is not None
            and tuple(shape) == ()
            and dtype is not None
            and keras.backend.standardize_dtype(dtype) == self.dtype
        ):
            return value
        return ops.cast(ops.reshape(value, ()), self.dtype)

    def update_state(self, logs):
        """Adds one step's logs (a dict holding every name)."""
        values = ops.stack([self._scalar(logs[name]) for name in self.names])
        self.total.assign_add(values)
        self.count.assign_add(ops.ones((), self.dtype))

    def result(self):
        n, is_mean = len(self.names), self._means
        means = sums = None
        if any(is_mean):
            count = ops.maximum(self.count.value, 1.0)
            means = ops.unstack(self.total.value / count, n)
        if not all(is_mean):
            sums = ops.unstack(self.total.value, n)
        return {
            name: (means if is_mean[i] else sums)[i]
            for i, name in enumerate(self.names)
        }

    def get_config(self):
        return {
            "names": list(self.names),
            "sums": list(self.sums),
            "name": self.name,
            "dtype": self.dtype,
        }
