# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- stride_not_applied: conv2d gets the output size right but moves the window one pixel
# at a time (window at row r instead of r·stride). Only strided convolutions are wrong.
EXPECTED_LOST = ("conv2d: stride", "conv2d: same and valid padding")
EXPECTED_DIAGNOSIS = "stride ignored when placing the window (the window moved one pixel at a time)"


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":
        pads = same_padding(h, fh, sh), same_padding(wd, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(wd, fw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(wd, fw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(wd, fw, sw, pads[1])
    if b is None:
        b = np.zeros(f)
    xp = zero_pad(x, pads)
    out = np.zeros((n, f, oh, ow), dtype=float_dtype(x, w))
    for i in range(n):
        for k in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = xp[i, :, r : r + fh, c : c + fw]  # forgot the stride
                    out[i, k, r, c] = np.sum(window * w[k]) + b[k]
    return out
