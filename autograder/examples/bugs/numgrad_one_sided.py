# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- numgrad_one_sided: numerical_gradient uses the forward difference (f(x + h) − f(x)) / h,
# whose error is of order h instead of h².
EXPECTED_LOST = ("numerical_gradient: centred differences",)
EXPECTED_DIAGNOSIS = "one-sided difference (f(x + h) − f(x)) / h instead of the centred one"


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        grad.flat[i] = (f(x) - fx) / h
        x.flat[i] = old
    return grad
