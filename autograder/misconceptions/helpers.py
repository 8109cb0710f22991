"""Helpers shared by the variants: the call's arguments by name, the reference with some
inputs changed, the padding a call resolves to."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

import reference
from reference.geometry import as_pair, resolve_padding

from ..compare import Call
from .catalogue import NOT_APPLICABLE, Args

#: The convolution functions (one image and filter, or a batch of them).
CONV = ("conv2d", "conv2d_single")


def bound_args(call: Call) -> Args:
    """The call's arguments by parameter name, defaults filled in (TypeError if they do
    not fit the reference's signature)."""
    sig = inspect.signature(getattr(reference, call.function))
    bound = sig.bind(*call.args, **call.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def expected(call: Call, a: Args) -> Any:
    """The reference's answer for ``a``, the call's bound arguments."""
    return getattr(reference, call.function)(**a)


def is_single(call: Call) -> bool:
    """True for conv2d_single (one image, one kernel), False for the batched conv2d."""
    return call.function == "conv2d_single"


def image_key(call: Call) -> str:
    return "image" if is_single(call) else "x"


def kernel_key(call: Call) -> str:
    return "kernel" if is_single(call) else "w"


def bias_key(call: Call) -> str:
    return "bias" if is_single(call) else "b"


def conv(call: Call, a: Args, **change: Any) -> np.ndarray:
    """The reference conv2d / conv2d_single (whichever ``call`` is) with some inputs changed."""
    a = {**a, **change}
    if is_single(call):
        return reference.conv2d_single(a["image"], a["kernel"], a["bias"], a["stride"],
                                       a["padding"])
    return reference.conv2d(a["x"], a["w"], a["b"], a["stride"], a["padding"])


def conv_if_accepted(call: Call, a: Args, **change: Any) -> Any:
    """:func:`conv` with inputs changed, or NOT_APPLICABLE when the reference rejects the
    changed inputs (explicit padding must fit exactly where 'same' need not): a student
    making that mistake got an error there, not an answer."""
    try:
        return conv(call, a, **change)
    except ValueError:
        return NOT_APPLICABLE


def has_bias(call: Call, a: Args) -> bool:
    """A bias that is given and not all zero (forgetting a zero bias changes nothing)."""
    b = a.get(bias_key(call))
    return b is not None and bool(np.any(np.asarray(b) != 0))


def pads(call: Call, a: Args) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)): the padding the convolution call resolves to."""
    x, k = a[image_key(call)], a[kernel_key(call)]
    stride = as_pair(a["stride"], "stride")
    return resolve_padding(a["padding"], x.shape[-2:], k.shape[-2:], stride)


def shapes(value: Any) -> Any:
    """The structure of shapes in ``value``, to compare answers by shape only."""
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, (tuple, list)):
        return tuple(shapes(v) for v in value)
    if isinstance(value, dict):
        return {k: shapes(v) for k, v in value.items()}
    return type(value).__name__
