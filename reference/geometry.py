"""Geometry of a convolution: how big the feature map is and how much padding it takes.

The lecture's rule for one axis: a filter of size F slides over N pixels, S at a time,
over an input padded with P zeros on each side, and lands on

    (N + 2P - F) / S + 1

positions. That number must be a whole, positive number; if it is not, the filter
does not fit the input evenly and the layer is ill-defined (the lecture's example:
N=7, F=3, S=3 gives 2.33).

Padding can be written four ways everywhere in this package:

- ``p``                       the same number of zeros on all four sides,
- ``(ph, pw)``                ``ph`` above and below, ``pw`` left and right,
- ``((top, bottom), (left, right))``  each side on its own,
- ``"valid"`` / ``"same"``    TensorFlow's names (floor-based, and ``ceil(n / s)``).
"""

from __future__ import annotations

import math
import numbers

Pad2D = tuple[tuple[int, int], tuple[int, int]]


def _is_int(value: object) -> bool:
    if type(value) is int:  # the common case, without the slower abstract-class check
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number >= 1."""
    if not _is_int(value):
        raise TypeError(f"{name}: 정수여야 하는데 {value!r}({type(value).__name__})입니다 · "
                        f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name}: 1 이상이어야 하는데 {value}입니다 · "
                         f"{name} must be at least 1, got {value}")
    return int(value)


def non_negative_int(value: object, name: str) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number >= 0."""
    if not _is_int(value):
        raise TypeError(f"{name}: 정수여야 하는데 {value!r}({type(value).__name__})입니다 · "
                        f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name}: 음수이면 안 되는데 {value}입니다 · "
                         f"{name} must not be negative, got {value}")
    return int(value)


def as_pair(value: object, name: str) -> tuple[int, int]:
    """Return ``(height, width)`` from an int or a pair of ints, each >= 1 (strides, sizes)."""
    if _is_int(value):
        v = positive_int(value, name)
        return v, v
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return positive_int(value[0], f"{name}[0]"), positive_int(value[1], f"{name}[1]")
    raise TypeError(f"{name}: 정수 하나나 정수 쌍 (높이, 너비)여야 하는데 {value!r}입니다 · "
                    f"{name} must be an int or a pair (height, width) of ints, got {value!r}")


def padding_pairs(padding: object) -> Pad2D:
    """Return ``((top, bottom), (left, right))`` from a numeric padding spec.

    Accepts ``p``, ``(ph, pw)`` or ``((top, bottom), (left, right))``; strings are
    resolved by :func:`resolve_padding`, which knows the input and filter sizes.
    """
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"padding 문자열로는 'valid'와 'same'만 쓸 수 있는데 "
                             f"{padding!r}입니다 · "
                             f"padding string must be 'valid' or 'same', got {padding!r}")
        raise TypeError(
            f"padding {padding!r}: 입력과 필터의 크기를 알아야 숫자로 바꿀 수 있습니다. 먼저 "
            "same_padding으로 바꾸세요('valid'는 0입니다) · "
            f"padding {padding!r} needs the input and filter sizes; "
            "use same_padding (or 0 for 'valid') to turn it into numbers first"
        )
    if _is_int(padding):
        p = non_negative_int(padding, "padding")
        return (p, p), (p, p)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(_is_int(p) for p in padding):
            ph = non_negative_int(padding[0], "padding[0]")
            pw = non_negative_int(padding[1], "padding[1]")
            return (ph, ph), (pw, pw)
        if all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            (t, b), (left, r) = padding
            return (
                (non_negative_int(t, "top padding"), non_negative_int(b, "bottom padding")),
                (non_negative_int(left, "left padding"), non_negative_int(r, "right padding")),
            )
    raise TypeError(
        "padding: 정수, (ph, pw), ((top, bottom), (left, right)), 'valid', 'same' 중 하나여야 "
        f"하는데 {padding!r}입니다 · "
        "padding must be an int, (ph, pw), ((top, bottom), (left, right)), 'valid' or 'same'; "
        f"got {padding!r}"
    )


def _axis_padding(padding: object) -> tuple[int, int]:
    """One axis of padding: ``p`` or ``(before, after)``."""
    if _is_int(padding):
        p = non_negative_int(padding, "padding")
        return p, p
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        return (
            non_negative_int(padding[0], "padding before"),
            non_negative_int(padding[1], "padding after"),
        )
    raise TypeError(
        f"한 축의 padding: 정수, (앞, 뒤), 'valid', 'same' 중 하나여야 하는데 {padding!r}입니다 · "
        f"padding for one axis must be an int, (before, after), 'valid' or 'same'; got {padding!r}"
    )


