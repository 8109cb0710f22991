"""Self-checks students can run on their own functions, without the model solution.

Each ``check_<function>(fn)`` tries the lecture's examples and properties any correct
answer has (a 7×7 image and a 3×3 filter give 5×5 at stride 1, 3×3 at stride 2 and an
error at stride 3; a delta filter returns the image; a convolution is linear; gradients
match a centred difference; ...) and raises ``AssertionError`` with a message that says
what went wrong, never what the answer is. Passing them all is a good sign, not a grade:
the autograder checks much more.

This file only needs numpy and the standard library, so it can sit next to the
notebooks. Use it from a notebook::

    from selfcheck import check_conv2d
    check_conv2d(conv2d)

or from a shell: ``python selfcheck.py my_solution.py``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

Check = Callable[[Callable], None]

# ---------------------------------------------------------------- small helpers


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ints(shape: tuple[int, ...], seed: int = 0, low: int = -4, high: int = 5) -> np.ndarray:
    """Small integers as floats: correct results are then exact."""
    return _rng(seed).integers(low, high, size=shape).astype(np.float64)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _array(value, what: str) -> np.ndarray:
    _expect(isinstance(value, np.ndarray), f"{what} should return a numpy array, got "
            f"{type(value).__name__}")
    return value


def _shape(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = _array(value, what)
    _expect(arr.shape == shape, f"{what}: expected shape {shape}, got {arr.shape}")
    return arr


def _close(got, want, what: str, tol: float = 1e-9) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    _expect(got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}")
    _expect(not np.isnan(got).any(), f"{what}: the result contains nan")
    bad = ~np.isclose(got, want, rtol=tol, atol=tol * max(1.0, float(np.abs(want).max(initial=0))))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{what}: wrong at position {list(where)} "
                             f"({int(bad.sum())} of {bad.size} values differ)")


def _raises_value_error(fn: Callable, *args, what: str, **kwargs) -> None:
    try:
        result = fn(*args, **kwargs)
    except ValueError:
        return
    raise AssertionError(f"{what} should raise ValueError, but it returned {result!r}"[:300])


def centred_difference(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function by centred differences (this file's own, for checks)."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        up = f(x)
        x.flat[i] = old - h
        down = f(x)
        x.flat[i] = old
        grad.flat[i] = (up - down) / (2 * h)
    return grad


def _gradient_matches(analytic, f: Callable[[np.ndarray], float], x: np.ndarray,
                      what: str) -> None:
    """``analytic`` must match the centred difference of ``f`` at ``x`` (relative 1e-5)."""
    _expect(isinstance(analytic, np.ndarray) and analytic.shape == x.shape,
            f"{what} should have the shape {x.shape}, got "
            f"{getattr(analytic, 'shape', type(analytic).__name__)}")
    numeric = centred_difference(f, x.copy())
    scale = max(1.0, float(np.abs(numeric).max()))
    err = float(np.abs(analytic - numeric).max()) / scale
    _expect(err < 1e-5, f"{what} does not match a numerical gradient (largest relative "
            f"difference {err:.2g}); check each term of the chain rule")


# ---------------------------------------------------------------- part 1: sizes


def check_output_size(output_size: Callable) -> None:
    """The lecture's sizes, padding, rejection of sizes that are not whole, 'valid'/'same'."""
    for (n, f, s), want in {(7, 3, 1): 5, (7, 3, 2): 3, (32, 5, 1): 28, (28, 5, 1): 24,
                            (4, 3, 1): 2, (5, 3, 1): 3}.items():
        got = output_size(n, f, s)
        _expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
                f"output_size({n}, {f}, {s}) should be a whole number (int), got "
                f"{type(got).__name__} {got!r}")
        _expect(got == want, f"output_size({n}, {f}, {s}): expected {want}, got {got}")
    _raises_value_error(output_size, 7, 3, 3, what="output_size(7, 3, 3) (7×7, 3×3, stride 3)")
    _expect(output_size(7, 3, 1, padding=1) == 7, "padding 1 should keep a 7×7 image at 7 with "
            "a 3×3 filter")
    _expect(output_size(5, 3, 1, padding=(0, 2)) == 5, "padding (before, after) = (0, 2) on 5 "
            "pixels with a 3-wide filter should give 5")
    _raises_value_error(output_size, 2, 5, 1, what="a filter larger than the input")
    _expect(output_size(7, 3, 3, padding="valid") == 2, "'valid' should round the lecture's "
            "7, 3, stride 3 down to 2")
    for n, s in [(7, 2), (8, 3), (5, 1)]:
        _expect(output_size(n, 3, s, padding="same") == math.ceil(n / s),
                f"'same' with {n} pixels and stride {s} should give ceil({n} / {s})")


