"""Mistakes in the layers after the convolutions: softmax, cross_entropy, flatten, dense."""

from __future__ import annotations

from typing import Any

import numpy as np

import reference

from ..compare import Call
from ..i18n import _
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, variant

VALUE = MismatchKind.VALUE


def _naive_softmax(z: Any) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / e.sum(axis=-1, keepdims=True)


@variant(
    "softmax_no_max", "softmax",
    name=_("softmax without subtracting the max (exp overflows to inf, giving nan)"),
    hint=_("Subtract each row's largest score before exp: the result is the same, and "
    "exp never sees a large number."),
    kinds=(VALUE,),
)
def softmax_no_max(call: Call, a: Args) -> Any:
    return _naive_softmax(a["logits"])


@variant(
    "softmax_wrong_axis", "softmax",
    name=_("softmax normalised down the columns (over the batch) instead of along each row"),
    hint=_("Each row is one example: subtract, exponentiate and sum along the last axis "
    "(keepdims=True helps)."),
    kinds=(VALUE,),
)
def softmax_axis0(call: Call, a: Args) -> Any:
    z = np.asarray(a["logits"], dtype=np.float64)
    if z.ndim < 2 or z.shape[0] == 1:
        return NOT_APPLICABLE  # one row
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@variant(
    "softmax_whole_array", "softmax",
    name=_("softmax normalised over the whole batch instead of each row"),
    hint=_("Each row must sum to 1 on its own: sum along the last axis only."),
    kinds=(VALUE,),
)
def softmax_whole(call: Call, a: Args) -> Any:
    z = np.asarray(a["logits"], dtype=np.float64)
    if z.ndim < 2 or z.shape[0] == 1:
        return NOT_APPLICABLE  # one row
    e = np.exp(z - z.max())
    return e / e.sum()


def _mean_neg_log(p: np.ndarray, labels: Any) -> float:
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))


@variant(
    "cross_entropy_no_max", "cross_entropy",
    name=_("cross-entropy from a softmax without subtracting the max (overflow gives nan)"),
    hint=_("Work with log-probabilities: z − max − log(Σ exp(z − max)) never overflows."),
    kinds=(VALUE,),
)
def ce_naive(call: Call, a: Args) -> Any:
    return _mean_neg_log(_naive_softmax(a["logits"]), a["labels"])


@variant(
    "cross_entropy_log_of_zero", "cross_entropy",
    name=_("log of a probability that rounded to 0 (the loss became inf)"),
    hint=_("Take the log analytically: log softmax(z)_k = z_k − max − log(Σ exp(z − max))."),
    kinds=(VALUE,),
)
def ce_log_of_stable_softmax(call: Call, a: Args) -> Any:
    return _mean_neg_log(reference.softmax(a["logits"]), a["labels"])


@variant(
    "cross_entropy_summed", "cross_entropy",
    name=_("cross-entropy summed instead of averaged over the batch"),
    hint=_("The loss is the mean over the N examples: divide the sum by N."),
    kinds=(VALUE,),
)
def ce_summed(call: Call, a: Args) -> Any:
    n = len(a["labels"])
    if n == 1:
        return NOT_APPLICABLE  # one example: sum and mean agree
    return reference.cross_entropy(a["logits"], a["labels"]) * n


@variant(
    "cross_entropy_label_table", "cross_entropy",
    name=_("probabilities picked with p[:, labels] (every example's probability of every "
           "label) instead of p[np.arange(N), labels]"),
    hint=_("p[:, labels] is an N×N table; take one probability per example, of its own "
           "label: p[np.arange(N), labels]."),
    kinds=(VALUE,),
)
def ce_label_table(call: Call, a: Args) -> Any:
    z, labels = np.asarray(a["logits"], dtype=np.float64), np.asarray(a["labels"])
    if len(labels) == 1:
        return NOT_APPLICABLE  # one example: the table is that one probability
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[:, labels]))


@variant(
    "flatten_batch_axis", "flatten",
    name=_("batch axis flattened too (the result is 1-D)"),
    hint=_("Keep the first axis: x.reshape(x.shape[0], -1) gives (N, C·H·W)."),
    kinds=(MismatchKind.SHAPE,),
)
def flatten_everything(call: Call, a: Args) -> Any:
    return np.asarray(a["x"], dtype=np.float64).reshape(-1)


@variant(
    "flatten_fortran", "flatten",
    name=_("flattened in Fortran (column-major) order"),
    hint=_("Keep numpy's default row-major (C) order, so each example's values stay in "
    "(C, H, W) order."),
    kinds=(VALUE,),
)
def flatten_fortran(call: Call, a: Args) -> Any:
    x = np.asarray(a["x"], dtype=np.float64)
    return x.reshape(x.shape[0], -1, order="F")


@variant(
    "flatten_channels_last", "flatten",
    name=_("flattened in channels-last (N, H, W, C) order"),
    hint=_("Do not move the channel axis: reshape (N, C, H, W) as it is."),
    kinds=(VALUE,),
)
def flatten_channels_last(call: Call, a: Args) -> Any:
    x = np.asarray(a["x"], dtype=np.float64)
    if x.ndim != 4:
        return NOT_APPLICABLE  # not NCHW
    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)


@variant(
    "dense_w_transposed", "dense",
    name=_("dense with w transposed"),
    hint=_("w has shape (D, K): the output is x @ w + b, (N, D) @ (D, K) → (N, K)."),
    kinds=(VALUE,),
)
def dense_w_transposed(call: Call, a: Args) -> Any:
    w = np.asarray(a["w"])
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        return NOT_APPLICABLE  # x @ w.T only fits a square w
    return a["x"] @ w.T + a["b"]


@variant(
    "dense_no_bias", "dense",
    name=_("bias not added"),
    hint=_("Add b (one value per output unit) to every row of x @ w."),
    kinds=(VALUE,),
)
def dense_no_bias(call: Call, a: Args) -> Any:
    if not np.any(a["b"]):
        return NOT_APPLICABLE  # zero bias
    return a["x"] @ a["w"]
