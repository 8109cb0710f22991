"""Every known mistake in ``autograder.misconceptions`` is recognised in a real buggy function.

Each case below is a small implementation with one classic mistake, written the way a
student would (most reuse the reference for the parts they get right). Graded on the
rubric item that exposes it, the item must fail and the feedback must name exactly that
mistake. The expected names are written out here, not read from the catalogue.
"""

from __future__ import annotations

import copy
import textwrap

import numpy as np
import pytest

import reference
from autograder import rubric
from autograder.compare import Call, Mismatch
from autograder.engine import grade_item
from autograder.misconceptions import MISCONCEPTIONS, NOT_APPLICABLE, candidates, diagnose
from autograder.misconceptions.catalogue import variant
from autograder.misconceptions.diagnose import variant_answer
from autograder.results import MismatchKind
from autograder.student import InProcessStudent

# key, rubric item, expected diagnosis, buggy source
CASES = [
    ("output_size_float", "output_size: lecture examples",
     "output size computed with / (a float) instead of a whole number", """
     def output_size(n, f, stride=1, padding=0):
         return (n + 2 * padding - f) / stride + 1
     """),
    ("floored_instead_of_rejected", "output_size: rejects non-integer sizes",
     "output size floored instead of rejected", """
     def output_size(n, f, stride=1, padding=0):
         return (n + 2 * padding - f) // stride + 1
     """),
    ("floored_instead_of_rejected", "conv2d: rejects bad geometry",
     "output size floored instead of rejected", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         sh, sw = (stride, stride) if isinstance(stride, int) else stride
         n, c, h, wd = x.shape
         f, _, fh, fw = w.shape
         oh, ow = (h - fh) // sh + 1, (wd - fw) // sw + 1
         out = np.zeros((n, f, oh, ow))
         for i in range(oh):
             for j in range(ow):
                 win = x[:, :, i * sh : i * sh + fh, j * sw : j * sw + fw]
                 out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3]))
         return out if b is None else out + b[None, :, None, None]
     """),
    ("plus_filter_size", "output_size: lecture examples",
     "filter size added instead of subtracted (the lecture slide's typo)", """
     def output_size(n, f, stride=1, padding=0):
         return (n + 2 * padding + f) // stride + 1
     """),
    ("padding_counted_once", "output_size: padding", "padding counted on one side only", """
     def output_size(n, f, stride=1, padding=0):
         p = padding if isinstance(padding, int) else padding[0]
         return (n + p - f) // stride + 1
     """),
    ("same_ignores_stride", "output_size: valid and same",
     "'same' padding given the input size even with a stride", """
     def output_size(n, f, stride=1, padding=0):
         if padding == "same":
             return n
         return (n - f) // stride + 1
     """),
    ("same_extra_pixel_first", "same_padding: matches TensorFlow",
     "SAME padding's extra pixel put on the wrong side", """
     def same_padding(n, f, stride=1):
         total = max((-(-n // stride) - 1) * stride + f - n, 0)
         return total - total // 2, total // 2
     """),
    ("same_extra_pixel_first", "conv2d: same and valid padding",
     "SAME padding's extra pixel put on the wrong side", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         if padding == "same":
             sh, sw = (stride, stride) if isinstance(stride, int) else stride
             top, bottom = ref.same_padding(x.shape[2], w.shape[2], sh)
             left, right = ref.same_padding(x.shape[3], w.shape[3], sw)
             if (top, left) != (bottom, right):
                 padding = ((bottom, top), (right, left))
         return ref.conv2d(x, w, b, stride, padding)
     """),
    ("image_in_corner", "zero_pad: shape and placement",
     "padding on one side only (the image sits in the top-left corner)", """
     def zero_pad(x, pad):
         (t, b), (l, r) = padding_pairs(pad)
         out = np.zeros((*x.shape[:-2], x.shape[-2] + t + b, x.shape[-1] + l + r), x.dtype)
         out[..., : x.shape[-2], : x.shape[-1]] = x
         return out
     """),
    ("pad_pair_swapped", "zero_pad: shape and placement",
     "rows and columns swapped in the padding pair", """
     def zero_pad(x, pad):
         if isinstance(pad, tuple):
             pad = (pad[1], pad[0])
         return ref.zero_pad(x, pad)
     """),
    ("kernel_flipped", "conv2d_single: random images and filters",
     "kernel flipped (true convolution instead of the cross-correlation CNNs use)", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         return ref.conv2d_single(image, kernel[::-1, ::-1], bias, stride, padding)
     """),
    ("bias_missing", "conv2d_single: bias", "bias not added", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         return ref.conv2d_single(image, kernel, 0.0, stride, padding)
     """),
    ("bias_per_channel", "conv2d: bias",
     "bias added once per input channel instead of once per filter", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         out = ref.conv2d(x, w, None, stride, padding)
         for c in range(x.shape[1]):
             out = out + b[None, :, None, None]
         return out
     """),
    ("bias_wrong_axis", "conv2d: bias",
     "bias added along the wrong axis (it went to the columns, not the filters)", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         out = ref.conv2d(x, w, None, stride, padding)
         return out + np.resize(b, out.shape[-1])  # b "fits" the last axis
     """),
    ("stride_not_applied", "conv2d_single: stride",
     "stride ignored when placing the window (the window moved one pixel at a time)", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         full = ref.conv2d_single(image, kernel, bias, 1, padding)
         oh, ow = ref.conv2d_single(image, kernel, bias, stride, padding).shape
         return full[:oh, :ow]
     """),
    ("stride_ignored", "conv2d_single: stride",
     "stride ignored (the output has the stride-1 size)", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         return ref.conv2d_single(image, kernel, bias, 1, padding)
     """),
    ("padding_one_side", "conv2d_single: padding",
     "padding on one side only (all the zeros went after the image)", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         (t, b), (l, r) = padding_pairs(padding)
         padded = np.pad(image, ((0, t + b), (0, l + r)))
         return ref.conv2d_single(padded, kernel, bias, stride, 0)
     """),
    ("width_from_height", "conv2d: output shape", "output width computed from the height", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         sh, sw = (stride, stride) if isinstance(stride, int) else stride
         (t, bo), (l, r) = padding_pairs(padding)
         n, c, h, wd = x.shape
         f, _, fh, fw = w.shape
         oh = (h + t + bo - fh) // sh + 1
         ow = (h + l + r - fw) // sw + 1  # H where W belongs
         true = ref.conv2d(x, w, b, stride, padding)
         out = np.zeros((n, f, oh, ow))
         k = min(ow, true.shape[3])
         out[..., :k] = true[..., :k]
         return out
     """),
    ("first_channel_only", "conv2d: channels summed",
     "channels not summed (only the first channel was used)", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         return ref.conv2d(x[:, :1], w[:, :1], b, stride, padding)
     """),
    ("last_channel_only", "conv2d: channels summed",
     "channels not summed (each channel overwrote the previous one; the last one won)", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         for c in range(x.shape[1]):
             out = ref.conv2d(x[:, c : c + 1], w[:, c : c + 1], b, stride, padding)
         return out
     """),
    ("transposed_maps", "conv2d_single: random images and filters",
     "rows and columns swapped (the maps come out transposed)", """
     def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
         return ref.conv2d_single(image.T, kernel.T, bias, stride, padding)
     """),
    ("integer_output", "conv2d: output keeps the input's dtype", "integer output dtype", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         out = np.zeros(ref.conv2d(x, w, b, stride, padding).shape, dtype=int)
         out[...] = ref.conv2d(x, w, b, stride, padding)
         return out
     """),
    ("float64_for_float32", "conv2d: output keeps the input's dtype",
     "float32 input gave a float64 output", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         out = np.zeros(ref.conv2d(x, w, b, stride, padding).shape)
         out[...] = ref.conv2d(x, w, b, stride, padding)
         return out
     """),
    ("float32_for_float64", "conv2d: output keeps the input's dtype",
     "computed in float32 (a float64 input gave a float32 output)", """
     def conv2d(x, w, b=None, stride=1, padding=0):
         return ref.conv2d(x.astype(np.float32), w.astype(np.float32), b, stride, padding)
     """),
    ("maxpool_zero_padding", "max_pool2d: padding never wins",
     "max-pool padded with zeros (a 0 won windows of negative values)", """
     def max_pool2d(x, size=2, stride=None, padding=0):
         return ref.max_pool2d(ref.zero_pad(x, padding), size, stride)
     """),
    ("pool_stride_one", "max_pool2d: windows and stride",
     "stride defaulted to 1 instead of the window size", """
     def max_pool2d(x, size=2, stride=None, padding=0):
         return ref.max_pool2d(x, size, 1 if stride is None else stride, padding)
     """),
    ("avg_pool_sum", "avg_pool2d: windows and stride", "window summed instead of averaged", """
     def avg_pool2d(x, size=2, stride=None):
         ph, pw = (size, size) if isinstance(size, int) else size
         return ref.avg_pool2d(x, size, stride) * ph * pw
     """),
    ("pool_channels_mixed", "max_pool2d: windows and stride",
     "channels mixed: each window pooled over all channels at once (axis (1, 2, 3)), and that "
     "one value given to every channel", """
     def max_pool2d(x, size=2, stride=None, padding=0):
         ph, pw = (size, size) if isinstance(size, int) else size
         sh, sw = (ph, pw) if stride is None else (
             (stride, stride) if isinstance(stride, int) else stride)
         (t, b), (l, r) = padding_pairs(padding)
         xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=-np.inf)
         oh, ow = (xp.shape[2] - ph) // sh + 1, (xp.shape[3] - pw) // sw + 1
         out = np.empty((x.shape[0], x.shape[1], oh, ow))
         for i in range(oh):
             for j in range(ow):
                 window = xp[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw]
                 out[:, :, i, j] = window.max(axis=(1, 2, 3))[:, None]
         return out
     """),
    ("pool_channels_mixed", "avg_pool2d: windows and stride",
     "channels mixed: each window pooled over all channels at once (axis (1, 2, 3)), and that "
     "one value given to every channel", """
     def avg_pool2d(x, size=2, stride=None):
         one = ref.avg_pool2d(x.mean(axis=1, keepdims=True), size, stride)
         return np.repeat(one, x.shape[1], axis=1)
     """),
    ("pad_every_axis", "zero_pad: shape and placement",
     "every axis padded (np.pad(x, p) pads the batch and channel axes too)", """
     def zero_pad(x, pad):
         if isinstance(pad, int):
             return np.pad(x, pad)
         return ref.zero_pad(x, pad)
     """),
    ("same_padding_f_minus_one", "same_padding: matches TensorFlow",
     "'same' padding computed as F − 1 whatever the stride (right at stride 1 only)", """
     def same_padding(n, f, stride=1):
         total = f - 1
         return total // 2, total - total // 2
     """),
    ("cross_entropy_label_table", "cross_entropy: values and stability",
     "probabilities picked with p[:, labels] (every example's probability of every label) "
     "instead of p[np.arange(N), labels]", """
     def cross_entropy(logits, labels):
         z = logits - logits.max(axis=1, keepdims=True)
         log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
         return float(-log_p[:, labels].mean())
     """),
    ("flatten_batch_axis", "flatten: order and shape",
     "batch axis flattened too (the result is 1-D)", """
     def flatten(x):
         return x.reshape(-1)
     """),
    ("softmax_no_max", "softmax: values and stability",
     "softmax without subtracting the max (exp overflows to inf, giving nan)", """
     def softmax(logits):
         e = np.exp(logits)
         return e / e.sum(axis=-1, keepdims=True)
     """),
    ("softmax_wrong_axis", "softmax: values and stability",
     "softmax normalised down the columns (over the batch) instead of along each row", """
     def softmax(logits):
         e = np.exp(logits - logits.max(axis=0))
         return e / e.sum(axis=0)
     """),
    ("softmax_whole_array", "softmax: values and stability",
     "softmax normalised over the whole batch instead of each row", """
     def softmax(logits):
         e = np.exp(logits - logits.max())
         return e / e.sum()
     """),
    ("cross_entropy_no_max", "cross_entropy: values and stability",
     "cross-entropy from a softmax without subtracting the max (overflow gives nan)", """
     def cross_entropy(logits, labels):
         p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
         return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))
     """),
    ("cross_entropy_log_of_zero", "cross_entropy: values and stability",
     "log of a probability that rounded to 0 (the loss became inf)", """
     def cross_entropy(logits, labels):
         p = ref.softmax(logits)
         return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))
     """),
    ("cross_entropy_summed", "cross_entropy: values and stability",
     "cross-entropy summed instead of averaged over the batch", """
     def cross_entropy(logits, labels):
         return ref.cross_entropy(logits, labels) * len(labels)
     """),
    ("flatten_fortran", "flatten: order and shape", "flattened in Fortran (column-major) order", """
     def flatten(x):
         return x.reshape(x.shape[0], -1, order="F")
     """),
    ("flatten_channels_last", "flatten: order and shape",
     "flattened in channels-last (N, H, W, C) order", """
     def flatten(x):
         return np.transpose(x, (0, 2, 3, 1)).reshape(x.shape[0], -1)
     """),
    ("dense_w_transposed", "dense: values", "dense with w transposed", """
     def dense(x, w, b):
         return x @ w.T + b
     """),
    ("dense_no_bias", "dense: values", "bias not added", """
     def dense(x, w, b):
         return x @ w
     """),
    ("relu_backward_ge", "relu_backward: gradients",
     "relu_backward passes the gradient where x == 0 (used >= instead of >)", """
     def relu_backward(dout, x):
         return dout * (x >= 0)
     """),
    ("relu_backward_times_output", "relu_backward: gradients",
     "relu_backward multiplied by the ReLU output instead of a 0/1 mask", """
     def relu_backward(dout, x):
         return dout * np.maximum(x, 0)
     """),
    ("relu_backward_mask_from_dout", "relu_backward: gradients",
     "relu_backward masked by the sign of dout instead of the sign of x", """
     def relu_backward(dout, x):
         return np.where(dout > 0, dout, 0.0)
     """),
    ("dense_backward_db_mean", "dense_backward: gradients",
     "db averaged over the batch instead of summed", """
     def dense_backward(dout, x, w):
         return dout @ w.T, x.T @ dout, dout.mean(axis=0)
     """),
    ("dense_backward_dw_transposed", "dense_backward: gradients",
     "dw transposed (shape (K, D) instead of (D, K))", """
     def dense_backward(dout, x, w):
         return dout @ w.T, dout.T @ x, dout.sum(axis=0)
     """),
    ("conv_backward_dx_padded", "conv2d_backward: gradients",
     "dx still includes the padding border", """
     def conv2d_backward(dout, x, w, stride=1, padding=0):
         from reference.conv import conv_geometry
         _, pads, _ = conv_geometry(x.shape[2:], w.shape[2:], stride, padding)
         return ref.conv2d_backward(dout, ref.zero_pad(x, pads), w, stride, 0)
     """),
    ("conv_backward_db_positions", "conv2d_backward: gradients",
     "db summed over the batch only, not over the output positions", """
     def conv2d_backward(dout, x, w, stride=1, padding=0):
         dx, dw, _ = ref.conv2d_backward(dout, x, w, stride, padding)
         return dx, dw, dout.sum(axis=0)
     """),
    ("pool_backward_spread", "max_pool2d_backward: gradients",
     "max-pool gradient shared across the window (that is average pooling's gradient)", """
     def max_pool2d_backward(dout, x, size=2, stride=None):
         ph, pw = (size, size) if isinstance(size, int) else size
         sh, sw = (ph, pw) if stride is None else (
             (stride, stride) if isinstance(stride, int) else stride)
         dx = np.zeros_like(x)
         for i in range(dout.shape[2]):
             for j in range(dout.shape[3]):
                 dx[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw] += (
                     dout[:, :, i : i + 1, j : j + 1] / (ph * pw))
         return dx
     """),
    ("pool_backward_everywhere", "max_pool2d_backward: gradients",
     "max-pool gradient copied to every cell of the window", """
     def max_pool2d_backward(dout, x, size=2, stride=None):
         ph, pw = (size, size) if isinstance(size, int) else size
         sh, sw = (ph, pw) if stride is None else (
             (stride, stride) if isinstance(stride, int) else stride)
         dx = np.zeros_like(x)
         for i in range(dout.shape[2]):
             for j in range(dout.shape[3]):
                 dx[:, :, i * sh : i * sh + ph, j * sw : j * sw + pw] += dout[:, :, i : i + 1,
                                                                               j : j + 1]
         return dx
     """),
    ("numgrad_one_sided", "numerical_gradient: centred differences",
     "one-sided difference (f(x + h) − f(x)) / h instead of the centred one", """
     def numerical_gradient(f, x, h=1e-5):
         grad = np.zeros_like(x)
         fx = f(x)
         for i in range(x.size):
             old = x.flat[i]
             x.flat[i] = old + h
             grad.flat[i] = (f(x) - fx) / h
             x.flat[i] = old
         return grad
     """),
    ("numgrad_not_halved", "numerical_gradient: centred differences",
     "centred difference divided by h instead of 2h", """
     def numerical_gradient(f, x, h=1e-5):
         grad = np.zeros_like(x)
         for i in range(x.size):
             old = x.flat[i]
             x.flat[i] = old + h
             up = f(x)
             x.flat[i] = old - h
             grad.flat[i] = (up - f(x)) / h
             x.flat[i] = old
         return grad
     """),
    ("numgrad_not_restored", "numerical_gradient: centred differences",
     "x not restored after each nudge", """
     def numerical_gradient(f, x, h=1e-5):
         grad = np.zeros_like(x)
         for i in range(x.size):
             old = x.flat[i]
             x.flat[i] = old + h
             up = f(x)
             x.flat[i] = old - h
             grad.flat[i] = (up - f(x)) / (2 * h)
         return grad
     """),
    ("loss_summed", "tiny_cnn_loss_and_grads: loss and gradients",
     "loss and gradients summed over the batch instead of averaged", """
     def tiny_cnn_loss_and_grads(x, y, params):
         loss, grads = ref.tiny_cnn_loss_and_grads(x, y, params)
         return loss * len(y), {k: g * len(y) for k, g in grads.items()}
     """),
]


def buggy_student(source: str) -> InProcessStudent:
    """The reference with one function replaced by ``source``."""
    from reference.geometry import padding_pairs

    namespace = dict(vars(reference), np=np, ref=reference, padding_pairs=padding_pairs)
    exec(textwrap.dedent(source), namespace)
    return InProcessStudent(namespace)


@pytest.mark.parametrize(("key", "item", "name", "source"), CASES,
                         ids=[f"{c[0]}-{c[1].split(':')[0]}" for c in CASES])
def test_each_mistake_is_named(key, item, name, source):
    result = grade_item(buggy_student(source), item)
    assert not result.passed, f"{item} passed a student with the mistake {key!r}"
    assert result.failure.diagnosis == name, (result.failure.summary, result.failure.where)
    assert result.failure.hint  # a way forward, always


def test_every_catalogued_mistake_has_a_buggy_implementation_here():
    tested = {key for key, *_ in CASES}
    assert {m.key for m in MISCONCEPTIONS} == tested
    assert len({name for _, _, name, _ in CASES}) >= 10


def test_a_wrong_answer_that_is_no_known_mistake_gets_no_diagnosis():
    # off by one everywhere: wrong, but not any mistake in the catalogue
    student = buggy_student("""
    def conv2d(x, w, b=None, stride=1, padding=0):
        return ref.conv2d(x, w, b, stride, padding) + 1.0
    """)
    for item in ("conv2d: channels summed", "conv2d: stride", "conv2d: padding"):
        result = grade_item(student, item)
        assert not result.passed
        assert result.failure.diagnosis is None


def test_a_correct_student_is_never_diagnosed():
    student = InProcessStudent(dict(vars(reference)))
    for item in {c[1] for c in CASES}:
        assert grade_item(student, item).passed


# ---------------------------------------------------------------- the catalogue itself


def test_the_catalogue_has_unique_keys_and_names_and_every_entry_explains_itself():
    keys = [m.key for m in MISCONCEPTIONS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for m in MISCONCEPTIONS:
        assert m.name.strip() and m.hint.strip(), m.key
        assert m.kinds and all(isinstance(k, MismatchKind) for k in m.kinds), m.key
        assert m.functions, f"{m.key} is looked for in no function"
    # two mistakes with the same words would be one mistake counted twice
    names = [(m.name, m.hint) for m in MISCONCEPTIONS]
    assert len(names) == len(set(names))


def test_every_variant_imitates_a_function_of_the_rubric():
    for m in MISCONCEPTIONS:
        for function in m.variants:
            assert function in rubric.FUNCTIONS, (m.key, function)
        for function in m.matchers:
            assert function == "*" or function in rubric.FUNCTIONS, (m.key, function)
        for function in m.functions:
            assert function == "*" or m in candidates(function)


def test_a_mistake_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        variant("kernel_flipped", "conv2d", name="again", hint="again",
                kinds=(MismatchKind.VALUE,))
    with pytest.raises(ValueError, match="already registered for conv2d"):
        variant("kernel_flipped", "conv2d")(lambda call, a: NOT_APPLICABLE)
    with pytest.raises(ValueError, match="needs a name"):
        variant("never_declared", "conv2d")


def recorded_calls(per_item: int = 10) -> list[Call]:
    """Calls the checks make while grading the reference (the first few of each item)."""
    calls: list[Call] = []
    taken = [0]

    class Recording(InProcessStudent):
        def call(self, function, *args, **kwargs):
            if taken[0] < per_item:
                taken[0] += 1
                calls.append(Call(function, copy.deepcopy(args), copy.deepcopy(kwargs)))
            return super().call(function, *args, **kwargs)

    student = Recording(dict(vars(reference)))
    imitated = {f for m in MISCONCEPTIONS for f in m.variants}
    for item in rubric.ITEMS:
        if item.function in imitated:
            taken[0] = 0
            assert grade_item(student, item.name).passed, item.name
    return calls


def test_every_variant_answers_or_says_not_applicable_on_the_checks_own_inputs():
    # a variant that raises is a bug: nothing catches it any more, so it shows here
    # (as diagnose does: mistakes about not raising are tried on calls the reference
    # rejects, the others on calls it answers)
    calls = recorded_calls()
    about_raising = {MismatchKind.NO_ERROR, MismatchKind.WRONG_ERROR}
    tried = set()
    for call in calls:
        try:
            call.expected()
            rejected = False
        except ValueError:
            rejected = True
        for m in candidates(call.function):
            if call.function in m.variants and rejected == bool(about_raising & set(m.kinds)):
                variant_answer(m, call)  # must not raise
                tried.add((m.key, call.function))
    registered = {(m.key, f) for m in MISCONCEPTIONS for f in m.variants}
    assert tried == registered, registered - tried


def test_a_variant_that_raises_is_not_swallowed(monkeypatch):
    flipped = next(m for m in MISCONCEPTIONS if m.key == "kernel_flipped")

    def broken(call, a):
        raise ZeroDivisionError("a bug in a variant")

    monkeypatch.setitem(flipped.variants, "conv2d_single", broken)
    image, kernel = np.arange(9.0).reshape(3, 3), np.eye(2)
    call = Call("conv2d_single", (image, kernel))
    expected = reference.conv2d_single(image, kernel)
    mismatch = Mismatch("wrong", call=call, expected=expected, got=expected + 1,
                        kind=MismatchKind.VALUE)
    with pytest.raises(ZeroDivisionError):
        diagnose(mismatch)


def test_a_mistake_made_in_two_functions_is_one_entry_with_two_variants():
    same = next(m for m in MISCONCEPTIONS if m.key == "same_extra_pixel_first")
    assert set(same.variants) == {"same_padding", "conv2d", "conv2d_single"}
    # same_padding(4, 3, 2): total padding 1, which TensorFlow puts after the image
    assert variant_answer(same, Call("same_padding", (4, 3, 2))) == (1, 0)
    assert reference.same_padding(4, 3, 2) == (0, 1)
