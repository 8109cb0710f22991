# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- conv_int_output: conv2d makes its output array with np.zeros(shape, dtype=int), so
# every value is truncated to a whole number and the dtype is int64.
EXPECTED_LOST = ("conv2d: output keeps the input's dtype",)
EXPECTED_DIAGNOSIS = 'integer output dtype'


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
    out = np.zeros((n, f, oh, ow), dtype=int)  # should be the inputs' float dtype
    for i in range(n):
        for k in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = xp[i, :, r * sh : r * sh + fh, c * sw : c * sw + fw]
                    out[i, k, r, c] = np.sum(window * w[k]) + b[k]
    return out
