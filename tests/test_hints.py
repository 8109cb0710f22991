"""A check's hint is shown only where the failing case implicates it
(``autograder/checks/hints.py``): known answers for the rules that decide, and the pooling
mistake whose correct padding a generic hint would blame."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from autograder import rubric
from autograder.checks import REGISTRY
from autograder.checks.hints import RULES, hint_for, padded_cell_won, what_differs
from autograder.compare import Call, Mismatch
from autograder.results import MismatchKind


def mismatch(student, function: str, *args, **kwargs) -> Mismatch:
    """The mismatch the engine would make for ``student``'s answer to this call."""
    call = Call(function, args, kwargs)
    return Mismatch("differs", call=call, expected=call.expected(),
                    got=student(*args, **kwargs))


def hint_of(item: str, m: Mismatch | None) -> str:
    return hint_for(item, REGISTRY[item].hint, m)


def pool_channels_mixed(x, size=2, stride=None, padding=0):
    """max_pool2d taking each window's maximum over every channel, padded with −inf."""
    one = reference.max_pool2d(x.max(axis=1, keepdims=True), size, stride, padding)
    return np.repeat(one, x.shape[1], axis=1)


def pool_zero_padded(x, size=2, stride=None, padding=0):
    """max_pool2d padding with zeros: a zero wins a window of negative pixels."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return reference.max_pool2d(xp, size, stride)


PADDING = "max_pool2d: padding never wins"
MINUS_INF = REGISTRY[PADDING].hint


def test_every_rule_belongs_to_an_item_with_a_check():
    assert set(RULES) <= {it.name for it in rubric.ITEMS}
    assert set(RULES) <= set(REGISTRY)


def test_the_padding_hint_when_a_padded_zero_won_a_window():
    x = -np.arange(1.0, 9.0).reshape(1, 2, 2, 2)  # every pixel negative
    m = mismatch(pool_zero_padded, "max_pool2d", x, size=2, stride=2, padding=1)
    assert padded_cell_won(m)
    assert hint_of(PADDING, m) == MINUS_INF


def test_no_padding_hint_for_channels_mixed_whose_padding_is_right():
    """Two channels, padding 1: the mixed answer is larger than its own channel's pixels
    in windows that reach the padding, but the value is the other channel's pixel."""
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]], [[10.0, 20.0], [30.0, 40.0]]]])
    m = mismatch(pool_channels_mixed, "max_pool2d", x, size=2, stride=2, padding=1)
    assert not padded_cell_won(m)
    shown = hint_of(PADDING, m)
    assert "−inf" not in shown and shown != MINUS_INF
    # what the difference shows instead: everything wrong is in channel 0
    assert shown == what_differs(m) and "channel" in shown and "0" in shown


def test_the_stability_hint_only_when_scores_are_large_or_the_answer_overflowed():
    def softmax_no_shift(z):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)

    def softmax_wrong_axis(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    item = "softmax: values and stability"
    big = mismatch(softmax_no_shift, "softmax", np.array([[1000.0, 0.0], [0.0, 1.0]]))
    assert hint_of(item, big) == REGISTRY[item].hint
    small = mismatch(softmax_wrong_axis, "softmax", np.array([[1.0, 2.0], [0.0, 0.0]]))
    assert "1000" not in hint_of(item, small) and hint_of(item, small)


def test_the_bias_hint_only_when_the_answer_is_off_by_a_constant_per_map():
    item = "conv2d: bias"
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(1, 1, 3, 3)), rng.normal(size=(2, 1, 2, 2)), np.array([1.0, 2.0])
    no_bias = mismatch(lambda x, w, b: reference.conv2d(x, w), "conv2d", x, w, b)
    assert hint_of(item, no_bias) == REGISTRY[item].hint
    flipped = mismatch(lambda x, w, b: reference.conv2d(x, w[:, :, ::-1, ::-1], b),
                       "conv2d", x, w, b)
    assert hint_of(item, flipped) != REGISTRY[item].hint


def test_an_answer_off_by_one_amount_everywhere_is_said_so():
    m = mismatch(lambda x: np.maximum(x, 0) + 0.5, "relu", np.array([[-1.0, 2.0], [3.0, -4.0]]))
    assert "0.5" in what_differs(m)


@pytest.mark.parametrize("kind", [MismatchKind.NO_ERROR, MismatchKind.WRONG_ERROR])
def test_a_rejection_hint_follows_what_came_back(kind):
    item = "output_size: rejects non-integer sizes"
    call = Call("output_size", (7, 3), {"stride": 3})
    m = Mismatch("should raise", call=call, expected=None, got=2, kind=kind)
    shown = hint_of(item, m)
    if kind is MismatchKind.WRONG_ERROR:
        assert "not another exception" in shown
    else:
        assert "not a whole number" in shown
