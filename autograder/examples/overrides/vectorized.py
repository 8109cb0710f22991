

# ruff: noqa: F821 (the names come from the model solution this is appended to)
# --- vectorized: the same functions without Python loops over pixels. Every filter-sized
# window is a view (sliding_window_view), and the sums become one einsum. Full marks, just
# faster; it reuses the helpers defined above it (_check_conv_inputs, conv_geometry, ...).
EXPECTED_SCORE = 100

from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402  (appended file)


def _windows(xp, f_hw, stride_hw, out_hw):
    """Every filter-sized window as a view: (N, C, OH, OW, FH, FW)."""
    (sh, sw), (oh, ow) = stride_hw, out_hw
    win = sliding_window_view(xp, f_hw, axis=(2, 3))
    return win[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]


def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
    image = as_float_array(image, "image", 2, "(H, W)")
    kernel = as_float_array(kernel, "kernel", 2, "(FH, FW)")
    if np.ndim(bias) != 0:
        raise ValueError(f"bias must be a single number, got shape {np.shape(bias)}")
    bias = float(as_float_array(bias, "bias"))
    (sh, sw), pads, (oh, ow) = conv_geometry(image.shape, kernel.shape, stride, padding)
    x = zero_pad(image, pads)
    windows = sliding_window_view(x, kernel.shape)[: (oh - 1) * sh + 1 : sh,
                                                   : (ow - 1) * sw + 1 : sw]
    out = np.einsum("ijpq,pq->ij", windows, kernel) + bias
    return out.astype(float_dtype(image, kernel), copy=False)


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    fh, fw = w.shape[2:]
    stride_hw, pads, out_hw = conv_geometry(x.shape[2:], (fh, fw), stride, padding)
    windows = _windows(zero_pad(x, pads), (fh, fw), stride_hw, out_hw)
    out = np.einsum("ncijpq,fcpq->nfij", windows, w) + b[None, :, None, None]
    return np.ascontiguousarray(out, dtype=x.dtype)


def max_pool2d(x, size=2, stride=None, padding=0):
    x, size_hw, stride_hw, pads, out_hw = _pool_setup(x, size, stride, padding)
    (t, bottom), (left, r) = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bottom), (left, r)), constant_values=-np.inf)
    return _windows(xp, size_hw, stride_hw, out_hw).max(axis=(4, 5))
