"""Mistakes in conv2d_single and conv2d: the kernel, the bias, the stride, the padding,
the channels, the orientation of the maps."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference.geometry import as_pair

from ..compare import Call
from ..i18n import _
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, variant
from .helpers import (
    CONV,
    bias_key,
    conv,
    conv_if_accepted,
    expected,
    has_bias,
    image_key,
    kernel_key,
    pads,
)

VALUE, SHAPE = MismatchKind.VALUE, MismatchKind.SHAPE


@variant(
    "kernel_flipped", *CONV,
    name=_("kernel flipped (true convolution instead of the cross-correlation CNNs use)"),
    hint=_("Lay the filter on the window as it is: weight [p, q] multiplies the pixel at "
    "offset [p, q] of the window. No flipping."),
    kinds=(VALUE,),
)
def kernel_flipped(call: Call, a: Args) -> Any:
    key = kernel_key(call)
    return conv(call, a, **{key: a[key][..., ::-1, ::-1]})


@variant(
    "bias_missing", *CONV,
    name=_("bias not added"),
    hint=_("Each output value is W·X + b: add the filter's bias once to every output pixel."),
    kinds=(VALUE,),
)
def bias_missing(call: Call, a: Args) -> Any:
    if not has_bias(call, a):
        return NOT_APPLICABLE
    return conv(call, a, **{bias_key(call): 0.0 if call.function == "conv2d_single" else None})


@variant(
    "bias_per_channel", "conv2d",
    name=_("bias added once per input channel instead of once per filter"),
    hint=_("Sum the products over all channels first, then add the filter's bias once."),
    kinds=(VALUE,),
)
def bias_in_channel_loop(call: Call, a: Args) -> Any:
    c = a["x"].shape[1]
    if c == 1 or not has_bias(call, a):
        return NOT_APPLICABLE  # one channel: the same as adding it once
    return conv(call, a, b=a["b"] * c)


@variant(
    "bias_wrong_axis", "conv2d",
    name=_("bias added along the wrong axis (it went to the columns, not the filters)"),
    hint=_("b[f] belongs to filter f: it is added to every pixel of output map f."),
    kinds=(VALUE,),
)
def bias_on_last_axis(call: Call, a: Args) -> Any:
    if not has_bias(call, a):
        return NOT_APPLICABLE
    out, b = conv(call, a, b=None), np.asarray(a["b"])
    if b.ndim != 1 or (b.shape[0] not in (1, out.shape[-1]) and out.shape[-1] != 1):
        return NOT_APPLICABLE  # `out + b` would not broadcast: the student's code raised
    return out + b  # broadcasts along the width, as `out + b` does


def _stride_one(call: Call, a: Args) -> np.ndarray:
    return conv(call, a, stride=1, padding=pads(call, a))


@variant(
    "stride_not_applied", *CONV,
    name=_("stride ignored when placing the window (the window moved one pixel at a time)"),
    hint=_("Output (i, j) uses the window whose top-left corner is at row i·S, column j·S."),
    kinds=(VALUE,),
)
def windows_not_strided(call: Call, a: Args) -> Any:
    if a["stride"] in (1, (1, 1)):
        return NOT_APPLICABLE  # stride 1: nothing to get wrong
    right = conv(call, a)
    return _stride_one(call, a)[..., : right.shape[-2], : right.shape[-1]]


@variant(
    "stride_ignored", *CONV,
    name=_("stride ignored (the output has the stride-1 size)"),
    hint=_("With stride S the output size is (N + 2P − F) / S + 1, and the window jumps S "
    "pixels at a time."),
    kinds=(SHAPE,),
)
def stride_ignored(call: Call, a: Args) -> Any:
    return _stride_one(call, a)


@variant(
    "padding_one_side", *CONV,
    name=_("padding on one side only (all the zeros went after the image)"),
    hint=_("Put P zeros before and P after along each axis, so the image stays centred."),
    kinds=(VALUE,),
)
def padding_all_after(call: Call, a: Args) -> Any:
    (t, b), (left, r) = pads(call, a)
    if not (t or left):
        return NOT_APPLICABLE  # no padding before the image: nothing to misplace
    return conv_if_accepted(call, a, padding=((0, t + b), (0, left + r)))


@variant(
    "width_from_height", *CONV,
    name=_("output width computed from the height"),
    hint=_("Each axis has its own formula: OH from H and FH, OW from W and FW."),
    kinds=(SHAPE,),
)
def width_from_height(call: Call, a: Args) -> Any:
    """Only the shape matters: OW computed with H in place of W."""
    x, k = a[image_key(call)], a[kernel_key(call)]
    h, w = x.shape[-2:]
    if h == w:
        return NOT_APPLICABLE  # square input
    (t, b), (left, r) = pads(call, a)
    stride = as_pair(a["stride"], "stride")
    oh = (h + t + b - k.shape[-2]) // stride[0] + 1
    ow = (h + left + r - k.shape[-1]) // stride[1] + 1
    lead = (x.shape[0], k.shape[0]) if call.function == "conv2d" else ()
    return np.zeros((*lead, oh, ow), dtype=np.float64)


def _one_channel(call: Call, a: Args, index: int) -> Any:
    if a["x"].shape[1] == 1:
        return NOT_APPLICABLE  # one channel only
    end = index + 1 or None
    return conv(call, a, x=a["x"][:, index:end], w=a["w"][:, index:end])


@variant(
    "first_channel_only", "conv2d",
    name=_("channels not summed (only the first channel was used)"),
    hint=_("Each filter spans all C channels: multiply and sum over channels, rows and columns."),
    kinds=(VALUE,),
)
def first_channel_only(call: Call, a: Args) -> Any:
    return _one_channel(call, a, 0)


@variant(
    "last_channel_only", "conv2d",
    name=_("channels not summed (each channel overwrote the previous one; the last one won)"),
    hint=_("Add every channel's products into the same output value instead of assigning."),
    kinds=(VALUE,),
)
def last_channel_only(call: Call, a: Args) -> Any:
    return _one_channel(call, a, -1)


@variant(
    "transposed_maps", *CONV, "max_pool2d", "avg_pool2d",
    name=_("rows and columns swapped (the maps come out transposed)"),
    hint=_("Index the output as [row, column] = [i, j], with i moving down the image."),
    kinds=(VALUE, SHAPE),
)
def transposed(call: Call, a: Args) -> Any:
    out = expected(call, a)
    if out.shape[-1] == 1 and out.shape[-2] == 1:
        return NOT_APPLICABLE  # 1×1 maps look the same transposed
    return np.swapaxes(out, -1, -2)