def check_same_padding(same_padding: Callable) -> None:
    """Padding that gives ceil(n / stride) outputs, split evenly, the odd zero after."""
    for n in range(1, 10):
        for f in range(1, 5):
            for s in range(1, 4):
                got = same_padding(n, f, s)
                _expect(isinstance(got, tuple) and len(got) == 2, "same_padding should return "
                        f"a tuple (before, after), got {got!r}")
                before, after = int(got[0]), int(got[1])
                _expect(before >= 0 and after >= 0, f"same_padding({n}, {f}, {s}) is negative")
                _expect(after - before in (0, 1), f"same_padding({n}, {f}, {s}) = {got}: the "
                        "two sides should differ by at most one zero, the extra one after")
                span = n + before + after - f
                out = span // s + 1 if span >= 0 else 0
                _expect(out == math.ceil(n / s), f"same_padding({n}, {f}, {s}) = {got} does not "
                        f"give ceil({n} / {s}) = {math.ceil(n / s)} positions")
                _expect(before + after < f + s, f"same_padding({n}, {f}, {s}) = {got} pads more "
                        "than needed")


# ---------------------------------------------------------------- part 2: padding


def check_zero_pad(zero_pad: Callable) -> None:
    """Shapes, the image in the middle, zeros around, per-side padding, float32 kept."""
    x = _ints((2, 3, 4, 5), 1)
    out = _shape(zero_pad(x, 1), (2, 3, 6, 7), "zero_pad(x (2, 3, 4, 5), 1)")
    _close(out[..., 1:-1, 1:-1], x, "the middle of zero_pad(x, 1) should be x")
    _expect(out.sum() == x.sum() and np.abs(out).sum() == np.abs(x).sum(),
            "zero_pad should add only zeros")
    out = _shape(zero_pad(x, (2, 0)), (2, 3, 8, 5), "zero_pad(x, (2, 0))")
    _close(out[..., 2:-2, :], x, "zero_pad(x, (ph, pw)): the image should start at row ph")
    out = _shape(zero_pad(x[0, 0], ((0, 1), (2, 3))), (5, 10), "zero_pad(image (4, 5), "
                 "((0, 1), (2, 3)))")
    _close(out[0:4, 2:7], x[0, 0], "with ((top, bottom), (left, right)) the image should start "
           "at row top, column left")
    small = zero_pad(x.astype(np.float32), 1)
    _expect(small.dtype == np.float32, f"float32 input should stay float32, got {small.dtype}")


# ---------------------------------------------------------------- part 3: convolution


