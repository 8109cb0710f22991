

# ruff: noqa: F821 (the names come from the model solution this is appended to)
# --- vectorized: the same functions without Python loops over pixels. Every filter-sized
# window is a view (sliding_window_view), and the sums become one einsum. Full marks, just
# faster; it reuses the helpers defined above it (_check_conv_inputs, as_pair, ...) and the
# student's own output_size, same_padding and zero_pad for the geometry.
EXPECTED_SCORE = 100

from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402  (appended file)


def _geometry(in_hw, f_hw, stride, padding):
    """(stride_hw, pads, out_hw) of a layer, from output_size, same_padding, padding_pairs."""
    stride_hw = as_pair(stride, "stride")
    if padding in ("same", "valid"):
        pads = tuple(same_padding(n, f, s) if padding == "same" else (0, 0)
                     for n, f, s in zip(in_hw, f_hw, stride_hw, strict=True))
        axes = (padding, padding)
    else:
        pads = axes = padding_pairs(padding)
    out_hw = tuple(output_size(n, f, s, p)
                   for n, f, s, p in zip(in_hw, f_hw, stride_hw, axes, strict=True))
    return stride_hw, pads, out_hw


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
    (sh, sw), pads, (oh, ow) = _geometry(image.shape, kernel.shape, stride, padding)
    x = zero_pad(image, pads)
    windows = sliding_window_view(x, kernel.shape)[: (oh - 1) * sh + 1 : sh,
                                                   : (ow - 1) * sw + 1 : sw]
    out = np.einsum("ijpq,pq->ij", windows, kernel) + bias
    return out.astype(float_dtype(image, kernel), copy=False)


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    fh, fw = w.shape[2:]
    stride_hw, pads, out_hw = _geometry(x.shape[2:], (fh, fw), stride, padding)
    windows = _windows(zero_pad(x, pads), (fh, fw), stride_hw, out_hw)
    out = np.einsum("ncijpq,fcpq->nfij", windows, w)
    if b is not None:
        out += b[None, :, None, None]
    return np.ascontiguousarray(out, dtype=float_dtype(x, w))


def max_pool2d(x, size=2, stride=None, padding=0):
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    size_hw = as_pair(size, "size")
    stride = size_hw if stride is None else stride
    stride_hw, pads, out_hw = _geometry(x.shape[2:], size_hw, stride, padding)
    (t, bottom), (left, r) = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bottom), (left, r)), constant_values=-np.inf)
    return _windows(xp, size_hw, stride_hw, out_hw).max(axis=(4, 5))
