"""The convolution layer: worked examples, independent oracles, and properties it must keep.

Integer-valued inputs make every correct implementation agree to the last bit, so most
comparisons here are exact (``assert_array_equal``); float data is compared with a
tolerance where summation order legitimately differs.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_strategies import (
    ConvCase,
    conv_cases,
    dtypes,
    normal_array,
    padding_forms,
    seeds,
    sizes,
    string_padding_cases,
    tf_same_padding,
    tf_valid_size,
)
from scipy.signal import correlate2d

from reference import conv2d, conv2d_loops, conv2d_single, zero_pad

CONV_FUNCTIONS = [conv2d, conv2d_loops]


def scipy_conv(x, w, b, stride, pads):
    """Oracle: scipy's 2-D cross-correlation per image, filter and channel, summed."""
    (t, bo), (left, r) = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (t, bo), (left, r)))
    n, c = x.shape[:2]
    f = w.shape[0]
    maps = [
        [sum(correlate2d(xp[i, k], w[j, k].astype(np.float64), mode="valid") for k in range(c))
         + b[j] for j in range(f)]
        for i in range(n)
    ]
    sh, sw = stride
    return np.array(maps)[:, :, ::sh, ::sw]


# ---------------------------------------------------------------- worked examples


def test_5x5_image_3x3_filter_gives_3x3_feature_map():
    # The binary image and "x"-shaped filter of the classic feature-extraction figure;
    # each output is the count of 1-pixels under the filter's five 1s (worked by hand).
    image = [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ]
    kernel = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    expected = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    np.testing.assert_array_equal(conv2d_single(image, kernel), expected)
    x, w = np.array(image)[None, None], np.array(kernel)[None, None]
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(conv(x, w)[0, 0], expected)


def test_4x4_input_3x3_filter_plus_bias_gives_2x2():
    image = [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]]
    kernel = [[2, 0, 1], [0, 1, 2], [1, 0, 2]]
    # Top-left by hand: 1·2 + 3·1 + 1·1 + 2·2 + 3·1 + 1·2 = 15; plus bias 3 → 18.
    expected = [[18, 19], [9, 18]]
    np.testing.assert_array_equal(conv2d_single(image, kernel, bias=3), expected)
    x, w = np.array(image)[None, None], np.array(kernel)[None, None]
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(conv(x, w, np.array([3.0]))[0, 0], expected)


def test_zero_padding_1_counts_neighbours():
    # All-ones 3×3 image and filter, padded by one: each output counts its in-image neighbours.
    expected = [[4, 6, 4], [6, 9, 6], [4, 6, 4]]
    np.testing.assert_array_equal(conv2d_single(np.ones((3, 3)), np.ones((3, 3)), padding=1),
                                  expected)
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(conv(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                                           padding=1)[0, 0], expected)


def test_stride_2_skips_every_other_position():
    # 0..24 in a 5×5 grid; a 3×3 window of ones sums to 9 × its centre value.
    image = np.arange(25.0).reshape(5, 5)
    expected = [[9 * 6, 9 * 8], [9 * 16, 9 * 18]]
    np.testing.assert_array_equal(conv2d_single(image, np.ones((3, 3)), stride=2), expected)
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(
            conv(image[None, None], np.ones((1, 1, 3, 3)), stride=2)[0, 0], expected)


@pytest.mark.parametrize("conv", CONV_FUNCTIONS)
def test_lecture_shapes(conv):
    x = np.ones((1, 3, 32, 32))
    assert conv(x[:, :, :7, :7], np.ones((1, 3, 3, 3))).shape == (1, 1, 5, 5)
    assert conv(x[:, :, :7, :7], np.ones((1, 3, 3, 3)), stride=2).shape == (1, 1, 3, 3)
    assert conv(x[:, :, :7, :7], np.ones((1, 3, 3, 3)), padding=1).shape == (1, 1, 7, 7)
    with pytest.raises(ValueError, match=r"2\.33 is not an integer"):
        conv(x[:, :, :7, :7], np.ones((1, 3, 3, 3)), stride=3)
    one = conv(x, np.ones((1, 3, 5, 5)))
    assert one.shape == (1, 1, 28, 28)  # one 5×5×3 filter → one 28×28 map
    np.testing.assert_array_equal(one, 75.0)  # each output sums 5·5·3 ones
    assert conv(x, np.ones((6, 3, 5, 5))).shape == (1, 6, 28, 28)  # six filters → depth 6


# ---------------------------------------------------------------- independent oracles


@given(case=conv_cases())
def test_matches_scipy_correlate2d_exactly(case: ConvCase):
    expected = scipy_conv(case.x, case.w, case.b, case.stride, case.pads)
    for padding in padding_forms(case.pads):
        for conv in CONV_FUNCTIONS:
            out = conv(case.x, case.w, case.b, stride=case.stride, padding=padding)
            assert out.dtype == case.x.dtype
            assert out.shape == (case.x.shape[0], case.w.shape[0], *case.out_hw)
            np.testing.assert_array_equal(out, expected)


