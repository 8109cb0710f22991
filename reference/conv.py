"""The convolution layer: forward and backward, as plain loops and vectorized.

What the lecture calls convolution is, in numpy terms, a cross-correlation: the filter
is laid on the image as it is (never flipped), multiplied element by element with the
pixels under it and summed, plus a bias: ``W·X + b``. Sliding it ``stride`` pixels at a
time fills one feature map; each filter gives one feature map, so F filters give an
output of depth F.

``conv2d_single`` and ``conv2d_loops`` are the model solutions and read like the lecture.
``conv2d`` computes the same numbers fast: it copies every filter-sized window of the
padded input into the columns of a matrix (im2col) and turns the sums into one matrix
product per image.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arrays import as_float_array, float_dtype
from .geometry import (
    as_pair,
    output_shape,
    output_size,
    padding_pairs,
    resolve_padding,
    same_padding,
)
from .pad import zero_pad


def _check_fits(in_hw: tuple[int, int], f_hw: tuple[int, int], pads, what: str = "filter") -> None:
    (t, b), (left, r) = pads
    ph, pw = in_hw[0] + t + b, in_hw[1] + left + r
    if f_hw[0] > ph or f_hw[1] > pw:
        raise ValueError(
            f"{what} {f_hw[0]}×{f_hw[1]} is larger than the padded input {ph}×{pw} "
            f"(input {in_hw[0]}×{in_hw[1]}, padding {pads})"
        )


def conv_geometry(in_hw, f_hw, stride, padding, what: str = "filter"):
    """Return ``(stride_hw, pads, (OH, OW))`` for one layer, checking it is well defined.

    ``pads`` is ``((top, bottom), (left, right))``; raises ``ValueError`` if the filter
    is larger than the padded input or the output size is not a whole number.
    """
    stride_hw = as_pair(stride, "stride")
    pads = resolve_padding(padding, in_hw, f_hw, stride_hw)
    _check_fits(in_hw, f_hw, pads, what)
    out_hw = output_shape(in_hw, f_hw, stride_hw, padding if isinstance(padding, str) else pads)
    return stride_hw, pads, out_hw


def conv2d_single(
    image: np.ndarray, kernel: np.ndarray, bias: float = 0.0, stride=1, padding=0
) -> np.ndarray:
    """One 2-D image, one 2-D filter: the feature map ``W·X + b``.

    Inputs:
    - image: (H, W)
    - kernel: (FH, FW), used as it is (cross-correlation, no flip)
    - bias: a number added to every output pixel
    - stride: int or (sh, sw)
    - padding: int, (ph, pw), ((top, bottom), (left, right)), "valid" or "same"

    Returns the feature map, shape (OH, OW) with OH = (H + 2P − FH)/S + 1 and
    OW = (W + 2P − FW)/S + 1; out[i, j] = sum over p, q of
    imagepad[i*sh + p, j*sw + q] * kernel[p, q] + bias.

    A 4×4 image and a 3×3 filter of ones give a 2×2 map (0+1+2+4+5+6+8+9+10 = 45):

    >>> conv2d_single(np.arange(16.).reshape(4, 4), np.ones((3, 3)))
    array([[45., 54.],
           [81., 90.]])
    >>> [conv2d_single(np.ones((7, 7)), np.ones((3, 3)), stride=s).shape for s in (1, 2)]
    [(5, 5), (3, 3)]
    """
    image = as_float_array(image, "image", 2, "(H, W)")
    kernel = as_float_array(kernel, "kernel", 2, "(FH, FW)")
    if np.ndim(bias) != 0:
        raise ValueError(f"bias must be a single number, got shape {np.shape(bias)}")
    bias = float(as_float_array(bias, "bias"))
    (h, w), (fh, fw) = image.shape, kernel.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":  # TensorFlow: ceil(H / sh) rows; same_padding says how many zeros
        pads = same_padding(h, fh, sh), same_padding(w, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(w, fw, sw, "same")
    elif padding == "valid":  # no zeros; rows or columns the filter cannot reach are dropped
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(w, fw, sw, "valid")
    else:  # p, (ph, pw) or ((top, bottom), (left, right))
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(w, fw, sw, pads[1])
    x = zero_pad(image, pads)
    out = np.zeros((oh, ow), dtype=float_dtype(image, kernel))
    for i in range(oh):
        for j in range(ow):
            window = x[i * sh : i * sh + fh, j * sw : j * sw + fw]
            out[i, j] = np.sum(window * kernel) + bias
    return out


def _check_conv_inputs(x, w, b):
    """x, w and b (None stays None) as float arrays, checked to fit together: x (N, C, H, W),
    w (F, C, FH, FW) with x's C channels, b (F,). Only types and shapes: each array keeps
    its own float dtype."""
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    w = as_float_array(w, "w", 4, "(F, C, FH, FW)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x의 채널은 {x.shape[1]}개인데 필터 w의 채널은 {w.shape[1]}개입니다"
            f"(x {x.shape}, w {w.shape}) · "
            f"x has {x.shape[1]} channels but the filters w expect {w.shape[1]} "
            f"(x {x.shape}, w {w.shape})"
        )
    if b is not None:
        b = as_float_array(b, "b", 1, "(F,)")
        if b.shape[0] != w.shape[0]:
            raise ValueError(
                f"b: 필터마다 편향이 하나씩 있어야 합니다(기대한 모양 ({w.shape[0]},), 받은 모양 "
                f"{b.shape}) · "
                f"b must have one bias per filter, shape ({w.shape[0]},), got {b.shape}"
            )
    return x, w, b


def _one_dtype(x, w, b):
    """x, w and b in one float dtype (float32 only if x and w are); b=None as zeros."""
    dtype = float_dtype(x, w)
    b = np.zeros(w.shape[0], dtype=dtype) if b is None else b
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False)


def conv2d_loops(x: np.ndarray, w: np.ndarray, b=None, stride=1, padding=0) -> np.ndarray:
    """Convolution layer, written as loops (the model solution; see ``conv2d``).

    Like every loop version here it is a whole answer a student writes: its geometry comes
    from the student's own ``output_size``, ``same_padding`` and ``zero_pad`` (a shared
    geometry helper would be handed out with the notebooks and answer those items)."""
    x, w, b = _check_conv_inputs(x, w, b)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":  # TensorFlow: ceil(H / sh) rows; same_padding says how many zeros
        pads = same_padding(h, fh, sh), same_padding(wd, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(wd, fw, sw, "same")
    elif padding == "valid":  # no zeros; rows or columns the filter cannot reach are dropped
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(wd, fw, sw, "valid")
    else:  # p, (ph, pw) or ((top, bottom), (left, right))
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(wd, fw, sw, pads[1])
    if b is None:  # no bias
        b = np.zeros(f)
    xp = zero_pad(x, pads)
    out = np.zeros((n, f, oh, ow), dtype=float_dtype(x, w))
    for i in range(n):  # each image
        for k in range(f):  # each filter makes one feature map
            for r in range(oh):
                for c in range(ow):
                    window = xp[i, :, r * sh : r * sh + fh, c * sw : c * sw + fw]
                    out[i, k, r, c] = np.sum(window * w[k]) + b[k]  # all channels summed
    return out


def _windows(xp: np.ndarray, f_hw, stride_hw, out_hw) -> np.ndarray:
    """View of every filter-sized window: (N, C, OH, OW, FH, FW), no copy."""
    (sh, sw), (oh, ow) = stride_hw, out_hw
    win = sliding_window_view(xp, f_hw, axis=(2, 3))
    return win[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]


def _offset_views(x: np.ndarray, size_hw, stride_hw, out_hw):
    """For each cell (p, q) of the window, row by row: the view of that cell in every
    window at once, x[:, :, i·sh + p, j·sw + q] over all (i, j), shape (N, C, OH, OW).

    A window of ph × pw cells is then handled with ph·pw whole-array operations instead
    of a loop over output pixels (pooling, and the convolution's backward pass).
    """
    (ph, pw), (sh, sw), (oh, ow) = size_hw, stride_hw, out_hw
    for p in range(ph):
        for q in range(pw):
            yield x[:, :, p : p + (oh - 1) * sh + 1 : sh, q : q + (ow - 1) * sw + 1 : sw]


def _im2col_batches(xp: np.ndarray, f_hw, stride_hw, out_hw, budget: int = 1 << 20):
    """The windows as matrices, a few images at a time: yields ``(batch, cols)``.

    cols[i, (c, p, q), (r, s)] = xp[batch][i, c, r·sh + p, s·sw + q], shape
    (images, C·FH·FW, OH·OW). Rows follow the filter's (C, FH, FW) order, so
    ``w.reshape(F, -1) @ cols`` is already (images, F, OH·OW): NCHW without a transpose.

    Speed: batches of about ``budget`` bytes are copied into one reused buffer, so the
    columns are still in the CPU cache when the matrix product reads them, and no fresh
    memory is touched per call. Use each ``cols`` before asking for the next.
    """
    n, c = xp.shape[:2]
    (fh, fw), (oh, ow) = f_hw, out_hw
    rows, cols_per_image = c * fh * fw, oh * ow
    win = _windows(xp, f_hw, stride_hw, out_hw).transpose(0, 1, 4, 5, 2, 3)  # (N,C,FH,FW,OH,OW)
    step = max(1, budget // (rows * cols_per_image * xp.itemsize))
    buffer = np.empty((min(step, n), *win.shape[1:]), dtype=xp.dtype)
    for start in range(0, n, step):
        m = min(step, n - start)
        np.copyto(buffer[:m], win[start : start + m])  # the one strided copy
        yield slice(start, start + m), buffer[:m].reshape(m, rows, cols_per_image)


def conv2d(x: np.ndarray, w: np.ndarray, b=None, stride=1, padding=0) -> np.ndarray:
    """Convolution layer: several filters over a batch of multi-channel images.

    Inputs:
    - x: input batch, (N, C, H, W)
    - w: filters, (F, C, FH, FW); each filter spans all C channels
    - b: biases, (F,), or None for no bias
    - stride: int or (sh, sw)
    - padding: int, (ph, pw), ((top, bottom), (left, right)), "valid" or "same"

    Returns (N, F, OH, OW): one feature map per filter, where
    out[n, f, i, j] = sum over c, p, q of xpad[n, c, i*sh + p, j*sw + q] * w[f, c, p, q] + b[f].
    float32 if x and w are float32, else float64.

    A 32×32×3 image and six 5×5×3 filters give six 28×28 maps; one 3×3×2 filter of
    ones over a 3×3×2 image of ones gives 2·9 = 18, plus its bias 1:

    >>> conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5))).shape
    (1, 6, 28, 28)
    >>> conv2d(np.ones((1, 2, 3, 3)), np.ones((1, 2, 3, 3)), np.array([1.0])).tolist()
    [[[[19.0]]]]
    """
    x, w, b = _one_dtype(*_check_conv_inputs(x, w, b))
    n, c, h, wd = x.shape
    f, _, fh, fw = w.shape
    stride_hw, pads, (oh, ow) = conv_geometry((h, wd), (fh, fw), stride, padding)
    xp = zero_pad(x, pads) if any(pads[0] + pads[1]) else x
    w2d = w.reshape(f, c * fh * fw)
    out = np.empty((n, f, oh * ow), dtype=x.dtype)
    for batch, cols in _im2col_batches(xp, (fh, fw), stride_hw, (oh, ow)):
        o = out[batch]
        np.matmul(w2d, cols, out=o)  # per image: (F, C·FH·FW) @ (C·FH·FW, OH·OW)
        o += b[:, None]  # while this batch of the output is still in cache
    return out.reshape(n, f, oh, ow)


def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride=1, padding=0):
    """Gradients of a convolution layer.

    Inputs:
    - dout: upstream gradient, (N, F, OH, OW)
    - x, w, stride, padding: as given to ``conv2d``; x (N, C, H, W), w (F, C, FH, FW)

    Returns (dx, dw, db) with the shapes of x (N, C, H, W), w (F, C, FH, FW) and b (F,).
    Each output pixel out[n, f, i, j] received x-window · w[f]; so its gradient flows back
    to w[f] scaled by that window, and to that window scaled by w[f].

    A 3×3 image of ones, a 2×2 filter of ones, dout all ones: each input pixel gets one
    1 per window that covers it, each weight sees four pixels, the bias four outputs:

    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                              np.ones((1, 1, 2, 2)))
    >>> dx[0, 0].tolist(), dw[0, 0].tolist(), db.tolist()
    ([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], [[4.0, 4.0], [4.0, 4.0]], [4.0])
    """
    x, w, _ = _one_dtype(*_check_conv_inputs(x, w, None))
    n, c, h, wd = x.shape
    f, _, fh, fw = w.shape
    (sh, sw), pads, (oh, ow) = conv_geometry((h, wd), (fh, fw), stride, padding)
    dout = as_float_array(dout, "dout", 4, "(N, F, OH, OW)")
    if dout.shape != (n, f, oh, ow):
        raise ValueError(f"dout must have the output's shape {(n, f, oh, ow)}, got {dout.shape}")
    dout = dout.astype(x.dtype, copy=False).reshape(n, f, oh * ow)
    xp = zero_pad(x, pads) if any(pads[0] + pads[1]) else x
    w2d = w.reshape(f, c * fh * fw)

    db = dout.sum(axis=(0, 2))
    # Each weight's gradient: the input pixels it met times dout, summed over positions.
    dw = np.zeros_like(w2d)
    for batch, cols in _im2col_batches(xp, (fh, fw), (sh, sw), (oh, ow)):
        dw += np.matmul(dout[batch], cols.transpose(0, 2, 1)).sum(axis=0)
    # Each input pixel's gradient: weight w[:, :, p, q] sent w · dout to the pixel at
    # offset (p, q) of every window. One small matrix product per offset, added onto the
    # shifted view of the input it came from (col2im, the reverse of im2col).
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    w_by_offset = np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # (FH, FW, C, F)
    share = np.empty((n, c, oh * ow), dtype=x.dtype)
    cells = _offset_views(dxp, (fh, fw), (sh, sw), (oh, ow))
    for (p, q), dx_cell in zip(np.ndindex(fh, fw), cells, strict=True):
        np.matmul(w_by_offset[p, q], dout, out=share)  # (C, F) @ (N, F, OH·OW)
        dx_cell += share.reshape(n, c, oh, ow)  # a view of dxp: overlaps add up
    (t, _), (left, _) = pads
    dx = dxp[:, :, t : t + h, left : left + wd]
    return np.ascontiguousarray(dx), dw.reshape(w.shape), db


def conv2d_backward_loops(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride=1, padding=0):
    """Gradients of a convolution layer, written as loops (the model solution; see
    ``conv2d_backward``)."""
    x, w, _ = _check_conv_inputs(x, w, None)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":  # the forward pass's geometry, as in conv2d
        pads = same_padding(h, fh, sh), same_padding(wd, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(wd, fw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(wd, fw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(wd, fw, sw, pads[1])
    dout = as_float_array(dout, "dout", 4, "(N, F, OH, OW)")
    if dout.shape != (n, f, oh, ow):
        raise ValueError(f"dout must have the output's shape {(n, f, oh, ow)}, got {dout.shape}")
    dtype = float_dtype(x, w)
    xp = zero_pad(x, pads)
    dxp = np.zeros(xp.shape, dtype=dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    db = np.zeros(f, dtype=dtype)
    for i in range(n):  # each image
        for k in range(f):  # each filter
            for r in range(oh):
                for c in range(ow):
                    g = dout[i, k, r, c]  # this output pixel's gradient
                    rows, cols = slice(r * sh, r * sh + fh), slice(c * sw, c * sw + fw)
                    dw[k] += g * xp[i, :, rows, cols]  # it met this window ...
                    dxp[i, :, rows, cols] += g * w[k]  # ... through these weights
                    db[k] += g
    (t, _), (left, _) = pads
    return dxp[:, :, t : t + h, left : left + wd].copy(), dw, db
