"""Pooling: worked examples, a brute-force oracle, torch, and the −inf padding."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_strategies import (
    axis_geometry,
    dtypes,
    int_array,
    seeds,
    sizes,
    tf_same_padding,
)

from reference import avg_pool2d, max_pool2d, max_pool2d_loops

MAX_POOLS = [max_pool2d, max_pool2d_loops]


def brute_force_pool(x, size, stride, reduce):
    """Oracle: visit every window of an already padded x and reduce it."""
    (ph, pw), (sh, sw) = size, stride
    n, c, h, w = x.shape
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.empty((n, c, oh, ow))
    for i in range(n):
        for k in range(c):
            for r in range(oh):
                for q in range(ow):
                    out[i, k, r, q] = reduce(x[i, k, r * sh : r * sh + ph, q * sw : q * sw + pw])
    return out


@st.composite
def pool_cases(draw, padded: bool = True):
    """x (N, C, H, W) with small integers, window, stride, padding valid under the rule."""
    h, ph, sh, pads_h, _ = draw(axis_geometry(max_pad=1 if padded else 0))
    w, pw, sw, pads_w, _ = draw(axis_geometry(max_pad=1 if padded else 0))
    x = int_array((draw(sizes(1, 2)), draw(sizes(1, 3)), h, w), draw(dtypes()), draw(seeds()))
    return x, (ph, pw), (sh, sw), (pads_h, pads_w)


# ---------------------------------------------------------------- worked examples


def test_2x2_pooling_by_hand():
    x = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [5, 1, 7, 8], [0, 2, 6, 3]], float)[None, None]
    for pool in MAX_POOLS:
        np.testing.assert_array_equal(pool(x)[0, 0], [[4, 2], [5, 8]])
    np.testing.assert_array_equal(avg_pool2d(x)[0, 0], [[2.5, 1.0], [2.0, 6.0]])


def test_overlapping_windows_and_rectangles():
    x = np.arange(15.0).reshape(1, 1, 3, 5)  # rows 0..4, 5..9, 10..14
    for pool in MAX_POOLS:
        np.testing.assert_array_equal(pool(x, size=(2, 3), stride=1)[0, 0],
                                      [[7, 8, 9], [12, 13, 14]])
    np.testing.assert_array_equal(avg_pool2d(x, size=(3, 1), stride=(1, 2))[0, 0], [[5, 7, 9]])


@pytest.mark.parametrize("pool", MAX_POOLS)
def test_padding_never_wins(pool):
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # all negative: a zero pad would win
    out = pool(x, size=2, stride=2, padding=((1, 0), (1, 0)))
    np.testing.assert_array_equal(out[0, 0], [[-1, -2], [-4, -5]])


# ---------------------------------------------------------------- oracles and properties


@given(case=pool_cases())
def test_max_pool_matches_brute_force(case):
    x, size, stride, pads = case
    padded = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=-np.inf)
    expected = brute_force_pool(padded, size, stride, np.max)
    for pool in MAX_POOLS:
        out = pool(x, size, stride, pads)
        assert out.dtype == x.dtype
        np.testing.assert_array_equal(out, expected)


@given(case=pool_cases(padded=False))
def test_avg_pool_matches_brute_force(case):
    x, size, stride, _ = case
    out = avg_pool2d(x, size, stride)
    assert out.dtype == x.dtype
    tol = 1e-6 if x.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(out, brute_force_pool(x, size, stride, np.mean), rtol=tol, atol=tol)


@given(h=sizes(1, 9), w=sizes(1, 9), size=sizes(1, 3), stride=sizes(1, 3), seed=seeds())
def test_max_pool_same_follows_tensorflow(h, w, size, stride, seed):
    x = int_array((1, 2, h, w), np.float64, seed)
    pads = (tf_same_padding(h, size, stride), tf_same_padding(w, size, stride))
    padded = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=-np.inf)
    expected = brute_force_pool(padded, (size, size), (stride, stride), np.max)
    assert expected.shape[2:] == (-(-h // stride), -(-w // stride))
    for pool in MAX_POOLS:
        np.testing.assert_array_equal(pool(x, size, stride, "same"), expected)


def test_stride_defaults_to_the_window():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    for pool in (*MAX_POOLS, avg_pool2d):
        np.testing.assert_array_equal(pool(x, 3), pool(x, 3, 3))
        assert pool(x, (2, 3)).shape == (1, 1, 3, 2)


@given(case=pool_cases(padded=False), seed=seeds())
def test_matches_torch(torch, case, seed):
    x, size, stride, _ = case
    x = np.random.default_rng(seed).normal(size=x.shape).astype(x.dtype)
    tx = torch.from_numpy(x)
    np.testing.assert_array_equal(max_pool2d(x, size, stride),
                                  torch.nn.functional.max_pool2d(tx, size, stride).numpy())
    tol = 1e-6 if x.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(avg_pool2d(x, size, stride),
                               torch.nn.functional.avg_pool2d(tx, size, stride).numpy(),
                               rtol=tol, atol=tol)


@given(n=sizes(1, 2), c=sizes(1, 2), oh=sizes(2, 3), ow=sizes(2, 3), k=sizes(2, 4),
       seed=seeds(), dtype=dtypes())
def test_max_pool_padding_matches_torch(torch, n, c, oh, ow, k, seed, dtype):
    p = k // 2  # torch allows padding up to half the window
    h, w = (oh - 1) * k + k - 2 * p, (ow - 1) * k + k - 2 * p
    x = np.random.default_rng(seed).normal(size=(n, c, h, w)).astype(dtype)
    expected = torch.nn.functional.max_pool2d(torch.from_numpy(x), k, k, p).numpy()
    for pool in MAX_POOLS:
        np.testing.assert_array_equal(pool(x, k, k, p), expected)
