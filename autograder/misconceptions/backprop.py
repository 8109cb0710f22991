"""Mistakes in the backward passes, the numerical gradient and the training loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import reference
from reference.geometry import as_pair, resolve_padding

from ..compare import Call
from ..i18n import _
from ..jail.callables import build
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, variant

VALUE, SHAPE = MismatchKind.VALUE, MismatchKind.SHAPE


def _relu_backward(call: Call, a: Args, mask: str) -> np.ndarray:
    x, dout = np.asarray(a["x"], float), np.asarray(a["dout"], float)
    if mask == "ge":
        return np.where(x >= 0, dout, 0.0)
    if mask == "times_output":
        return dout * np.maximum(x, 0)
    return np.where(dout > 0, dout, 0.0)  # mask taken from dout


@variant(
    "relu_backward_ge", "relu_backward",
    name=_("relu_backward passes the gradient where x == 0 (used >= instead of >)"),
    hint=_("ReLU's gradient is 1 only where x > 0; at exactly 0 it is 0 here."),
    kinds=(VALUE,),
)
def relu_backward_ge(call: Call, a: Args) -> Any:
    return _relu_backward(call, a, "ge")


@variant(
    "relu_backward_times_output", "relu_backward",
    name=_("relu_backward multiplied by the ReLU output instead of a 0/1 mask"),
    hint=_("The local gradient of ReLU is 1 where x > 0 and 0 elsewhere, not the value max(x, 0)."),
    kinds=(VALUE,),
)
def relu_backward_times_output(call: Call, a: Args) -> Any:
    return _relu_backward(call, a, "times_output")


@variant(
    "relu_backward_mask_from_dout", "relu_backward",
    name=_("relu_backward masked by the sign of dout instead of the sign of x"),
    hint=_("Whether the gradient passes depends on the forward input x, not on dout."),
    kinds=(VALUE,),
)
def relu_backward_mask_from_dout(call: Call, a: Args) -> Any:
    return _relu_backward(call, a, "dout")


@variant(
    "dense_backward_db_mean", "dense_backward",
    name=_("db averaged over the batch instead of summed"),
    hint=_("The bias is used by every example, so its gradient is the sum of dout over rows."),
    kinds=(VALUE,),
)
def dense_backward_db_mean(call: Call, a: Args) -> Any:
    if len(a["x"]) == 1:
        return NOT_APPLICABLE  # one example: mean and sum agree
    dx, dw, db = reference.dense_backward(a["dout"], a["x"], a["w"])
    return dx, dw, db / len(a["x"])


@variant(
    "dense_backward_dw_transposed", "dense_backward",
    name=_("dw transposed (shape (K, D) instead of (D, K))"),
    hint=_("dw must have w's shape: x.T @ dout is (D, N) @ (N, K)."),
    kinds=(SHAPE, VALUE),
)
def dense_backward_dw_transposed(call: Call, a: Args) -> Any:
    dx, dw, db = reference.dense_backward(a["dout"], a["x"], a["w"])
    return dx, dw.T, db


@variant(
    "conv_backward_dx_padded", "conv2d_backward",
    name=_("dx still includes the padding border"),
    hint=_("The padding zeros are not inputs: crop the padded gradient back to (H, W)."),
    kinds=(SHAPE,),
)
def conv_backward_dx_padded(call: Call, a: Args) -> Any:
    x, w = a["x"], a["w"]
    stride = as_pair(a["stride"], "stride")
    pads = resolve_padding(a["padding"], x.shape[2:], w.shape[2:], stride)
    if not any(pads[0] + pads[1]):
        return NOT_APPLICABLE  # no padding
    xp = reference.zero_pad(x, pads)
    return reference.conv2d_backward(a["dout"], xp, w, a["stride"], 0)


@variant(
    "conv_backward_db_positions", "conv2d_backward",
    name=_("db summed over the batch only, not over the output positions"),
    hint=_("Each filter's bias is added at every position of every image: sum dout over "
    "axes 0, 2 and 3."),
    kinds=(SHAPE,),
)
def conv_backward_db_positions(call: Call, a: Args) -> Any:
    dx, dw, _ = reference.conv2d_backward(a["dout"], a["x"], a["w"], a["stride"], a["padding"])
    return dx, dw, np.asarray(a["dout"]).sum(axis=0)


@variant(
    "pool_backward_spread", "max_pool2d_backward",
    name=_("max-pool gradient shared across the window (that is average pooling's gradient)"),
    hint=_("Only the cell that held the maximum affected the output: it alone gets the gradient."),
    kinds=(VALUE,),
)
def pool_backward_spread(call: Call, a: Args) -> Any:
    """Each window's gradient shared evenly (that is average pooling's gradient)."""
    x, size = a["x"], a["size"]
    ph, pw = as_pair(size, "size")
    stride = as_pair(a["stride"] if a["stride"] is not None else size, "s")
    dx = np.zeros_like(x, dtype=float)
    oh, ow = a["dout"].shape[2:]
    for i in range(oh):
        for j in range(ow):
            block = dx[:, :, i * stride[0] : i * stride[0] + ph, j * stride[1] : j * stride[1] + pw]
            block += a["dout"][:, :, i : i + 1, j : j + 1] / (ph * pw)
    return dx


@variant(
    "pool_backward_everywhere", "max_pool2d_backward",
    name=_("max-pool gradient copied to every cell of the window"),
    hint=_("Only the cell that held the maximum affected the output: it alone gets the gradient."),
    kinds=(VALUE,),
)
def pool_backward_everywhere(call: Call, a: Args) -> Any:
    return pool_backward_spread(call, a) * np.prod(as_pair(a["size"], "size"))


def f_at(f: Callable, x: np.ndarray, i: int, value: float) -> float:
    """f(x) with element i set to ``value`` (and put back)."""
    flat = x.reshape(-1)
    old = flat[i]
    flat[i] = value
    try:
        return float(f(x))
    finally:
        flat[i] = old


def _numgrad(a: Args, kind: str) -> np.ndarray:
    f, x, h = build(a["f"]), np.array(a["x"], dtype=np.float64), a["h"]
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        if kind == "forward":
            flat[i] = old + h
            g[i] = (f(x) - f_at(f, x, i, old)) / h
            flat[i] = old
        elif kind == "not_halved":
            flat[i] = old + h
            up = f(x)
            flat[i] = old - h
            g[i] = (up - f(x)) / h
            flat[i] = old
        else:  # not restored: each nudge stays in x
            flat[i] = old + h
            up = f(x)
            flat[i] = old - h
            g[i] = (up - f(x)) / (2 * h)
    return grad


@variant(
    "numgrad_one_sided", "numerical_gradient",
    name=_("one-sided difference (f(x + h) − f(x)) / h instead of the centred one"),
    hint=_("Use (f(x + h) − f(x − h)) / 2h: its error shrinks like h², not h."),
    kinds=(VALUE,),
)
def numgrad_one_sided(call: Call, a: Args) -> Any:
    return _numgrad(a, "forward")


@variant(
    "numgrad_not_halved", "numerical_gradient",
    name=_("centred difference divided by h instead of 2h"),
    hint=_("The two points are 2h apart: divide f(x + h) − f(x − h) by 2h."),
    kinds=(VALUE,),
)
def numgrad_not_halved(call: Call, a: Args) -> Any:
    return _numgrad(a, "not_halved")


@variant(
    "numgrad_not_restored", "numerical_gradient",
    name=_("x not restored after each nudge"),
    hint=_("Put x[i] back to its old value before moving on to the next element."),
    kinds=(VALUE,),
)
def numgrad_not_restored(call: Call, a: Args) -> Any:
    return _numgrad(a, "not_restored")


@variant(
    "loss_summed", "tiny_cnn_loss_and_grads",
    name=_("loss and gradients summed over the batch instead of averaged"),
    hint=_("The loss is the mean over the batch, so every gradient carries a 1/N."),
    kinds=(VALUE,),
)
def loss_summed(call: Call, a: Args) -> Any:
    n = len(a["y"])
    if n == 1:
        return NOT_APPLICABLE  # one example: sum and mean agree
    loss, grads = reference.tiny_cnn_loss_and_grads(a["x"], a["y"], a["params"])
    return loss * n, {k: g * n for k, g in grads.items()}
