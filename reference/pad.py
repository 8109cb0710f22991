"""Zero padding: a border of zeros around an image so the filter can reach its edges."""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array
from .geometry import padding_pairs


def zero_pad(x: np.ndarray, pad: int | tuple) -> np.ndarray:
    """Surround the last two axes (height, width) of ``x`` with zeros.

    Inputs:
    - x: array of shape (..., H, W), at least 2-D
    - pad: ``p``, ``(ph, pw)`` or ``((top, bottom), (left, right))``, all >= 0

    Returns an array of shape (..., H + top + bottom, W + left + right), float64
    (float32 if ``x`` is float32), with ``x`` in the middle and zeros around it.
    ``x`` itself is left unchanged.

    >>> zero_pad(np.ones((1, 1)), 1).tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    >>> zero_pad(np.ones((7, 7)), 1).shape, zero_pad(np.ones((3, 7, 7)), ((0, 1), (2, 0))).shape
    ((9, 9), (3, 8, 9))
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    (top, bottom), (left, right) = padding_pairs(pad)
    *lead, h, w = x.shape
    out = np.zeros((*lead, h + top + bottom, w + left + right), dtype=x.dtype)
    out[..., top : top + h, left : left + w] = x
    return out
