# ruff: noqa: F821  (np comes from the model solution this is appended to)
# --- softmax_wrong_axis: softmax normalises down the columns (axis 0, over the batch)
# instead of along each row (over the classes).
EXPECTED_LOST = ('softmax: values and stability',)
EXPECTED_DIAGNOSIS = ("softmax normalised down the columns (over the batch) instead of along "
                      "each row")


def softmax(logits):
    z = as_float_array(logits, "logits")
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
