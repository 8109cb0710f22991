# ruff: noqa: F821  (np comes from the model solution this is appended to)
# --- cross_entropy_log_of_softmax: cross_entropy takes the log of softmax probabilities
# computed first; where the right class gets a probability of exactly 0 (scores 1000 apart),
# log(0) is -inf and the loss is inf.
EXPECTED_LOST = ('cross_entropy: values and stability',)
EXPECTED_DIAGNOSIS = 'log of a probability that rounded to 0 (the loss became inf)'


def cross_entropy(logits, labels):
    logits, labels = _check_labels(logits, labels)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(-np.log(p[np.arange(len(labels)), labels]).mean())
