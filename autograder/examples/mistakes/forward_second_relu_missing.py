# ruff: noqa: F821  (np and the layers come from the model solution this is appended to)
# --- forward_second_relu_missing: tiny_cnn_forward forgets the ReLU after the second
# convolution.
EXPECTED_LOST = ('tiny_cnn_forward: logits',)


def tiny_cnn_forward(x, params):
    x, p = _check_images(x), _check_params(params)
    h1 = max_pool2d(relu(conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)))
    h2 = max_pool2d(conv2d(h1, p["conv2_w"], p["conv2_b"], padding=1))  # no relu
    return dense(flatten(h2), p["fc_w"], p["fc_b"])
