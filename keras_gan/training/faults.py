"""Faults: non-finite steps, bad batches, and the host-side monitor.

- A phase whose loss or gradients are not finite changes nothing: each
  driver selects the old values of the weights, the batch-norm statistics
  and the phase's optimizer state (`all_finite` decides), and the step logs
  it in `bad_steps`. `FaultMonitor` stops `fit` after `max_bad_steps`.
- A batch with non-finite images, images outside the generator's range,
  or labels outside `[0, num_classes)` is refused before any variable
  changes: on PyTorch in the eager step, on JAX on the host before the
  jitted step (`CheckedIterator`), on TensorFlow in the graph (a `tf.cond`
  that skips the step, then an assertion; under XLA, where assertions are
  dropped, `FaultMonitor` raises from the recorded fault code).
"""

import collections
import warnings

import keras
import numpy as np
from keras import ops

from keras_gan.layers.output import OutputRange

#: The key under which `Driver.minimize` reports whether its phase applied.
OK = "_phase_ok"

_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


class DataError(ValueError):
    """A batch that the step refuses (non-finite, out of range, labels)."""


def _fix_range(data_range):
    lo, hi = data_range
    return (
        f"The generator's output range is [{lo:g}, {hi:g}]. Rescale the "
        "data into it, e.g. `keras_gan.data.to_unit_range(x)` for images "
        "in [0, 255], or pass `compile(data_range=None)` to skip this "
        "check."
    )


NON_FINITE = (
    "A batch of images contains non-finite values (NaN or inf); the step "
    "was refused and nothing was updated. Find them with "
    "`np.isfinite(x).all(axis=(1, 2, 3))` and drop or fix those images."
)


def out_of_range(data_range):
    return "A batch of images lies clearly outside the generator's range. " + (
        _fix_range(data_range)
    )


def bad_labels(num_classes):
    return (
        f"A batch has labels outside [0, {num_classes}) (negative or too "
        "large); the step was refused and nothing was updated. Check "
        "`num_classes` or remap the labels."
    )


def too_many_bad_steps(count, max_bad_steps):
    return (
        f"{count} training steps had a non-finite loss or gradient and "
        f"were skipped (`max_bad_steps={max_bad_steps}`); the weights are "
        "those of the last finite step. Try a lower learning rate, a "
        "gradient penalty (`keras_gan.penalties.R1`), another loss (e.g. "
        "'hinge'), clipping (`keras.optimizers.Adam(clipnorm=1.0)`), or "
        "check the data; `compile(max_bad_steps=None)` never stops."
    )


_UNKNOWN = object()


def _final_range(network):
    """A network's declared or activation range, None, or `_UNKNOWN`."""
    for layer in reversed(getattr(network, "layers", [])):
        if isinstance(layer, OutputRange):
            return layer.value_range
        if getattr(layer, "layers", None):
            found = _final_range(layer)
            if found is not _UNKNOWN:
                return found
            continue
        activation = getattr(layer, "activation", None)
        if activation is None:
            continue
        name = getattr(activation, "__name__", str(activation))
        return _RANGES.get(name, _UNKNOWN)
    return _UNKNOWN


def output_range(network):
    """The value range of a network's output, if known.

    Args:
        network: a generator or a discriminator.

    Returns:
        `(low, high)` for a final tanh or sigmoid, or the range that a
        final `keras_gan.layers.OutputRange` declares; else None.
    """
    found = _final_range(network)
    return None if found is _UNKNOWN else found


def warn_unbounded_output(generator, data_range):
    """Warns when the generator's output range is neither bounded nor stated.

    A generator ending in a linear layer (no tanh or sigmoid, no
    `keras_gan.layers.OutputRange`) leaves `compile(data_range="auto")`
    nothing to check the data against, and its outputs can take any value.

    Args:
        generator: the generator network.
        data_range: `compile`'s `data_range` argument, as given: only
            "auto" can warn.

    Returns:
        True when it warned.
    """
    if not isinstance(data_range, str) or data_range != "auto":
        return False
    if _final_range(generator) is not _UNKNOWN:
        return False
    warnings.warn(
        "The generator's output has no bounded activation (tanh for data "
        "in [-1, 1], sigmoid for [0, 1]): its images can take any value and "
        "`compile` cannot check the data's range against it. Add "
        "`activation='tanh'` to its last layer; if it is linear on purpose, "
        "end it with `keras_gan.layers.OutputRange(low, high)`, or pass "
        "`compile(data_range=(low, high))` (`data_range=None`: no check).",
        UserWarning,
        stacklevel=4,
    )
    return True


