"""The canonical key of a call to a graded function: what both sides match asks by.

While a function is graded, the grader answers the student's call of an earlier graded
function only when it is one of the calls a correct version makes on the case at hand
(``autograder.provided``). Both sides name a call by :func:`call_key`: a digest of the
function's name and its arguments in one canonical form, so that every way of writing the
same call gives the same key and any other call another one:

- arguments bound to the parameters as Python binds them, defaults filled in;
- arrays by dtype (float32 stays float32; other real numbers are float64, labels int64),
  shape and bytes, whatever their memory layout or container (a list of lists too);
- a stride or window size ``s`` as ``(s, s)``; a pooling stride of None as the window;
- a padding ``p``, ``(ph, pw)`` or ``((top, bottom), (left, right))`` as the last form
  (``(before, after)`` for the one axis of ``output_size``), a mode in lower case.

The worker computes the keys of its own asks (its cost, not the grader's) and sends the
key alone: the grader never reads, let alone computes on, arguments a student chose. A key
that names no call the grader expects gets no answer, whoever made it up.

Standard library and numpy only: this module runs in the jail too.
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

REQUIRED = object()

#: Every graded function that can be answered, with its parameters: (name, kind[, default]).
#: ``autograder.reference``'s signatures are the source; a test keeps this table equal to them.
SPECS: dict[str, tuple[tuple[Any, ...], ...]] = {
    "output_size": (("n", "int"), ("f", "int"), ("stride", "int", 1),
                    ("padding", "axis_padding", 0)),
    "same_padding": (("n", "int"), ("f", "int"), ("stride", "int", 1)),
    "zero_pad": (("x", "array"), ("pad", "padding")),
    "conv2d_single": (("image", "array"), ("kernel", "array"), ("bias", "number", 0.0),
                      ("stride", "pair", 1), ("padding", "padding", 0)),
    "conv2d": (("x", "array"), ("w", "array"), ("b", "array_or_none", None),
               ("stride", "pair", 1), ("padding", "padding", 0)),
    "max_pool2d": (("x", "array"), ("size", "pair", 2), ("stride", "window_stride", None),
                   ("padding", "padding", 0)),
    "avg_pool2d": (("x", "array"), ("size", "pair", 2), ("stride", "window_stride", None)),
    "relu": (("x", "array"),),
    "flatten": (("x", "array"),),
    "dense": (("x", "array"), ("w", "array"), ("b", "array")),
    "softmax": (("logits", "array"),),
    "cross_entropy": (("logits", "array"), ("labels", "labels")),
    "init_tiny_cnn": (("seed", "int", 0),),
    "tiny_cnn_forward": (("x", "array"), ("params", "params")),
    "relu_backward": (("dout", "array"), ("x", "array")),
    "dense_backward": (("dout", "array"), ("x", "array"), ("w", "array")),
    "conv2d_backward": (("dout", "array"), ("x", "array"), ("w", "array"),
                        ("stride", "pair", 1), ("padding", "padding", 0)),
    "max_pool2d_backward": (("dout", "array"), ("x", "array"), ("size", "pair", 2),
                            ("stride", "window_stride", None)),
    "tiny_cnn_loss_and_grads": (("x", "array"), ("y", "labels"), ("params", "params")),
}


class NotCanonical(Exception):
    """The arguments have no canonical form (a wrong number of them, a string where an
    array belongs, ...): no correct version of the caller makes such a call."""


def bind(function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """``function``'s arguments by parameter name, defaults filled in, as Python would
    bind them; NotCanonical where Python would raise TypeError (or for an unknown name)."""
    spec = SPECS.get(function)
    if spec is None or len(args) > len(spec):
        raise NotCanonical(function)
    bound = {p[0]: value for p, value in zip(spec, args, strict=False)}
    for name, value in kwargs.items():
        if name in bound or not any(p[0] == name for p in spec):
            raise NotCanonical(name)
        bound[name] = value
    for p in spec:
        if p[0] not in bound:
            if len(p) < 3:
                raise NotCanonical(p[0])
            bound[p[0]] = p[2]
    return bound


def call_key(function: str, args: tuple, kwargs: dict) -> str | None:
    """The call's key (40 hex digits), or None when it has no canonical form."""
    try:
        bound = bind(function, args, kwargs)
        parts = [function.encode()]
        for name, kind, *_ in SPECS[function]:
            _FORMS[kind](parts, bound[name], bound)
        return hashlib.blake2b(b"\0".join(parts), digest_size=20).hexdigest()
    except Exception:  # NotCanonical, or whatever numpy says of a strange argument
        return None


