"""Hypothesis strategies for the reference's own tests, composed from small named pieces.

Array values come from a numpy generator seeded by one drawn integer, so hypothesis
shrinks a failure by its geometry (sizes, strides, padding), not pixel by pixel.

Most arrays hold small integers stored as floats: every sum of products is then exact
in float32 and float64, whatever the order of the additions, so two correct
implementations agree to the last bit and tests can use ``==``.

Convolution geometries are drawn output-size first and the input size derived from it,
so every drawn case satisfies the lecture's rule (N + 2P − F)/S + 1 ∈ {1, 2, …}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import strategies as st

DTYPES = (np.float64, np.float32)

# ---------------------------------------------------------------- small pieces


def sizes(min_value: int = 1, max_value: int = 4) -> st.SearchStrategy[int]:
    """A count or a length along one axis."""
    return st.integers(min_value, max_value)


def strides(max_value: int = 3) -> st.SearchStrategy[int]:
    return st.integers(1, max_value)


def dtypes() -> st.SearchStrategy[type]:
    return st.sampled_from(DTYPES)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def int_array(shape: tuple[int, ...], dtype, seed: int, low: int = -3, high: int = 3):
    """Integers in [low, high] stored as ``dtype``: exact under any summation order."""
    return np.random.default_rng(seed).integers(low, high + 1, size=shape).astype(dtype)


def normal_array(shape: tuple[int, ...], seed: int, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def distinct_array(shape: tuple[int, ...], seed: int, gap: float = 0.1) -> np.ndarray:
    """float64 values at least ``gap`` apart (no ties), in random positions."""
    count = math.prod(shape)
    values = (np.random.default_rng(seed).permutation(count) - count / 2) * gap
    return values.reshape(shape)


def tf_same_padding(n: int, f: int, s: int) -> tuple[int, int]:
    """TensorFlow's "same" padding for one axis, as its documentation states it.

    Written here again (not imported) so the tests check the reference against the rule,
    not against itself: out = ceil(n / s); pad what the last window needs beyond n,
    never negative, the odd pixel after.
    """
    out = -(-n // s)
    total = max((out - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def tf_valid_size(n: int, f: int, s: int) -> int:
    """TensorFlow's "valid" output size: windows that fit entirely, counted by floor."""
    return (n - f) // s + 1


# ---------------------------------------------------------------- convolution cases


@dataclass(frozen=True)
class ConvCase:
    """One convolution: inputs, and the numbers that describe its geometry."""

    x: np.ndarray  # (N, C, H, W)
    w: np.ndarray  # (F, C, FH, FW)
    b: np.ndarray  # (F,)
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    out_hw: tuple[int, int]

    @property
    def padded_x(self) -> np.ndarray:
        (t, b), (left, r) = self.pads
        return np.pad(self.x, ((0, 0), (0, 0), (t, b), (left, r)))


@st.composite
def axis_geometry(draw, max_f: int = 4, max_s: int = 3, max_out: int = 4, max_pad: int = 2,
                  symmetric: bool = False):
    """(n, f, s, (before, after), out) for one axis, valid under the lecture's rule."""
    f = draw(sizes(1, max_f))
    s = draw(strides(max_s))
    out = draw(sizes(1, max_out))
    before = draw(st.integers(0, min(max_pad, f - 1)))
    after = before if symmetric else draw(st.integers(0, min(max_pad, f - 1)))
    n = (out - 1) * s + f - before - after
    if n < 1:  # padding bigger than the span: shrink it to keep the input non-empty
        before, after = 0, 0
        n = (out - 1) * s + f
    return n, f, s, (before, after), out


@st.composite
def conv_cases(draw, dtype=None, symmetric: bool = False, max_n: int = 3, max_c: int = 3,
               max_f: int = 3, low: int = -3, high: int = 3) -> ConvCase:
    """A valid convolution with small-integer values (exact in float32 and float64)."""
    dtype = dtype or draw(dtypes())
    n_img, c, n_filt = draw(sizes(1, max_n)), draw(sizes(1, max_c)), draw(sizes(1, max_f))
    h, fh, sh, ph, oh = draw(axis_geometry(symmetric=symmetric))
    wd, fw, sw, pw, ow = draw(axis_geometry(symmetric=symmetric))
    seed = draw(seeds())
    return ConvCase(
        x=int_array((n_img, c, h, wd), dtype, seed, low, high),
        w=int_array((n_filt, c, fh, fw), dtype, seed + 1, low, high),
        b=int_array((n_filt,), dtype, seed + 2, low, high),
        stride=(sh, sw),
        pads=(ph, pw),
        out_hw=(oh, ow),
    )


def padding_forms(pads) -> list:
    """Every way of writing ``((top, bottom), (left, right))`` that means the same."""
    (t, b), (left, r) = pads
    forms = [pads, [list(pads[0]), list(pads[1])]]
    if t == b and left == r:
        forms.append((t, left))
        if t == left:
            forms.append(t)
    return forms


@st.composite
def string_padding_cases(draw, dtype=None, max_hw: int = 9, max_f: int = 4, max_s: int = 3):
    """Any input size, filter and stride, for padding "same" or "valid" (integer values)."""
    dtype = dtype or draw(dtypes())
    mode = draw(st.sampled_from(["same", "valid"]))
    h, wd = draw(sizes(1, max_hw)), draw(sizes(1, max_hw))
    fh, fw = draw(sizes(1, max_f)), draw(sizes(1, max_f))
    if mode == "valid":
        fh, fw = min(fh, h), min(fw, wd)
    stride = (draw(strides(max_s)), draw(strides(max_s)))
    n_img, c, n_filt = draw(sizes(1, 2)), draw(sizes(1, 3)), draw(sizes(1, 3))
    seed = draw(seeds())
    x = int_array((n_img, c, h, wd), dtype, seed)
    w = int_array((n_filt, c, fh, fw), dtype, seed + 1)
    b = int_array((n_filt,), dtype, seed + 2)
    return mode, x, w, b, stride


# ---------------------------------------------------------------- torch as an oracle


def torch_on_one_thread():
    """torch for a module-scoped fixture (the test skips if torch is not installed).

    On one thread: an oracle needs no speed, and OpenMP threads waiting for a core that
    other jobs hold make a shared machine's test run crawl. The old setting comes back after.
    """
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)
