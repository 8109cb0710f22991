"""Mistakes in the geometry: output_size, same_padding, and the sizes a convolution gets."""

from __future__ import annotations

from typing import Any

import numpy as np

import reference

from ..compare import Call, Mismatch
from ..i18n import _
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, matcher, variant
from .helpers import CONV, conv_if_accepted, pads

VALUE, TYPE = MismatchKind.VALUE, MismatchKind.TYPE


@matcher(
    "output_size_float", "output_size",
    name=_("output size computed with / (a float) instead of a whole number"),
    hint=_("The number of positions is a count: check that the division leaves no remainder "
    "(raise ValueError if it does), then divide with //."),
    kinds=(TYPE,),
)
def output_size_float(m: Mismatch, a: Args) -> bool:
    return isinstance(m.answer, (float, np.floating))


@variant(
    "floored_instead_of_rejected", "output_size", *CONV,
    name=_("output size floored instead of rejected"),
    hint=_("When (N + 2P − F) / S + 1 is not a whole number the filter does not fit evenly "
    "(the lecture's 7×7 image, 3×3 filter, stride 3 gives 2.33): raise ValueError "
    "instead of rounding down."),
    kinds=(MismatchKind.NO_ERROR,),
)
def floored(call: Call, a: Args) -> Any:
    if call.function == "output_size":
        p = a["padding"] if isinstance(a["padding"], int) else sum(a["padding"]) / 2
        return int((a["n"] + 2 * p - a["f"]) // a["stride"] + 1)
    return conv_if_accepted(call, a, padding="valid")  # not when the filter is too large


@variant(
    "plus_filter_size", "output_size",
    name=_("filter size added instead of subtracted (the lecture slide's typo)"),
    hint=_("The filter's own size is used up, not gained: (N + 2P − F) / S + 1."),
    kinds=(VALUE,),
)
def output_size_plus_f(call: Call, a: Args) -> Any:
    p = a["padding"]
    if isinstance(p, str):
        return NOT_APPLICABLE
    before, after = (p, p) if isinstance(p, int) else p
    span = a["n"] + before + after + a["f"]
    if span % a["stride"]:
        return NOT_APPLICABLE  # not a whole number of positions
    return span // a["stride"] + 1


@variant(
    "padding_counted_once", "output_size",
    name=_("padding counted on one side only"),
    hint=_("Padding P adds P zeros on each side, so the padded size is N + 2P."),
    kinds=(VALUE,),
)
def output_size_one_pad(call: Call, a: Args) -> Any:
    p = a["padding"]
    if not isinstance(p, int) or p == 0:
        return NOT_APPLICABLE  # needs a symmetric non-zero padding
    return (a["n"] + p - a["f"]) // a["stride"] + 1


@variant(
    "same_ignores_stride", "output_size",
    name=_("'same' padding given the input size even with a stride"),
    hint=_("'same' keeps the size only at stride 1; in general the output has ceil(N / S) "
    "positions."),
    kinds=(VALUE,),
)
def same_ignores_stride(call: Call, a: Args) -> Any:
    if a["padding"] != "same" or a["stride"] == 1:
        return NOT_APPLICABLE
    return a["n"]


# One mistake, made in two places: computing the pair, or padding a convolution with it.
@variant(
    "same_extra_pixel_first", "same_padding",
    name=_("SAME padding's extra pixel put on the wrong side"),
    hint=_("When the total padding is odd, TensorFlow puts the extra zero after the image "
    "(bottom / right)."),
    kinds=(VALUE,),
)
def same_pair_reversed(call: Call, a: Args) -> Any:
    return reference.same_padding(a["n"], a["f"], a["stride"])[::-1]


@variant(
    "same_padding_f_minus_one", "same_padding",
    name=_("'same' padding computed as F − 1 whatever the stride (right at stride 1 only)"),
    hint=_("With a stride, 'same' keeps ceil(N / S) positions: total padding = max((ceil(N / "
    "S) − 1)·S + F − N, 0), which is F − 1 only at stride 1."),
    kinds=(VALUE,),
)
def same_f_minus_one(call: Call, a: Args) -> Any:
    if a["stride"] == 1:
        return NOT_APPLICABLE  # the rule for stride 1
    total = a["f"] - 1
    return total // 2, total - total // 2


@variant("same_extra_pixel_first", *CONV)
def same_pixel_before(call: Call, a: Args) -> Any:
    if a["padding"] != "same":
        return NOT_APPLICABLE
    (t, b), (left, r) = pads(call, a)
    if t == b and left == r:
        return NOT_APPLICABLE  # even padding: no odd pixel to misplace
    return conv_if_accepted(call, a, padding=((b, t), (r, left)))

