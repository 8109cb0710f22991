"""Part 3, convolution: ``conv2d_single`` (one image, one filter) and ``conv2d`` (a layer)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from ..compare import Call, assert_matches_reference, assert_raises, assert_shape
from ..i18n import _
from ..strategies import (
    ConvCase,
    Drawn,
    conv_cases,
    images,
    invalid_geometries,
    sizes,
    string_geometries,
    valid_geometries,
    value_kinds,
)
from . import check

# ---------------------------------------------------------------- one image, one filter

# The lecture's pictures: a 4×4 image under a 3×3 filter of ones; a 5×5 binary image under
# an X-shaped 3×3 filter; a 7×7 image under a 3×3 filter at strides 1 and 2, and with
# padding 1 (the size stays 7); the same at stride 3, which does not fit. The first two are
# checked as they are; every lecture geometry is also checked on drawn numbers, so the item
# is not a handful of fixed answers a table could learn from the feedback.
_BINARY = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                    [0, 1, 1, 0, 0]], dtype=np.float64)
_X_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
LECTURE_CALLS = [
    Call("conv2d_single", (np.arange(16.0).reshape(4, 4), np.ones((3, 3)))),
    Call("conv2d_single", (_BINARY, _X_FILTER)),
]
#: The lecture's geometries: image size and the keyword arguments (stride 3 must raise).
LECTURE_GEOMETRIES = [((4, 4), {}), ((5, 5), {}), ((7, 7), {"stride": 1}),
                      ((7, 7), {"stride": 2}), ((7, 7), {"padding": 1}), ((7, 7), {"stride": 3})]


@st.composite
def _lecture_calls(draw) -> Call:
    """A lecture geometry (a 3×3 filter) with drawn numbers."""
    shape, kwargs = draw(st.sampled_from(LECTURE_GEOMETRIES))
    return Call("conv2d_single", (draw(images(shape)), draw(images((3, 3)))), kwargs)


@check(
    "conv2d_single: lecture examples",
    hint=_("Slide the filter over the image; at each position multiply element by element, "
    "sum, and add the bias. (N − F) / stride + 1 positions per axis; 7×7 with a 3×3 filter "
    "at stride 3 does not fit and must raise ValueError."),
    max_examples=15,
)
@given(call=_lecture_calls())
@example(call=LECTURE_CALLS[1])
@example(call=LECTURE_CALLS[0])
def conv2d_single_lecture(student, call: Call) -> None:
    if call.kwargs.get("stride") == 3:
        assert_raises(student, call, "ValueError",
                      _(" because {sum} is not a whole number", sum="(7 − 3) / 3 + 1 = 2.33"))
    else:
        assert_matches_reference(student, call)


@st.composite
def single_cases(draw, geometries=None, bias: bool = False, values=("ints", "floats")) -> Call:
    """A conv2d_single call: image (H, W), kernel (FH, FW), and the asked-for extras."""
    g = draw(geometries if geometries is not None else valid_geometries(max_out=5))
    kind = draw(value_kinds(*values))
    image = draw(images(g.in_hw, np.float64, kind))
    kernel = draw(images(g.f_hw, np.float64, kind))
    kwargs = {}
    if bias:
        kwargs["bias"] = float(draw(st.integers(-4, 4).filter(bool)))
    if g.stride != 1:
        kwargs["stride"] = g.stride
    if g.padding != 0:
        kwargs["padding"] = g.padding
    return Call("conv2d_single", (image, kernel), kwargs)


@check(
    "conv2d_single: random images and filters",
    hint=_("out[i, j] is the sum of image[i + p, j + q] · kernel[p, q] over the whole filter. "
    "Rectangular images and filters work the same way."),
    max_examples=15,
)
@given(call=single_cases())
def conv2d_single_random(student, call: Call) -> None:
    assert_matches_reference(student, call)


@check(
    "conv2d_single: bias",
    hint=_("The bias is added once to every output value: W·X + b."),
)
@given(call=single_cases(bias=True, values=("ints",)))
def conv2d_single_bias(student, call: Call) -> None:
    assert_matches_reference(student, call)


@check(
    "conv2d_single: stride",
    hint=_("With stride S, output (i, j) uses the window starting at row i·S, column j·S; "
    "a pair (sh, sw) gives each axis its own step."),
    max_examples=15,
)
@given(call=single_cases(valid_geometries(max_out=4, max_stride=3), values=("ints",)))
def conv2d_single_stride(student, call: Call) -> None:
    assert_matches_reference(student, call)


@check(
    "conv2d_single: padding",
    hint=_("Pad the image with zeros first (any of the four padding forms), then slide the "
    "filter over the padded image."),
    max_examples=15,
)
@given(call=single_cases(
    st.one_of(valid_geometries(max_out=4, max_stride=2, max_pad=2),
              valid_geometries(max_out=4, max_pad=2, per_side=True)),
    values=("ints",),
))
def conv2d_single_padding(student, call: Call) -> None:
    assert_matches_reference(student, call)


# ---------------------------------------------------------------- the layer


def _conv_call(case: ConvCase) -> Call:
    """conv2d(x, w, b, ...), leaving out arguments at their defaults."""
    kwargs = {}
    if case.stride != 1:
        kwargs["stride"] = case.stride
    if case.padding != 0:
        kwargs["padding"] = case.padding
    return Call("conv2d", (case.x, case.w, case.b), kwargs)


_LECTURE_LAYERS = [
    ConvCase(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5)), np.zeros(6)),  # → 28×28×6
    ConvCase(np.zeros((1, 6, 28, 28)), np.zeros((10, 6, 5, 5)), np.zeros(10)),  # → 24×24×10
]


@check(
    "conv2d: output shape",
    hint=_("The output is (N, F, OH, OW): one map per filter, OH = (H + 2P − FH)/S + 1 and "
    "OW = (W + 2P − FW)/S + 1 (the width uses W and FW)."),
    max_examples=15,
)
@given(case=conv_cases(
    valid_geometries(max_out=4, max_f=3, max_stride=2, max_pad=1), bias=None, dtype=np.float64,
))
@example(case=_LECTURE_LAYERS[1])
@example(case=_LECTURE_LAYERS[0])
def conv2d_output_shape(student, case: ConvCase) -> None:
    assert_shape(student, _conv_call(case))


@check(
    "conv2d: channels summed",
    hint=_("Each filter spans every input channel: out[n, f, i, j] sums the products over "
    "channels, rows and columns."),
)
@given(case=conv_cases(c=(2, 3), f=(1, 1), bias=False, dtype=np.float64))
def conv2d_channels(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: multiple filters",
    hint=_("Filter f makes output map f: out[:, f] uses w[f] (and b[f])."),
)
@given(case=conv_cases(c=(1, 1), f=(2, 3), bias=False, dtype=np.float64))
def conv2d_filters(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: bias",
    hint=_("b[f] is added once to every pixel of output map f."),
)
@given(case=conv_cases(c=(1, 3), f=(1, 3), bias=True, dtype=np.float64))
def conv2d_bias(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: stride",
    hint=_("Output (i, j) uses the window starting at row i·sh, column j·sw of the (padded) "
    "input."),
    max_examples=15,
)
@given(case=conv_cases(valid_geometries(max_out=3, max_stride=3), dtype=np.float64, bias=False))
def conv2d_stride(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: padding",
    hint=_("Accept p, (ph, pw) and ((top, bottom), (left, right)); pad only the height and "
    "width axes, with zeros, then convolve."),
    max_examples=15,
)
@given(case=conv_cases(
    st.one_of(valid_geometries(max_out=3, max_pad=2), valid_geometries(max_out=3, max_pad=2,
                                                                       per_side=True)),
    dtype=np.float64, bias=False,
))
def conv2d_padding(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: same and valid padding",
    hint=_("'valid': no padding, extra rows or columns the filter cannot reach are dropped. "
    "'same': ceil(N / S) outputs, padding split evenly with the odd zero after."),
    max_examples=15,
)
@given(case=conv_cases(string_geometries(max_n=6), dtype=np.float64, bias=False))
def conv2d_same_valid(student, case: ConvCase) -> None:
    assert_matches_reference(student, _conv_call(case))


@check(
    "conv2d: output keeps the input's dtype",
    hint=_("The output has the input's float dtype (float32 in, float32 out; float64 in, "
    "float64 out): make the output array with the input's dtype and compute in it."),
)
@given(case=conv_cases(valid_geometries(max_out=3), values=("ints", "floats"), bias=False))
def conv2d_keeps_dtype(student, case: ConvCase) -> None:
    # The only conv2d item that charges the dtype; the others judge values alone.
    assert_matches_reference(student, _conv_call(case), strict_dtype=True)


@st.composite
def _bad_cases(draw) -> ConvCase:
    """Geometries that do not fit: a non-whole output size, or a filter bigger than x."""
    if not draw(st.booleans()):  # shrinks towards the lecture's kind: a size that is not whole
        return draw(conv_cases(invalid_geometries(), n=(1, 1), c=(1, 2), f=(1, 2)))
    h, w = draw(sizes(1, 3)), draw(sizes(1, 3))
    fh, fw = h + draw(sizes(0, 2)), w + draw(sizes(0, 2))
    if (fh, fw) == (h, w):
        fh += 1
    x = draw(images((1, 1, h, w)))
    return ConvCase(x, draw(images((1, 1, fh, fw))), None)


@check(
    "conv2d: rejects bad geometry",
    hint=_("Check that (H + 2P − FH) / S + 1 and (W + 2P − FW) / S + 1 are whole, positive "
    "numbers before computing; raise ValueError otherwise (never round down)."),
)
@given(case=_bad_cases())
@example(case=ConvCase(Drawn((1, 1, 7, 7), np.float64, "ints", 7),
                       Drawn((1, 1, 3, 3), np.float64, "ints", 3), None, 3))
def conv2d_rejects(student, case: ConvCase) -> None:
    assert_raises(student, _conv_call(case), "ValueError",
                  _(" because the filter does not fit the input evenly"))
