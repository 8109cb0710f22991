"""Pooling: shrink each feature map by summarising small windows (max or mean).

Pooling works on every channel separately and has no weights. Its window slides like a
filter, so the output size follows the same rule as a convolution; the stride defaults
to the window size, so windows do not overlap.
"""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array
from .conv import _windows, conv_geometry
from .geometry import as_pair


def _pool_setup(x, size, stride, padding):
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    size_hw = as_pair(size, "size")
    stride = size_hw if stride is None else stride
    stride_hw, pads, out_hw = conv_geometry(x.shape[2:], size_hw, stride, padding, "pool window")
    return x, size_hw, stride_hw, pads, out_hw


def max_pool2d(x: np.ndarray, size=2, stride=None, padding=0) -> np.ndarray:
    """Max pooling: the largest value in each window.

    Inputs:
    - x: (N, C, H, W)
    - size: window, int or (ph, pw)
    - stride: int or (sh, sw); None means the window size
    - padding: as for ``conv2d``; padded cells count as −inf, so they never win

    Returns (N, C, OH, OW).

    >>> max_pool2d(np.arange(16.).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, size_hw, stride_hw, pads, out_hw = _pool_setup(x, size, stride, padding)
    (t, b), (left, r) = pads
    if t or b or left or r:
        x = np.pad(x, ((0, 0), (0, 0), (t, b), (left, r)), constant_values=-np.inf)
    return _windows(x, size_hw, stride_hw, out_hw).max(axis=(4, 5))


def max_pool2d_loops(x: np.ndarray, size=2, stride=None, padding=0) -> np.ndarray:
    """Max pooling written as loops (the model solution; see ``max_pool2d``)."""
    x, (ph, pw), (sh, sw), pads, (oh, ow) = _pool_setup(x, size, stride, padding)
    (t, b), (left, r) = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (left, r)), constant_values=-np.inf)
    n, c = x.shape[:2]
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out


def avg_pool2d(x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Average pooling: the mean of each window (no padding).

    Inputs:
    - x: (N, C, H, W)
    - size: window, int or (ph, pw)
    - stride: int or (sh, sw); None means the window size

    Returns (N, C, OH, OW).
    """
    x, size_hw, stride_hw, _, out_hw = _pool_setup(x, size, stride, 0)
    return _windows(x, size_hw, stride_hw, out_hw).mean(axis=(4, 5))


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Gradient of ``max_pool2d`` (no padding) with respect to x.

    Inputs:
    - dout: upstream gradient, (N, C, OH, OW)
    - x, size, stride: as given to ``max_pool2d``

    Returns dx, (N, C, H, W): each window's gradient goes to the cell that held its
    maximum (the first one, reading row by row, when several tie); the rest get zero.
    """
    x, (ph, pw), (sh, sw), _, (oh, ow) = _pool_setup(x, size, stride, 0)
    dout = as_float_array(dout, "dout", 4, "(N, C, OH, OW)")
    n, c = x.shape[:2]
    if dout.shape != (n, c, oh, ow):
        raise ValueError(f"dout must have the output's shape {(n, c, oh, ow)}, got {dout.shape}")
    win = _windows(x, (ph, pw), (sh, sw), (oh, ow)).reshape(n, c, oh, ow, ph * pw)
    arg = win.argmax(axis=4)  # first maximum in row-major order
    dx = np.zeros_like(x)
    ii = np.arange(oh).reshape(1, 1, oh, 1) * sh + arg // pw
    jj = np.arange(ow).reshape(1, 1, 1, ow) * sw + arg % pw
    nn = np.arange(n).reshape(n, 1, 1, 1)
    cc = np.arange(c).reshape(1, c, 1, 1)
    np.add.at(dx, (nn, cc, ii, jj), dout.astype(x.dtype, copy=False))
    return dx
