"""Part 1, feature-map size: ``output_size`` and ``same_padding``.

``output_size`` is graded in stages: the lecture's sizes, its integer padding and the
rejection of sizes that are not whole numbers first; per-side ``(before, after)`` padding
and TensorFlow's ``"valid"``/``"same"`` as later items.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ..compare import Call, assert_matches_reference, assert_raises
from ..i18n import _
from ..strategies import Axis, axes, bad_axes, sizes, strides
from . import check


def _size_call(a: Axis, padding_form: str = "int") -> Call:
    """output_size(n, f, stride[, padding]) with the padding written as asked."""
    if padding_form == "none":
        return Call("output_size", (a.n, a.f, a.s))
    padding = a.before if padding_form == "int" else (a.before, a.after)
    return Call("output_size", (a.n, a.f, a.s), {"padding": padding})


def _not_whole(a: Axis) -> str:
    return _(" because {sum} is not a whole number",
             sum=f"({a.n} + 2·{a.before} − {a.f}) / {a.s} + 1")


# The lecture's sizes: 7×7 with a 3×3 filter at stride 1 and 2; 32 → 28 → 24 with 5×5
# filters; 5×5 and 4×4 images with 3×3 filters.
LECTURE_SIZES = [Axis(7, 3, 1, 0, 0, 5), Axis(7, 3, 2, 0, 0, 3), Axis(32, 5, 1, 0, 0, 28),
                 Axis(28, 5, 1, 0, 0, 24), Axis(5, 3, 1, 0, 0, 3), Axis(4, 3, 1, 0, 0, 2)]


def _with_examples(axes_list):
    def decorate(fn):
        for a in reversed(axes_list):
            fn = example(a=a)(fn)
        return fn

    return decorate


@check(
    "output_size: lecture examples", per_submission="cases",
    hint=_("Count the positions the filter can take: (N − F) / stride + 1."),
)
@given(a=axes(max_out=6, max_f=5, max_stride=3))
@_with_examples(LECTURE_SIZES)
def output_size_lecture(student, a: Axis) -> None:
    assert_matches_reference(student, _size_call(a, "none"))


@check(
    "output_size: padding", per_submission="cases",
    hint=_("Padding P adds P zeros on each side: the padded size is N + 2P."),
)
@given(a=axes(max_out=6, max_f=5, max_stride=3, max_pad=3, symmetric=True))
@example(a=Axis(7, 3, 1, 1, 1, 7))
def output_size_padding(student, a: Axis) -> None:
    """The lecture's padding: one integer P, the same on both sides."""
    assert_matches_reference(student, _size_call(a, "int"))


@check(
    "output_size: (before, after) padding", per_submission="cases",
    hint=_("A pair (before, after) pads the two sides differently: the padded size is "
           "N + before + after."),
)
@given(a=axes(max_out=6, max_f=5, max_stride=3, max_pad=3, symmetric=False))
@example(a=Axis(5, 3, 1, 0, 2, 5))
def output_size_pair_padding(student, a: Axis) -> None:
    """Padding given per side, as ``(before, after)`` (beyond the lecture)."""
    assert_matches_reference(student, _size_call(a, "pair"))


@st.composite
def _too_big(draw) -> Axis:
    """A filter larger than the padded input."""
    n = draw(sizes(1, 4))
    return Axis(n, n + draw(sizes(1, 3)), draw(strides(2)), 0, 0, -1)


@check(
    "output_size: rejects non-integer sizes", per_submission="cases",
    hint=_("If (N + 2P − F) / S + 1 is not a whole number (or the filter is larger than the "
    "padded input), the filter does not fit: raise ValueError."),
)
@given(a=st.one_of(bad_axes(max_f=5, max_stride=4), _too_big()))
@example(a=Axis(7, 3, 3, 0, 0, -1))
def output_size_rejects(student, a: Axis) -> None:
    why = _(" because the filter is larger than the input") if a.f > a.n else _not_whole(a)
    assert_raises(student, _size_call(a, "none"), "ValueError", why)


@st.composite
def _string_axes(draw) -> tuple[int, int, int, str]:
    mode = draw(st.sampled_from(["valid", "same"]))
    f = draw(sizes(1, 5))
    n = draw(sizes(f if mode == "valid" else 1, 12))
    return n, f, draw(strides(4)), mode


@check(
    "output_size: valid and same", per_submission="cases",
    hint=_("'valid' uses no padding and rounds down (floor); 'same' gives ceil(N / stride) "
    "whatever the filter size."),
)
@given(case=_string_axes())
@example(case=(7, 3, 3, "valid")).via("the lecture's 7×7, 3×3, stride 3 under 'valid'")
@example(case=(7, 3, 2, "same"))
def output_size_valid_same(student, case) -> None:
    n, f, s, mode = case
    assert_matches_reference(student, Call("output_size", (n, f, s), {"padding": mode}))


@check(
    "same_padding: matches TensorFlow", per_submission="cases",
    hint=_("Total padding = max((ceil(N / S) − 1)·S + F − N, 0); half before, and the odd "
    "pixel (if any) after."),
)
@given(n=sizes(1, 12), f=sizes(1, 5), s=strides(4))
@example(n=7, f=3, s=1)
@example(n=8, f=3, s=2)
@example(n=5, f=4, s=1)
def same_padding_tf(student, n: int, f: int, s: int) -> None:
    assert_matches_reference(student, Call("same_padding", (n, f, s)))
