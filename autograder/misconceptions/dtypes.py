"""Mistakes in the dtype of an output array, recognised in any function."""

from __future__ import annotations

import numpy as np

from ..compare import Mismatch
from ..i18n import _
from ..results import MismatchKind
from .catalogue import Args, matcher


@matcher(
    "integer_output", "*",
    name=_("integer output dtype"),
    hint=_("An output array made from an integer template holds integers and truncates; "
    "make it float (np.zeros(shape) is float64, or pass the input's float dtype)."),
    kinds=(MismatchKind.DTYPE, MismatchKind.VALUE),
)
def dtype_is_int(m: Mismatch, a: Args) -> bool:
    # VALUE too: where the dtype is not charged, an integer buffer shows as truncated values
    return (isinstance(m.got, np.ndarray) and m.got.dtype.kind in "iub"
            and isinstance(m.expected, np.ndarray) and m.expected.dtype.kind == "f")


@matcher(
    "float64_for_float32", "*",
    name=_("float32 input gave a float64 output"),
    hint=_("np.zeros(shape) is float64 whatever the input: pass dtype=x.dtype to keep float32."),
    kinds=(MismatchKind.DTYPE,),
)
def float32_lost(m: Mismatch, a: Args) -> bool:
    return _dtypes_are(m, got=np.float64, expected=np.float32)


@matcher(
    "float32_for_float64", "*",
    name=_("computed in float32 (a float64 input gave a float32 output)"),
    hint=_("float32 keeps about 7 digits: for float64 input, compute and return float64 "
    "(do not cast the input or make the output array float32)."),
    kinds=(MismatchKind.DTYPE,),
)
def float64_lost(m: Mismatch, a: Args) -> bool:
    return _dtypes_are(m, got=np.float32, expected=np.float64)


def _dtypes_are(m: Mismatch, got: type, expected: type) -> bool:
    """Whether ``m`` is a dtype mismatch of a ``got`` array where ``expected`` was due."""
    return (m.kind is MismatchKind.DTYPE
            and isinstance(m.got, np.ndarray) and m.got.dtype == got
            and isinstance(m.expected, np.ndarray) and m.expected.dtype == expected)
