# --- dense_w_transposed: dense multiplies by w.T, as if w were (K, D). With a square w the
# numbers are wrong; otherwise the shapes do not fit and numpy raises, which breaks the
# tiny CNN (its w is 64 × 10) and training.
EXPECTED_LOST = (
    "dense: values",
    "tiny_cnn_forward: logits",
    "tiny_cnn_loss_and_grads: loss and gradients",
    "train_tiny_cnn: learns the digits",
)
EXPECTED_DIAGNOSIS = "dense with w transposed"


def dense(x, w, b):
    return x @ w.T + b
