"""A tiny CNN for 8×8 digits, built from this package's layers.

    x (N, 1, 8, 8)
    → conv 3×3, 8 filters, padding 1  → ReLU → max-pool 2   (N, 8, 4, 4)
    → conv 3×3, 16 filters, padding 1 → ReLU → max-pool 2   (N, 16, 2, 2)
    → flatten (N, 64) → dense → logits (N, 10)
"""

from __future__ import annotations

import numpy as np

from .arrays import as_float_array
from .conv import conv2d, conv2d_backward
from .layers import (
    cross_entropy,
    cross_entropy_backward,
    dense,
    dense_backward,
    flatten,
    relu,
    relu_backward,
)
from .pool import max_pool2d, max_pool2d_backward

PARAM_SHAPES = {
    "conv1_w": (8, 1, 3, 3),
    "conv1_b": (8,),
    "conv2_w": (16, 8, 3, 3),
    "conv2_b": (16,),
    "fc_w": (64, 10),
    "fc_b": (10,),
}


def init_tiny_cnn(seed: int = 0) -> dict[str, np.ndarray]:
    """Random starting weights (He initialisation), zero biases; float64.

    Inputs:
    - seed: for the random generator; the same seed gives the same weights

    Returns a dict with keys conv1_w (8, 1, 3, 3), conv1_b (8,), conv2_w (16, 8, 3, 3),
    conv2_b (16,), fc_w (64, 10), fc_b (10,). Each weight is drawn from a normal
    distribution with standard deviation sqrt(2 / fan_in).

    >>> params = init_tiny_cnn(seed=0)
    >>> params["conv1_w"].shape, params["fc_w"].shape, float(abs(params["fc_b"]).sum())
    ((8, 1, 3, 3), (64, 10), 0.0)
    """
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in PARAM_SHAPES.items():
        if name.endswith("_b"):
            params[name] = np.zeros(shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
            params[name] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    return params


def _check_params(params) -> dict[str, np.ndarray]:
    if not isinstance(params, dict):
        raise TypeError(f"params: 배열을 담은 dict여야 하는데 {type(params).__name__}입니다 · "
                        f"params must be a dict of arrays, got {type(params).__name__}")
    missing = sorted(set(PARAM_SHAPES) - set(params))
    if missing:
        raise ValueError(f"params: 키 {missing} 없음(필요한 키 {sorted(PARAM_SHAPES)}) · "
                         f"params is missing {missing}; expected keys {sorted(PARAM_SHAPES)}")
    checked = {}
    for name, shape in PARAM_SHAPES.items():
        arr = as_float_array(params[name], name)
        if arr.shape != shape:
            raise ValueError(f"params[{name!r}]: 기대한 모양 {shape}, 받은 모양 {arr.shape} · "
                             f"params[{name!r}] must be {shape}, got {arr.shape}")
        checked[name] = arr
    return checked


def _check_images(x) -> np.ndarray:
    x = as_float_array(x, "x", 4, "(N, 1, 8, 8)")
    if x.shape[1:] != (1, 8, 8):
        raise ValueError(f"x: (N, 1, 8, 8) 숫자 이미지여야 하는데 모양이 {x.shape}입니다 · "
                         f"x must be (N, 1, 8, 8) digit images, got {x.shape}")
    return x


def _forward(x, p):
    """Forward pass keeping what the backward pass needs."""
    a1 = conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)
    h1 = max_pool2d(relu(a1))
    a2 = conv2d(h1, p["conv2_w"], p["conv2_b"], padding=1)
    h2 = max_pool2d(relu(a2))
    flat = flatten(h2)
    logits = dense(flat, p["fc_w"], p["fc_b"])
    return logits, (a1, h1, a2, h2, flat)


def tiny_cnn_forward(x: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Class scores for a batch of 8×8 digits.

    Layers: conv 3×3 with 8 filters, padding 1 → ReLU → max-pool 2 → (N, 8, 4, 4);
    conv 3×3 with 16 filters, padding 1 → ReLU → max-pool 2 → (N, 16, 2, 2);
    flatten → (N, 64); dense → (N, 10).

    Inputs:
    - x: images, (N, 1, 8, 8)
    - params: weights as from ``init_tiny_cnn``

    Returns logits, (N, 10): one score per digit class.

    >>> tiny_cnn_forward(np.zeros((5, 1, 8, 8)), init_tiny_cnn()).shape
    (5, 10)
    """
    return _forward(_check_images(x), _check_params(params))[0]


def tiny_cnn_loss_and_grads(x: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray]):
    """Mean cross-entropy loss and its gradient for every parameter.

    Inputs:
    - x: images, (N, 1, 8, 8)
    - y: (N,) integer labels in 0..9
    - params: as from ``init_tiny_cnn``

    Returns (loss: float, grads: dict with the keys and shapes of params).

    Blank images and zero biases give equal scores, so the loss is log 10 ≈ 2.3026:

    >>> loss, grads = tiny_cnn_loss_and_grads(np.zeros((2, 1, 8, 8)), np.array([3, 7]),
    ...                                       init_tiny_cnn())
    >>> round(loss, 4), grads["conv1_w"].shape, grads["fc_b"].shape
    (2.3026, (8, 1, 3, 3), (10,))
    """
    x, p = _check_images(x), _check_params(params)
    logits, (a1, h1, a2, h2, flat) = _forward(x, p)
    loss = cross_entropy(logits, y)
    g = {}
    dlogits = cross_entropy_backward(logits, y)
    dflat, g["fc_w"], g["fc_b"] = dense_backward(dlogits, flat, p["fc_w"])
    dh2 = dflat.reshape(h2.shape)
    da2 = relu_backward(max_pool2d_backward(dh2, relu(a2)), a2)
    dh1, g["conv2_w"], g["conv2_b"] = conv2d_backward(da2, h1, p["conv2_w"], padding=1)
    da1 = relu_backward(max_pool2d_backward(dh1, relu(a1)), a1)
    _, g["conv1_w"], g["conv1_b"] = conv2d_backward(da1, x, p["conv1_w"], padding=1)
    return loss, {name: g[name] for name in PARAM_SHAPES}
