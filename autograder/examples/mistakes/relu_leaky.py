# ruff: noqa: F821  (np comes from the model solution this is appended to)
# --- relu_leaky: relu keeps a hundredth of each negative value (a leaky ReLU) instead of 0.
EXPECTED_LOST = ('relu: values',)


def relu(x):
    x = as_float_array(x, "x")
    return np.where(x > 0, x, 0.01 * x)
