# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- maxpool_zero_padding: max_pool2d pads with zeros, so a padded 0 beats a window of
# negative values. Unpadded pooling (and the tiny CNN) is unaffected.
EXPECTED_LOST = ("max_pool2d: padding never wins",)
EXPECTED_DIAGNOSIS = "max-pool padded with zeros (a 0 won windows of negative values)"


def max_pool2d(x, size=2, stride=None, padding=0):
    x, (ph, pw), (sh, sw), pads, (oh, ow) = _pool_setup(x, size, stride, padding)
    xp = zero_pad(x, pads)  # zeros: wrong for a max
    out = np.empty((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw].max(axis=(2, 3))
    return out