def check_conv2d_single(conv2d_single: Callable) -> None:
    """The lecture's sizes, a delta filter, shifts (no flipping), bias, stride, linearity."""
    got = conv2d_single(np.arange(16.0).reshape(4, 4), np.ones((3, 3)))
    _close(got, [[45, 54], [81, 90]], "4×4 image, 3×3 filter of ones")
    image = _ints((7, 7), 2)
    for s, size in [(1, 5), (2, 3)]:
        _shape(conv2d_single(image, np.ones((3, 3)), stride=s), (size, size),
               f"7×7 image, 3×3 filter, stride {s}")
    _raises_value_error(conv2d_single, image, np.ones((3, 3)), stride=3,
                        what="7×7 image, 3×3 filter, stride 3")
    _shape(conv2d_single(image, np.ones((3, 3)), padding=1), (7, 7), "padding 1")
    delta = np.zeros((3, 3))
    delta[1, 1] = 1
    _close(conv2d_single(image, delta, padding=1), image, "a 3×3 filter with a single 1 in the "
           "centre and padding 1 should return the image")
    corner = np.zeros((3, 3))
    corner[0, 0] = 1
    _close(conv2d_single(image, corner), image[:5, :5], "a filter with a single 1 in its "
           "top-left corner should pick each window's top-left pixel (is the filter flipped?)")
    kernel = _ints((2, 3), 3)
    rect = _ints((5, 7), 4)
    base = conv2d_single(rect, kernel)
    _shape(base, (4, 5), "5×7 image, 2×3 filter")
    _close(conv2d_single(rect, kernel, bias=2.5), base + 2.5, "the bias should be added to "
           "every output value")
    _close(conv2d_single(rect, kernel, stride=(1, 2)), base[:, ::2], "stride (1, 2) should give "
           "every second column of the stride-1 result")
    other = _ints((5, 7), 5)
    _close(conv2d_single(rect + 2 * other, kernel),
           base + 2 * conv2d_single(other, kernel), "convolution should be linear in the image")


def check_conv2d(conv2d: Callable) -> None:
    """The lecture's layer shapes, channels summed, one map per filter, bias, stride, dtype."""
    out = _shape(conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5)), np.zeros(6)),
                 (1, 6, 28, 28), "32×32×3 input, six 5×5×3 filters")
    _shape(conv2d(out, np.zeros((10, 6, 5, 5)), np.zeros(10)), (1, 10, 24, 24),
           "28×28×6 input, ten 5×5×6 filters")
    x = _ints((2, 3, 5, 6), 6)
    w = _ints((4, 3, 3, 2), 7)
    b = _ints((4,), 8)
    base = _shape(conv2d(x, w, b), (2, 4, 3, 5), "x (2, 3, 5, 6), w (4, 3, 3, 2)")
    picks = np.zeros((3, 3, 1, 1))
    for c in range(3):
        picks[c, c] = 1
    _close(conv2d(x, picks, np.zeros(3)), x, "1×1 filters that each pick one channel should "
           "return the input")
    corner = np.zeros((1, 3, 3, 2))
    corner[0, 1, 0, 0] = 1
    _close(conv2d(x, corner, np.zeros(1))[:, 0], x[:, 1, :3, :5], "a filter with a single 1 in "
           "the top-left corner of channel 1 should pick each window's top-left pixel of "
           "channel 1 (is the filter flipped?)")
    ones = np.ones((1, 3, 1, 1))
    _close(conv2d(x, ones, np.zeros(1))[:, 0], x.sum(axis=1), "a 1×1 filter of ones over 3 "
           "channels should give the sum of the channels")
    _close(conv2d(x, w, b) - conv2d(x, w, np.zeros(4)), np.broadcast_to(b[None, :, None, None],
           base.shape), "b[f] should be added to every value of output map f")
    _close(conv2d(x[:1], w, b), base[:1], "each image in the batch should be processed on its own")
    _close(conv2d(x, w[2:3], b[2:3]), base[:, 2:3], "output map f should depend only on filter f")
    _close(conv2d(x, w, b, stride=2)[:, :, :, :], base[:, :, ::2, ::2],
           "stride 2 should give every second row and column of the stride-1 result")
    padded = _shape(conv2d(x, w, b, padding=1), (2, 4, 5, 7), "padding 1")
    _close(padded[:, :, 1:-1, 1:-1], base, "padding should only add a border around the "
           "unpadded result")
    f32 = conv2d(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32))
    _expect(f32.dtype == np.float32, f"float32 inputs should give float32, got {f32.dtype}")
    _raises_value_error(conv2d, np.zeros((1, 1, 7, 7)), np.zeros((1, 1, 3, 3)), np.zeros(1),
                        stride=3, what="7×7 input, 3×3 filter, stride 3")