def warn_probability_output(discriminator):
    """Warns when the discriminator's last activation is a sigmoid.

    Every `keras_gan.losses` loss takes raw logits; a discriminator that
    returns probabilities trains with a squashed, wrong loss and no error.

    Args:
        discriminator: the discriminator network.

    Returns:
        True when it warned.
    """
    if output_range(discriminator) != (0.0, 1.0):
        return False
    warnings.warn(
        "The discriminator's last activation is a sigmoid: it returns "
        "probabilities, but every `keras_gan.losses` loss takes raw logits "
        "(the sigmoid is part of the loss). Remove the final sigmoid "
        "(e.g. `Dense(1)` instead of `Dense(1, activation='sigmoid')`).",
        UserWarning,
        stacklevel=3,
    )
    return True


def resolve_range(data_range, generator):
    """`compile(data_range=...)`: "auto", None or `(low, high)`."""
    if data_range is None:
        return None
    if isinstance(data_range, str):
        if data_range != "auto":
            raise ValueError(
                "`data_range` should be 'auto', None or (low, high). "
                f"Received: `data_range={data_range!r}`"
            )
        return output_range(generator)
    try:
        lo, hi = (float(v) for v in data_range)
    except (TypeError, ValueError):
        lo = hi = None
    if lo is None or not lo < hi:
        raise ValueError(
            "`data_range` should be 'auto', None or (low, high) with low < "
            f"high. Received: `data_range={data_range!r}`"
        )
    return (lo, hi)


def _margin(data_range):
    lo, hi = data_range
    return lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)


def check_arrays(x, data_range, name="x"):
    """Checks in-memory images before `fit` starts.

    Args:
        x: a numpy array of images.
        data_range: `(low, high)` or None.
        name: the argument's name, for the message.
    """
    if not isinstance(x, np.ndarray) or not x.size:
        return
    if not np.issubdtype(x.dtype, np.floating):
        if data_range is not None and np.issubdtype(x.dtype, np.integer):
            raise ValueError(
                f"`{name}` holds integer images (dtype {x.dtype}), e.g. "
                f"pixels in [0, 255]. {_fix_range(data_range)}"
            )
        return
    finite = np.isfinite(x.reshape(len(x), -1)).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"`{name}` contains non-finite values (NaN or inf) in "
            f"{len(bad)} image(s), the first at index {bad[0]}. Drop or fix "
            f"them before `fit`, e.g. `{name} = {name}[np.isfinite({name})"
            f".reshape(len({name}), -1).all(axis=1)]`."
        )
    if data_range is not None:
        lo, hi = _margin(data_range)
        low, high = float(x.min()), float(x.max())
        if low < lo or high > hi:
            raise ValueError(
                f"`{name}` has values in [{low:g}, {high:g}]. "
                + _fix_range(data_range)
            )


def check_label_shape(labels):
    """Refuses one-hot (or other rank-2) labels, statically."""
    shape = tuple(labels.shape)
    if len(shape) >= 2 and shape[-1] is not None and shape[-1] > 1:
        raise ValueError(
            "Labels should be integer class indices of shape (batch,); "
            f"received shape {shape}, which looks one-hot. Convert with "
            "`np.argmax(labels, axis=-1)` (`tf.argmax` in a tf.data "
            "pipeline)."
        )


def message(config, code):
    """The message of fault `code` (1: non-finite, 2: range, 3: labels,
    4: image shape)."""
    if code == 1:
        return NON_FINITE
    if code == 4:
        return (
            "A batch's image shape differs from the generator's output "
            f"shape {config.image_shape}. Resize the data (e.g. "
            "`keras_gan.data.image_dataset(..., image_size=...)`) or build "
            "the networks for its shape."
        )
    if code == 2:
        return out_of_range(config.data_range)
    return bad_labels(config.num_classes)


