# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- cross_entropy_summed: cross_entropy adds up the batch's losses instead of averaging
# them. The tiny CNN's loss (not its gradients, which come from cross_entropy_backward)
# is then N times too big.
EXPECTED_LOST = ('cross_entropy: values and stability',)
EXPECTED_DIAGNOSIS = "cross-entropy summed instead of averaged over the batch"


def cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.sum(logp[np.arange(len(labels)), labels]))
