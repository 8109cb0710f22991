# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- conv_bias_missing: conv2d computes W·X but never adds the bias b.
# Only the bias item can see it: the other conv2d items pass no bias, and the tiny CNN's
# checks start from zero convolution biases.
EXPECTED_LOST = ("conv2d: bias",)
EXPECTED_DIAGNOSIS = "bias not added"


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
                    window = xp[i, :, r * sh : r * sh + fh, c * sw : c * sw + fw]
                    out[i, k, r, c] = np.sum(window * w[k])  # forgot + b[k]
    return out
