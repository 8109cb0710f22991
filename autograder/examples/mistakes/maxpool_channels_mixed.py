# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- maxpool_channels_mixed: max_pool2d takes one maximum over all channels of a window
# (axis (1, 2, 3)) and gives it to every channel, so a large channel wins the others.
EXPECTED_LOST = (
    'max_pool2d: windows and stride',
    'max_pool2d: padding never wins',
)
EXPECTED_DIAGNOSIS = ("channels mixed: each window pooled over all channels at once "
                      "(axis (1, 2, 3)), and that one value given to every channel")


def max_pool2d(x, size=2, stride=None, padding=0):
    x = as_float_array(x, "x", 4, "(N, C, H, W)")
    n, c, h, w = x.shape
    ph, pw = as_pair(size, "size")
    sh, sw = (ph, pw) if stride is None else as_pair(stride, "stride")
    pads = padding_pairs(padding)
    oh, ow = output_size(h, ph, sh, pads[0]), output_size(w, pw, sw, pads[1])
    xp = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=-np.inf)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw]
            out[:, :, i, j] = window.max(axis=(1, 2, 3))[:, None]  # channels mixed
    return out
