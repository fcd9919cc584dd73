"""Argument checks shared by the package, worded the Keras way: the argument, what it must be,
what was received."""

from __future__ import annotations

import numpy as np


def check_positive_int(**values) -> None:
    """Each value must be an int (not a bool) above zero."""
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_positive_number(**values) -> None:
    """Each value must be a finite real number above zero (learning rates, scales)."""
    for name, value in values.items():
        if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
                or not np.isfinite(value) or value <= 0):
            raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