@given(case=string_padding_cases())
def test_same_and_valid_follow_tensorflows_rule(case):
    mode, x, w, b, stride = case
    (h, wd), (fh, fw) = x.shape[2:], w.shape[2:]
    if mode == "same":
        pads = (tf_same_padding(h, fh, stride[0]), tf_same_padding(wd, fw, stride[1]))
        out_hw = (-(-h // stride[0]), -(-wd // stride[1]))
    else:  # valid: no padding, rows and columns no window reaches are dropped
        pads = ((0, 0), (0, 0))
        out_hw = (tf_valid_size(h, fh, stride[0]), tf_valid_size(wd, fw, stride[1]))
    expected = scipy_conv(x, w, b, stride, pads)[:, :, : out_hw[0], : out_hw[1]]
    for conv in CONV_FUNCTIONS:
        out = conv(x, w, b, stride=stride, padding=mode)
        assert out.shape == (x.shape[0], w.shape[0], *out_hw)
        np.testing.assert_array_equal(out, expected)


@given(case=conv_cases(), seed=seeds())
def test_fast_and_loops_agree_on_float_data(case: ConvCase, seed):
    x = normal_array(case.x.shape, seed, case.x.dtype)
    w = normal_array(case.w.shape, seed + 1, case.x.dtype)
    fast = conv2d(x, w, case.b, stride=case.stride, padding=case.pads)
    loops = conv2d_loops(x, w, case.b, stride=case.stride, padding=case.pads)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    assert fast.dtype == loops.dtype == x.dtype
    np.testing.assert_allclose(fast, loops, rtol=tol, atol=tol)


@given(case=conv_cases(symmetric=False), seed=seeds())
def test_matches_torch_conv2d(torch, case: ConvCase, seed):
    (t, bo), (left, r) = case.pads
    x = normal_array(case.x.shape, seed, case.x.dtype)
    w = normal_array(case.w.shape, seed + 1, case.x.dtype)
    tx = torch.nn.functional.pad(torch.from_numpy(x), (left, r, t, bo))  # per-side pre-padding
    expected = torch.nn.functional.conv2d(tx, torch.from_numpy(w), torch.from_numpy(case.b),
                                          stride=case.stride).numpy()
    tol = 2e-5 if x.dtype == np.float32 else 1e-12
    out = conv2d(x, w, case.b, stride=case.stride, padding=case.pads)
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    # integer-valued data: bit-for-bit equal
    exact = torch.nn.functional.conv2d(torch.nn.functional.pad(torch.from_numpy(case.x),
                                                               (left, r, t, bo)),
                                       torch.from_numpy(case.w), torch.from_numpy(case.b),
                                       stride=case.stride).numpy()
    np.testing.assert_array_equal(conv2d(case.x, case.w, case.b, case.stride, case.pads), exact)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@given(case=string_padding_cases())
def test_same_and_valid_match_torch(torch, case):
    mode, x, w, b, stride = case
    if mode == "same":  # torch has "same" for stride 1 only; the scipy test covers the rest
        stride = (1, 1)
    # torch's "valid" is no padding with the size rounded down, like TensorFlow's
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                          torch.from_numpy(b), stride=stride,
                                          padding=mode).numpy()
    np.testing.assert_array_equal(conv2d(x, w, b, stride=stride, padding=mode), expected)


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("conv", CONV_FUNCTIONS)
def test_dtypes(conv):
    x32, w32 = np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32)
    assert conv(x32, w32, np.zeros(1)).dtype == np.float32  # a float64 bias does not promote
    assert conv(x32, w32.astype(np.float64)).dtype == np.float64
    assert conv(np.ones((1, 1, 4, 4), int), np.ones((1, 1, 3, 3), int)).dtype == np.float64
    assert conv(x32.tolist(), w32.tolist()).dtype == np.float64  # nested lists work too
    assert conv2d_single(x32[0, 0], w32[0, 0]).dtype == np.float32


# ---------------------------------------------------------------- properties


def exact_case():
    """Integer-valued cases in float64, so the properties below hold with ``==``."""
    return conv_cases(dtype=np.float64)


@given(case=exact_case(), a=st.integers(-3, 3), seed=seeds())
def test_linear_in_x(case: ConvCase, a, seed):
    x2 = np.random.default_rng(seed).integers(-3, 4, case.x.shape).astype(np.float64)
    zero_b = np.zeros_like(case.b)

    def conv(x):
        return conv2d(x, case.w, zero_b, case.stride, case.pads)

    np.testing.assert_array_equal(conv(a * case.x + x2), a * conv(case.x) + conv(x2))


