# --- dense_w_transposed: dense multiplies by w.T, as if w were (K, D). With a square w the
# numbers are wrong; otherwise the shapes do not fit and numpy raises, which breaks the
# tiny CNN (its w is 64 × 10) and training.
EXPECTED_LOST = ('dense: values',)
EXPECTED_DIAGNOSIS = "dense with w transposed"


def dense(x, w, b):
    return x @ w.T + b
