"""Which part of a check's hint the failing case implicates.

A check's ``hint`` (``@check(..., hint=...)``) describes everything its item asks. Shown
whole on every failure it sends a student to fix what is right: "pad with −inf, not 0"
to a ``max_pool2d`` whose padding never won a window, "(±1000 must work)" to a softmax
that went wrong on small scores. So each item whose hint makes a claim about the answer
has a rule here, run on the shrunk case's mismatch, that keeps the sentences whose
condition holds: the padded cell won, the width is the wrong axis, the stride was a
pair, ``dx`` is the part that differs, ... When none holds, the hint says what the
difference itself shows (:func:`what_differs`: all in one channel, or off by the same
amount everywhere), or nothing; the summary and the first difference say the rest.

Items without a rule here describe their item only (``relu: values``); their hint is
shown as it is. Nothing here runs student code: a rule reads the call's inputs, the
reference's answer and the student's answer, as the mismatch carries them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

import reference
from reference.geometry import as_pair, resolve_padding

from .. import rubric
from ..compare import Mismatch
from ..i18n import Message, _, layout
from ..results import MismatchKind

TYPE, SHAPE, DTYPE, VALUE = (MismatchKind.TYPE, MismatchKind.SHAPE, MismatchKind.DTYPE,
                             MismatchKind.VALUE)
RAISES = (MismatchKind.NO_ERROR, MismatchKind.WRONG_ERROR)

#: A rule: the mismatch (None when the student's code raised instead of answering) and the
#: check's whole hint -> the hint to show ("" for none).
Rule = Callable[[Mismatch | None, str], str]
RULES: dict[str, Rule] = {}


def rule(item: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the hint rule of rubric ``item``."""
    rubric.item(item)  # KeyError for a name that is not in the rubric

    def register(fn: Rule) -> Rule:
        if item in RULES:
            raise ValueError(f"rubric item {item!r} already has a hint rule")
        RULES[item] = fn
        return fn

    return register


def hint_for(item: str, hint: str, mismatch: Mismatch | None) -> str:
    """The part of ``item``'s ``hint`` that ``mismatch`` (None: the code raised)
    implicates; what the difference shows when no part is (see the module doc)."""
    if mismatch is not None and mismatch.kind is SHAPE and item.split(":")[0] in CONV:
        found = conv_shape(mismatch) or hint  # a wrong size, whatever the item is about
    else:
        found = RULES[item](mismatch, hint) if item in RULES else hint
    if found or mismatch is None:
        return found
    return what_differs(mismatch)


# --------------------------------------------------------------------------- evidence


def args(m: Mismatch) -> dict[str, Any]:
    """The call's arguments by parameter name, defaults filled in ({} without a call or
    for a call the reference's signature does not take)."""
    if m.call is None:
        return {}
    try:
        bound = inspect.signature(getattr(reference, m.call.function)).bind(
            *m.call.args, **m.call.kwargs)
    except (AttributeError, TypeError, ValueError):
        return {}
    bound.apply_defaults()
    return dict(bound.arguments)


def same_shape_arrays(m: Mismatch) -> tuple[np.ndarray, np.ndarray] | None:
    """(expected, got) as float arrays when both are real arrays of one shape."""
    e, g = m.expected, m.got
    if not (isinstance(e, np.ndarray) and isinstance(g, np.ndarray)) or e.shape != g.shape:
        return None
    if e.dtype.kind not in "biuf" or g.dtype.kind not in "biuf":
        return None
    return e.astype(np.float64), g.astype(np.float64)


