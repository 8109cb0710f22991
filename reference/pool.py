"""Pooling: shrink each feature map by summarising small windows (max or mean).

Pooling works on every channel separately and has no weights. Its window slides like a
filter, so the output size follows the same rule as a convolution; the stride defaults
to the window size, so windows do not overlap.
"""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array
from .conv import _offset_views, conv_geometry
from .geometry import as_pair, output_size, padding_pairs, same_padding


def _pool_setup(x, size, stride, padding):
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    size_hw = as_pair(size, "size")
    stride = size_hw if stride is None else stride
    stride_hw, pads, out_hw = conv_geometry(x.shape[2:], size_hw, stride, padding, "pool window")
    return x, size_hw, stride_hw, pads, out_hw


def _max_over_windows(x, size_hw, stride_hw, out_hw) -> np.ndarray:
    views = _offset_views(x, size_hw, stride_hw, out_hw)
    out = next(views).copy()
    for view in views:
        np.maximum(out, view, out=out)
    return out


def max_pool2d(x: np.ndarray, size=2, stride=None, padding=0) -> np.ndarray:
    """Max pooling: the largest value in each window, channel by channel.

    Inputs:
    - x: (N, C, H, W)
    - size: window, int or (ph, pw)
    - stride: int or (sh, sw); None means the window size
    - padding: as for ``conv2d``; padded cells count as −inf, so they never win

    Returns (N, C, OH, OW), OH = (H + 2P − ph)/sh + 1 (likewise OW);
    out[n, c, i, j] = max over p, q of x[n, c, i*sh + p, j*sw + q].

    >>> max_pool2d(np.arange(16.).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> max_pool2d(np.zeros((2, 6, 28, 28))).shape
    (2, 6, 14, 14)
    """
    x, size_hw, stride_hw, pads, out_hw = _pool_setup(x, size, stride, padding)
    (t, b), (left, r) = pads
    if t or b or left or r:
        x = np.pad(x, ((0, 0), (0, 0), (t, b), (left, r)), constant_values=-np.inf)
    return _max_over_windows(x, size_hw, stride_hw, out_hw)


def max_pool2d_loops(x: np.ndarray, size=2, stride=None, padding=0) -> np.ndarray:
    """Max pooling written as loops (the model solution; see ``max_pool2d``)."""
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    n, c, h, w = x.shape
    ph, pw = as_pair(size, "size")
    sh, sw = (ph, pw) if stride is None else as_pair(stride, "stride")
    if padding == "same":  # the window's geometry follows the convolution's rule
        pads = same_padding(h, ph, sh), same_padding(w, pw, sw)
        oh, ow = output_size(h, ph, sh, "same"), output_size(w, pw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, ph, sh, "valid"), output_size(w, pw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, ph, sh, pads[0]), output_size(w, pw, sw, pads[1])
    xp = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=-np.inf)  # -inf never wins
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))  # each image and channel on its own
    return out


def avg_pool2d(x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Average pooling: the mean of each window (no padding), channel by channel.

    Inputs:
    - x: (N, C, H, W)
    - size: window, int or (ph, pw)
    - stride: int or (sh, sw); None means the window size

    Returns (N, C, OH, OW), OH = (H − ph)/sh + 1 (likewise OW);
    out[n, c, i, j] = mean over p, q of x[n, c, i*sh + p, j*sw + q].

    >>> avg_pool2d(np.arange(16.).reshape(1, 1, 4, 4))[0, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    x, size_hw, stride_hw, _, out_hw = _pool_setup(x, size, stride, 0)
    total = sum(_offset_views(x, size_hw, stride_hw, out_hw))
    return (total / (size_hw[0] * size_hw[1])).astype(x.dtype, copy=False)


def avg_pool2d_loops(x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Average pooling written as loops (the model solution; see ``avg_pool2d``)."""
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    n, c, h, w = x.shape
    ph, pw = as_pair(size, "size")
    sh, sw = (ph, pw) if stride is None else as_pair(stride, "stride")
    oh, ow = output_size(h, ph, sh), output_size(w, pw, sw)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw].mean(axis=(2, 3))
    return out


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Gradient of ``max_pool2d`` (no padding) with respect to x.

    Inputs:
    - dout: upstream gradient, (N, C, OH, OW)
    - x, size, stride: as given to ``max_pool2d``; x (N, C, H, W)

    Returns dx, (N, C, H, W): each window's gradient goes to the cell that held its
    maximum (the first one, reading row by row, when several tie); the rest get zero.

    >>> x = np.array([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> max_pool2d_backward(np.array([[[[10.0]]]]), x)[0, 0].tolist()
    [[0.0, 0.0], [10.0, 0.0]]
    """
    x, size_hw, stride_hw, _, out_hw = _pool_setup(x, size, stride, 0)
    dout = as_float_array(dout, "dout", 4, "(N, C, OH, OW)")
    n, c = x.shape[:2]
    if dout.shape != (n, c, *out_hw):
        raise ValueError(f"dout must have the output's shape {(n, c, *out_hw)}, got {dout.shape}")
    dout = dout.astype(x.dtype, copy=False)
    out = _max_over_windows(x, size_hw, stride_hw, out_hw)
    dx = np.zeros_like(x)
    unclaimed = np.ones(out.shape, dtype=bool)  # windows whose maximum is not found yet
    # Visit the window's cells row by row; the first cell holding the maximum takes dout.
    cells = zip(_offset_views(x, size_hw, stride_hw, out_hw),
                _offset_views(dx, size_hw, stride_hw, out_hw), strict=True)
    for x_cell, dx_cell in cells:
        first = (x_cell == out) & unclaimed
        dx_cell += np.where(first, dout, 0)  # a view of dx: overlapping windows add up
        unclaimed &= ~first
    return dx


def max_pool2d_backward_loops(dout: np.ndarray, x: np.ndarray, size=2, stride=None) -> np.ndarray:
    """Gradient of max pooling written as loops (the model solution; see
    ``max_pool2d_backward``)."""
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    n, c, h, w = x.shape
    ph, pw = as_pair(size, "size")
    sh, sw = (ph, pw) if stride is None else as_pair(stride, "stride")
    oh, ow = output_size(h, ph, sh), output_size(w, pw, sw)
    dout = as_float_array(dout, "dout", 4, "(N, C, OH, OW)")
    if dout.shape != (n, c, oh, ow):
        raise ValueError(f"dout must have the output's shape {(n, c, oh, ow)}, got {dout.shape}")
    dx = np.zeros_like(x)
    for a in range(n):
        for k in range(c):
            for i in range(oh):
                for j in range(ow):
                    window = x[a, k, i * sh : i * sh + ph, j * sw : j * sw + pw]
                    p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dx[a, k, i * sh + p, j * sw + q] += dout[a, k, i, j]
    return dx
