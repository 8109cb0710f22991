"""Bad input: every public function says what it expected and what it got.

Each case names the exception type and fragments its message must contain (usually the
offending shape or value), so a vague message or an IndexError from deep inside fails.
"""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import (
    accuracy,
    avg_pool2d,
    conv2d,
    conv2d_backward,
    conv2d_loops,
    conv2d_single,
    cross_entropy,
    dense,
    dense_backward,
    flatten,
    init_tiny_cnn,
    load_digits_split,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_loops,
    numerical_gradient,
    output_size,
    relu,
    relu_backward,
    same_padding,
    softmax,
    tiny_cnn_forward,
    train_tiny_cnn,
    zero_pad,
)

X = np.zeros((2, 3, 7, 7))
W = np.zeros((4, 3, 3, 3))


def expect(exc, *fragments):
    return exc, fragments


CONV_CASES = {
    "x not 4-D": ((np.zeros((3, 7, 7)), W), {}, expect(ValueError, "(N, C, H, W)", "(3, 7, 7)")),
    "w not 4-D": ((X, np.zeros((3, 3, 3))), {}, expect(ValueError, "(F, C, FH, FW)", "(3, 3, 3)")),
    "channel mismatch": ((X, np.zeros((4, 2, 3, 3))), {},
                         expect(ValueError, "3 channels", "expect 2", "(4, 2, 3, 3)")),
    "negative padding": ((X, W), {"padding": -1}, expect(ValueError, "negative", "-1")),
    "negative side padding": ((X, W), {"padding": ((0, -2), (0, 0))},
                              expect(ValueError, "bottom padding", "-2")),
    "zero stride": ((X, W), {"stride": 0}, expect(ValueError, "stride", "at least 1", "0")),
    "negative stride": ((X, W), {"stride": (1, -2)}, expect(ValueError, "stride[1]", "-2")),
    "float stride": ((X, W), {"stride": 1.5}, expect(TypeError, "stride", "1.5")),
    "bool stride": ((X, W), {"stride": True}, expect(TypeError, "stride", "True")),
    # the fast conv2d says "filter 3×3 is larger than the padded input 2×5"; the loop
    # versions (the model answers) report what output_size says for the height
    "filter larger than input": ((np.zeros((1, 3, 2, 5)), W), {},
                                 expect(ValueError, "larger than the padded input", "2", "3")),
    "filter larger than padded input": ((np.zeros((1, 3, 1, 1)), np.zeros((1, 3, 4, 4))),
                                        {"padding": 1},
                                        expect(ValueError, "larger than the padded input", "4",
                                               "3")),
    "non-integer output": ((X, W), {"stride": 3},
                           expect(ValueError, "(7 + 2·0 − 3) / 3 + 1 = 2.33 is not an integer")),
    "non-integer output, one side padded": (
        (X, W), {"padding": ((1, 0), (0, 0)), "stride": 2},
        expect(ValueError, "(7 + 1 + 0 − 3) / 2 + 1 = 3.50 is not an integer")),
    "unknown padding string": ((X, W), {"padding": "full"},
                               expect(ValueError, "'valid' or 'same'", "'full'")),
    "float padding": ((X, W), {"padding": 1.0}, expect(TypeError, "padding", "1.0")),
    "three-number padding": ((X, W), {"padding": (1, 1, 1)}, expect(TypeError, "(1, 1, 1)")),
    "string array": ((np.full((1, 3, 7, 7), "a"), W), {}, expect(TypeError, "x", "real numbers")),
    "complex array": ((X + 1j, W), {}, expect(TypeError, "x", "complex")),
    "object array": ((np.array([None], dtype=object), W), {}, expect(TypeError, "x", "object")),
    "a string": (("image", W), {}, expect(TypeError, "x", "'image'")),
    "ragged list": (([[1, 2], [3]], W), {}, expect(TypeError, "x", "array of numbers")),
    "empty batch": ((np.zeros((0, 3, 7, 7)), W), {}, expect(ValueError, "empty", "(0, 3, 7, 7)")),
    "bias per filter": ((X, W, np.zeros(3)), {}, expect(ValueError, "(4,)", "(3,)")),
    "bias 2-D": ((X, W, np.zeros((4, 1))), {}, expect(ValueError, "b", "(4, 1)")),
}


def check_raises(call, exc, fragments):
    with pytest.raises(exc) as err:
        call()
    assert err.type is exc  # not a subclass such as IndexError-wrapping errors
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"


@pytest.mark.parametrize("conv", [conv2d, conv2d_loops])
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv_rejects(conv, name):
    args, kwargs, (exc, fragments) = CONV_CASES[name]
    check_raises(lambda: conv(*args, **kwargs), exc, fragments)


@pytest.mark.parametrize("name", [k for k in CONV_CASES if "bias" not in k])
def test_conv_backward_rejects_what_conv_rejects(name):
    (x, w, *_), kwargs, (exc, fragments) = CONV_CASES[name]
    check_raises(lambda: conv2d_backward(np.zeros((2, 4, 5, 5)), x, w, **kwargs), exc, fragments)