# ---------------------------------------------------------------- part 4: pooling and layers


def check_max_pool2d(max_pool2d: Callable) -> None:
    """A known 4×4 example, padding that never wins, the default stride."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _close(max_pool2d(x)[0, 0], [[5, 7], [13, 15]], "max_pool2d of the 4×4 image 0..15")
    _shape(max_pool2d(_ints((2, 3, 6, 6), 9), 3), (2, 3, 2, 2), "size 3 on 6×6 (stride "
           "defaults to the window)")
    _shape(max_pool2d(_ints((1, 1, 5, 5), 9), 3, 1), (1, 1, 3, 3), "size 3, stride 1 on 5×5")
    negative = _ints((1, 2, 4, 4), 10, -9, -1)
    out = max_pool2d(negative, 3, 3, padding=1)
    _expect(np.all(np.asarray(out) < 0), "padded cells won a max over negative values: padding "
            "must never be the maximum")


def check_avg_pool2d(avg_pool2d: Callable) -> None:
    """A known 4×4 example and a constant image."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _close(avg_pool2d(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]], "avg_pool2d of the 4×4 image 0..15")
    _close(avg_pool2d(np.full((2, 2, 6, 6), 3.0), 3), np.full((2, 2, 2, 2), 3.0),
           "the average of a constant image should be that constant")


def check_relu(relu: Callable) -> None:
    """Positive values kept, the rest 0, shape kept."""
    _close(relu(np.array([[-2.0, 0.0, 3.5], [1.0, -0.5, 2.0]])), [[0, 0, 3.5], [1, 0, 2]],
           "relu of a small array")


def check_flatten(flatten: Callable) -> None:
    """(N, C, H, W) → (N, C·H·W), each example's values in their original order."""
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    out = _shape(flatten(x), (2, 12), "flatten of (2, 3, 2, 2)")
    _close(out[0], np.arange(12.0), "example 0 should list its values channel by channel, "
           "row by row")
    _shape(flatten(x[:1]), (1, 12), "flatten of a batch of one")


def check_dense(dense: Callable) -> None:
    """Shapes, the identity, zero input."""
    w, b = _ints((3, 4), 11), _ints((4,), 12)
    out = _shape(dense(np.eye(3), w, b), (3, 4), "dense with x (3, 3), w (3, 4)")
    _close(out, w + b, "dense of the identity should give w + b")
    _close(dense(np.zeros((2, 3)), w, b), np.tile(b, (2, 1)), "dense of zeros should give b")


def check_softmax(softmax: Callable) -> None:
    """Rows of probabilities, invariant to shifts, stable at ±1000."""
    z = _ints((3, 5), 13)
    p = _shape(softmax(z), (3, 5), "softmax of (3, 5) scores")
    _expect(np.all(p > 0), "probabilities should be positive")
    _close(p.sum(axis=1), np.ones(3), "each row should sum to 1")
    _close(softmax(z + 7.0), p, "adding a constant to every score should not change softmax")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = softmax(np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]]))
    _expect(np.all(np.isfinite(big)), "softmax of scores like ±1000 should not give nan or inf")
    _close(big, softmax(np.array([[0.0, 1.0, -1.0], [0.0, -1.0, -2.0]])), "softmax of ±1000")


def check_cross_entropy(cross_entropy: Callable) -> None:
    """log K for equal scores, the batch mean, stable at large scores."""
    loss = cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 3]))
    _expect(np.ndim(loss) == 0, f"cross_entropy should return one number, got {loss!r}")
    _close(loss, math.log(5), "equal scores over 5 classes")
    z, y = _ints((3, 4), 14), np.array([1, 0, 3])
    _close(cross_entropy(np.vstack([z, z]), np.concatenate([y, y])), cross_entropy(z, y),
           "a batch repeated twice should give the same loss (a mean, not a sum)")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1]))
    _expect(np.isfinite(big), "cross_entropy of scores like 1000 should be finite")
    _close(big, 500.0, "cross_entropy of [[1000, 0], [0, 1000]] with labels [1, 1]", 1e-6)


