# ruff: noqa: F821  (np and the layers come from the model solution this is appended to)
# --- loss_grads_first_relu_skipped: tiny_cnn_loss_and_grads sends the first pooling's
# gradient back without relu_backward, so conv1's gradients leak through negative values.
EXPECTED_LOST = ('tiny_cnn_loss_and_grads: loss and gradients',)


def tiny_cnn_loss_and_grads(x, y, params):
    x, p = _check_images(x), _check_params(params)
    a1 = conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)
    h1 = max_pool2d(relu(a1))
    a2 = conv2d(h1, p["conv2_w"], p["conv2_b"], padding=1)
    h2 = max_pool2d(relu(a2))
    flat = flatten(h2)
    logits = dense(flat, p["fc_w"], p["fc_b"])
    loss = cross_entropy(logits, y)
    g = {}
    dflat, g["fc_w"], g["fc_b"] = dense_backward(cross_entropy_backward(logits, y), flat,
                                                 p["fc_w"])
    da2 = relu_backward(max_pool2d_backward(dflat.reshape(h2.shape), relu(a2)), a2)
    dh1, g["conv2_w"], g["conv2_b"] = conv2d_backward(da2, h1, p["conv2_w"], padding=1)
    da1 = max_pool2d_backward(dh1, relu(a1))  # forgot relu_backward(…, a1)
    _, g["conv1_w"], g["conv1_b"] = conv2d_backward(da1, x, p["conv1_w"], padding=1)
    return loss, g
