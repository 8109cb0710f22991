"""Output sizes and padding: the lecture's numbers, TensorFlow's "same"/"valid", zero_pad."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_strategies import seeds, sizes, strides, tf_same_padding, tf_valid_size

from reference import conv2d, output_size, same_padding, zero_pad


def positions(n: int, f: int, s: int, before: int, after: int) -> list[int]:
    """Where a filter can start, counted one by one on the padded axis."""
    return [start for start in range(0, n + before + after, s) if start + f <= n + before + after]


# ---------------------------------------------------------------- the lecture's examples


@pytest.mark.parametrize(
    ("n", "f", "stride", "padding", "expected"),
    [
        (7, 3, 1, 0, 5),  # 7×7 image, 3×3 filter, one pixel at a time
        (7, 3, 2, 0, 3),
        (7, 3, 1, 1, 7),  # one ring of zeros keeps 7×7
        (32, 5, 1, 0, 28),  # 32×32×3 image, 5×5×3 filter
        (28, 5, 1, 0, 24),  # the next layer of the stack
        (5, 3, 1, 0, 3),  # the 5×5 image with a 3×3 filter → 3×3 feature map
        (4, 3, 1, 0, 2),  # 4×4 input, 3×3 filter → 2×2
    ],
)
def test_output_size_lecture_examples(n, f, stride, padding, expected):
    assert output_size(n, f, stride, padding) == expected


def test_stride_3_on_7x7_is_rejected_with_the_arithmetic():
    with pytest.raises(ValueError) as err:
        output_size(7, 3, 3)
    assert "(7 + 2·0 − 3) / 3 + 1 = 2.33 is not an integer" in str(err.value)


def test_stacked_layers_32_28_24():
    x = np.zeros((1, 3, 32, 32))
    h1 = conv2d(x, np.zeros((6, 3, 5, 5)))
    h2 = conv2d(h1, np.zeros((10, 6, 5, 5)))
    assert h1.shape == (1, 6, 28, 28)
    assert h2.shape == (1, 10, 24, 24)


def test_width_uses_w_and_fw_not_h():
    """The lecture prints OW = (H + 2P + FW)/S + 1; the right rule is (W + 2P − FW)/S + 1."""
    out = conv2d(np.zeros((1, 1, 9, 5)), np.zeros((1, 1, 3, 1)), stride=(2, 2), padding=(1, 0))
    assert out.shape == (1, 1, (9 + 2 - 3) // 2 + 1, (5 + 0 - 1) // 2 + 1)  # (1, 1, 5, 3)


# ---------------------------------------------------------------- the rule, for any numbers


@given(n=sizes(1, 12), f=sizes(1, 6), s=strides(4), before=sizes(0, 3), after=sizes(0, 3))
def test_output_size_counts_the_filter_positions(n, f, s, before, after):
    padding = before if before == after else (before, after)
    span = n + before + after - f
    if span >= 0 and span % s == 0:
        assert output_size(n, f, s, padding) == len(positions(n, f, s, before, after))
    else:
        with pytest.raises(ValueError, match=r"not an integer|larger than the padded input"):
            output_size(n, f, s, padding)


@given(n=sizes(1, 12), f=sizes(1, 6), s=strides(4))
def test_same_is_ceil_n_over_s_with_tensorflows_padding(n, f, s):
    assert output_size(n, f, s, "same") == math.ceil(n / s)
    assert same_padding(n, f, s) == tf_same_padding(n, f, s)
    before, after = tf_same_padding(n, f, s)
    # The padded axis holds exactly the windows "same" promises, and the last one is used.
    assert len(positions(n, f, s, before, after)) == math.ceil(n / s)


@given(n=sizes(1, 12), f=sizes(1, 6), s=strides(4))
def test_valid_rounds_down(n, f, s):
    if f > n:
        with pytest.raises(ValueError, match=f"filter size {f} is larger than the input size {n}"):
            output_size(n, f, s, "valid")
    else:
        assert output_size(n, f, s, "valid") == tf_valid_size(n, f, s)
        assert output_size(n, f, s, "valid") == len(positions(n, f, s, 0, 0))


def test_same_padding_examples_by_hand():
    assert same_padding(7, 3) == (1, 1)  # stride 1, odd filter: symmetric
    assert same_padding(8, 3, 2) == (0, 1)  # 4 outputs need 3·2 + 3 = 9 pixels: one extra, after
    assert same_padding(5, 4) == (1, 2)  # even filter: the odd pixel goes after
    assert same_padding(8, 1, 3) == (0, 0)  # the window never reaches past the input


@pytest.mark.parametrize("mode", ["SAME", "Valid"])
def test_padding_names_ignore_case(mode):
    assert output_size(6, 3, 2, mode) == output_size(6, 3, 2, mode.lower())


# ---------------------------------------------------------------- zero_pad


@given(
    lead=st.lists(sizes(1, 3), max_size=2),
    hw=st.tuples(sizes(1, 5), sizes(1, 5)),
    pads=st.tuples(sizes(0, 2), sizes(0, 2), sizes(0, 2), sizes(0, 2)),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=seeds(),
)
def test_zero_pad_puts_x_in_a_frame_of_zeros(lead, hw, pads, dtype, seed):
    t, b, left, r = pads
    x = np.random.default_rng(seed).uniform(1, 2, size=(*lead, *hw)).astype(dtype)
    out = zero_pad(x, ((t, b), (left, r)))
    h, w = hw
    assert out.shape == (*lead, h + t + b, w + left + r)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out[..., t : t + h, left : left + w], x)
    inside = np.zeros(out.shape, dtype=bool)
    inside[..., t : t + h, left : left + w] = True
    assert np.all(out[~inside] == 0)


def test_zero_pad_forms_and_dtypes():
    x = np.arange(6).reshape(2, 3)  # integers become float64
    assert zero_pad(x, 1).dtype == np.float64
    np.testing.assert_array_equal(zero_pad(x, 1), zero_pad(x, ((1, 1), (1, 1))))
    np.testing.assert_array_equal(zero_pad(x, (1, 2)), zero_pad(x, ((1, 1), (2, 2))))
    np.testing.assert_array_equal(
        zero_pad(x, (0, 1)), [[0, 0, 1, 2, 0], [0, 3, 4, 5, 0]]
    )
