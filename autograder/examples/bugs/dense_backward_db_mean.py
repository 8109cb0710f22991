# --- dense_backward_db_mean: dense_backward averages dout over the batch for db instead of
# summing it (the 1/N already came from the loss).
EXPECTED_LOST = ('dense_backward: gradients',)
EXPECTED_DIAGNOSIS = "db averaged over the batch instead of summed"


def dense_backward(dout, x, w):
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.mean(axis=0)
    return dx, dw, db
