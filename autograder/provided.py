"""Correct answers for a student's calls to earlier graded functions.

A mistake costs the items of the function it is in, and no others. So while a function is
graded, its calls to the graded functions taught before it (``rubric.provided_while_grading``)
are answered here, by the reference, in the trusted process: ``tiny_cnn_forward`` is judged
on how it composes the layers, not again on a wrong ``conv2d``. The reference never enters
the sandbox; the worker asks, over the protocol, and gets plain data back
(``autograder.sandbox.jail.worker``).

The arguments come from student code, so an ask is refused (as the student's ``ValueError``)
when its arrays hold more than :data:`MAX_ASK_ELEMENTS` numbers or the answer would take
more than :data:`MAX_ASK_WORK` multiply-adds (:func:`work`): the grader's own process must
not be made to compute a huge convolution. Honest calls are far below both.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import numpy as np

import reference
from reference.geometry import padding_pairs

from .sandbox.jail.protocol import error_reply

#: Numbers an ask's arrays may hold in all (a training set of 8×8 digits is ~10⁵).
MAX_ASK_ELEMENTS = 1 << 21
#: Multiply-adds an answer may take (the gradient over a thousand digits is ~7·10⁷).
MAX_ASK_WORK = 1 << 27


def _numbers(value: Any) -> int:
    """How many numbers ``value`` holds (arrays, and lists, tuples and dicts of them)."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        return sum(_numbers(v) for v in value)
    if isinstance(value, dict):
        return sum(_numbers(v) for v in value.values())
    return 1


def _shape(value: Any) -> tuple[int, ...]:
    """The shape numpy would give ``value`` (a list of lists too); () if it has none."""
    try:
        return tuple(int(d) for d in np.shape(value))
    except (ValueError, TypeError):  # ragged: the reference refuses it before any work
        return ()


def _padded(hw: tuple[int, int], padding: Any, f_hw: tuple[int, int]) -> tuple[int, int]:
    """Height and width after padding; "same" or "valid" pad less than the window."""
    if isinstance(padding, str):
        return hw[0] + f_hw[0], hw[1] + f_hw[1]
    (t, b), (left, r) = padding_pairs(padding)
    return hw[0] + t + b, hw[1] + left + r


def _pair(value: Any, default: tuple[int, int]) -> tuple[int, int]:
    if value is None:
        return default
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    a, b = value
    return int(a), int(b)


def _window_work(x_shape: tuple[int, ...], f_hw: tuple[int, int], padding: Any,
                 per_position: int) -> int:
    """An upper bound on the work of sliding an ``f_hw`` window over every position of
    ``x_shape`` (..., H, W) padded by ``padding``, ``per_position`` times each."""
    lead = math.prod(x_shape[:-2])
    ph, pw = _padded((x_shape[-2], x_shape[-1]), padding, f_hw)
    return lead * ph * pw * (1 + f_hw[0] * f_hw[1] * per_position)


@functools.cache
def _signature(function: str) -> inspect.Signature:
    return inspect.signature(getattr(reference, function))


def work(function: str, args: tuple, kwargs: dict) -> int:
    """About how many multiply-adds the reference needs to answer ``function(*args,
    **kwargs)``; ValueError or TypeError if the arguments cannot even be read (the
    reference would refuse them at once too, so those asks cost nothing)."""
    bound = _signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    a = bound.arguments
    if function in ("conv2d", "conv2d_backward"):
        x, w = _shape(a["x"]), _shape(a["w"])
        if len(x) != 4 or len(w) != 4:
            return 0
        times = 1 if function == "conv2d" else 2
        return _window_work(x, (w[2], w[3]), a["padding"], w[0] * times)
    if function == "conv2d_single":
        x, w = _shape(a["image"]), _shape(a["kernel"])
        if len(x) != 2 or len(w) != 2:
            return 0
        return _window_work(x, (w[0], w[1]), a["padding"], 1)
    if function == "zero_pad":
        x = _shape(a["x"])
        return _window_work(x, (0, 0), a["pad"], 0) if len(x) >= 2 else 0
    if function in ("max_pool2d", "avg_pool2d", "max_pool2d_backward"):
        x = _shape(a["x"])
        if len(x) != 4:
            return 0
        size = _pair(a["size"], (2, 2))
        return _window_work(x, size, a.get("padding", 0), 2)
    if function in ("dense", "dense_backward"):
        x, w = _shape(a["x"]), _shape(a["w"])
        return 2 * math.prod(x[:1] or (1,)) * math.prod(w) if len(w) == 2 else 0
    if function in ("tiny_cnn_forward", "tiny_cnn_loss_and_grads"):
        n = _shape(a["x"])[:1] or (1,)
        shapes = reference.tiny_cnn.PARAM_SHAPES  # conv1 on 8×8, conv2 on 4×4, then dense
        per_image = (math.prod(shapes["conv1_w"]) * 64 + math.prod(shapes["conv2_w"]) * 16
                     + math.prod(shapes["fc_w"]))
        return n[0] * per_image * (1 if function == "tiny_cnn_forward" else 3)
    return _numbers((args, kwargs))


def answer(function: str, args: tuple, kwargs: dict, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The protocol reply to a student's call of ``function``: ``{"ok": value}`` with the
    reference's answer, or ``{"error": {"type", "message", "traceback"}}``.

    ``allowed``: the functions provided while the current function is graded; any other
    name is refused (a student cannot ask for the answer of the function being graded)."""
    if function not in allowed:
        return error_reply("NameError", f"{function} is not provided by the grader here")
    elements = _numbers((args, kwargs))
    if elements > MAX_ASK_ELEMENTS:
        return error_reply("ValueError", f"{function} was given {elements} numbers; the "
                                         f"grader's copy of it takes at most {MAX_ASK_ELEMENTS}")
    try:
        cost = work(function, args, kwargs)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        cost = 0  # the reference refuses these arguments itself, before any work
        if isinstance(exc, TypeError) and "argument" in str(exc):
            return error_reply("TypeError", f"{function}() {exc}")
    if cost > MAX_ASK_WORK:
        return error_reply("ValueError",
                           f"{function} was asked for about {cost:.2g} multiply-adds; the "
                           f"grader's copy of it does at most {MAX_ASK_WORK:.2g}")
    try:
        with np.errstate(all="ignore"):
            value = getattr(reference, function)(*args, **kwargs)  # args: freshly decoded
    except Exception as exc:  # the student's arguments made the reference refuse them
        return error_reply(type(exc).__name__, str(exc)[:2000])
    return {"ok": value}


__all__ = ["MAX_ASK_ELEMENTS", "MAX_ASK_WORK", "answer", "work"]
