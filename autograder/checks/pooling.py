"""Part 4a, pooling: ``max_pool2d`` and ``avg_pool2d``."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from ..compare import Call, assert_matches_reference
from ..i18n import _
from ..strategies import images, pool_cases, sizes
from . import check


def _pool_call(function: str, case: dict) -> Call:
    """pool(x, size[, stride][, padding]); stride None is left out to test the default."""
    kwargs = {"size": case["size"]}
    if case.get("stride") is not None:
        kwargs["stride"] = case["stride"]
    if case.get("padding"):
        kwargs["padding"] = case["padding"]
    return Call(function, (case["x"],), kwargs)


_ARANGE_4X4 = {"x": np.arange(16.0).reshape(1, 1, 4, 4), "size": 2, "stride": None}


@check(
    "max_pool2d: windows and stride",
    hint=_("Each output value is the largest value of one size×size window; windows move by "
    "the stride, which defaults to the window size (no overlap)."),
    max_examples=15,
)
@given(case=pool_cases())
@example(case=_ARANGE_4X4)
def max_pool_windows(student, case: dict) -> None:
    assert_matches_reference(student, _pool_call("max_pool2d", case))


@st.composite
def _padded_negative(draw) -> dict:
    """Strictly negative images with padding: a zero from the padding must never win."""
    size = draw(sizes(2, 3))
    pad = draw(sizes(1, size - 1))

    def side(out: int) -> int:  # input size that the padded windows cover exactly
        return out * size - 2 * pad if out * size - 2 * pad >= 1 else side(out + 1)

    shape = (draw(sizes(1, 2)), draw(sizes(1, 2)), side(draw(sizes(1, 3))), side(draw(sizes(1, 3))))
    return {"x": draw(images(shape, np.float64, "negative")), "size": size, "stride": None,
            "padding": pad}


@check(
    "max_pool2d: padding never wins",
    hint=_("Padded cells are not pixels: they must never be the maximum (pad with −inf, not 0)."),
)
@given(case=_padded_negative())
def max_pool_padding(student, case: dict) -> None:
    assert_matches_reference(student, _pool_call("max_pool2d", case))


@check(
    "avg_pool2d: windows and stride",
    hint=_("Each output value is the mean of one window; the stride defaults to the window size."),
    max_examples=15,
)
@given(case=pool_cases(values=("ints", "floats")))
@example(case=_ARANGE_4X4)
def avg_pool_windows(student, case: dict) -> None:
    assert_matches_reference(student, _pool_call("avg_pool2d", case))