OTHER_CASES = {
    "single: image 3-D": (lambda: conv2d_single(np.zeros((1, 5, 5)), np.ones((3, 3))),
                          expect(ValueError, "(H, W)", "(1, 5, 5)")),
    "single: kernel 1-D": (lambda: conv2d_single(np.zeros((5, 5)), np.ones(3)),
                           expect(ValueError, "(FH, FW)", "(3,)")),
    "single: array bias": (lambda: conv2d_single(np.zeros((5, 5)), np.ones((3, 3)), np.ones(2)),
                           expect(ValueError, "bias", "single number", "(2,)")),
    "single: stride 3 on 7": (lambda: conv2d_single(np.zeros((7, 7)), np.ones((3, 3)), stride=3),
                              expect(ValueError, "2.33 is not an integer")),
    "backward: dout shape": (lambda: conv2d_backward(np.zeros((2, 4, 4, 4)), X, W),
                             expect(ValueError, "(2, 4, 5, 5)", "(2, 4, 4, 4)")),
    "max pool: x 3-D": (lambda: max_pool2d(np.zeros((3, 4, 4))),
                        expect(ValueError, "(N, C, H, W)", "(3, 4, 4)")),
    "max pool: zero size": (lambda: max_pool2d(X, 0), expect(ValueError, "size", "0")),
    "max pool: window too big": (lambda: max_pool2d(np.zeros((1, 1, 2, 2)), 3),
                                 expect(ValueError, "pool window 3×3", "2×2")),
    "max pool: uneven": (lambda: max_pool2d(X, 2),
                         expect(ValueError, "(7 + 2·0 − 2) / 2 + 1 = 3.50 is not an integer")),
    "max pool: padding string": (lambda: max_pool2d(X, 2, padding="full"),
                                 expect(ValueError, "'full'")),
    "max pool loops: uneven": (lambda: max_pool2d_loops(X, 2), expect(ValueError, "3.50")),
    "avg pool: uneven": (lambda: avg_pool2d(X, 2), expect(ValueError, "3.50")),
    "avg pool: strings": (lambda: avg_pool2d(np.full((1, 1, 2, 2), "s")),
                          expect(TypeError, "real numbers")),
    "max pool backward: dout": (lambda: max_pool2d_backward(np.zeros((2, 3, 2, 2)), X[..., :6, :6]),
                                expect(ValueError, "(2, 3, 3, 3)", "(2, 3, 2, 2)")),
    "relu: strings": (lambda: relu(["a"]), expect(TypeError, "x", "real numbers")),
    "relu backward: shapes": (lambda: relu_backward(np.zeros(3), np.zeros(4)),
                              expect(ValueError, "(4,)", "(3,)")),
    "flatten: 1-D": (lambda: flatten(np.zeros(3)), expect(ValueError, "(N, ...)", "(3,)")),
    "dense: x 4-D": (lambda: dense(X, np.zeros((147, 2)), np.zeros(2)),
                     expect(ValueError, "(N, D)", "(2, 3, 7, 7)")),
    "dense: features": (lambda: dense(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3)),
                        expect(ValueError, "5 features", "expects 4")),
    "dense: bias": (lambda: dense(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(2)),
                    expect(ValueError, "(3,)", "(2,)")),
    "dense backward: dout": (lambda: dense_backward(np.zeros((2, 2)), np.zeros((2, 4)),
                                                    np.zeros((4, 3))),
                             expect(ValueError, "(2, 3)", "(2, 2)")),
    "softmax: complex": (lambda: softmax(np.ones(3) * 1j), expect(TypeError, "complex")),
    "cross entropy: float labels": (lambda: cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])),
                                    expect(TypeError, "integers", "float64")),
    "cross entropy: label range": (lambda: cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
                                   expect(ValueError, "0..2", "3")),
    "cross entropy: label count": (lambda: cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])),
                                   expect(ValueError, "(2,)", "(3,)")),
    "output size: zero n": (lambda: output_size(0, 3), expect(ValueError, "n (input size)", "0")),
    "output size: float f": (lambda: output_size(7, 2.5), expect(TypeError, "f", "2.5")),
    "output size: padding name": (lambda: output_size(7, 3, padding="full"),
                                  expect(ValueError, "'full'")),
    "output size: filter too big": (lambda: output_size(2, 5, padding=1),
                                     expect(ValueError, "2 + 2·1 = 4 < 5")),
    "same padding: zero stride": (lambda: same_padding(7, 3, 0), expect(ValueError, "stride")),
    "zero pad: 1-D": (lambda: zero_pad(np.zeros(3), 1), expect(ValueError, "(..., H, W)", "(3,)")),
    "zero pad: negative": (lambda: zero_pad(np.zeros((3, 3)), (1, -1)),
                           expect(ValueError, "padding[1]", "-1")),
    "numerical gradient: float32": (lambda: numerical_gradient(np.sum, np.zeros(3, np.float32)),
                                    expect(TypeError, "float64", "float32")),
    "numerical gradient: a list": (lambda: numerical_gradient(np.sum, [1.0]),
                                   expect(TypeError, "float64", "list")),
    "numerical gradient: strided": (lambda: numerical_gradient(np.sum, np.zeros((4, 4))[:, :2]),
                                    expect(ValueError, "contiguous")),
    "numerical gradient: step": (lambda: numerical_gradient(np.sum, np.zeros(3), h=0),
                                 expect(ValueError, "h", "0")),
    "numerical gradient: not callable": (lambda: numerical_gradient(3, np.zeros(3)),
                                         expect(TypeError, "function", "int")),
    "tiny cnn: image size": (lambda: tiny_cnn_forward(np.zeros((2, 1, 7, 7)), init_tiny_cnn()),
                             expect(ValueError, "(N, 1, 8, 8)", "(2, 1, 7, 7)")),
    "tiny cnn: params type": (lambda: tiny_cnn_forward(np.zeros((2, 1, 8, 8)), [1]),
                              expect(TypeError, "dict", "list")),
    "tiny cnn: missing param": (
        lambda: tiny_cnn_forward(np.zeros((2, 1, 8, 8)),
                                 {k: v for k, v in init_tiny_cnn().items() if k != "fc_b"}),
        expect(ValueError, "missing", "fc_b")),
    "tiny cnn: param shape": (
        lambda: tiny_cnn_forward(np.zeros((2, 1, 8, 8)), {**init_tiny_cnn(), "fc_w": np.zeros(3)}),
        expect(ValueError, "fc_w", "(64, 10)", "(3,)")),
    "digits: fraction": (lambda: load_digits_split(1.5), expect(ValueError, "1.5")),
    "accuracy: 1-D scores": (lambda: accuracy(np.zeros(3), [0, 1, 2]),
                             expect(ValueError, "(N, K)", "(3,)")),
    "accuracy: label count": (lambda: accuracy(np.zeros((3, 4)), [0, 1]),
                              expect(ValueError, "(3,)", "(2,)")),
    "train: labels per image": (lambda: train_tiny_cnn(np.zeros((5, 1, 8, 8)), np.zeros(4, int)),
                                expect(ValueError, "y_train", "(5,)", "(4,)")),
    "train: images without labels": (lambda: train_tiny_cnn(np.zeros((5, 1, 8, 8))),
                                     expect(ValueError, "x_train and y_train")),
    "train: image shape": (lambda: train_tiny_cnn(np.zeros((5, 8, 8)), np.zeros(5, int)),
                           expect(ValueError, "x_train", "(5, 8, 8)")),
    "train: batch size": (lambda: train_tiny_cnn(batch_size=0), expect(ValueError, "batch_size")),
    "train: epochs": (lambda: train_tiny_cnn(epochs=2.5), expect(TypeError, "epochs", "2.5")),
    "train: learning rate": (lambda: train_tiny_cnn(lr=-1), expect(ValueError, "lr", "-1")),
}


