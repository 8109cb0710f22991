"""Hypothesis strategies for the grader's checks, composed from small named pieces.

Array values come from a numpy generator seeded by one drawn integer: hypothesis then
shrinks a failing case by its geometry (sizes, stride, padding, counts), which is what
a student needs to see, and never spends hundreds of student calls zeroing single pixels.

Hypothesis draws the geometry and each array's seed; the array itself is made only when
the check runs (:class:`Drawn`, :func:`made`), from its seed mixed with the submission's
salt (:data:`SALT`, set by the engine). So the values differ for every submission (what
one submission's feedback shows is no use to the next, or to a classmate) while the
geometry stays the term's: the engine remembers the cases a passing run drew and checks
the next submission on them, with that submission's own values.

Most arrays hold small integers stored as floats (-4..4): every correct result is then
a sum of products of small integers, exact in float64 and float32, so a correct answer
matches to the last bit and each known mistake lands on a visibly different number.

Geometries are drawn output-size first and the input size derived from it, so every
drawn geometry is valid without filtering.
"""

from __future__ import annotations

import dataclasses
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

DTYPES = (np.float64, np.float32)
ValueKind = str  # "ints" (-4..4), "negative" (-4..-1), "floats" (normal), "distinct" (no ties)

# ---------------------------------------------------------------- small pieces


def sizes(min_value: int = 1, max_value: int = 5) -> st.SearchStrategy[int]:
    """A size along one axis (image, filter, output, batch, channels)."""
    return st.integers(min_value, max_value)


def strides(max_value: int = 3) -> st.SearchStrategy[int]:
    """A step between filter positions."""
    return st.integers(1, max_value)


def pads(max_value: int = 2) -> st.SearchStrategy[int]:
    """Zeros on one side of one axis."""
    return st.integers(0, max_value)


def dtypes() -> st.SearchStrategy[Any]:
    """float64 or float32."""
    return st.sampled_from(DTYPES)


def array_of(shape: tuple[int, ...], dtype: Any, values: ValueKind,
             seed: int | tuple[int, ...]) -> np.ndarray:
    """A deterministic array of ``shape`` filled according to ``values``."""
    rng = np.random.default_rng(seed)
    if values == "ints":
        arr = rng.integers(-4, 5, size=shape).astype(np.float64)
    elif values == "negative":
        arr = rng.integers(-4, 0, size=shape).astype(np.float64)
    elif values == "distinct":  # every value different, so maxima never tie
        arr = rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2.0
    elif values == "floats":
        arr = rng.normal(0.0, 1.5, size=shape)
    else:
        raise ValueError(f"unknown value kind {values!r}")
    return arr.astype(dtype)


#: The submission's salt while a check runs (None: the term's own values, as for
#: ``score()`` in a notebook, which cannot know the submission it is part of).
SALT: ContextVar[tuple[int, ...] | None] = ContextVar("convlab_case_salt", default=None)


def salted(seed: int, salt: tuple[int, ...] | None) -> int | tuple[int, ...]:
    """The generator seed of a drawn ``seed`` under ``salt``."""
    return seed if salt is None else (seed, *salt)


class Later:
    """A value made when the check runs, from the submission's salt (``make(salt)``)."""

    def make(self, salt: tuple[int, ...] | None) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Drawn(Later):
    """An array made when the check runs: ``array_of(shape, dtype, values, seed)`` under
    the submission's salt, times ``scale``, plus ``shift``. Hypothesis draws only this
    description; its ``shape`` is known before the values."""

    shape: tuple[int, ...]
    dtype: Any
    values: ValueKind
    seed: int
    scale: float = 1.0
    shift: float = 0.0

    def make(self, salt: tuple[int, ...] | None) -> np.ndarray:
        arr = array_of(self.shape, self.dtype, self.values, salted(self.seed, salt))
        if self.scale != 1.0 or self.shift != 0.0:
            arr = (arr * self.scale + self.shift).astype(self.dtype)
        return arr

    def scaled(self, scale: float) -> Drawn:
        return dataclasses.replace(self, scale=self.scale * scale)


