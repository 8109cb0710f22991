# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- softmax_no_max: softmax exponentiates the raw scores; exp(1000) overflows to inf and
# the probabilities become nan. The tiny CNN's scores are small, so only softmax loses.
EXPECTED_LOST = ("softmax: values and stability",)
EXPECTED_DIAGNOSIS = "softmax without subtracting the max (exp overflows to inf, giving nan)"


def softmax(logits):
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)
