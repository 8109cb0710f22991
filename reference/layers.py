"""The layers around the convolutions: ReLU, flatten, fully connected, softmax, loss."""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array, float_dtype


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU, element by element: out = max(x, 0).

    Inputs:
    - x: array of any shape, e.g. (N, C, H, W)

    Returns an array of the same shape as x.

    >>> relu(np.array([[-2.0, 0.0, 3.0]])).tolist()
    [[0.0, 0.0, 3.0]]
    """
    x = as_float_array(x, "x")
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of ``relu``: dx = dout where x > 0, else 0 (also 0 at x = 0).

    Inputs:
    - dout: upstream gradient, same shape as x
    - x: the input ``relu`` was given, any shape, e.g. (N, C, H, W)

    Returns dx, the same shape as x.

    >>> relu_backward(np.array([[5.0, 5.0, 5.0]]), np.array([[-1.0, 0.0, 2.0]])).tolist()
    [[0.0, 0.0, 5.0]]
    """
    x = as_float_array(x, "x")
    dout = as_float_array(dout, "dout")
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the shape of x {x.shape}, got {dout.shape}")
    return np.where(x > 0, dout, 0).astype(float_dtype(x, dout), copy=False)


def flatten(x: np.ndarray) -> np.ndarray:
    """Flatten each example into one row, in row-major (C) order.

    Inputs:
    - x: (N, C, H, W), or any (N, ...) with at least 2 dimensions

    Returns (N, D) with D = C·H·W (the product of all axes after the first).

    >>> flatten(np.arange(8.0).reshape(2, 1, 2, 2)).tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    >>> flatten(np.zeros((5, 16, 2, 2))).shape
    (5, 64)
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must be a batch (N, ...) with at least 2 dimensions, got {x.shape}")
    return x.reshape(x.shape[0], -1)


def _check_dense(x, w):
    x = as_float_array(x, "x", 2, "(N, D)")
    w = as_float_array(w, "w", 2, "(D, K)")
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"x의 특성은 {x.shape[1]}개인데 w는 {w.shape[0]}개를 받습니다(x {x.shape}, "
            f"w {w.shape}). x를 먼저 평탄화하세요. w의 모양은 (D, K)입니다 · "
            f"x has {x.shape[1]} features but w expects {w.shape[0]} (x {x.shape}, w {w.shape}); "
            "flatten x first, and w is (D, K)"
        )
    return x, w


def dense(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fully connected layer: out = x @ w + b.

    Inputs:
    - x: (N, D), one flattened example per row
    - w: weights, (D, K)
    - b: biases, (K,)

    Returns (N, K).

    >>> dense(np.ones((2, 3)), np.ones((3, 4)), np.array([0.0, 1.0, 2.0, 3.0])).tolist()
    [[3.0, 4.0, 5.0, 6.0], [3.0, 4.0, 5.0, 6.0]]
    """
    x, w = _check_dense(x, w)
    b = as_float_array(b, "b", 1, "(K,)")
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b must have one bias per output, shape ({w.shape[1]},), got {b.shape}")
    dtype = float_dtype(x, w)
    return (x @ w + b).astype(dtype, copy=False)


def dense_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray):
    """Gradients of ``dense`` (out = x @ w + b) with respect to x, w and b.

    Inputs:
    - dout: upstream gradient, (N, K)
    - x: (N, D) and w: (D, K), as given to ``dense``

    Returns a tuple (dx (N, D), dw (D, K), db (K,)).

    >>> dx, dw, db = dense_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3)))
    >>> dx.shape, dw.shape, db.tolist()
    ((2, 4), (4, 3), [2.0, 2.0, 2.0])
    """
    x, w = _check_dense(x, w)
    dout = as_float_array(dout, "dout", 2, "(N, K)")
    if dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout must be {(x.shape[0], w.shape[1])}, got {dout.shape}")
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities from scores, along the last axis.

    Inputs:
    - logits: scores, (N, K) (or any shape; the classes are the last axis)

    Returns probabilities of the same shape, (N, K), each row summing to 1:
    p[n, k] = exp(logits[n, k]) / sum over j of exp(logits[n, j]).

    Subtracting each row's maximum first changes nothing mathematically but keeps
    ``exp`` from overflowing for scores like 1000.

    >>> softmax(np.array([[0.0, 0.0], [1000.0, 1000.0]])).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    z = as_float_array(logits, "logits")
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _check_labels(logits, labels):
    logits = as_float_array(logits, "logits", 2, "(N, K)")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels: 정수(클래스 번호)여야 하는데 dtype이 {labels.dtype}입니다 · "
                        f"labels must be integers (class indices), got dtype {labels.dtype}")
    if labels.shape != (logits.shape[0],):
        raise ValueError(f"labels: 행마다 하나씩 있어야 합니다(기대한 모양 ({logits.shape[0]},), "
                         f"받은 모양 {labels.shape}) · "
                         f"labels must be ({logits.shape[0]},), one per row, got {labels.shape}")
    k = logits.shape[1]
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(
            f"labels: 0..{k - 1} 사이여야 하는데 {labels.min()}부터 {labels.max()}까지 있습니다 · "
            f"labels must be in 0..{k - 1}, got values from {labels.min()} to {labels.max()}"
        )
    return logits, labels


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log(softmax(logits)) along the last axis, computed without overflow or log(0)."""
    z = as_float_array(logits, "logits")
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy loss: average over the batch of −log softmax(logits)[label].

    Inputs:
    - logits: scores, (N, K)
    - labels: (N,) integers in 0..K−1

    Returns a Python float: L = −(1/N) · sum over n of log softmax(logits)[n, labels[n]].

    Equal scores over K = 4 classes give every class 1/4, so the loss is log 4 ≈ 1.3863:

    >>> round(cross_entropy(np.zeros((2, 4)), np.array([0, 3])), 4)
    1.3863
    """
    logits, labels = _check_labels(logits, labels)
    z = logits - logits.max(axis=1, keepdims=True)  # the max shift: exp cannot overflow
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def cross_entropy_backward(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of ``cross_entropy`` with respect to the logits: (softmax − one-hot) / N."""
    logits, labels = _check_labels(logits, labels)
    d = softmax(logits)
    d[np.arange(len(labels)), labels] -= 1
    return d / len(labels)
