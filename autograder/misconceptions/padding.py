"""Mistakes in zero_pad: where the image goes, which number pads which axis."""

from __future__ import annotations

from typing import Any

import numpy as np

import reference
from reference.geometry import padding_pairs

from ..compare import Call
from ..i18n import _
from ..results import MismatchKind
from .catalogue import NOT_APPLICABLE, Args, variant


@variant(
    "image_in_corner", "zero_pad",
    name=_("padding on one side only (the image sits in the top-left corner)"),
    hint=_("Copy the image into the middle: it starts after the top and left padding."),
    kinds=(MismatchKind.VALUE,),
)
def zero_pad_corner(call: Call, a: Args) -> Any:
    x = np.asarray(a["x"])
    (t, b), (left, r) = padding_pairs(a["pad"])
    if not (t or left):
        return NOT_APPLICABLE  # nothing before the image to misplace
    return reference.zero_pad(x, ((0, t + b), (0, left + r)))


@variant(
    "pad_pair_swapped", "zero_pad",
    name=_("rows and columns swapped in the padding pair"),
    hint=_("A pair (ph, pw) means ph rows above and below, pw columns left and right."),
    kinds=(MismatchKind.VALUE, MismatchKind.SHAPE),
)
def zero_pad_pair_swapped(call: Call, a: Args) -> Any:
    pad = a["pad"]
    if not (isinstance(pad, (tuple, list)) and len(pad) == 2 and pad[0] != pad[1]):
        return NOT_APPLICABLE  # not an unequal pair
    return reference.zero_pad(a["x"], (pad[1], pad[0]))


@variant(
    "pad_every_axis", "zero_pad",
    name=_("every axis padded (np.pad(x, p) pads the batch and channel axes too)"),
    hint=_("np.pad(x, p) pads every axis; give it (0, 0) for each leading axis, so that only "
           "the height and the width get zeros."),
    kinds=(MismatchKind.SHAPE,),
)
def zero_pad_every_axis(call: Call, a: Args) -> Any:
    x, pad = np.asarray(a["x"]), a["pad"]
    if x.ndim == 2 or not isinstance(pad, (int, np.integer)) or pad == 0:
        return NOT_APPLICABLE  # only the last two axes, or nothing to pad
    return np.pad(x, int(pad))
