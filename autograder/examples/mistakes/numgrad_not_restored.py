# ruff: noqa: F821  (np comes from the model solution this is appended to)
# --- numgrad_not_restored: numerical_gradient nudges each element of x but never puts it
# back, so every later difference starts from a moved point and x is changed for the caller.
EXPECTED_LOST = ('numerical_gradient: centred differences',)
EXPECTED_DIAGNOSIS = 'x not restored after each nudge'


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        plus = f(x)
        x.flat[i] = old - h
        minus = f(x)
        grad.flat[i] = (plus - minus) / (2 * h)  # forgot x.flat[i] = old
    return grad