def _he_params(seed: int = 0) -> dict[str, np.ndarray]:
    rng = _rng(seed)
    shapes = {"conv1_w": (8, 1, 3, 3), "conv1_b": (8,), "conv2_w": (16, 8, 3, 3),
              "conv2_b": (16,), "fc_w": (64, 10), "fc_b": (10,)}
    params = {}
    for k, s in shapes.items():
        fan_in = int(np.prod(s[1:])) if len(s) == 4 else s[0]
        params[k] = rng.normal(0, math.sqrt(2 / fan_in), s) if k.endswith("_w") else \
            rng.normal(0, 0.1, s)
    return params


PARAM_SHAPES = {k: v.shape for k, v in _he_params().items()}


def check_init_tiny_cnn(init_tiny_cnn: Callable) -> None:
    """Keys, shapes, random weights, the same seed giving the same weights."""
    params = init_tiny_cnn(0)
    _expect(isinstance(params, dict), "init_tiny_cnn should return a dict")
    for k, shape in PARAM_SHAPES.items():
        _expect(k in params, f"missing key {k!r}")
        _shape(params[k], shape, f"params[{k!r}]")
        if k.endswith("_w"):
            _expect(np.ptp(params[k]) > 0, f"{k} should start random, not all equal")
    again = init_tiny_cnn(0)
    _expect(all(np.array_equal(params[k], again[k]) for k in PARAM_SHAPES),
            "the same seed should give the same weights")


def _digits_like(n: int, seed: int) -> np.ndarray:
    return _rng(seed).uniform(0, 1, (n, 1, 8, 8))


def check_tiny_cnn_forward(tiny_cnn_forward: Callable) -> None:
    """Shape (N, 10), finite, each example scored on its own."""
    params, x = _he_params(1), _digits_like(3, 2)
    logits = _shape(tiny_cnn_forward(x, params), (3, 10), "logits for 3 digits")
    _expect(np.all(np.isfinite(logits)), "logits should be finite")
    _close(tiny_cnn_forward(x[1:2], params), logits[1:2], "each example should be scored on its "
           "own (the batch should not mix)")


# ---------------------------------------------------------------- part 5: gradients


def check_relu_backward(relu_backward: Callable) -> None:
    """Matches a numerical gradient away from 0; no gradient at exactly 0."""
    x, dout = _ints((3, 4), 15) + 0.5, _ints((3, 4), 16)
    grad = relu_backward(dout, x)
    _gradient_matches(grad, lambda v: float(np.sum(np.maximum(v, 0) * dout)), x,
                      "relu_backward")
    zero = relu_backward(np.ones((1, 3)), np.zeros((1, 3)))
    _close(zero, np.zeros((1, 3)), "relu_backward at x == 0 should pass no gradient (x > 0 only)")


def check_dense_backward(dense_backward: Callable) -> None:
    """dx, dw, db match numerical gradients of sum(dense(x, w, b) · dout)."""
    x, w, b, dout = _ints((3, 4), 17), _ints((4, 2), 18), _ints((2,), 19), _ints((3, 2), 20)
    got = dense_backward(dout, x, w)
    _expect(isinstance(got, tuple) and len(got) == 3, "dense_backward should return (dx, dw, db)")
    dx, dw, db = got
    _gradient_matches(dx, lambda v: float(np.sum((v @ w + b) * dout)), x, "dx")
    _gradient_matches(dw, lambda v: float(np.sum((x @ v + b) * dout)), w, "dw")
    _gradient_matches(db, lambda v: float(np.sum((x @ w + v) * dout)), b, "db")