def differs(e: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Where ``g`` differs from ``e`` (NaN never equals anything)."""
    scale = float(np.max(np.abs(e[np.isfinite(e)]), initial=1.0))
    return ~np.isclose(g, e, rtol=1e-6, atol=1e-9 * scale)


def is_raises(m: Mismatch | None) -> bool:
    return m is not None and m.kind in RAISES


#: The axes of the arrays the checks compare, by number of dimensions, named as a
#: student reads an NCHW map or a matrix.
AXES = {4: (_("image"), _("channel"), _("row"), _("column")), 2: (_("row"), _("column"))}


def what_differs(m: Mismatch) -> str:
    """What the difference itself shows, as a hint: every difference in one image,
    channel, row or column, or the same offset everywhere; "" when it shows neither."""
    pair = same_shape_arrays(m) if m.kind is VALUE else None
    if pair is None:
        return ""
    e, g = pair
    bad = differs(e, g)
    if not bad.any() or not np.all(np.isfinite(g[bad])):
        return ""
    offsets = (g - e)[bad]
    if bad.sum() > 1 and np.allclose(offsets, offsets[0], rtol=1e-9, atol=1e-12):
        return _("Where your answer differs, it is off by the same amount each time "
                 "({offset}): look for a term added or left out.",
                 offset=f"{offsets[0]:.4g}")
    names = AXES.get(e.ndim)
    if names is None or bad.all() or bad.sum() == 1:  # one cell: the first difference says it
        return ""
    where = np.argwhere(bad)
    for axis, name in enumerate(names):
        column = where[:, axis]
        if e.shape[axis] > 1 and np.all(column == column[0]):
            return _("Every difference is in {part} {index} of the output; the rest is "
                     "right: look at what is different about that {part}.", part=name,
                     index=int(column[0]))
    return ""


def _joined(*sentences: Message | str) -> str:
    kept = [s for s in sentences if s]
    if not kept:
        return ""
    text = kept[0]
    for more in kept[1:]:
        text = layout("{a} {b}", a=text, b=more)
    return text


def _other(item: str) -> str:
    """Another item's whole hint (a rule that falls back to a more basic item's)."""
    from . import REGISTRY

    return REGISTRY[item].hint


def _answer_is_finite(m: Mismatch) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(m.answer, dtype=np.float64))))
    except (TypeError, ValueError):
        return True


def _large(value: Any, limit: float = 100.0) -> bool:
    return isinstance(value, np.ndarray) and value.size > 0 and float(np.abs(value).max()) >= limit


# --------------------------------------------------------------------------- feature-map size


@rule("output_size: padding")
def _output_size_padding(m: Mismatch | None, hint: str) -> str:
    if m is not None and args(m).get("padding") == 0:  # the padding is not at stake
        return _other("output_size: lecture examples")
    return hint


@rule("output_size: (before, after) padding")
def _output_size_pair(m: Mismatch | None, hint: str) -> str:
    pad = args(m).get("padding") if m is not None else None
    if isinstance(pad, tuple) and len(pad) == 2 and pad[0] == pad[1]:
        return _other("output_size: padding" if pad[0] else "output_size: lecture examples")
    return hint


NOT_ANOTHER_ERROR = _("Raise ValueError for a filter that does not fit, not another exception.")


@rule("output_size: rejects non-integer sizes")
def _output_size_rejects(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind not in RAISES:
        return hint
    if m.kind is MismatchKind.WRONG_ERROR:
        return NOT_ANOTHER_ERROR
    a = args(m)
    pad = a.get("padding", 0)
    padded = a.get("n", 0) + (2 * pad if isinstance(pad, int) else 0)
    if a.get("f", 0) > padded:
        return _("The filter is larger than the padded input, so it does not fit: check for "
                 "that and raise ValueError.")
    return _("Here (N + 2P − F) / S + 1 is not a whole number, so the filter does not fit: "
             "check the remainder and raise ValueError instead of returning a size.")


VALID = _("'valid' uses no padding and rounds down (floor).")
SAME = _("'same' gives ceil(N / stride) whatever the filter size.")


@rule("output_size: valid and same")
def _output_size_modes(m: Mismatch | None, hint: str) -> str:
    mode = args(m).get("padding") if m is not None else None
    return {"valid": VALID, "same": SAME}.get(mode, hint)


@rule("same_padding: matches TensorFlow")
def _same_padding(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind is not VALUE:
        return hint
    got, want = m.answer, m.full_expected
    if not (isinstance(got, (tuple, list)) and len(got) == 2
            and all(isinstance(v, (int, np.integer)) for v in got)):
        return hint
    if sum(got) == sum(want):
        return _("The total is right; split it with half before the image and the odd pixel "
                 "(if any) after.")
    return _("Total padding = max((ceil(N / S) − 1)·S + F − N, 0).")


# --------------------------------------------------------------------------- zero padding


@rule("zero_pad: shape and placement")
def _zero_pad_placement(m: Mismatch | None, hint: str) -> str:
    if m is not None and m.kind is SHAPE:
        return _("The result has shape (..., H + 2·ph, W + 2·pw): only the last two axes are "
                 "padded.")
    if m is not None and m.kind is VALUE:
        return _("The image goes into the middle of the zeros, starting at row ph and "
                 "column pw.")
    return hint


@rule("zero_pad: per-side padding")
def _zero_pad_sides(m: Mismatch | None, hint: str) -> str:
    if m is not None and m.kind is SHAPE:
        return _("((top, bottom), (left, right)): the result has H + top + bottom rows and "
                 "W + left + right columns.")
    if m is not None and m.kind is VALUE:
        return _("The image starts at row top and column left.")
    return hint


@rule("zero_pad: copies values exactly")
def _zero_pad_exact(m: Mismatch | None, hint: str) -> str:
    if m is None:
        return hint
    if m.kind is DTYPE:
        return _("Make the new array with the image's own dtype (float32 stays float32).")
    if m.kind is VALUE:
        return _("Copy the image's values exactly: do not round them or convert them to "
                 "integers.")
    return ""


# --------------------------------------------------------------------------- convolution

SLIDE = _("Slide the filter over the image; at each position multiply element by element "
          "and sum.")


@rule("conv2d_single: lecture examples")
def _single_lecture(m: Mismatch | None, hint: str) -> str:
    if is_raises(m):
        return _("7×7 with a 3×3 filter at stride 3 does not fit ((7 − 3) / 3 + 1 = 2.33 is "
                 "not a whole number): raise ValueError.")
    if m is not None and m.kind is VALUE:
        return SLIDE
    return hint


def _square(*arrays: Any) -> bool:
    return all(isinstance(a, np.ndarray) and a.ndim >= 2 and a.shape[-1] == a.shape[-2]
               for a in arrays)


@rule("conv2d_single: random images and filters")
def _single_random(m: Mismatch | None, hint: str) -> str:
    if m is None:
        return hint
    a = args(m)
    if _square(a.get("image"), a.get("kernel")):  # nothing rectangular to get wrong
        return _("out[i, j] is the sum of image[i + p, j + q] · kernel[p, q] over the whole "
                 "filter.")
    return hint


def _off_by_constant(m: Mismatch, per_map: bool) -> bool:
    """Whether the answer differs from the expected by one constant (per output map for a
    batch of maps), i.e. what a bias shows."""
    pair = same_shape_arrays(m)
    if pair is None:
        return False
    diff = pair[1] - pair[0]
    if per_map and diff.ndim == 4:
        return bool(np.allclose(diff, diff[:, :, :1, :1], rtol=1e-9, atol=1e-9)
                    and np.allclose(diff, diff[:1], rtol=1e-9, atol=1e-9))
    return bool(np.allclose(diff, diff.flat[0], rtol=1e-9, atol=1e-9))


@rule("conv2d_single: bias")
def _single_bias(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind is not VALUE:
        return hint
    return hint if _off_by_constant(m, per_map=False) else ""


def _is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and value[0] != value[1]


@rule("conv2d_single: stride")
def _single_stride(m: Mismatch | None, hint: str) -> str:
    if m is None or _is_pair(args(m).get("stride")):
        return hint
    return _("With stride S, output (i, j) uses the window starting at row i·S, column j·S.")


def _padding_of(m: Mismatch) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((top, bottom), (left, right)) of a convolution call; None if it cannot be read."""
    a = args(m)
    single = m.call is not None and m.call.function == "conv2d_single"
    x, k = a.get("image" if single else "x"), a.get("kernel" if single else "w")
    try:
        return resolve_padding(a.get("padding", 0), x.shape[-2:], k.shape[-2:],
                               as_pair(a.get("stride", 1), "stride"))
    except (AttributeError, TypeError, ValueError):
        return None