class _HostOps:
    """The `keras.ops` functions of `batch_checks`, in numpy."""

    cast = staticmethod(lambda x, dtype: np.asarray(x, dtype))

    def __getattr__(self, name):
        return getattr(np, name)


def _host_array(x):
    """`x` as a numpy array if it is in host memory, else None."""
    if x is None or isinstance(x, np.ndarray):
        return x
    device = getattr(x, "device", None)  # torch.device or jax.Device
    platform = getattr(device, "type", None) or getattr(
        device, "platform", None
    )
    return np.asarray(x) if platform == "cpu" else None


def batch_checks(config, images, labels, ops=ops):
    """The value checks of one batch, as `(ok, code)` pairs.

    `ok` is a scalar bool tensor (computed with `ops`, `keras.ops` by
    default); the images are finite, within `config.data_range` (with a
    margin of half its width) and the labels in `[0, num_classes)`.
    """
    checks = []
    static = tuple(images.shape)[1:]
    if len(static) == len(config.image_shape) and None in static:
        # A pipeline that declares unknown sizes (tf.data): the sizes are
        # only known in the step, so they are checked there too.
        dims = ops.shape(images)[1:]
        same = [
            ops.equal(ops.cast(d, "int32"), e)
            for d, e, s in zip(dims, config.image_shape, static)
            if s is None and e is not None
        ]
        if same:
            checks.append((ops.all(ops.stack(same)), 4))
    dtype = keras.backend.standardize_dtype(images.dtype)
    if "float" in dtype:
        x = ops.cast(images, "float32")
        checks.append((ops.all(ops.isfinite(x)), 1))
        if config.data_range is not None:
            lo, hi = _margin(config.data_range)
            checks.append(
                (
                    ops.logical_and(ops.min(x) >= lo, ops.max(x) <= hi),
                    2,
                )
            )
    elif config.data_range is not None:
        raise DataError(
            f"The images are integers (dtype {dtype}), e.g. pixels in "
            f"[0, 255]. {_fix_range(config.data_range)}"
        )
    if labels is not None and config.num_classes is not None:
        checks.append(
            (
                ops.logical_and(
                    ops.min(labels) >= 0,
                    ops.max(labels) < config.num_classes,
                ),
                3,
            )
        )
    return checks


def check_now(config, images, labels):
    """Evaluates `batch_checks` eagerly and raises the first failure.

    A batch in host memory is checked with numpy: eager `keras.ops` would
    dispatch one backend op each, about 2 ms per step on JAX (measured
    with cProfile on `benchmarks/throughput.py`'s 8x8 model).
    """
    host = _host_array(images), _host_array(labels)
    if host[0] is not None and (labels is None or host[1] is not None):
        checks = batch_checks(config, *host, ops=_HostOps())
        oks = [bool(ok) for ok, _ in checks]
    else:
        checks = batch_checks(config, images, labels)
        if not checks:
            return
        oks = ops.convert_to_numpy(ops.stack([ok for ok, _ in checks]))
    for ok, (_, code) in zip(oks, checks):
        if not ok:
            raise DataError(message(config, code))


def all_finite(loss, grads=()):
    """Whether `loss` and every gradient are finite (a scalar bool).

    One reduction: the sum of the loss and of every gradient's sum is
    finite exactly when they all are (a NaN or an infinity propagates
    through a sum), barring a float32 overflow of finite values above
    about 1e38, a step worth skipping too. A few ops per phase instead of
    three per variable: eager JAX and PyTorch dispatch each op from
    Python (see docs/benchmarks.md).
    """
    total = ops.sum(ops.cast(loss, "float32"))
    sums = [ops.sum(g) for g in grads if g is not None]
    if sums:
        total = total + ops.cast(ops.sum(ops.stack(sums)), "float32")
    return ops.isfinite(total)


def state_variables(config):
    """Non-trainable variables a phase may assign (not the seed state)."""
    variables = list(config.generator.non_trainable_variables)
    variables += config.discriminator.non_trainable_variables
    if config.augment is not None:
        variables += config.augment.non_trainable_variables
    seen, unique = set(), []
    for v in variables:
        if id(v) not in seen and v is not config.seed_generator.state:
            seen.add(id(v))
            unique.append(v)
    return unique


