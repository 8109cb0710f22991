"""The matcher: which known mistake explains a mismatch.

When a check finds a wrong answer, :func:`diagnose` replays the same call through each
known mistake for that function. If the student's answer equals a mistaken answer, that
mistake is named; a mistake that explains only the shape (a wrong output size) is named
too, after every exact match has been tried.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compare import Call, Mismatch, assert_same
from ..results import MismatchKind
from .catalogue import CATALOGUE, NOT_APPLICABLE, Misconception
from .helpers import bound_args, shapes


def candidates(function: str) -> list[Misconception]:
    """The known mistakes for ``function``, in the order they are tried."""
    return [m for m in CATALOGUE if m.applies_to(function)]


def variant_answer(m: Misconception, call: Call) -> Any:
    """Mistake ``m``'s answer for ``call`` (or NOT_APPLICABLE). An exception here is a bug
    in the variant and is passed on."""
    with np.errstate(all="ignore"):
        return m.variants[call.function](call, bound_args(call))


def explanations(mismatch: Mismatch) -> list[Misconception]:
    """Every known mistake whose answer equals ``mismatch``'s answer (exact matches first,
    then those that only explain its shape), in catalogue order."""
    call = mismatch.call
    if call is None:
        return []
    try:
        args = bound_args(call)
    except (TypeError, ValueError, AttributeError):  # a call the reference cannot take
        return []
    exact, by_shape = [], []
    for m in candidates(call.function):
        if mismatch.kind not in m.kinds:
            continue
        test = m.matcher_for(call.function)
        if test is not None:
            if test(mismatch, args):
                exact.append(m)
            continue
        variant = variant_answer(m, call)
        if variant is NOT_APPLICABLE:
            continue
        if mismatch.kind is MismatchKind.SHAPE:
            if shapes(variant) == shapes(mismatch.answer):
                by_shape.append(m)
        elif _same_answer(mismatch.answer, variant) and not (
            mismatch.full_expected is not None and _same_answer(mismatch.full_expected, variant)
        ):
            exact.append(m)
    return exact + by_shape


def diagnose(mismatch: Mismatch, *others: Mismatch) -> Misconception | None:
    """The known mistake that explains ``mismatch``.

    Small cases can be explained by several mistakes (on a 1×1 output a flipped kernel
    and misplaced padding can give the same number); ``others`` (larger failing cases of
    the same check) break such ties: a mistake that explains them too is preferred.
    """
    found = explanations(mismatch)
    if len(found) == 1 and not others:
        return found[0]
    for other in others:
        more = explanations(other)
        both = [m for m in found if m in more]
        if both:
            return both[0]
        if not found and more:
            return more[0]
    return found[0] if found else None


def _same_answer(a: Any, b: Any) -> bool:
    try:
        assert_same(a, b, equal_nan=True)
    except (Mismatch, TypeError):
        return False
    return True