def _no_padding(m: Mismatch) -> bool:
    return _padding_of(m) == ((0, 0), (0, 0))


@rule("conv2d_single: padding")
def _single_padding(m: Mismatch | None, hint: str) -> str:
    return "" if m is not None and _no_padding(m) else hint


#: The functions whose answers are feature maps sized by the convolution's rule.
CONV = ("conv2d", "conv2d_single")


def conv_shape(m: Mismatch) -> str:
    """For a convolution's answer of the wrong shape: the rule of each axis that is wrong
    ("" when the answer is no array of the right number of axes)."""
    e, g = m.expected, m.got
    if not (isinstance(e, np.ndarray) and isinstance(g, np.ndarray)) or e.ndim != g.ndim \
            or e.ndim not in (2, 4):
        return ""
    wrong = [a != b for a, b in zip(e.shape, g.shape, strict=True)]
    return _joined(
        _("The output is (N, F, OH, OW): one map per filter, for each image.")
        if e.ndim == 4 and (wrong[0] or wrong[1]) else "",
        _("OH = (H + 2P − FH)/S + 1.") if wrong[-2] else "",
        _("OW = (W + 2P − FW)/S + 1 (the width uses W and FW).") if wrong[-1] else "",
    )


@rule("conv2d: multiple filters")
def _conv_filters(m: Mismatch | None, hint: str) -> str:
    if m is not None and args(m).get("b") is None:
        return _("Filter f makes output map f: out[:, f] uses w[f].")
    return hint