@given(case=exact_case(), a=st.integers(-3, 3), seed=seeds())
def test_linear_in_w(case: ConvCase, a, seed):
    w2 = np.random.default_rng(seed).integers(-3, 4, case.w.shape).astype(np.float64)

    def conv(w):
        return conv2d(case.x, w, None, case.stride, case.pads)

    np.testing.assert_array_equal(conv(a * case.w + w2), a * conv(case.w) + conv(w2))


@given(case=exact_case())
def test_bias_shifts_each_feature_map(case: ConvCase):
    with_b = conv2d(case.x, case.w, case.b, case.stride, case.pads)
    without = conv2d(case.x, case.w, None, case.stride, case.pads)
    np.testing.assert_array_equal(with_b - without,
                                  np.broadcast_to(case.b[None, :, None, None], with_b.shape))


@given(n=sizes(1, 2), c=sizes(1, 3), hw=st.tuples(sizes(1, 7), sizes(1, 7)),
       k=st.sampled_from([1, 3, 5]), dtype=dtypes(), seed=seeds())
def test_delta_kernel_is_the_identity(n, c, hw, k, dtype, seed):
    x = normal_array((n, c, *hw), seed, dtype)
    w = np.zeros((c, c, k, k), dtype)
    w[np.arange(c), np.arange(c), k // 2, k // 2] = 1  # filter j copies channel j
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(conv(x, w, padding=k // 2), x)
        np.testing.assert_array_equal(conv(x, w, padding="same"), x)


@given(case=exact_case())
def test_stride_subsamples_the_stride_1_result(case: ConvCase):
    full = conv2d(case.x, case.w, case.b, 1, case.pads)
    sh, sw = case.stride
    np.testing.assert_array_equal(conv2d(case.x, case.w, case.b, case.stride, case.pads),
                                  full[:, :, ::sh, ::sw])


@given(case=exact_case())
def test_padding_is_convolving_the_padded_input(case: ConvCase):
    padded = zero_pad(case.x, case.pads)
    np.testing.assert_array_equal(conv2d(case.x, case.w, case.b, case.stride, case.pads),
                                  conv2d(padded, case.w, case.b, case.stride, 0))


@given(case=exact_case())
def test_each_filter_makes_its_own_feature_map(case: ConvCase):
    out = conv2d(case.x, case.w, case.b, case.stride, case.pads)
    for j in range(case.w.shape[0]):
        one = conv2d(case.x, case.w[j : j + 1], case.b[j : j + 1], case.stride, case.pads)
        np.testing.assert_array_equal(out[:, j : j + 1], one)


@given(case=exact_case())
def test_channels_add_up(case: ConvCase):
    out = conv2d(case.x, case.w, case.b, case.stride, case.pads)
    per_channel = [
        conv2d(case.x[:, k : k + 1], case.w[:, k : k + 1], None, case.stride, case.pads)
        for k in range(case.x.shape[1])
    ]
    np.testing.assert_array_equal(out, sum(per_channel) + case.b[None, :, None, None])


@given(case=exact_case())
def test_images_are_independent(case: ConvCase):
    out = conv2d(case.x, case.w, case.b, case.stride, case.pads)
    for i in range(case.x.shape[0]):
        np.testing.assert_array_equal(
            out[i], conv2d(case.x[i : i + 1], case.w, case.b, case.stride, case.pads)[0])


@given(case=conv_cases(max_n=1, max_c=1, max_f=1))
def test_single_equals_conv2d_on_a_1x1_batch(case: ConvCase):
    out = conv2d_single(case.x[0, 0], case.w[0, 0], float(case.b[0]), case.stride, case.pads)
    assert out.dtype == case.x.dtype
    np.testing.assert_array_equal(
        out, conv2d(case.x, case.w, case.b, case.stride, case.pads)[0, 0])


def test_inputs_are_not_modified():
    x, w, b = np.ones((2, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.ones(3)
    copies = x.copy(), w.copy(), b.copy()
    for conv in CONV_FUNCTIONS:
        conv(x, w, b, stride=2, padding=1)
    for before, after in zip(copies, (x, w, b), strict=True):
        np.testing.assert_array_equal(before, after)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (3, 4, 9, 10)).astype(np.float64)[:, ::2, ::-1, 1::2]
    w = rng.integers(-3, 4, (2, 3, 3, 3)).astype(np.float64).transpose(0, 1, 3, 2)[:, :2]
    expected = scipy_conv(x, w, np.zeros(2), (1, 2), ((1, 1), (1, 1)))
    for conv in CONV_FUNCTIONS:
        np.testing.assert_array_equal(conv(x, w, stride=(1, 2), padding=1),
                                      expected)
