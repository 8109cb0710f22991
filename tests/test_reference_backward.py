"""Every backward pass against centred differences (``numerical_gradient``), in float64.

Each layer is reduced to a scalar by a random projection, L(x) = Σ layer(x) · R; its
gradient is then the layer's backward pass applied to dout = R. Agreement is measured as
‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖), which must stay below 1e-7.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from reference_strategies import (
    ConvCase,
    conv_cases,
    distinct_array,
    normal_array,
    seeds,
    sizes,
    string_padding_cases,
)

from reference import (
    conv2d,
    conv2d_backward,
    cross_entropy,
    cross_entropy_backward,
    dense,
    dense_backward,
    init_tiny_cnn,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relu,
    relu_backward,
    tiny_cnn_forward,
    tiny_cnn_loss_and_grads,
)

TOLERANCE = 1e-7
GRADCHECK = settings(max_examples=25)  # each example runs the layer twice per input element


def rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    assert analytic.shape == numeric.shape
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def projection(shape, seed):
    """A random upstream gradient R, so the check covers every output element."""
    return normal_array(shape, seed)


# ---------------------------------------------------------------- numerical_gradient itself


def test_numerical_gradient_of_known_functions():
    x = normal_array((3, 4), 0)
    a = normal_array((3, 4), 1)
    assert rel_error(numerical_gradient(lambda v: np.sum(v**2), x), 2 * x) < 1e-9
    assert rel_error(numerical_gradient(lambda v: np.sum(a * v), x), a) < 1e-9
    assert rel_error(numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x)) < 1e-9
    cube = normal_array((2, 2, 2), 2)
    assert rel_error(numerical_gradient(lambda v: np.prod(v), cube),
                     np.prod(cube) / cube) < 1e-8


def test_numerical_gradient_restores_x():
    x = normal_array((5,), 3)
    before = x.copy()
    numerical_gradient(lambda v: float(np.max(v)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_step_is_centred():
    # f(x) = x³ at x = 1: centred differences give 3 + h², one-sided would give ≈ 3 + 3h.
    grad = numerical_gradient(lambda v: float(v[0] ** 3), np.array([1.0]), h=1e-2)
    assert grad[0] == pytest.approx(3 + 1e-4, rel=1e-9)


# ---------------------------------------------------------------- convolution


def check_conv_backward(x, w, b, stride, padding, seed):
    out = conv2d(x, w, b, stride, padding)
    r = projection(out.shape, seed)
    dx, dw, db = conv2d_backward(r, x, w, stride, padding)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)

    def loss_x(v):
        return np.sum(conv2d(v, w, b, stride, padding) * r)

    def loss_w(v):
        return np.sum(conv2d(x, v, b, stride, padding) * r)

    def loss_b(v):
        return np.sum(conv2d(x, w, v, stride, padding) * r)

    assert rel_error(dx, numerical_gradient(loss_x, x.copy())) < TOLERANCE
    assert rel_error(dw, numerical_gradient(loss_w, w.copy())) < TOLERANCE
    assert rel_error(db, numerical_gradient(loss_b, b.copy())) < TOLERANCE


@GRADCHECK
@given(case=conv_cases(dtype=np.float64), seed=seeds())
def test_conv2d_backward_numeric(case: ConvCase, seed):
    x = normal_array(case.x.shape, seed)
    w = normal_array(case.w.shape, seed + 1)
    check_conv_backward(x, w, case.b, case.stride, case.pads, seed + 2)


@GRADCHECK
@given(case=string_padding_cases(dtype=np.float64), seed=seeds())
def test_conv2d_backward_same_and_valid(case, seed):
    mode, x, w, b, stride = case
    x, w = normal_array(x.shape, seed), normal_array(w.shape, seed + 1)
    check_conv_backward(x, w, b, stride, mode, seed + 2)


def test_conv2d_backward_valid_ignores_unreached_pixels():
    # 6 columns, 3-wide filter, stride 2: the last column is never under the filter.
    x, w = normal_array((1, 1, 3, 6), 0), normal_array((1, 1, 3, 3), 1)
    dx, _, _ = conv2d_backward(np.ones((1, 1, 1, 2)), x, w, stride=2, padding="valid")
    np.testing.assert_array_equal(dx[..., 5], 0)
    np.testing.assert_array_equal(dx[0, 0, :, :2], w[0, 0, :, :2])
    np.testing.assert_array_equal(dx[0, 0, :, 2], w[0, 0, :, 2] + w[0, 0, :, 0])  # both windows


def test_conv2d_backward_matches_torch_autograd(torch):
    x, w, b = normal_array((2, 3, 7, 8), 0), normal_array((4, 3, 3, 3), 1), normal_array((4,), 2)
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    tout = torch.nn.functional.conv2d(torch.nn.functional.pad(tx, (0, 1, 1, 1)), tw, tb,
                                      stride=(2, 3))
    r = projection(tuple(tout.shape), 3)
    (tout * torch.from_numpy(r)).sum().backward()
    dx, dw, db = conv2d_backward(r, x, w, stride=(2, 3), padding=((1, 1), (0, 1)))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv2d_backward_keeps_float32():
    x, w = np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 3, 3), np.float32)
    grads = conv2d_backward(np.ones((1, 3, 2, 2), np.float32), x, w)
    assert [g.dtype for g in grads] == [np.float32] * 3


# ---------------------------------------------------------------- pooling, relu, dense, loss


@GRADCHECK
@given(n=sizes(1, 2), c=sizes(1, 2), oh=sizes(1, 3), ow=sizes(1, 3), size=sizes(1, 3),
       stride=sizes(1, 3), seed=seeds())
def test_max_pool2d_backward_numeric(n, c, oh, ow, size, stride, seed):
    x = distinct_array((n, c, (oh - 1) * stride + size, (ow - 1) * stride + size), seed)
    r = projection((n, c, oh, ow), seed + 1)
    dx = max_pool2d_backward(r, x, size, stride)
    numeric = numerical_gradient(lambda v: np.sum(max_pool2d(v, size, stride) * r), x.copy())
    assert rel_error(dx, numeric) < TOLERANCE


def test_max_pool2d_backward_overlapping_windows_add_up():
    x = np.array([[0.0, 1.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]])[None, None]
    dx = max_pool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), x, size=2, stride=1)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 10, 0], [0, 0, 0]])


def test_max_pool2d_backward_ties_go_to_the_first():
    x = np.ones((1, 1, 2, 2))
    dx = max_pool2d_backward(np.array([[[[7.0]]]]), x)
    np.testing.assert_array_equal(dx[0, 0], [[7, 0], [0, 0]])


@given(k=sizes(1, 4), seed=seeds())
def test_relu_backward_numeric(k, seed):
    shape = (k, 3, 2)
    x = distinct_array(shape, seed) + 0.05  # never at the kink
    r = projection(shape, seed + 1)
    numeric = numerical_gradient(lambda v: np.sum(relu(v) * r), x.copy())
    assert rel_error(relu_backward(r, x), numeric) < TOLERANCE
    np.testing.assert_array_equal(relu_backward(r, x), np.where(x > 0, r, 0))


@given(n=sizes(1, 4), d=sizes(1, 5), k=sizes(1, 4), seed=seeds())
def test_dense_backward_numeric(n, d, k, seed):
    x, w, b = normal_array((n, d), seed), normal_array((d, k), seed + 1), normal_array((k,), 2)
    r = projection((n, k), seed + 3)
    dx, dw, db = dense_backward(r, x, w)
    assert rel_error(dx, numerical_gradient(lambda v: np.sum(dense(v, w, b) * r), x.copy())) \
        < TOLERANCE
    assert rel_error(dw, numerical_gradient(lambda v: np.sum(dense(x, v, b) * r), w.copy())) \
        < TOLERANCE
    assert rel_error(db, numerical_gradient(lambda v: np.sum(dense(x, w, v) * r), b.copy())) \
        < TOLERANCE


@given(n=sizes(1, 4), k=sizes(2, 5), seed=seeds())
def test_cross_entropy_backward_numeric(n, k, seed):
    logits = normal_array((n, k), seed) * 3
    labels = np.random.default_rng(seed).integers(0, k, n)
    numeric = numerical_gradient(lambda v: cross_entropy(v, labels), logits.copy())
    assert rel_error(cross_entropy_backward(logits, labels), numeric) < TOLERANCE


@pytest.mark.parametrize("seed", [0, 1])
def test_tiny_cnn_gradients_numeric(seed):
    params = init_tiny_cnn(seed)
    for name in ("conv1_b", "conv2_b", "fc_b"):  # non-zero biases, so their gradients matter
        params[name] = normal_array(params[name].shape, seed + 10) * 0.1
    x = np.random.default_rng(seed).uniform(0, 1, (3, 1, 8, 8))
    y = np.array([0, 3, 9])
    loss, grads = tiny_cnn_loss_and_grads(x, y, params)
    assert isinstance(loss, float)
    assert set(grads) == set(params)
    for name, value in params.items():

        def loss_of(v, name=name):
            return cross_entropy(tiny_cnn_forward(x, {**params, name: v}), y)

        numeric = numerical_gradient(loss_of, value.copy())
        assert grads[name].shape == value.shape
        assert rel_error(grads[name], numeric) < TOLERANCE, name