def made(value: Any, salt: tuple[int, ...] | None) -> Any:
    """``value`` with every :class:`Later` inside it (tuples, lists, dicts, dataclasses
    such as ConvCase or Call) made under ``salt``; the rest as it is."""
    if isinstance(value, Later):
        return value.make(salt)
    if type(value) in (tuple, list):
        return type(value)(made(v, salt) for v in value)
    if type(value) is dict:
        return {k: made(v, salt) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = made(old, salt)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def images(
    shape: tuple[int, ...], dtype: Any = np.float64, values: ValueKind = "ints"
) -> st.SearchStrategy[Drawn]:
    """Arrays of ``shape`` (images, filters, biases) from one drawn seed, made when the
    check runs (:class:`Drawn`)."""
    shape = tuple(int(d) for d in shape)
    return st.integers(0, 2**32 - 1).map(lambda seed: Drawn(shape, dtype, values, seed))


def value_kinds(*kinds: ValueKind) -> st.SearchStrategy[ValueKind]:
    """Which kind of values to fill arrays with; the first shrinks best."""
    return st.sampled_from(kinds or ("ints", "floats"))


# ---------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Axis:
    """One axis of a convolution: input n, filter f, stride s, padding before/after, output."""

    n: int
    f: int
    s: int
    before: int
    after: int
    out: int


@st.composite
def axes(
    draw, max_out: int = 4, max_f: int = 3, max_stride: int = 3, max_pad: int = 0,
    symmetric: bool = True,
) -> Axis:
    """A valid axis: draw the output size, filter, stride and padding, derive the input."""
    out, f, s = draw(sizes(1, max_out)), draw(sizes(1, max_f)), draw(strides(max_stride))
    span = (out - 1) * s + f  # the padded input the filter covers exactly
    # padding wider than the filter only adds zeros; at least one real pixel must remain
    top = min(max_pad, f - 1, (span - 1) // 2 if symmetric else span - 1)
    before = draw(pads(top))
    after = before if symmetric else draw(pads(min(max_pad, f - 1, span - 1 - before)))
    return Axis(span - before - after, f, s, before, after, out)


@st.composite
def bad_axes(draw, max_f: int = 3, max_stride: int = 3) -> Axis:
    """An axis where the filter does not fit evenly: (n + 2p − f) / s + 1 is not whole."""
    f, s = draw(sizes(1, max_f)), draw(st.integers(2, max_stride))
    q, r = draw(st.integers(0, 3)), draw(st.integers(1, s - 1))
    return Axis(q * s + r + f, f, s, 0, 0, -1)


@dataclass(frozen=True)
class Geometry:
    """A 2-D geometry: input (H, W), filter (FH, FW), stride and padding as passed, output."""

    in_hw: tuple[int, int]
    f_hw: tuple[int, int]
    stride: int | tuple[int, int]
    padding: int | tuple | str
    out_hw: tuple[int, int]


def _stride_spec(draw, sh: int, sw: int):
    return sh if sh == sw and not draw(st.booleans()) else (sh, sw)  # shrinks to the int


def _padding_spec(draw, h: Axis, w: Axis):
    """The shortest way to write this padding, sometimes a longer equivalent one."""
    sides = ((h.before, h.after), (w.before, w.after))
    if h.before != h.after or w.before != w.after:
        return sides
    forms = [(h.before, w.before), sides]
    if h.before == w.before:
        forms.insert(0, h.before)
    return draw(st.sampled_from(forms))


@st.composite
def valid_geometries(
    draw, max_out: int = 4, max_f: int = 3, max_stride: int = 1, max_pad: int = 0,
    per_side: bool = False, square: bool | None = None,
) -> Geometry:
    """An image size, filter size, stride and padding whose output size is whole."""
    h = draw(axes(max_out, max_f, max_stride, max_pad, symmetric=not per_side))
    if square is None:
        square = draw(st.booleans())
    w = h if square else draw(axes(max_out, max_f, max_stride, max_pad, symmetric=not per_side))
    return Geometry(
        (h.n, w.n), (h.f, w.f), _stride_spec(draw, h.s, w.s), _padding_spec(draw, h, w),
        (h.out, w.out),
    )


@st.composite
def invalid_geometries(draw, max_f: int = 3, max_stride: int = 3) -> Geometry:
    """A geometry where one axis (or both) does not fit: the layer must raise ValueError."""
    bad = draw(bad_axes(max_f, max_stride))
    kind = draw(st.sampled_from(["both", "height", "width"]))
    good = draw(axes(3, max_f, 1))
    h = good if kind == "width" else bad
    w = good if kind == "height" else bad
    stride = (h.s, w.s) if h.s != w.s else h.s
    return Geometry((h.n, w.n), (h.f, w.f), stride, 0, (-1, -1))


@st.composite
def string_geometries(draw, max_n: int = 7, max_f: int = 3, max_stride: int = 3) -> Geometry:
    """Any image, filter and stride with padding "valid" or "same" (sizes need not divide)."""
    mode = draw(st.sampled_from(["same", "valid"]))
    fh, fw = draw(sizes(1, max_f)), draw(sizes(1, max_f))
    # "valid" needs the filter to fit; "same" pads as needed
    h = draw(sizes(fh if mode == "valid" else 1, max_n))
    w = draw(sizes(fw if mode == "valid" else 1, max_n))
    sh = draw(strides(max_stride))
    sw = draw(st.sampled_from([sh, draw(strides(max_stride))]))
    if mode == "same":
        out = (-(-h // sh), -(-w // sw))
    else:
        out = ((h - fh) // sh + 1, (w - fw) // sw + 1)
    return Geometry((h, w), (fh, fw), _stride_spec(draw, sh, sw), mode, out)


# ---------------------------------------------------------------- whole cases


@dataclass(frozen=True)
class ConvCase:
    """Inputs for one convolution call: x (N, C, H, W), w (F, C, FH, FW), b (F,) or None
    (arrays, or :class:`Drawn` until the check runs)."""

    x: Any
    w: Any
    b: Any
    stride: Any = 1
    padding: Any = 0
    extra: dict = field(default_factory=dict)


@st.composite
def conv_cases(
    draw, geometries=None, n=(1, 2), c=(1, 3), f=(1, 3), dtype=None, values=("ints",),
    bias: bool | None = True,
) -> ConvCase:
    """A batch, filters and biases for a drawn geometry.

    Inputs:
    - geometries: strategy of Geometry (default: stride 1, no padding)
    - n, c, f: (min, max) images, channels, filters
    - dtype: np.float64 / np.float32, or None to draw either
    - values: kinds of values to draw from (see ``array_of``)
    - bias: True for a random bias, False for None, None to draw either
    """
    g = draw(geometries if geometries is not None else valid_geometries())
    nn, cc, ff = draw(sizes(*n)), draw(sizes(*c)), draw(sizes(*f))
    dt = dtype if dtype is not None else draw(dtypes())
    kind = draw(value_kinds(*values))
    x = draw(images((nn, cc, *g.in_hw), dt, kind))
    w = draw(images((ff, cc, *g.f_hw), dt, kind))
    with_bias = draw(st.booleans()) if bias is None else bias
    b = draw(images((ff,), dt, kind)) if with_bias else None
    return ConvCase(x, w, b, g.stride, g.padding)


@st.composite
def pool_cases(
    draw, max_out: int = 3, max_size: int = 3, overlap: bool = True, max_pad: int = 0,
    values=("ints",), n=(1, 2), c=(1, 2),
) -> dict:
    """x, size, stride (None = window size, or a drawn stride) and padding for pooling."""
    size_h, size_w = draw(sizes(1, max_size)), draw(sizes(1, max_size))
    use_default = draw(st.booleans()) or not overlap
    sh = size_h if use_default else draw(strides(max_size))
    sw = size_w if use_default else draw(strides(max_size))
    h, w = draw(sizes(1, max_out)), draw(sizes(1, max_out))  # output size
    pad = draw(pads(min(max_pad, size_h - 1, size_w - 1)))
    in_h = (h - 1) * sh + size_h - 2 * pad
    in_w = (w - 1) * sw + size_w - 2 * pad
    if in_h < 1 or in_w < 1:
        pad, in_h, in_w = 0, in_h + 2 * pad, in_w + 2 * pad
    size = size_h if size_h == size_w and draw(st.booleans()) else (size_h, size_w)
    stride = None if use_default else ((sh, sw) if sh != sw else sh)
    kind = draw(value_kinds(*values))
    x = draw(images((draw(sizes(*n)), draw(sizes(*c)), in_h, in_w), np.float64, kind))
    case = {"x": x, "size": size, "stride": stride}
    if pad:
        case["padding"] = pad
    return case


def batches(
    n=(1, 3), d=(1, 5), values=("ints", "floats"), dtype: Any = np.float64
) -> st.SearchStrategy[np.ndarray]:
    """A 2-D batch (N, D)."""
    return st.tuples(sizes(*n), sizes(*d), value_kinds(*values)).flatmap(
        lambda t: images(t[:2], dtype, t[2])
    )


@st.composite
def labelled_logits(draw, n=(1, 4), k=(2, 5), scale: float = 1.0) -> dict:
    """logits (N, K), times ``scale`` (1000 to test overflow), and labels (N,) in 0..K−1."""
    nn, kk = draw(sizes(*n)), draw(sizes(*k))
    logits = draw(images((nn, kk), np.float64, draw(value_kinds("ints", "floats")))).scaled(scale)
    labels = np.array(draw(st.lists(st.integers(0, kk - 1), min_size=nn, max_size=nn)))
    return {"logits": logits, "labels": labels.astype(np.int64)}
