# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- conv_width_from_height: conv2d works out the output width from the height (the
# lecture's typo, OW = (H + 2P − FW)/S + 1), so non-square inputs get the wrong width.
EXPECTED_LOST = (
    'conv2d: output shape',
    'conv2d: channels summed',
    'conv2d: multiple filters',
    'conv2d: bias',
    'conv2d: stride',
    'conv2d: padding',
    'conv2d: same and valid padding',
    "conv2d: output keeps the input's dtype",
    'conv2d: rejects bad geometry',
)
EXPECTED_DIAGNOSIS = 'output width computed from the height'


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":
        pads = same_padding(h, fh, sh), same_padding(wd, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(h, fw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(h, fw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(h, fw, sw, pads[1])  # H instead of W
    if b is None:
        b = np.zeros(f)
    xp = zero_pad(x, pads)
    out = np.zeros((n, f, oh, ow), dtype=float_dtype(x, w))
    for i in range(n):
        for k in range(f):
            for r in range(oh):
                for c in range(ow):
                    window = xp[i, :, r * sh : r * sh + fh, c * sw : c * sw + fw]
                    out[i, k, r, c] = np.sum(window * w[k]) + b[k]
    return out