def check_conv2d_backward(conv2d_backward: Callable, conv2d: Callable | None = None) -> None:
    """dx, dw, db match numerical gradients of sum(conv2d(x, w, b) · dout).

    ``conv2d``: the forward pass to differentiate (default: this file's own loops).
    """
    forward = conv2d or _conv2d_plain
    for stride, padding in [(1, 0), (2, 1)]:
        x, w, b = _ints((2, 2, 5, 5), 21) / 2, _ints((3, 2, 3, 3), 22) / 2, _ints((3,), 23)
        dout = _ints(np.shape(forward(x, w, b, stride=stride, padding=padding)), 24)
        got = conv2d_backward(dout, x, w, stride=stride, padding=padding)
        _expect(isinstance(got, tuple) and len(got) == 3, "conv2d_backward should return "
                "(dx, dw, db)")
        dx, dw, db = got
        what = f" (stride {stride}, padding {padding})"

        def loss(x_, w_, b_, s=stride, p=padding, d=dout):
            return float(np.sum(forward(x_, w_, b_, stride=s, padding=p) * d))

        _gradient_matches(dx, lambda v, w=w, b=b, f=loss: f(v, w, b), x, "dx" + what)
        _gradient_matches(dw, lambda v, x=x, b=b, f=loss: f(x, v, b), w, "dw" + what)
        _gradient_matches(db, lambda v, x=x, w=w, f=loss: f(x, w, v), b, "db" + what)


