"""`StepLogs`: the running means of a step's logs, in one metric.

A `keras.metrics.Mean` per log costs about eight small ops per step each
(update and result); eager JAX and PyTorch dispatch every one from Python,
and at 8x8 that was a measurable share of a step (docs/benchmarks.md). One
metric holding a vector of totals does the same bookkeeping in a handful
of ops, whatever the number of logs.
"""

import keras
import numpy as np
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
        # Per log: 1 for a mean, 0 for a sum.
        self._is_mean = np.array(
            [name not in self.sums for name in self.names], "float32"
        )

    def update_state(self, logs):
        """Adds one step's logs (a dict holding every name)."""
        values = ops.stack(
            [
                ops.cast(ops.reshape(logs[name], ()), self.dtype)
                for name in self.names
            ]
        )
        self.total.assign(self.total + values)
        self.count.assign(self.count + 1.0)

    def result(self):
        is_mean = ops.convert_to_tensor(self._is_mean, self.dtype)
        scale = is_mean / ops.maximum(self.count, 1.0) + (1.0 - is_mean)
        values = self.total * scale
        return {name: values[i] for i, name in enumerate(self.names)}

    def get_config(self):
        return {
            "names": list(self.names),
            "sums": list(self.sums),
            "name": self.name,
            "dtype": self.dtype,
        }
