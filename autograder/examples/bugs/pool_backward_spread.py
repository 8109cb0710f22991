# ruff: noqa: E501, F821  (np and the helpers come from the model solution this is appended to)
# --- pool_backward_spread: max_pool2d_backward shares each window's gradient evenly over
# the window (that is average pooling's gradient) instead of sending it to the maximum.
# Training with these gradients barely learns: 18% of unseen digits right (chance is 10%).
EXPECTED_LOST = ('max_pool2d_backward: gradients',)
EXPECTED_DIAGNOSIS = "max-pool gradient shared across the window (that is average pooling's gradient)"


def max_pool2d_backward(dout, x, size=2, stride=None):
    ph, pw = (size, size) if isinstance(size, int) else size
    sh, sw = (ph, pw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            share = dout[:, :, i, j] / (ph * pw)
            dx[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw] += share[:, :, None, None]
    return dx
