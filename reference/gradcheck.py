"""Numerical gradients, to check the analytic backward passes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centred-difference gradient of a scalar function.

    Inputs:
    - f: function taking an array shaped like x and returning a number
    - x: point at which to differentiate, float64 of any shape, e.g. (D,) or (N, C, H, W)
      (changed in place while it works, and restored before returning)
    - h: step

    Returns an array shaped like x: (f(x + h·e_i) − f(x − h·e_i)) / 2h for each element i.

    The sum of squares has gradient 2x:

    >>> g = numerical_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0, 3.0]))
    >>> np.round(g, 6).tolist()
    [2.0, -4.0, 6.0]
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = type(x).__name__ + (f" of {x.dtype}" if isinstance(x, np.ndarray) else "")
        raise TypeError(f"x must be a float64 numpy array (changed in place), got {got}")
    if not h > 0:
        raise ValueError(f"h must be a positive step, got {h}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: x must be contiguous
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = float(f(x))
        flat[i] = old - h
        down = float(f(x))
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad
