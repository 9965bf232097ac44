"""Every argument check of keras-gan, with one rule per kind of value.

The rules, stated once:

- an *integer* is a Python `int` or a numpy integer; `bool` is not one, and
  neither is a float, even `16.0` (Keras layers refuse `units=16.0` too);
- a *number* is any real number (`int`, `float`, numpy scalars), but not a
  `bool`; it is returned as a Python `float`;
- messages follow Keras's phrasing: "`x` should be ... Received: `x=...`".
"""

import numbers

import numpy as np


def _received(name, value):
    return f"Received: `{name}={value!r}`"


def is_integer(value):
    """Whether `value` is an integer by the rule above (bools are not)."""
    return isinstance(value, (numbers.Integral, np.integer)) and not (
        isinstance(value, (bool, np.bool_))
    )


def is_number(value):
    """Whether `value` is a real number by the rule above (bools are not)."""
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not (
        isinstance(value, (bool, np.bool_))
    )


def check_int(name, value, minimum=None, maximum=None, allow_none=False):
    """Returns `value` as an `int`, or raises a `ValueError` naming it.

    Args:
        name: the argument's name, for the message.
        value: the value to check.
        minimum: int or None, the smallest allowed value.
        maximum: int or None, the largest allowed value.
        allow_none: bool, whether None is allowed (and returned).

    Returns:
        The value as a Python `int` (or None).

    Examples:

    >>> check_int("latent_dim", 16, minimum=1)
    16
    >>> check_int("latent_dim", 16.0, minimum=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `latent_dim` should be a positive integer. ...
    """
    if value is None and allow_none:
        return None
    ok = is_integer(value)
    if ok and minimum is not None and value < minimum:
        ok = False
    if ok and maximum is not None and value > maximum:
        ok = False
    if not ok:
        raise ValueError(
            f"`{name}` should be {_int_rule(minimum, maximum)}"
            + (" or None" if allow_none else "")
            + f". {_received(name, value)}"
        )
    return int(value)


def _int_rule(minimum, maximum):
    if maximum is None:
        if minimum == 1:
            return "a positive integer"
        if minimum == 0:
            return "a non-negative integer"
        if minimum is None:
            return "an integer"
        return f"an integer >= {minimum}"
    if minimum is None:
        return f"an integer <= {maximum}"
    return f"an integer in [{minimum}, {maximum}]"


def positive_int(name, value, allow_none=False):
    """`check_int(name, value, minimum=1)`.

    Args:
        name: the argument's name.
        value: the value.
        allow_none: bool, whether None passes.

    Returns:
        The value as an `int` (or None).

    Examples:

    >>> positive_int("batch_size", 8)
    8
    """
    return check_int(name, value, minimum=1, allow_none=allow_none)


def check_float(
    name,
    value,
    minimum=None,
    maximum=None,
    min_inclusive=True,
    max_inclusive=True,
    allow_none=False,
    what="a number",
):
    """Returns `value` as a `float` in the given range, or raises.

    Args:
        name: the argument's name.
        value: the value.
        minimum: float or None, the lower bound.
        maximum: float or None, the upper bound.
        min_inclusive: bool, whether the lower bound is allowed.
        max_inclusive: bool, whether the upper bound is allowed.
        allow_none: bool, whether None passes.
        what: how the value is named in the message ("a number", "a
            probability", ...).

    Returns:
        The value as a Python `float` (or None).

    Examples:

    >>> check_float("ema_decay", 0.999, 0.0, 1.0, False, False)
    0.999
    >>> check_float("p", 2.0, 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: `p` should be a number in [0, 1]. Received: `p=2.0`
    """
    if value is None and allow_none:
        return None
    ok = is_number(value) and np.isfinite(float(value))
    if ok and minimum is not None:
        ok = value >= minimum if min_inclusive else value > minimum
    if ok and maximum is not None:
        ok = value <= maximum if max_inclusive else value < maximum
    if not ok:
        rule = _float_rule(
            minimum, maximum, min_inclusive, max_inclusive, what
        )
        raise ValueError(
            f"`{name}` should be {rule}"
            + (" or None" if allow_none else "")
            + f". {_received(name, value)}"
        )
    return float(value)


def _fmt(x):
    return f"{x:g}" if isinstance(x, float) else str(x)


def _float_rule(minimum, maximum, min_inclusive, max_inclusive, what):
    if minimum is None and maximum is None:
        return f"a finite {what[2:] if what.startswith('a ') else what}"
    if maximum is None:
        if minimum == 0:
            return (
                f"a non-negative {what[2:]}"
                if min_inclusive
                else f"a positive {what[2:]}"
            )
        return f"{what} {'>=' if min_inclusive else '>'} {_fmt(minimum)}"
    if minimum is None:
        return f"{what} {'<=' if max_inclusive else '<'} {_fmt(maximum)}"
    left = "[" if min_inclusive else "("
    right = "]" if max_inclusive else ")"
    return f"{what} in {left}{_fmt(minimum)}, {_fmt(maximum)}{right}"


def positive_float(name, value, allow_none=False):
    """`check_float(name, value, minimum=0, min_inclusive=False)`.

    Args:
        name: the argument's name.
        value: the value.
        allow_none: bool, whether None passes.

    Returns:
        The value as a `float` (or None).

    Examples:

    >>> positive_float("gamma", 10)
    10.0
    """
    return check_float(
        name, value, minimum=0, min_inclusive=False, allow_none=allow_none
    )


def non_negative_float(name, value, allow_none=False):
    """`check_float(name, value, minimum=0)`.

    Args:
        name: the argument's name.
        value: the value.
        allow_none: bool, whether None passes.

    Returns:
        The value as a `float` (or None).

    Examples:

    >>> non_negative_float("weight", 0)
    0.0
    """
    return check_float(name, value, minimum=0, allow_none=allow_none)


def unit_interval(name, value, what="a number"):
    """`value` as a float in [0, 1]; `what` names it in the message.

    Args:
        name: the argument's name.
        value: the value.
        what: the value's description, e.g. "a probability".

    Returns:
        The value as a `float`.

    Examples:

    >>> unit_interval("p", 1)
    1.0
    """
    return check_float(name, value, 0.0, 1.0, what=what)


def check_bool(name, value):
    """Returns `value` if it is a `bool`, or raises.

    Args:
        name: the argument's name.
        value: the value.

    Returns:
        The value.

    Examples:

    >>> check_bool("center", True)
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"`{name}` should be True or False. {_received(name, value)}"
        )
    return bool(value)


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`, or raises.

    Args:
        name: the argument's name.
        value: the value.
        choices: the allowed values.

    Returns:
        The value.

    Examples:

    >>> check_choice("mode", "nearest", ("nearest", "bilinear"))
    'nearest'
    """
    if isinstance(value, (list, dict, set)) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(
            f"`{name}` should be one of {listed}. {_received(name, value)}"
        )
    return value
