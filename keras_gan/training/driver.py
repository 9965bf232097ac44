"""The seam between the backend-free step and each backend.

`keras_gan.training.step` computes every loss with `keras.ops`; a `Driver`
is all it asks of the backend. One driver per backend lives beside this
file (`tensorflow.py`, `jax.py`, `torch.py`), each with its trainer mixin
and its data-parallel code; Keras's own trainers
(`keras/src/backend/*/trainer.py`) show the same three patterns.
"""

from typing import Callable
from typing import Protocol
from typing import runtime_checkable


@runtime_checkable
class Driver(Protocol):
    """What the step needs from a backend.

    - `minimize(loss_fn, variables)`: calls `loss_fn()`, which returns
      `(loss, logs)`, takes the gradients of `loss` with respect to
      `variables` (one network's trainable variables) and applies them with
      the GAN's optimizer; returns `logs`. Assignments made inside
      `loss_fn` (batch-norm statistics, seed state, a layer that writes its
      own weights) are kept.
    - `run(fn)`: runs `fn()`, which assigns variables (the EMA update, the
      metrics), and returns its result.
    - `input_gradients(fn, x)`: the gradient of `sum(fn(x))` with respect
      to `x`, itself differentiable with respect to the variables `fn`
      reads (gradient penalties need this second order).
    - `cond(pred, true_fn, false_fn)`: runs only the branch that `pred` (a
      scalar bool tensor) selects, including its assignments and gradients,
      under every compilation mode; each branch returns a float32 scalar.
      Lazy penalties use it to skip their work.
    """

    def minimize(self, loss_fn: Callable, variables: list) -> dict: ...

    def run(self, fn: Callable): ...

    def input_gradients(self, fn: Callable, x): ...

    def cond(self, pred, true_fn: Callable, false_fn: Callable): ...
