"""Part 4b, the layers around the convolutions and the tiny CNN's forward pass."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

import reference
from reference.tiny_cnn import PARAM_SHAPES

from ..compare import Call, assert_matches_reference, assert_same, fail
from ..i18n import _
from ..results import MismatchKind
from ..strategies import Drawn, batches, images, labelled_logits, sizes, value_kinds
from . import check


@st.composite
def _any_arrays(draw, values=("ints", "floats")) -> np.ndarray:
    shape = tuple(draw(st.lists(sizes(1, 4), min_size=1, max_size=4)))
    return draw(images(shape, np.float64, draw(value_kinds(*values))))


@check("relu: values", hint=_("ReLU keeps positive values and replaces the rest by 0, "
       "element by element, keeping the shape."))
@given(x=_any_arrays())
def relu_values(student, x: np.ndarray) -> None:
    assert_matches_reference(student, Call("relu", (x,)))


@st.composite
def _nchw(draw) -> np.ndarray:
    shape = (draw(sizes(1, 2)), draw(sizes(1, 3)), draw(sizes(1, 3)), draw(sizes(1, 3)))
    return draw(images(shape, np.float64, "ints"))


@check("flatten: order and shape", hint=_("(N, C, H, W) becomes (N, C·H·W): keep the batch "
       "axis, and reshape each example in numpy's default (row-major) order."))
@given(x=_nchw())
@example(x=Drawn((1, 2, 2, 3), np.float64, "ints", 1))
def flatten_order(student, x: np.ndarray) -> None:
    assert_matches_reference(student, Call("flatten", (x,)))


@st.composite
def _dense_args(draw, square: bool = False) -> tuple:
    x = draw(batches(d=(1, 4)))
    d = x.shape[1]
    k = d if square else draw(sizes(1, 4))
    kind = draw(value_kinds("ints", "floats"))
    return x, draw(images((d, k), np.float64, kind)), draw(images((k,), np.float64, kind))


_SQUARE_DENSE = (Drawn((2, 3), np.float64, "ints", 4), Drawn((3, 3), np.float64, "ints", 5),
                 Drawn((3,), np.float64, "ints", 6))


@check("dense: values", hint=_("x (N, D) @ w (D, K) + b (K,) gives (N, K); b is added to "
       "every row."))
@given(args=_dense_args())
@example(args=_SQUARE_DENSE)
def dense_values(student, args: tuple) -> None:
    assert_matches_reference(student, Call("dense", args))


_BIG_LOGITS = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]])


@check("softmax: values and stability", hint=_("Each row: exp of the scores divided by their "
       "sum, after subtracting the row's maximum so that exp never overflows (±1000 must work)."))
@given(case=st.one_of(labelled_logits(), labelled_logits(scale=1000.0)))
@example(case={"logits": _BIG_LOGITS, "labels": np.array([0, 0])})
def softmax_values(student, case: dict) -> None:
    assert_matches_reference(student, Call("softmax", (case["logits"],)))


@check("cross_entropy: values and stability", hint=_("The mean over the batch of −log of the "
       "true class's probability; compute log-probabilities as z − max − log Σ exp(z − max) "
       "so that large scores do not overflow."))
@given(case=st.one_of(labelled_logits(), labelled_logits(scale=1000.0)))
@example(case={"logits": _BIG_LOGITS, "labels": np.array([2, 0])})
def cross_entropy_values(student, case: dict) -> None:
    assert_matches_reference(student, Call("cross_entropy", (case["logits"], case["labels"])))


@check("init_tiny_cnn: keys and shapes", hint=_("Return a dict with conv1_w (8, 1, 3, 3), "
       "conv1_b (8,), conv2_w (16, 8, 3, 3), conv2_b (16,), fc_w (64, 10), fc_b (10,): "
       "random weights (not all equal), and the same seed giving the same weights."))
def init_tiny_cnn_shapes(student) -> None:
    expected = {k: np.zeros(s) for k, s in PARAM_SHAPES.items()}
    first = Call("init_tiny_cnn", (), {"seed": 0})
    params = first.got(student)
    if not isinstance(params, dict):
        fail(_("expected a dict of arrays, got {type}", type=type(params).__name__), call=first,
             got=params,
             kind=MismatchKind.TYPE)
    for name, shape in PARAM_SHAPES.items():
        if name not in params:
            fail(_("missing key {key}; expected keys {keys}", key=repr(name),
                   keys=sorted(PARAM_SHAPES)), call=first,
                 kind=MismatchKind.TYPE)
        value = params[name]
        if not isinstance(value, np.ndarray) or value.shape != shape:
            got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
            fail(_("{name}: expected an array of shape {shape}, got {got}", name=name,
                   shape=shape, got=got), call=first,
                 expected=expected[name], got=value, kind=MismatchKind.SHAPE)
        if value.dtype.kind != "f" or not np.all(np.isfinite(value)):
            fail(_("{name}: expected finite floats, got {dtype}", name=name, dtype=value.dtype),
                 call=first, got=value,
                 kind=MismatchKind.DTYPE)
        if name.endswith("_w") and np.ptp(value) == 0:
            fail(_("{name}: all weights are equal, so every filter learns the same thing; "
                   "start from random values", name=name), call=first, got=value)
    again = Call("init_tiny_cnn", (), {"seed": 0}).got(student)
    assert_same(again, {k: params[k] for k in PARAM_SHAPES}, Call("init_tiny_cnn", (), {"seed": 0}),
                path=_("the same seed again"), rtol=0.0, atol=0.0)


@cache
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference's fixed digits split (read once)."""
    return reference.load_digits_split()


@st.composite
def digit_batches(draw, n=(1, 4)) -> tuple[np.ndarray, np.ndarray]:
    """A few training digits and their labels."""
    x, y = digits()[:2]
    idx = np.array(draw(st.lists(st.integers(0, len(y) - 1), min_size=n[0], max_size=n[1])))
    return x[idx], y[idx]


@st.composite
def tiny_params(draw) -> dict:
    """The reference's starting weights for a drawn seed, with a random output bias (the
    submission's own, made when the check runs).

    The convolution biases stay 0 (as initialised): the digits' blank borders then give
    exact zeros before ReLU, never ties between positive values in a max-pool window,
    so no tie-breaking convention can change the expected gradients.
    """
    params: dict = reference.init_tiny_cnn(draw(st.integers(0, 1000)))
    params["fc_b"] = draw(images((10,), np.float64, "floats"))
    return params


@check("tiny_cnn_forward: logits", hint=_("conv(pad 1) → ReLU → max-pool 2 → conv(pad 1) → "
       "ReLU → max-pool 2 → flatten → dense: use your own layers in this order."))
@given(batch=digit_batches(), params=tiny_params())
def tiny_cnn_forward_logits(student, batch, params) -> None:
    assert_matches_reference(student, Call("tiny_cnn_forward", (batch[0], params)))