@pytest.mark.parametrize("name", list(OTHER_CASES))
def test_rejects(name):
    call, (exc, fragments) = OTHER_CASES[name]
    check_raises(call, exc, fragments)


# ---------------------------------------------------------------- no crash from deep inside


def expected_size(n: int, f: int, s: int, p: int) -> int | None:
    """The lecture's rule, or None when it has no whole positive answer."""
    span = n + 2 * p - f
    return span // s + 1 if span >= 0 and span % s == 0 else None


@given(
    x_shape=st.lists(st.integers(1, 6), min_size=3, max_size=5),
    w_shape=st.lists(st.integers(1, 4), min_size=3, max_size=5),
    stride=st.integers(-1, 3),
    padding=st.integers(-1, 2),
)
def test_conv_returns_the_right_shape_or_a_clear_error(x_shape, w_shape, stride, padding):
    x, w = np.ones(x_shape), np.ones(w_shape)
    for conv in (conv2d, conv2d_loops):
        try:
            out = conv(x, w, stride=stride, padding=padding)
        except (ValueError, TypeError) as err:
            assert re.search(r"\d|'", str(err)), f"message names no value: {err}"
            continue
        assert x.ndim == w.ndim == 4 and x_shape[1] == w_shape[1] and stride >= 1 <= padding + 1
        oh = expected_size(x_shape[2], w_shape[2], stride, padding)
        ow = expected_size(x_shape[3], w_shape[3], stride, padding)
        assert out.shape == (x_shape[0], w_shape[0], oh, ow)


@given(
    x_shape=st.lists(st.integers(1, 6), min_size=3, max_size=5),
    size=st.integers(-1, 4),
    stride=st.one_of(st.none(), st.integers(-1, 3)),
)
def test_pool_returns_the_right_shape_or_a_clear_error(x_shape, size, stride):
    x = np.ones(x_shape)
    for pool in (max_pool2d, max_pool2d_loops, avg_pool2d):
        try:
            out = pool(x, size, stride)
        except (ValueError, TypeError) as err:
            assert re.search(r"\d|'", str(err)), f"message names no value: {err}"
            continue
        s = size if stride is None else stride
        assert x.ndim == 4 and size >= 1 and s >= 1
        oh, ow = (expected_size(n, size, s, 0) for n in x_shape[2:])
        assert out.shape == (*x_shape[:2], oh, ow)
        np.testing.assert_array_equal(out, 1.0)