def output_size(n: int, f: int, stride: int = 1, padding: int | tuple | str = 0) -> int:
    """Number of positions a filter of size ``f`` takes along an axis of ``n`` pixels.

    Inputs:
    - n: input size along the axis (>= 1), e.g. H or W of an (H, W) image
    - f: filter size along the axis (>= 1)
    - stride: step between positions (>= 1)
    - padding: zeros on each side ``p``, or ``(before, after)``, or ``"valid"`` / ``"same"``

    Returns an int, the output size ``(n + 2p - f) / stride + 1``.

    Raises ``ValueError`` when that is not a positive whole number; the message shows
    the arithmetic. ``"valid"`` rounds down instead (TensorFlow), ``"same"`` gives
    ``ceil(n / stride)``.

    >>> output_size(7, 3, 1), output_size(7, 3, 2), output_size(7, 3, 1, padding=1)
    (5, 3, 7)
    >>> output_size(7, 3, 3)
    Traceback (most recent call last):
        ...
    ValueError: (7 + 2·0 − 3) / 3 + 1 = 2.33 is not an integer
    """
    n = positive_int(n, "n (input size)")
    f = positive_int(f, "f (filter size)")
    s = positive_int(stride, "stride")
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "same":
            return math.ceil(n / s)
        if mode == "valid":
            if f > n:
                raise ValueError(f"filter size {f} is larger than the input size {n}")
            return (n - f) // s + 1
        raise ValueError(f"padding string must be 'valid' or 'same', got {padding!r}")
    before, after = _axis_padding(padding)
    span = n + before + after - f
    pad_text = f"2·{before}" if before == after else f"{before} + {after}"
    if span < 0:
        raise ValueError(
            f"filter size {f} is larger than the padded input: {n} + {pad_text} = "
            f"{n + before + after} < {f}"
        )
    if span % s != 0:
        value = span / s + 1
        raise ValueError(f"({n} + {pad_text} − {f}) / {s} + 1 = {value:.2f} is not an integer")
    return span // s + 1


def same_padding(n: int, f: int, stride: int = 1) -> tuple[int, int]:
    """Zeros ``(before, after)`` that TensorFlow's ``"same"`` adds along one axis.

    Inputs:
    - n: input size along the axis (>= 1)
    - f: filter size along the axis (>= 1)
    - stride: step between positions (>= 1)

    Returns a pair of ints ``(before, after)``. The output has ``ceil(n / stride)``
    positions; the padding needed for that is ``max((out - 1) * stride + f - n, 0)`` in
    total, split evenly with the odd pixel going after (bottom / right).

    >>> same_padding(7, 3), same_padding(8, 3, 2), same_padding(5, 4)
    ((1, 1), (0, 1), (1, 2))
    """
    n = positive_int(n, "n (input size)")
    f = positive_int(f, "f (filter size)")
    s = positive_int(stride, "stride")
    out = math.ceil(n / s)
    total = max((out - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: object, in_hw: tuple[int, int], f_hw: tuple[int, int], stride_hw: tuple[int, int]
) -> Pad2D:
    """Turn any padding spec into ``((top, bottom), (left, right))`` for this geometry.

    ``"valid"`` becomes no padding (the output size then rounds down, and the rows or
    columns the filter cannot reach are dropped); ``"same"`` uses :func:`same_padding`.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            return (
                same_padding(in_hw[0], f_hw[0], stride_hw[0]),
                same_padding(in_hw[1], f_hw[1], stride_hw[1]),
            )
        raise ValueError(f"padding string must be 'valid' or 'same', got {padding!r}")
    return padding_pairs(padding)


def output_shape(
    in_hw: tuple[int, int], f_hw: tuple[int, int], stride_hw: tuple[int, int], padding: object
) -> tuple[int, int]:
    """``(OH, OW)`` for an input ``in_hw``, filter ``f_hw``, stride and padding spec.

    Height and width each follow :func:`output_size` with their own numbers:
    ``OH = (H + 2P − FH)/S + 1`` and ``OW = (W + 2P − FW)/S + 1``.
    """
    if isinstance(padding, str):
        return (
            output_size(in_hw[0], f_hw[0], stride_hw[0], padding),
            output_size(in_hw[1], f_hw[1], stride_hw[1], padding),
        )
    (t, b), (left, r) = padding_pairs(padding)
    return (
        output_size(in_hw[0], f_hw[0], stride_hw[0], (t, b)),
        output_size(in_hw[1], f_hw[1], stride_hw[1], (left, r)),
    )
