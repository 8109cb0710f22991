"""Training the tiny CNN on the digits with mini-batch Adam."""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array
from .data import load_digits_split
from .geometry import positive_int
from .layers import _check_labels
from .tiny_cnn import init_tiny_cnn, tiny_cnn_forward, tiny_cnn_loss_and_grads


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose largest score is at the true label.

    Inputs: logits (N, K), labels (N,) integers in 0..K−1. Returns a Python float.
    """
    logits, labels = _check_labels(logits, labels)
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def _check_pairs(x, y, name: str):
    """Images and labels as arrays, checked to come in pairs (or both None)."""
    if (x is None) != (y is None):
        raise ValueError(f"x_{name}, y_{name}: 둘 다 주거나 둘 다 주지 않아야 합니다 · "
                         f"x_{name} and y_{name} must be given together")
    if x is None:
        return None, None
    x = as_float_array(x, f"x_{name}", 4, "(N, 1, 8, 8)")
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise ValueError(f"y_{name}: 이미지마다 레이블이 하나씩 있어야 합니다(기대한 모양 "
                         f"({len(x)},), 받은 모양 {y.shape}) · "
                         f"y_{name} must hold one label per image, shape ({len(x)},), "
                         f"got {y.shape}")
    return x, y


def train_tiny_cnn(
    x_train=None, y_train=None, x_test=None, y_test=None,
    epochs: int = 12, batch_size: int = 32, lr: float = 0.01, seed: int = 0,
    verbose: bool = False,
) -> dict:
    """Train the tiny CNN and report its test accuracy.

    Inputs:
    - x_train (N, 1, 8, 8), y_train (N,), x_test, y_test: data; None means the digits
      split from ``load_digits_split()``
    - epochs, batch_size, lr: Adam with these settings
    - seed: weights and batch order
    - verbose: print one line per epoch, its mean loss and (with test data) the test
      accuracy so far

    Returns a dict: ``params`` (the trained weights), ``loss_history`` (mean training
    loss per epoch) and ``test_accuracy`` (a float in [0, 1]; None without test data).

    >>> result = train_tiny_cnn(np.zeros((4, 1, 8, 8)), np.array([0, 1, 2, 3]), epochs=2)
    >>> sorted(result), len(result["loss_history"]), result["test_accuracy"]
    (['loss_history', 'params', 'test_accuracy'], 2, None)
    """
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if not lr > 0:
        raise ValueError(f"lr must be a positive learning rate, got {lr}")
    if x_train is None and y_train is None:
        x_train, y_train, x_test, y_test = load_digits_split()
    x_train, y_train = _check_pairs(x_train, y_train, "train")
    x_test, y_test = _check_pairs(x_test, y_test, "test")
    rng = np.random.default_rng(seed)
    params = init_tiny_cnn(seed)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(y_train))
        losses = []
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            loss, grads = tiny_cnn_loss_and_grads(x_train[idx], y_train[idx], params)
            losses.append(loss)
            step += 1
            for k in params:
                m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
                v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** 2
                m_hat = m[k] / (1 - beta1**step)
                v_hat = v[k] / (1 - beta2**step)
                params[k] -= lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(float(np.mean(losses)))
        if verbose:
            line = f"epoch {len(history)}/{epochs}: loss {history[-1]:.3f}"
            if x_test is not None:
                score = accuracy(tiny_cnn_forward(x_test, params), y_test)
                line += f", test accuracy {score:.1%}"
            print(line, flush=True)
    test_accuracy = None
    if x_test is not None:
        test_accuracy = accuracy(tiny_cnn_forward(x_test, params), y_test)
    return {"params": params, "loss_history": history, "test_accuracy": test_accuracy}
