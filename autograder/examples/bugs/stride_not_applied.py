# ruff: noqa: F821, RUF059  (np and the helpers come from the model solution this is appended to)
# --- stride_not_applied: conv2d gets the output size right but moves the window one pixel
# at a time (window at row r instead of r·stride). Only strided convolutions are wrong.
EXPECTED_LOST = ("conv2d: stride", "conv2d: same and valid padding")
EXPECTED_DIAGNOSIS = "stride ignored when placing the window (the window moved one pixel at a time)"


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    (sh, sw), pads, (oh, ow) = conv_geometry((h, wd), (fh, fw), stride, padding)
    xp = zero_pad(x, pads)
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    for i in range(n):
        for k in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = xp[i, :, r : r + fh, c : c + fw]  # forgot the stride
                    out[i, k, r, c] = np.sum(window * w[k]) + b[k]
    return out
