"""Errors, warnings and the shared Python-time input checks.

Every check raises a `ValueError` naming the parameter, its value and the valid range. Traced values are
skipped here; traced invariants use `eqx.error_if` at the call site.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax


class NeurosynError(Exception):
    """Base class of neurosyn's own errors."""


class ConvergenceError(NeurosynError):
    """A solver stopped without meeting its tolerance (raised when ``throw=True``)."""


class NeurosynWarning(UserWarning):
    """A call left the regime where the theory or the numerics are trustworthy."""


class WindowWarning(NeurosynWarning):
    """The lag range or periodic window is too short for the correlation time of the solution."""


def _concrete(value) -> bool:
    return not isinstance(value, jax.core.Tracer)


def _show(value):
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


def _scalar(name: str, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {name}={_show(value)}") from None


def check_finite(name: str, value, meaning: str) -> None:
    """Raise unless ``value`` is a finite real number (any sign)."""
    if _concrete(value) and not math.isfinite(_scalar(name, value)):
        raise ValueError(
            f"{name} ({meaning}) must be finite, valid range (-inf, inf); got {name}={_show(value)}"
        )


def check_positive(name: str, value, meaning: str) -> None:
    """Raise unless ``value`` is finite and > 0."""
    if _concrete(value):
        v = _scalar(name, value)
        if not (math.isfinite(v) and v > 0):
            raise ValueError(
                f"{name} ({meaning}) must be > 0 and finite, valid range (0, inf); got {name}={_show(value)}"
            )


def check_nonnegative(name: str, value, meaning: str) -> None:
    """Raise unless ``value`` is finite and >= 0."""
    if _concrete(value):
        v = _scalar(name, value)
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(
                f"{name} ({meaning}) must be >= 0 and finite, valid range [0, inf); got {name}={_show(value)}"
            )


def check_int(name: str, value, meaning: str, *, minimum: int = 1) -> int:
    """Raise unless ``value`` is an integer >= ``minimum``; return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, int | type(None)) and not hasattr(value, "__index__"):
        raise ValueError(f"{name} ({meaning}) must be an integer >= {minimum}, got {name}={_show(value)}")
    if value is None or int(value) < minimum:
        raise ValueError(f"{name} ({meaning}) must be an integer >= {minimum}, got {name}={_show(value)}")
    return int(value)


def check_choice(name: str, value, choices: Mapping | tuple | list):
    """Look ``value`` up in ``choices``; on a miss raise a `ValueError` listing the valid ones."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name}={value!r}; valid choices: {valid}")
    return choices[value] if isinstance(choices, Mapping) else value
