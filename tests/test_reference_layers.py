"""ReLU, flatten, the fully connected layer, softmax and the cross-entropy loss."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_strategies import dtypes, normal_array, seeds, sizes
from scipy.special import logsumexp

from reference import (
    cross_entropy,
    cross_entropy_backward,
    dense,
    flatten,
    log_softmax,
    relu,
    softmax,
)


def test_relu_by_hand():
    np.testing.assert_array_equal(relu([[-2.0, 0.0, 3.5]]), [[0.0, 0.0, 3.5]])
    assert relu(np.ones(3, np.float32)).dtype == np.float32
    assert relu([1, -1]).dtype == np.float64


def test_flatten_keeps_the_batch_and_c_order():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out = flatten(x)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out[1], np.arange(12.0, 24.0))  # channel, then row, then column
    assert flatten(np.zeros((5, 7))).shape == (5, 7)


def test_dense_by_hand():
    x = np.array([[1.0, 2.0]])
    w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    np.testing.assert_array_equal(dense(x, w, np.array([0.0, 1.0, 2.0])), [[5.0, 3.0, 2.0]])


@given(n=sizes(1, 4), d=sizes(1, 6), k=sizes(1, 4), seed=seeds(), dtype=dtypes())
def test_dense_is_a_sum_over_features(n, d, k, seed, dtype):
    x, w, b = (normal_array(s, seed + i, dtype) for i, s in enumerate([(n, d), (d, k), (k,)]))
    expected = (x[:, :, None].astype(np.float64) * w[None]).sum(axis=1) + b
    out = dense(x, w, b)
    assert out.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


# ---------------------------------------------------------------- softmax and loss


@given(n=sizes(1, 4), k=sizes(1, 6), scale=st.sampled_from([1.0, 100.0, 1000.0]), seed=seeds())
def test_softmax_is_a_distribution_even_for_huge_scores(n, k, scale, seed):
    logits = normal_array((n, k), seed) * scale
    p = softmax(logits)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    log_p = log_softmax(logits)
    np.testing.assert_allclose(log_p, logits - logsumexp(logits, axis=1, keepdims=True),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(np.exp(log_p), p, rtol=1e-12, atol=1e-300)


def test_softmax_by_hand():
    e = math.e
    np.testing.assert_allclose(softmax([[0.0, 1.0]]), [[1 / (1 + e), e / (1 + e)]], rtol=1e-15)
    np.testing.assert_allclose(softmax([[1000.0, 1000.0]]), [[0.5, 0.5]])
    np.testing.assert_allclose(softmax([[-1000.0, 1000.0]]), [[0.0, 1.0]])
    np.testing.assert_allclose(softmax([5.0, 5.0, 5.0, 5.0]), 0.25)  # 1-D: one row


def test_cross_entropy_stable_and_a_python_float():
    labels = np.array([0, 1])
    loss = cross_entropy(np.array([[1000.0, -1000.0], [1000.0, -1000.0]]), labels)
    assert type(loss) is float
    assert loss == pytest.approx(1000.0)  # mean of −log 1 = 0 and −log e^−2000 = 2000
    assert cross_entropy(np.array([[0.0, 0.0, 0.0]]), [2]) == pytest.approx(math.log(3))
    grad = cross_entropy_backward(np.array([[1000.0, -1000.0]]), [1])
    np.testing.assert_allclose(grad, [[1.0, -1.0]])
    assert np.all(np.isfinite(grad))


@given(n=sizes(1, 5), k=sizes(2, 6), seed=seeds())
def test_cross_entropy_is_mean_negative_log_probability(n, k, seed):
    logits = normal_array((n, k), seed) * 5
    labels = np.random.default_rng(seed).integers(0, k, n)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert cross_entropy(logits, labels) == pytest.approx(-np.mean(np.log(p[range(n), labels])),
                                                          rel=1e-12)
    onehot = np.eye(k)[labels]
    np.testing.assert_allclose(cross_entropy_backward(logits, labels), (p - onehot) / n,
                               atol=1e-15, rtol=1e-12)
