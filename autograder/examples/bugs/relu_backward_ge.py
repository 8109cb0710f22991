# --- relu_backward_ge: relu_backward lets the gradient through where x >= 0, so inputs that
# are exactly 0 pass it on. The tiny CNN has many exact zeros (blank borders of the digits),
# so its bias gradients change too.
EXPECTED_LOST = ('relu_backward: gradients',)
EXPECTED_DIAGNOSIS = "relu_backward passes the gradient where x == 0 (used >= instead of >)"


def relu_backward(dout, x):
    return dout * (x >= 0)
