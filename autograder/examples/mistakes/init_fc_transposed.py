# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- init_fc_transposed: init_tiny_cnn makes fc_w (10, 64), as if the dense layer computed
# w @ x, instead of (64, 10).
EXPECTED_LOST = ('init_tiny_cnn: keys and shapes',)

_init_right = init_tiny_cnn


def init_tiny_cnn(seed=0):
    params = _init_right(seed)
    params["fc_w"] = np.ascontiguousarray(params["fc_w"].T)
    return params
