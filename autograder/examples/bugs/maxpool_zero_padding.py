# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- maxpool_zero_padding: max_pool2d pads with zeros, so a padded 0 beats a window of
# negative values. Unpadded pooling (and the tiny CNN) is unaffected.
EXPECTED_LOST = ("max_pool2d: padding never wins",)
EXPECTED_DIAGNOSIS = "max-pool padded with zeros (a 0 won windows of negative values)"


def max_pool2d(x, size=2, stride=None, padding=0):
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    n, c, h, w = x.shape
    ph, pw = as_pair(size, "size")
    sh, sw = (ph, pw) if stride is None else as_pair(stride, "stride")
    pads = padding_pairs(padding)
    oh, ow = output_size(h, ph, sh, pads[0]), output_size(w, pw, sw, pads[1])
    xp = zero_pad(x, pads)  # zeros: wrong for a max
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw].max(axis=(2, 3))
    return out
