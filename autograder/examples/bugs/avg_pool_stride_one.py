# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- avg_pool_stride_one: avg_pool2d treats stride=None as 1, so the windows overlap and the
# output is too big.
EXPECTED_LOST = ("avg_pool2d: windows and stride",)
EXPECTED_DIAGNOSIS = "stride defaulted to 1 instead of the window size"


def avg_pool2d(x, size=2, stride=None):
    if stride is None:
        stride = 1
    ph, pw = (size, size) if isinstance(size, int) else size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    oh = (x.shape[2] - ph) // sh + 1
    ow = (x.shape[3] - pw) // sw + 1
    out = np.zeros((x.shape[0], x.shape[1], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw].mean(axis=(2, 3))
    return out