@rule("conv2d: bias")
def _conv_bias(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind is not VALUE:
        return hint
    return hint if _off_by_constant(m, per_map=True) else ""


@rule("conv2d: stride")
def _conv_stride(m: Mismatch | None, hint: str) -> str:
    if m is not None and args(m).get("stride") in (1, (1, 1)):
        return ""
    return hint


@rule("conv2d: padding")
def _conv_padding(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind is TYPE:
        return hint
    if _no_padding(m):
        return ""
    return _("Pad only the height and width axes, with zeros, then convolve.")


@rule("conv2d: same and valid padding")
def _conv_modes(m: Mismatch | None, hint: str) -> str:
    mode = args(m).get("padding") if m is not None else None
    if mode == "valid":
        return _("'valid': no padding; rows or columns the filter cannot reach are dropped.")
    if mode == "same":
        return _("'same': ceil(N / S) outputs per axis, the padding split evenly with the odd "
                 "zero after.")
    return hint


@rule("conv2d: output keeps the input's dtype")
def _conv_dtype(m: Mismatch | None, hint: str) -> str:
    return hint if m is None or m.kind is DTYPE else ""


@rule("conv2d: rejects bad geometry")
def _conv_rejects(m: Mismatch | None, hint: str) -> str:
    if m is not None and m.kind is MismatchKind.WRONG_ERROR:
        return NOT_ANOTHER_ERROR
    return hint


# --------------------------------------------------------------------------- pooling


@rule("max_pool2d: windows and stride")
def _max_pool_windows(m: Mismatch | None, hint: str) -> str:
    if m is not None and args(m).get("stride") is not None:
        return _("Each output value is the largest value of one size×size window of its own "
                 "channel; windows move by the given stride.")
    return hint


def padded_cell_won(m: Mismatch) -> bool:
    """Whether, at a position where the answer differs, it is larger than every real pixel
    of a window that reaches into the padding and is none of that window's pixels in any
    channel: a padded cell won that window (a value taken from another channel is the
    channel mix, not the padding)."""
    pair, a = same_shape_arrays(m), args(m)
    x, pad = a.get("x"), a.get("padding", 0)
    if pair is None or not isinstance(x, np.ndarray) or x.ndim != 4 or not pad:
        return False
    try:
        ph, pw = as_pair(a["size"], "size")
        sh, sw = (ph, pw) if a.get("stride") is None else as_pair(a["stride"], "stride")
        (top, _bottom), (left, _right) = resolve_padding(pad, x.shape[-2:], (ph, pw), (sh, sw))
    except (KeyError, TypeError, ValueError):
        return False
    e, g = pair
    h, w = x.shape[-2:]
    for n, c, i, j in np.argwhere(differs(e, g)):
        r0, c0 = i * sh - top, j * sw - left
        rows, cols = slice(max(r0, 0), min(r0 + ph, h)), slice(max(c0, 0), min(c0 + pw, w))
        reaches_padding = r0 < 0 or c0 < 0 or r0 + ph > h or c0 + pw > w
        real, won = x[n, c, rows, cols], g[n, c, i, j]
        if reaches_padding and (real.size == 0 or won > real.max()) \
                and not np.any(x[n, :, rows, cols] == won):
            return True
    return False


@rule("max_pool2d: padding never wins")
def _max_pool_padding(m: Mismatch | None, hint: str) -> str:
    return hint if m is not None and padded_cell_won(m) else ""


@rule("avg_pool2d: windows and stride")
def _avg_pool_windows(m: Mismatch | None, hint: str) -> str:
    if m is not None and args(m).get("stride") is not None:
        return _("Each output value is the mean of one window of its own channel; windows "
                 "move by the given stride.")
    return hint


# --------------------------------------------------------------------------- layers


@rule("flatten: order and shape")
def _flatten(m: Mismatch | None, hint: str) -> str:
    if m is not None and m.kind is SHAPE:
        return _("(N, C, H, W) becomes (N, C·H·W): keep the batch axis.")
    if m is not None and m.kind is VALUE:
        return _("Reshape each example in numpy's default (row-major) order.")
    return hint


@rule("dense: values")
def _dense(m: Mismatch | None, hint: str) -> str:
    if m is None or m.kind is not VALUE:
        return hint
    pair = same_shape_arrays(m)
    if pair is not None and pair[0].ndim == 2 and pair[0].shape[0] > 1:
        diff = pair[1] - pair[0]
        if np.allclose(diff, diff[:1], rtol=1e-9, atol=1e-9):  # the same in every row
            return hint
    return _("out[n, k] is the sum over d of x[n, d] · w[d, k], plus b[k].")


def _stability_at_stake(m: Mismatch) -> bool:
    """Overflow is at stake: large scores in the case, or inf/nan in the answer."""
    return _large(args(m).get("logits")) or not _answer_is_finite(m)


@rule("softmax: values and stability")
def _softmax(m: Mismatch | None, hint: str) -> str:
    if m is None or _stability_at_stake(m):
        return hint
    return _("Each row: exp of the scores divided by the row's sum, so every row sums to 1.")


@rule("cross_entropy: values and stability")
def _cross_entropy(m: Mismatch | None, hint: str) -> str:
    if m is None or _stability_at_stake(m):
        return hint
    return _("The mean over the batch of −log of each example's probability for its true "
             "class.")


SAME_SEED = "the same seed again"  # the path the check names its second call by


@rule("init_tiny_cnn: keys and shapes")
def _init(m: Mismatch | None, hint: str) -> str:
    if m is None:
        return hint
    if str(m.path).startswith(SAME_SEED):
        return _("The same seed must give the same weights: make the random generator from "
                 "the seed (np.random.default_rng(seed)).")
    if m.kind in (TYPE, SHAPE):
        return _("Return a dict with conv1_w (8, 1, 3, 3), conv1_b (8,), conv2_w (16, 8, 3, "
                 "3), conv2_b (16,), fc_w (64, 10), fc_b (10,).")
    if m.kind is DTYPE:
        return _("Every parameter is an array of finite floats.")
    return _("Start from random weights, not all equal: equal filters all learn the same "
             "thing.")


# --------------------------------------------------------------------------- backprop


@rule("relu_backward: gradients")
def _relu_backward(m: Mismatch | None, hint: str) -> str:
    if m is None:
        return hint
    pair, x = same_shape_arrays(m), args(m).get("x")
    if pair is not None and isinstance(x, np.ndarray) and x.shape == pair[0].shape \
            and np.any(differs(*pair) & (x == 0)):
        return hint
    return _("The gradient passes where the forward input x was positive (x > 0) and is 0 "
             "elsewhere.")


@rule("dense_backward: gradients")
def _dense_backward(m: Mismatch | None, hint: str) -> str:
    part = str(m.path) if m is not None else ""
    return {"dx": _("For out = x @ w + b: dx = dout @ wᵀ, of shape (N, D)."),
            "dw": _("For out = x @ w + b: dw = xᵀ @ dout, of shape (D, K)."),
            "db": _("For out = x @ w + b: db = dout summed over the batch, of shape (K,)."),
            }.get(part, hint)


@rule("conv2d_backward: gradients")
def _conv_backward(m: Mismatch | None, hint: str) -> str:
    part = str(m.path) if m is not None else ""
    if part == "dx":
        crop = _("Crop the padding off dx.") if not _no_padding(m) else ""
        return _joined(_("Each output value used one window of x: send dout · w back to "
                         "that window (dx)."), crop)
    if part == "dw":
        return _("Each output value used one window of x: add dout · that window to the "
                 "filter (dw).")
    if part == "db":
        return _("db is dout summed over the images and the output positions: one number "
                 "per filter.")
    return hint


@rule("max_pool2d_backward: gradients")
def _pool_backward(m: Mismatch | None, hint: str) -> str:
    if m is None:
        return hint
    a = args(m)
    try:
        size = as_pair(a["size"], "size")
        stride = size if a.get("stride") is None else as_pair(a["stride"], "stride")
    except (KeyError, TypeError, ValueError):
        return hint
    if stride[0] < size[0] or stride[1] < size[1]:  # windows overlap
        return hint
    return _("Only the cell holding each window's maximum affected the output: it gets that "
             "window's dout; every other cell gets 0.")


@rule("tiny_cnn_loss_and_grads: loss and gradients")
def _loss_and_grads(m: Mismatch | None, hint: str) -> str:
    if m is not None and str(m.path) == "loss":
        return _("The loss is the mean cross-entropy over the batch.")
    return hint
