

# --- fake_training: train_tiny_cnn never trains. It keeps the random filters of
# init_tiny_cnn, fits the last layer by least squares to the training digits it was given,
# and invents a falling loss history. Judged on digits it never saw, from its own
# initialisation and against the loss its params really have, it loses the training item.
EXPECTED_LOST = ("train_tiny_cnn: learns the digits",)


def train_tiny_cnn(x_train=None, y_train=None, x_test=None, y_test=None,
                   epochs=12, batch_size=32, lr=0.01, seed=0):
    if x_train is None:
        x_train, y_train, x_test, y_test = load_digits_split()  # noqa: F821 (model solution)
    params = init_tiny_cnn(seed)  # noqa: F821 (the model solution's, above)
    h1 = max_pool2d(relu(conv2d(x_train, params["conv1_w"], params["conv1_b"], padding=1)))  # noqa: F821
    h2 = max_pool2d(relu(conv2d(h1, params["conv2_w"], params["conv2_b"], padding=1)))  # noqa: F821
    features = np.c_[flatten(h2), np.ones(len(x_train))]  # noqa: F821
    targets = np.eye(10)[y_train]  # noqa: F821
    solution = np.linalg.lstsq(features, 5 * targets, rcond=None)[0]  # noqa: F821 (sharp logits)
    params["fc_w"], params["fc_b"] = solution[:-1], solution[-1]
    history = [2.3 * 0.6 ** epoch for epoch in range(epochs)]
    accuracy_ = None
    if x_test is not None:
        accuracy_ = float(np.mean(np.argmax(tiny_cnn_forward(x_test, params), 1) == y_test))  # noqa: F821
    return {"params": params, "loss_history": history, "test_accuracy": accuracy_}
