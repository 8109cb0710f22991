"""Part 5, backprop and training: every backward pass, the numerical gradient, training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

import reference

from ..compare import Call, assert_matches_reference, fail
from ..i18n import _
from ..results import MismatchKind
from ..sandbox.jail.protocol import FunctionRef
from ..strategies import (
    ConvCase,
    Drawn,
    Later,
    batches,
    conv_cases,
    images,
    pool_cases,
    salted,
    sizes,
    valid_geometries,
)
from . import check
from .layers import digits

GRADS = ("dx", "dw", "db")


@st.composite
def _relu_args(draw) -> tuple[np.ndarray, np.ndarray]:
    shape = tuple(draw(st.lists(sizes(1, 4), min_size=1, max_size=3)))
    return draw(images(shape)), draw(images(shape))  # ints: x == 0 happens often


@check("relu_backward: gradients", hint=_("The gradient passes where the forward input x was "
       "positive (x > 0) and is 0 elsewhere, x == 0 included."))
@given(args=_relu_args())
@example(args=(np.array([[3.0, -2.0, 4.0]]), np.array([[1.0, 0.0, -1.0]])))
def relu_backward_grads(student, args) -> None:
    assert_matches_reference(student, Call("relu_backward", args))


@st.composite
def _dense_backward_args(draw, square: bool = False):
    x = draw(batches(n=(2, 3), d=(1, 4), values=("ints",)))
    k = x.shape[1] if square else draw(sizes(1, 4))
    return draw(images((x.shape[0], k))), x, draw(images((x.shape[1], k)))


@check("dense_backward: gradients", hint=_("For out = x @ w + b: dx = dout @ wᵀ (N, D), "
       "dw = xᵀ @ dout (D, K), db = dout summed over the batch (K,)."))
@given(args=_dense_backward_args())
@example(args=(Drawn((2, 3), np.float64, "ints", 1), Drawn((2, 3), np.float64, "ints", 2),
               Drawn((3, 3), np.float64, "ints", 3)))
def dense_backward_grads(student, args) -> None:
    assert_matches_reference(student, Call("dense_backward", args), names=GRADS)


@st.composite
def _conv_backward_calls(draw) -> Call:
    case: ConvCase = draw(conv_cases(
        st.one_of(valid_geometries(max_out=3, max_stride=2, max_pad=1),
                  valid_geometries(max_out=3, max_pad=1, per_side=True)),
        dtype=np.float64, bias=False,
    ))
    out = reference.conv2d(np.zeros(case.x.shape), np.zeros(case.w.shape), None, case.stride,
                           case.padding)  # only its shape: the values are made later
    dout = draw(images(out.shape))
    kwargs = {}
    if case.stride != 1:
        kwargs["stride"] = case.stride
    if case.padding != 0:
        kwargs["padding"] = case.padding
    return Call("conv2d_backward", (dout, case.x, case.w), kwargs)


@check("conv2d_backward: gradients", hint=_("Each output value used one window of x and one "
       "filter: send dout · w back to that window (dx), dout · window to the filter (dw), and "
       "dout to the bias (db: sum over images and positions). Crop the padding off dx."),
       max_examples=15)
@given(call=_conv_backward_calls())
def conv2d_backward_grads(student, call: Call) -> None:
    assert_matches_reference(student, call, names=GRADS)


@st.composite
def _pool_backward_calls(draw) -> Call:
    case = draw(pool_cases(values=("distinct",)))  # distinct values: no tied maxima
    out = reference.max_pool2d(np.zeros(case["x"].shape), case["size"], case["stride"])
    kwargs = {"size": case["size"]}
    if case["stride"] is not None:
        kwargs["stride"] = case["stride"]
    return Call("max_pool2d_backward", (draw(images(out.shape)), case["x"]), kwargs)


@check("max_pool2d_backward: gradients", hint=_("Only the cell holding each window's maximum "
       "affected the output: it gets that window's dout (added up if windows overlap); every "
       "other cell gets 0."), max_examples=15)
@given(call=_pool_backward_calls())
def max_pool2d_backward_grads(student, call: Call) -> None:
    assert_matches_reference(student, call)


@st.composite
def _functions(draw, shape: tuple[int, ...]) -> FunctionRef:
    """One of the named test functions from ``autograder.callables``, for x of ``shape``."""
    seed = draw(st.integers(0, 2**32 - 2))
    size = int(np.prod(shape))
    if draw(st.booleans()):
        a = Drawn((size, size), np.float64, "ints", seed)
        b = Drawn((size,), np.float64, "ints", seed + 1)
        return FunctionRef("quadratic", {"a": a, "b": b})
    return FunctionRef("sin_sum", {"w": Drawn(shape, np.float64, "ints", seed, shift=0.5)})


@st.composite
def _numgrad_calls(draw) -> Call:
    shape = draw(st.sampled_from([(3,), (2, 2), (1, 4), (2, 3)]))
    f = draw(_functions(shape))
    x = Drawn(shape, np.float64, "floats", draw(st.integers(0, 2**32 - 1)))
    h = draw(st.sampled_from([None, 1e-4, 1e-5]))
    return Call("numerical_gradient", (f, x), {} if h is None else {"h": h})


@check("numerical_gradient: centred differences", hint=_("For each element i: nudge x[i] by +h "
       "and −h, take (f(x + h) − f(x − h)) / 2h, and put x[i] back before the next one."))
@given(call=_numgrad_calls())
def numerical_gradient_centred(student, call: Call) -> None:
    assert_matches_reference(student, call, rtol=1e-7, atol=1e-8)


#: How far (relative to the layer's largest value) every ReLU input must be from 0, and
#: every positive maximum of a max-pool window from the runner-up. At a kink or a tie the
#: gradient is undefined, so a correct solution that rounds differently (an FFT convolution,
#: another summation order: ~1e-15 apart) could route it elsewhere; cases this far from both
#: cannot change their verdict by rounding.
KINK_MARGIN = 1e-6


def _clear_of_kinks(x: np.ndarray, params: dict[str, np.ndarray]) -> bool:
    """Whether the tiny CNN's ReLUs and max-pools are differentiable at this input, with
    :data:`KINK_MARGIN` to spare."""
    _, (a1, _h1, a2, _h2, _flat) = reference.tiny_cnn._forward(x, params)
    for a in (a1, a2):
        margin = KINK_MARGIN * max(1.0, float(np.abs(a).max()))
        if np.any(np.abs(a) <= margin):
            return False
        n, c, h, w = a.shape  # 2×2 windows, stride 2, on even sizes
        windows = np.maximum(a, 0).reshape(n, c, h // 2, 2, w // 2, 2).transpose(
            0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        top2 = np.sort(windows, axis=-1)[..., -2:]
        if np.any((top2[..., 1] > 0) & (top2[..., 1] - top2[..., 0] <= margin)):
            return False
    return True


@dataclass(frozen=True)
class KinkFreeCase(Later):
    """Digits with a faint noise (no blank region gives exact zeros or tied maxima) and the
    starting weights of a seed with random biases, made when the check runs: the noise and
    the biases from ``seed`` under the submission's salt, tried again with the next seed
    until every ReLU and max-pool is clear of its kink (:func:`_clear_of_kinks`; 98 % of
    draws are at once). Hypothesis draws the digits, the seeds; the values are the
    submission's own, and no value ever makes hypothesis reject a draw, so every
    submission is checked on the same number of cases."""

    rows: tuple[int, ...]
    init_seed: int
    fc_b: Drawn
    seed: int

    def make(self, salt: tuple[int, ...] | None) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
        x, y = digits()[:2]
        rows = np.array(self.rows)
        for attempt in range(MAX_KINK_ATTEMPTS):
            rng = np.random.default_rng(salted(self.seed + attempt, salt))
            noisy = x[rows] + rng.uniform(0.0, 1 / 16, x[rows].shape)
            params = reference.init_tiny_cnn(self.init_seed)
            params["fc_b"] = self.fc_b.make(salt)
            for name in ("conv1_b", "conv2_b"):
                params[name] = rng.uniform(-0.1, 0.1, params[name].shape)
            if _clear_of_kinks(noisy, params):
                break
        return (noisy, y[rows]), params


#: Seeds tried for a case clear of kinks (each is with probability 0.98).
MAX_KINK_ATTEMPTS = 32


@st.composite
def kink_free_cases(draw, n=(1, 3)) -> KinkFreeCase:
    """A tiny-CNN case clear of kinks (:class:`KinkFreeCase`), made when the check runs."""
    rows = draw(st.lists(st.integers(0, len(digits()[1]) - 1), min_size=n[0], max_size=n[1]))
    return KinkFreeCase(tuple(rows), draw(st.integers(0, 1000)),
                        draw(images((10,), np.float64, "floats")),
                        draw(st.integers(0, 2**32 - 1 - MAX_KINK_ATTEMPTS)))


@check("tiny_cnn_loss_and_grads: loss and gradients", hint=_("Run the forward pass keeping what "
       "each layer needs, then go backwards through the same layers in reverse order; the "
       "loss is the batch mean."), max_examples=8)
@given(case=kink_free_cases())
def tiny_cnn_loss_and_grads_check(student, case) -> None:
    batch, params = case
    call = Call("tiny_cnn_loss_and_grads", (batch[0], batch[1], params))
    assert_matches_reference(student, call, names=("loss", "grads"))


#: The training run the check asks for: 64 digits, 3 epochs of 8 mini-batches. Kept this
#: short because a student's loop-style layers cost milliseconds per image (about 0.6 s of
#: CPU here for the loop-style model solution); small batches make 24 steps of it.
TRAIN_SIZE, TEST_SIZE, EPOCHS, BATCH_SIZE, LEARNING_RATE = 64, 8, 3, 8, 0.02
STEPS = EPOCHS * -(-TRAIN_SIZE // BATCH_SIZE)
#: The training call is one call running 192 forward and backward passes: a slow but
#: correct loop-style conv2d needs several seconds on a busy grader, more than one call of
#: a single layer may take, so this call alone gets at least this limit.
TRAIN_SECONDS = 30.0
#: Judged on digits the function never sees (neither to train nor to test): a last layer
#: fitted to the very digits it is judged on gains nothing.
HELD_OUT = slice(600, 1100)
#: Over seeds 0–7 the reference's loss falls by 25–38% and its params classify 40–59% of
#: the held-out digits (chance is 10%); 10% and 20% leave room for other initialisations
#: and for mistakes elsewhere (a conv2d bias added per channel trains to 26%).
MIN_LOSS_DROP, MIN_ACCURACY = 0.10, 0.20
#: The grader recomputes the training loss of the returned params: over seeds 0–7 it is
#: 71–88% of the last epoch's mean (which averages over the epoch's earlier steps). A loss
#: history that was not measured on these params falls outside 30–125%.
LOSS_RATIO = (0.30, 1.25)
#: Adam moves each weight by about ``lr`` per step (|m̂ / √v̂| ≈ 1): every parameter must
#: have moved from the seed's initialisation by at least half a step, and none by more than
#: two steps' worth per step (the reference: at most 0.44 = 22 steps' worth in all).
MIN_MOVE, MAX_MOVE = 0.5 * LEARNING_RATE, 2 * LEARNING_RATE * STEPS


@check("train_tiny_cnn: learns the digits", hint=_("Start from init_tiny_cnn(seed); each "
       "step: loss and gradients on a mini-batch, then an Adam update of every parameter; "
       "record each epoch's mean loss. The returned params should classify digits they never "
       "saw."), max_examples=1)
def train_tiny_cnn_learns(student) -> None:
    xtr, ytr, xte, yte = digits()
    x, y = xtr[:TRAIN_SIZE], ytr[:TRAIN_SIZE]
    args = (x, y, xte[:TEST_SIZE], yte[:TEST_SIZE])
    call = Call("train_tiny_cnn", args, {"epochs": EPOCHS, "batch_size": BATCH_SIZE,
                                         "lr": LEARNING_RATE, "seed": 0})
    with student.at_least(TRAIN_SECONDS):
        result = call.got(student)
    if not isinstance(result, dict) or not {"params", "loss_history"} <= set(result):
        fail(_("expected a dict with 'params', 'loss_history' and 'test_accuracy'"), call=call,
             got=result, kind=MismatchKind.TYPE)
    history = np.asarray(result["loss_history"], dtype=float) if _numbers(
        result["loss_history"]) else None
    if history is None or history.shape != (EPOCHS,):
        fail(_("loss_history should hold one mean loss per epoch ({epochs} numbers)",
               epochs=EPOCHS),
             call=call, got=result["loss_history"], kind=MismatchKind.TYPE)
    if not np.all(np.isfinite(history)) or not history[-1] < (1 - MIN_LOSS_DROP) * history[0]:
        fail(_("the training loss did not fall: {history}",
               history=np.round(history, 3).tolist()), call=call,
             got=history)
    params = result["params"]
    try:
        loss = float(reference.cross_entropy(reference.tiny_cnn_forward(x, params), y))
    except (TypeError, ValueError, KeyError) as exc:
        fail(_("the returned params are not usable: {error}", error=exc), call=call,
             kind=MismatchKind.TYPE)
    _check_loss_history(call, history, loss)
    _check_moved_by_steps(call, params)
    acc = reference.accuracy(reference.tiny_cnn_forward(xtr[HELD_OUT], params), ytr[HELD_OUT])
    if not acc >= MIN_ACCURACY:
        fail(_("the trained params classify {accuracy} of digits they did not train on "
               "correctly; at least {minimum} expected", accuracy=f"{acc:.0%}",
               minimum=f"{MIN_ACCURACY:.0%}"), call=call, got=acc, expected=MIN_ACCURACY)


def _check_loss_history(call: Call, history: np.ndarray, loss: float) -> None:
    """The last epoch's mean loss must match ``loss``, the loss of the returned params.
    (The student's own cross_entropy plays no part: while train_tiny_cnn is graded, its
    calls to earlier functions get correct answers, ``rubric.provided_while_grading``.)"""
    low, high = LOSS_RATIO[0] * history[-1], LOSS_RATIO[1] * history[-1]
    if not (np.isfinite(loss) and low <= loss <= high):
        fail(_("loss_history does not belong to the returned params: on the training "
               "digits they have a loss of {loss}, but the last epoch's mean loss is "
               "{last} (expected between {low} and {high})", loss=f"{loss:.3f}",
               last=f"{history[-1]:.3f}", low=f"{low:.3f}", high=f"{high:.3f}"),
             call=call, got=loss, expected=float(history[-1]))


def _check_moved_by_steps(call: Call, params: dict) -> None:
    """Every parameter moved from ``init_tiny_cnn(seed)`` (the grader's: the student's
    calls to it get the grader's answer) as far as the Adam steps could take it: at least
    a little, not far."""
    start = reference.init_tiny_cnn(0)
    for name in sorted(start):
        try:
            moved = float(np.max(np.abs(np.asarray(params[name], dtype=float)
                                        - np.asarray(start[name], dtype=float))))
        except (KeyError, TypeError, ValueError) as exc:
            fail(_("the returned params are not usable: {name}: {error}", name=name,
                   error=exc), call=call, kind=MismatchKind.TYPE)
        if not MIN_MOVE <= moved <= MAX_MOVE:
            fail(_("params[{name}] moved at most {moved} from init_tiny_cnn(seed=0); {steps} "
                   "Adam steps of lr={lr} move every parameter by between {low} and {high}: "
                   "were they trained by gradient steps?", name=repr(name),
                   moved=f"{moved:.3g}", steps=STEPS, lr=LEARNING_RATE, low=f"{MIN_MOVE:g}",
                   high=f"{MAX_MOVE:g}"), call=call, got=moved)


def _numbers(value) -> bool:
    """A list or array of real numbers."""
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "iuf"