def phase_optimizer_variables(optimizer, config, variables):
    """The optimizer variables that updating `variables` may assign."""
    is_d = variables is config.d_variables
    other = config.g_optimizer if is_d else config.d_optimizer
    skip = {id(v) for v in other.variables}
    return [v for v in optimizer.variables if id(v) not in skip]


def merge_ok(ok, phase_logs):
    """ANDs a phase's `OK` flag (popped from its logs) into `ok`."""
    phase_ok = phase_logs.pop(OK, None)
    if phase_ok is None:
        return ok
    return phase_ok if ok is None else ops.logical_and(ok, phase_ok)


class CheckedIterator:
    """Pulls and checks a whole execution's batches before it runs (JAX).

    Keras's JAX trainer calls the jitted step once per batch inside one
    "execution" of `steps_per_execution` batches, on a state it donates.
    `fill` reads those batches and checks them all first, so a refused
    batch raises while the state is intact and unchanged.
    """

    def __init__(self, iterator, count, check):
        self.iterator = iterator
        self.count = count
        self.check = check
        self.buffer = collections.deque()

    def fill(self):
        for _ in range(self.count):
            try:
                batch = next(self.iterator)
            except StopIteration:
                break
            self.check(batch)
            self.buffer.append(batch)

    def __iter__(self):
        return self

    def __next__(self):
        if not self.buffer:
            raise StopIteration
        return self.buffer.popleft()


class FaultMonitor(keras.callbacks.Callback):
    """Stops `fit` after `max_bad_steps` skipped steps (added by `fit`).

    It reads the epoch's `bad_steps` log after each batch, and on TF the
    `data_fault` code of a refused batch every `code_every` batches and at
    epoch end (a variable read is over 1% of an 8x8 step; the assertion
    raises at the batch itself wherever TF keeps assertions). It leaves
    the error on the GAN, which `GAN.fit` raises once Keras has put the
    weights back. It never reads `self.model` in the batch hook (on JAX
    that syncs the state) and is `async_safe`: logs read late are harmless
    (the count's largest value is kept; a skipped step changes nothing).
    """

    #: Keras's flag for callbacks that may run off the training thread.
    async_safe = True
    code_every = 16

    def __init__(self, max_bad_steps, config=None, backups=()):
        super().__init__()
        self.max_bad_steps = max_bad_steps
        self.config = config
        self.backups = list(backups)
        self.previous = 0
        self.current = 0

    def on_train_begin(self, logs=None):
        self.previous = self.current = 0
        # After `BackupAndRestore` loaded a backup (it runs before this
        # callback): continue from the epoch stored with those weights.
        fit_epoch = self.model.training_progress[2]
        if self.backups and fit_epoch:
            self.model._initial_epoch = fit_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.previous += self.current
        self.current = 0

    def on_train_batch_end(self, batch, logs=None):
        self.check_logs(logs, read_code=batch % self.code_every == 0)

    def on_epoch_end(self, epoch, logs=None):
        self.check_code()

    def check_code(self):
        """Stops `fit` with a `DataError` if TF refused a batch (True)."""
        model, code = self._model, getattr(self._model, "data_fault", None)
        if code is None or keras.backend.backend() != "tensorflow":
            return False
        value = int(ops.convert_to_numpy(code))
        if value and model._fault_error is None:
            model.stop_training = True
            model._fault_error = DataError(message(self.config, value))
        return bool(value)

    def check_logs(self, logs, read_code):
        """Stops `fit` at `max_bad_steps` (`bad_steps`: the epoch's count)."""
        model = self._model
        if read_code and self.check_code():
            return
        self.current = max(
            self.current, int((logs or {}).get("bad_steps", 0) or 0)
        )
        total = self.previous + self.current
        if self.max_bad_steps is not None and total >= self.max_bad_steps:
            model.stop_training = True
            model._fault_error = FloatingPointError(
                too_many_bad_steps(total, self.max_bad_steps)
            )

