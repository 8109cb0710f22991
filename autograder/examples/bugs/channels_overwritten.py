# ruff: noqa: E501, F821  (np and the helpers come from the model solution this is appended to)
# --- channels_overwritten: conv2d loops over the channels but assigns (=) instead of
# adding (+=), so only the last channel survives. Every check with two or more channels
# fails, the tiny CNN's second layer (8 channels) included.
# The weights trained through the broken layer classify poorly in the correct network
# (below the 25% bar on the training digits), so training loses too.
EXPECTED_LOST = (
    'conv2d: channels summed',
    'conv2d: bias',
    'conv2d: stride',
    'conv2d: padding',
    'conv2d: same and valid padding',
    "conv2d: output keeps the input's dtype",
)
EXPECTED_DIAGNOSIS = "channels not summed (each channel overwrote the previous one; the last one won)"


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    n, channels, h, wd = x.shape
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
            for ch in range(channels):
                for r in range(oh):
                    for c in range(ow):
                        window = xp[i, ch, r * sh : r * sh + fh, c * sw : c * sw + fw]
                        out[i, k, r, c] = np.sum(window * w[k, ch]) + b[k]  # should be +=
    return out
