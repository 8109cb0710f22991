# ruff: noqa: F821  (np and the model's functions come from the model solution)
# --- train_biases_frozen: train_tiny_cnn's Adam updates only the weights (*_w), never the
# biases, which stay at their initial zeros.
EXPECTED_LOST = ('train_tiny_cnn: learns the digits',)


def train_tiny_cnn(x_train=None, y_train=None, x_test=None, y_test=None, epochs=12,
                   batch_size=32, lr=0.01, seed=0, verbose=False):
    if x_train is None:
        x_train, y_train, x_test, y_test = load_digits_split()
    rng = np.random.default_rng(seed)
    params = init_tiny_cnn(seed)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    step, history = 0, []
    for _ in range(epochs):
        order = rng.permutation(len(y_train))
        losses = []
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            loss, grads = tiny_cnn_loss_and_grads(x_train[idx], y_train[idx], params)
            losses.append(loss)
            step += 1
            for k in params:
                if not k.endswith("_w"):
                    continue  # biases never move
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                m_hat, v_hat = m[k] / (1 - 0.9**step), v[k] / (1 - 0.999**step)
                params[k] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        history.append(float(np.mean(losses)))
    accuracy_ = None
    if x_test is not None:
        accuracy_ = float(np.mean(tiny_cnn_forward(x_test, params).argmax(1) == y_test))
    return {"params": params, "loss_history": history, "test_accuracy": accuracy_}
