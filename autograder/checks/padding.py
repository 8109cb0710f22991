"""Part 2, zero padding: ``zero_pad``."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from ..compare import Call, assert_matches_reference
from ..i18n import _
from ..strategies import Drawn, dtypes, images, pads, sizes, value_kinds
from . import check


@st.composite
def _arrays(draw, values=("ints",)) -> np.ndarray:
    """2-D, 3-D or 4-D arrays (..., H, W)."""
    lead = draw(st.lists(sizes(1, 2), min_size=0, max_size=2))
    shape = (*lead, draw(sizes(1, 4)), draw(sizes(1, 4)))
    return draw(images(tuple(shape), draw(dtypes()), draw(value_kinds(*values))))


@check(
    "zero_pad: shape and placement",
    hint=_("The result is (..., H + 2·ph, W + 2·pw) zeros with the image copied into the "
    "middle, starting at row ph and column pw."),
)
@given(x=_arrays(), pad=st.one_of(pads(2), st.tuples(pads(2), pads(2))))
@example(x=Drawn((1, 3, 3), np.float64, "ints", 0), pad=1)
def zero_pad_shape_placement(student, x: np.ndarray, pad) -> None:
    assert_matches_reference(student, Call("zero_pad", (x, pad)))


@check(
    "zero_pad: per-side padding",
    hint=_("((top, bottom), (left, right)) gives each side its own number of zeros; the "
    "image starts at row top and column left."),
)
@given(x=_arrays(), sides=st.tuples(st.tuples(pads(2), pads(2)), st.tuples(pads(2), pads(2))))
@example(x=Drawn((2, 2), np.float64, "ints", 1), sides=((0, 1), (2, 0)))
def zero_pad_per_side(student, x: np.ndarray, sides) -> None:
    assert_matches_reference(student, Call("zero_pad", (x, sides)))


@check(
    "zero_pad: copies values exactly",
    hint=_("Copy the image's values exactly into a new array of the same float dtype "
    "(float32 stays float32); do not round or convert them."),
)
@given(x=_arrays(values=("floats",)), pad=pads(2))
def zero_pad_copies_values_exactly(student, x: np.ndarray, pad: int) -> None:
    # General float values: an integer buffer or a rounding step shows up here.
    # The only zero_pad item that charges the dtype.
    assert_matches_reference(student, Call("zero_pad", (x, pad)), rtol=0.0, atol=0.0,
                             strict_dtype=True)