def _conv2d_plain(x, w, b, stride=1, padding=0):
    """A plain convolution (int stride and padding only), to differentiate numerically."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    f, _, fh, fw = w.shape
    oh, ow = (xp.shape[2] - fh) // stride + 1, (xp.shape[3] - fw) // stride + 1
    out = np.zeros((x.shape[0], f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * stride : i * stride + fh, j * stride : j * stride + fw]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def check_max_pool2d_backward(max_pool2d_backward: Callable) -> None:
    """Matches a numerical gradient of sum(max_pool(x) · dout) (distinct values, no ties)."""
    for size, stride in [(2, None), (3, 1)]:
        x = _rng(25).permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 7.0
        s = stride or size
        out_hw = (6 - size) // s + 1

        def pool(v, size=size, s=s, o=out_hw):
            return np.array([[[[v[n, c, i * s : i * s + size, j * s : j * s + size].max()
                                for j in range(o)] for i in range(o)] for c in range(2)]
                             for n in range(2)])

        dout = _ints((2, 2, out_hw, out_hw), 26)
        kwargs = {"size": size} if stride is None else {"size": size, "stride": stride}
        grad = max_pool2d_backward(dout, x, **kwargs)
        _gradient_matches(grad, lambda v, p=pool, d=dout: float(np.sum(p(v) * d)), x,
                          f"max_pool2d_backward (size {size}, stride {stride})")


def _quadratic(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda x: float(0.5 * x.ravel() @ a @ x.ravel() + b @ x.ravel())


def _sin_sum(w: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda x: float(np.sum(np.sin(w * x)))


def _test_function(name: str, **kwargs: np.ndarray) -> Callable[[np.ndarray], float]:
    """A function to hand to numerical_gradient. When the autograder is installed it is
    also a named reference (``FunctionRef``), so it can reach code running in its sandbox."""
    local = {"quadratic": _quadratic, "sin_sum": _sin_sum}[name](**kwargs)
    try:
        from autograder.sandbox.jail.protocol import FunctionRef
    except ImportError:
        return local

    class NamedFunction(FunctionRef):
        def __call__(self, x: np.ndarray) -> float:
            return local(x)

    return NamedFunction(name, kwargs)


def check_numerical_gradient(numerical_gradient: Callable) -> None:
    """Known gradients, centred accuracy, x restored."""
    x = _ints((2, 3), 27) / 2
    before = x.copy()
    squares = _test_function("quadratic", a=2 * np.eye(6), b=np.zeros(6))  # sum(x²)
    grad = numerical_gradient(squares, x)
    _close(grad, 2 * before, "the gradient of sum(x²) is 2x", 1e-6)
    _expect(np.array_equal(x, before), "numerical_gradient should leave x as it found it")
    w = np.array([2.0, -1.5, 3.0])
    point = np.array([1.0, 0.3, -0.7])
    got = numerical_gradient(_test_function("sin_sum", w=w), point.copy(), h=1e-3)
    _expect(np.allclose(got, w * np.cos(w * point), rtol=0, atol=1e-5), "with h = 1e-3 the "
            "gradient of sum(sin(w·x)) is off by more than h²: is the difference centred?")


def check_tiny_cnn_loss_and_grads(tiny_cnn_loss_and_grads: Callable) -> None:
    """A sensible starting loss; gradients that match numerical ones on a few weights."""
    params, x, y = _he_params(3), _digits_like(2, 4), np.array([3, 7])
    got = tiny_cnn_loss_and_grads(x, y, params)
    _expect(isinstance(got, tuple) and len(got) == 2, "should return (loss, grads)")
    loss, grads = got
    _expect(np.ndim(loss) == 0 and np.isfinite(loss), f"the loss should be a number, got {loss!r}")
    _expect(isinstance(grads, dict) and set(grads) >= set(PARAM_SHAPES), "grads should be a "
            f"dict with keys {sorted(PARAM_SHAPES)}")
    for k in ("fc_b", "conv2_b", "conv1_w"):
        idx = (0,) * len(PARAM_SHAPES[k])
        h = 1e-5

        def at(value, k=k, idx=idx):
            p = {name: v.copy() for name, v in params.items()}
            p[k][idx] = value
            return float(tiny_cnn_loss_and_grads(x, y, p)[0])

        numeric = (at(params[k][idx] + h) - at(params[k][idx] - h)) / (2 * h)
        analytic = float(np.asarray(grads[k])[idx])
        _expect(abs(numeric - analytic) <= 1e-5 * max(1.0, abs(numeric)),
                f"grads[{k!r}]{list(idx)} does not match a numerical gradient")


def check_train_tiny_cnn(train_tiny_cnn: Callable) -> None:
    """A short run on random data returns params, a loss per epoch, and an accuracy."""
    rng = _rng(5)
    x, y = rng.uniform(0, 1, (64, 1, 8, 8)), rng.integers(0, 10, 64)
    out = train_tiny_cnn(x, y, x[:16], y[:16], epochs=2, batch_size=32, lr=0.01, seed=0)
    _expect(isinstance(out, dict) and {"params", "loss_history", "test_accuracy"} <= set(out),
            "train_tiny_cnn should return a dict with params, loss_history and test_accuracy")
    _expect(len(out["loss_history"]) == 2, "loss_history should hold one number per epoch")
    _expect(all(np.isfinite(out["loss_history"])), "the training loss should stay finite")
    _expect(0 <= out["test_accuracy"] <= 1, "test_accuracy should be a fraction")


# ---------------------------------------------------------------- running them

CHECKS: dict[str, Check] = {
    name[len("check_"):]: fn for name, fn in globals().items()
    if name.startswith("check_") and callable(fn)
}


def run_checks(functions: Mapping[str, Callable]) -> list[tuple[str, bool, str]]:
    """Run every check whose function is in ``functions``: (name, passed, message) each."""
    results = []
    for name, check in CHECKS.items():
        fn = functions.get(name)
        if not callable(fn):
            results.append((name, False, "not defined"))
            continue
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check(fn)
        except AssertionError as exc:
            results.append((name, False, str(exc)))
        except NotImplementedError:
            results.append((name, False, "not implemented yet"))
        except Exception as exc:
            results.append((name, False, f"raised {type(exc).__name__}: {exc}"[:300]))
        else:
            results.append((name, True, "ok"))
    return results


def _load(path: str) -> dict:
    spec = importlib.util.spec_from_file_location("student_solution", Path(path))
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def main(argv: list[str] | None = None) -> int:
    """``python selfcheck.py my_solution.py``: run every check, print a table."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python selfcheck.py my_solution.py")
        return 2
    results = run_checks(_load(args[0]))
    width = max(len(name) for name, _, _ in results)
    for name, ok, message in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name:<{width}}  {'' if ok else message}")
    passed = sum(ok for _, ok, _ in results)
    print(f"{passed} of {len(results)} self-checks pass")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