def canonical_array(value: Any, labels: bool = False) -> np.ndarray:
    """``value`` as the array a key is made of: float32 stays float32, other real numbers
    become float64 (int64 for ``labels``); NotCanonical for anything else."""
    if isinstance(value, (str, bytes)) or value is None:
        raise NotCanonical("not an array")
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if labels:
        if kind not in "iu":
            raise NotCanonical("labels must be integers")
        return arr.astype(np.int64, copy=False)
    if kind not in "biuf":
        raise NotCanonical(f"dtype {arr.dtype}")
    return arr.astype(np.float32 if arr.dtype == np.float32 else np.float64, copy=False)


def _is_int(value: Any) -> bool:
    if type(value) is int:  # the common case, without the abstract-class check
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _two_ints(value: Any) -> tuple[int, int]:
    if (isinstance(value, (tuple, list)) and len(value) == 2 and _is_int(value[0])
            and _is_int(value[1])):
        return int(value[0]), int(value[1])
    raise NotCanonical("not a pair of whole numbers")


def _int_or_pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if _is_int(value) else _two_ints(value)


# Each form appends its part (bytes with a tag that says which form made it, so that no two
# different calls give the same stream; an array's part ends with its length-prefixed data).


def _int(parts: list, value: Any, _: dict) -> None:
    if not _is_int(value):
        raise NotCanonical("not a whole number")
    parts.append(b"i%d" % int(value))


def _number(parts: list, value: Any, _: dict) -> None:
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise NotCanonical("not a number")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise NotCanonical("not a real number")
    parts.append(b"f" + float(arr).hex().encode())


def _pair(parts: list, value: Any, _: dict) -> None:
    parts.append(b"p%d,%d" % _int_or_pair(value))


def _window_stride(parts: list, value: Any, bound: dict) -> None:
    _pair(parts, bound["size"] if value is None else value, bound)


def _padding(parts: list, value: Any, _: dict) -> None:
    """p, (ph, pw) or ((top, bottom), (left, right)) as the last; a mode in lower case."""
    if isinstance(value, str):
        mode = value.lower().encode()
        parts.append(b"s%d:%s" % (len(mode), mode))
        return
    if isinstance(value, (tuple, list)) and len(value) == 2 and not (
            _is_int(value[0]) and _is_int(value[1])):
        (top, bottom), (left, right) = _two_ints(value[0]), _two_ints(value[1])
    else:
        (top, left) = _int_or_pair(value)
        bottom, right = top, left
    parts.append(b"P%d,%d,%d,%d" % (top, bottom, left, right))


def _axis_padding(parts: list, value: Any, _: dict) -> None:
    """p or (before, after) as the latter; a mode in lower case."""
    if isinstance(value, str):
        mode = value.lower().encode()
        parts.append(b"s%d:%s" % (len(mode), mode))
        return
    parts.append(b"A%d,%d" % _int_or_pair(value))


def _array(parts: list, value: Any, _: dict, labels: bool = False) -> None:
    arr = canonical_array(value, labels)
    data = arr.tobytes()
    parts.append(b"a%s%s%d:" % (arr.dtype.str.encode(), repr(arr.shape).encode(), len(data))
                 + data)


def _array_or_none(parts: list, value: Any, bound: dict) -> None:
    if value is None:
        parts.append(b"n")
    else:
        _array(parts, value, bound)


def _labels(parts: list, value: Any, bound: dict) -> None:
    _array(parts, value, bound, labels=True)


def _params(parts: list, value: Any, bound: dict) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise NotCanonical("params must be a dict of arrays")
    parts.append(b"d%d" % len(value))
    for name in sorted(value):
        parts.append(b"k%d:%s" % (len(name.encode()), name.encode()))
        _array(parts, value[name], bound)


_FORMS: dict[str, Callable[[list, Any, dict], None]] = {
    "int": _int, "number": _number, "pair": _pair, "window_stride": _window_stride,
    "padding": _padding, "axis_padding": _axis_padding, "array": _array,
    "array_or_none": _array_or_none, "labels": _labels, "params": _params,
}
