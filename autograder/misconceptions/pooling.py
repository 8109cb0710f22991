"""Mistakes in max_pool2d and avg_pool2d (their gradient is in backprop)."""

from __future__ import annotations

from typing import Any

import numpy as np

import reference
from reference.geometry import as_pair

from ..compare import Call
from ..i18n import _
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, variant

VALUE, SHAPE = MismatchKind.VALUE, MismatchKind.SHAPE


@variant(
    "maxpool_zero_padding", "max_pool2d",
    name=_("max-pool padded with zeros (a 0 won windows of negative values)"),
    hint=_("Padding must never win a max: pad with −inf, or only look at real pixels."),
    kinds=(VALUE,),
)
def max_pool_zero_padded(call: Call, a: Args) -> Any:
    p = a["padding"]
    if p == 0:
        return NOT_APPLICABLE
    x = reference.zero_pad(a["x"], p)
    return reference.max_pool2d(x, a["size"], a["stride"])


@variant(
    "pool_stride_one", "max_pool2d", "avg_pool2d",
    name=_("stride defaulted to 1 instead of the window size"),
    hint=_("With stride=None the windows do not overlap: the stride is the window size."),
    kinds=(SHAPE, VALUE),
)
def pool_stride_one(call: Call, a: Args) -> Any:
    if a["stride"] is not None:
        return NOT_APPLICABLE  # a stride was given
    if call.function == "max_pool2d":
        return reference.max_pool2d(a["x"], a["size"], 1, a["padding"])
    return reference.avg_pool2d(a["x"], a["size"], 1)


@variant(
    "avg_pool_sum", "avg_pool2d",
    name=_("window summed instead of averaged"),
    hint=_("Average pooling divides each window's sum by the number of cells in it."),
    kinds=(VALUE,),
)
def avg_pool_sum(call: Call, a: Args) -> Any:
    ph, pw = as_pair(a["size"], "size")
    return reference.avg_pool2d(a["x"], a["size"], a["stride"]) * (ph * pw)


@variant(
    "pool_channels_mixed", "max_pool2d", "avg_pool2d",
    name=_("channels mixed: each window pooled over all channels at once (axis (1, 2, 3)), "
           "and that one value given to every channel"),
    hint=_("Pool every channel on its own: reduce a window over its rows and columns only "
           "(axis=(2, 3), or one channel at a time), never over the channels."),
    kinds=(VALUE,),
)
def pool_channels_mixed(call: Call, a: Args) -> Any:
    x = a["x"]
    if x.ndim != 4 or x.shape[1] == 1:
        return NOT_APPLICABLE  # one channel: nothing to mix
    if call.function == "max_pool2d":  # the largest over channels, then over the window
        one = reference.max_pool2d(x.max(axis=1, keepdims=True), a["size"], a["stride"],
                                   a["padding"])
    else:
        one = reference.avg_pool2d(x.mean(axis=1, keepdims=True), a["size"], a["stride"])
    return np.repeat(one, x.shape[1], axis=1)
