# ruff: noqa: F821  (np and the model's conv2d_backward come from the model solution)
# --- conv_backward_db_missing: conv2d_backward gets dx and dw right but returns a zero
# bias gradient.
EXPECTED_LOST = ('conv2d_backward: gradients',)

_conv2d_backward_right = conv2d_backward


def conv2d_backward(dout, x, w, stride=1, padding=0):
    dx, dw, db = _conv2d_backward_right(dout, x, w, stride, padding)
    return dx, dw, np.zeros_like(db)  # forgot db = dout summed
