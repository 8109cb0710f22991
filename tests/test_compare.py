"""Properties of ``autograder.compare``: tolerances, NaN and inf, dtypes, and the order
in which problems are reported (type, shape, dtype, values).

The tolerance rule is the documented one (``compare.TOLERANCES``): values g and e agree
when |g − e| ≤ rtol·|e| + atol·scale, scale being the largest finite |e| (at least 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.compare import TOLERANCES, Mismatch, MismatchLog, assert_same, fail
from autograder.results import MismatchKind

FLOATS = st.sampled_from([np.float32, np.float64])


@st.composite
def float_arrays(draw, dtype=None, min_dims=1):
    dtype = np.dtype(draw(FLOATS) if dtype is None else dtype)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=4, max_side=4))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=dtype.itemsize * 8)
    return draw(hnp.arrays(dtype, shape, elements=values))


def mismatch_of(got, expected, **options) -> Mismatch:
    with pytest.raises(Mismatch) as caught:
        assert_same(got, expected, **options)
    return caught.value


def allowed(expected: np.ndarray, index: tuple) -> float:
    """The largest difference at ``index`` that still counts as equal (the documented rule)."""
    rtol, atol = TOLERANCES[expected.dtype]
    e = expected.astype(np.float64)
    scale = max(1.0, float(np.max(np.abs(e))))
    return rtol * abs(float(e[index])) + atol * scale


# ---------------------------------------------------------------- equal answers pass


@given(float_arrays())
def test_an_array_always_matches_a_copy_of_itself(x):
    assert_same(x.copy(), x)


@given(float_arrays(), st.data())
def test_a_difference_well_inside_the_tolerance_passes(x, data):
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in x.shape)))
    got = x.astype(np.float64)
    got[index] += allowed(x, index) / 4
    got = got.astype(x.dtype)
    assert_same(got, x)


# ---------------------------------------------------------------- a wrong value is found


@given(float_arrays(), st.data(), st.sampled_from([-1.0, 1.0]))
def test_a_change_beyond_the_tolerance_at_any_position_is_reported_there(x, data, sign):
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in x.shape)))
    got = x.astype(np.float64)
    got[index] += sign * max(4 * allowed(x, index), 1e-3)
    got = got.astype(x.dtype)
    assume(abs(float(got[index]) - float(x[index])) > allowed(x, index))  # survived the cast
    m = mismatch_of(got, x)
    assert m.kind is MismatchKind.VALUE
    assert m.summary == f"wrong values at 1 of {x.size} positions"
    assert m.where.startswith(f"first difference at [{', '.join(map(str, index))}]")


@given(float_arrays(), st.data())
def test_the_first_of_several_differences_is_the_one_shown(x, data):
    assume(x.size >= 2)
    flat = data.draw(st.lists(st.integers(0, x.size - 1), min_size=2, max_size=x.size,
                              unique=True))
    got = x.astype(np.float64)
    for i in flat:
        got.flat[i] += 10.0
    m = mismatch_of(got.astype(x.dtype), x)
    first = np.unravel_index(min(flat), x.shape)
    assert m.where.startswith(f"first difference at [{', '.join(map(str, first))}]")
    assert m.summary == f"wrong values at {len(flat)} of {x.size} positions"


# ---------------------------------------------------------------- NaN and inf


@given(float_arrays(), st.data())
def test_nan_never_equals_anything_not_even_nan(x, data):
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in x.shape)))
    got = x.copy()
    got[index] = np.nan
    m = mismatch_of(got, x)
    assert m.kind is MismatchKind.VALUE and "(1 of them nan)" in m.summary
    both = x.copy()
    both[index] = np.nan
    assert mismatch_of(got, both).kind is MismatchKind.VALUE  # nan vs nan: still wrong


@given(float_arrays(), st.data())
def test_nan_matches_nan_only_when_asked(x, data):
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in x.shape)))
    x = x.copy()
    x[index] = np.nan
    assert_same(x.copy(), x, equal_nan=True)


@given(FLOATS, st.sampled_from([np.inf, -np.inf]))
def test_inf_equals_inf_of_the_same_sign_only(dtype, inf):
    expected = np.array([1.0, inf], dtype=dtype)
    assert_same(expected.copy(), expected)
    m = mismatch_of(np.array([1.0, -inf], dtype=dtype), expected)
    assert m.kind is MismatchKind.VALUE and m.where.startswith("first difference at [1]")
    big = np.finfo(dtype).max * np.sign(inf)
    assert mismatch_of(np.array([1.0, big], dtype=dtype), expected).kind is MismatchKind.VALUE


def test_an_infinite_expected_value_does_not_widen_the_tolerance():
    # the scale is the largest *finite* magnitude: an inf elsewhere must not make 1 ≈ 2
    expected = np.array([1.0, np.inf])
    assert mismatch_of(np.array([2.0, np.inf]), expected).where.startswith(
        "first difference at [0]")


# ---------------------------------------------------------------- dtypes and shapes


@given(float_arrays(dtype=np.float32))
def test_float64_for_float32_input_is_a_dtype_mismatch(x):
    m = mismatch_of(x.astype(np.float64), x, strict_dtype=True)
    assert m.kind is MismatchKind.DTYPE
    assert m.summary == "expected float32 output for float32 input, got float64"


@given(float_arrays(dtype=np.float64))
def test_float32_for_float64_is_a_dtype_mismatch_even_with_equal_values(x):
    m = mismatch_of(x.astype(np.float32), x, strict_dtype=True)
    assert m.kind is MismatchKind.DTYPE and m.summary == "expected float64 output, got float32"


@given(float_arrays(dtype=np.float64))
def test_where_dtype_is_not_charged_float32_is_judged_at_float32s_tolerance(x):
    assert_same(x.astype(np.float32), x)  # rounding to float32 is within its tolerance
    scale = max(1.0, float(np.abs(x).max()))
    off = x.astype(np.float32) + np.float32(1e-3 * scale)
    assert mismatch_of(off, x).kind is MismatchKind.VALUE


@given(float_arrays(dtype=np.float64))
def test_where_dtype_is_not_charged_integers_are_judged_on_their_values(x):
    assert_same(np.round(x).astype(np.int64), np.round(x))
    fractional = np.round(x) + 0.5
    assert mismatch_of(fractional.astype(np.int64), fractional).kind is MismatchKind.VALUE


@given(float_arrays(), st.sampled_from([np.int64, np.int32, np.bool_]))
def test_integers_for_floats_is_a_dtype_mismatch(x, dtype):
    m = mismatch_of(x.astype(dtype), x, strict_dtype=True)
    assert m.kind is MismatchKind.DTYPE and m.summary.startswith("expected floats, got")


@given(float_arrays(), st.integers(1, 3))
def test_a_wrong_shape_is_reported_before_dtype_and_values(x, extra):
    shape = (*x.shape[:-1], x.shape[-1] + extra)
    got = np.zeros(shape, np.int64) if extra % 2 else np.full(shape, np.nan, np.float16)
    m = mismatch_of(got, x)
    assert m.kind is MismatchKind.SHAPE
    assert m.summary == f"expected shape {x.shape}, got {got.shape}"


@given(float_arrays())
def test_a_list_for_an_array_is_a_type_mismatch_before_anything_else(x):
    m = mismatch_of(x.tolist(), x)
    assert m.kind is MismatchKind.TYPE


@given(st.integers(-100, 100))
def test_a_whole_number_must_be_an_int(n):
    assert_same(n, n)
    assert_same(np.int64(n), n)
    assert mismatch_of(float(n), n).kind is MismatchKind.TYPE
    assert mismatch_of(n + 1, n).kind is MismatchKind.VALUE
    assert mismatch_of(True, 1).kind is MismatchKind.TYPE  # a bool is not a count


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_single_numbers_use_the_float64_tolerance(e):
    rtol, atol = TOLERANCES[np.dtype(np.float64)]
    allowed_here = rtol * abs(e) + atol * max(1.0, abs(e))
    assert_same(e + allowed_here / 4, e)
    assert mismatch_of(e + 4 * allowed_here + 1e-9, e).kind is MismatchKind.VALUE
    assert mismatch_of(float("nan"), e).kind is MismatchKind.VALUE


def test_parts_of_a_tuple_are_named_in_the_summary():
    expected = (np.zeros(2), np.ones((2, 2)), np.zeros(3))
    got = (np.zeros(2), np.ones((2, 2)), np.zeros(4))
    m = mismatch_of(got, expected, names=("dx", "dw", "db"))
    assert (m.kind, m.path) == (MismatchKind.SHAPE, "db")
    assert m.summary == "db: expected shape (3,), got (4,)"
    assert mismatch_of((np.zeros(2),), expected).kind is MismatchKind.TYPE


# ---------------------------------------------------------------- collecting mismatches


def test_a_log_collects_the_mismatches_made_inside_it_and_no_others():
    fail_with = [MismatchKind.SHAPE, MismatchKind.VALUE, MismatchKind.DTYPE]
    outside = Mismatch("before any log")
    with MismatchLog(limit=2) as log:
        for kind in fail_with:
            with pytest.raises(Mismatch):
                fail("wrong", kind=kind)
    after = Mismatch("after the log closed")
    assert [m.kind for m in log.found] == fail_with[:2]
    assert outside not in log.found and after not in log.found


def test_logs_nest_and_only_the_innermost_collects():
    with MismatchLog() as outer:
        first = Mismatch("outer")
        with MismatchLog() as inner:
            second = Mismatch("inner")
        third = Mismatch("outer again")
    assert outer.found == [first, third] and inner.found == [second]
