"""Known mistakes, recognised by recomputing them on the trusted side.

When a check finds a wrong answer, :func:`diagnose` replays the same call through
each known mistake for that function, built from the reference (the kernel flipped,
the bias left out, the stride ignored, ...). If the student's answer equals one of
those mistaken answers, that mistake is named in plain words with a hint for fixing
it. A mistake that explains only the shape (a wrong output size) is named too, after
every exact match has been tried.

Nothing here runs student code: each variant is a function of the reference and the
call's inputs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import reference
from reference.geometry import padding_pairs, resolve_padding

from .compare import Call, Mismatch, assert_same
from .sandbox.jail.callables import build

Args = dict[str, Any]


@dataclass(frozen=True)
class Misconception:
    """A named mistake: what it is (``name``), how to fix it (``hint``), and either
    ``variant`` (the mistaken answer for the same inputs) or ``matches`` (a test on the
    mismatch itself). ``kinds`` are the mismatch kinds it can explain."""

    key: str
    functions: tuple[str, ...]
    name: str
    hint: str
    variant: Callable[[Args], Any] | None = None
    matches: Callable[[Mismatch, Args], bool] | None = None
    kinds: tuple[str, ...] = ("value", "shape")


def bound_args(call: Call) -> Args:
    """The call's arguments by parameter name, defaults filled in, FunctionRefs built."""
    sig = inspect.signature(getattr(reference, call.function))
    bound = sig.bind(*call.args, **call.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


# ---------------------------------------------------------------- helpers for variants


def _conv(a: Args, **change) -> np.ndarray:
    """The reference conv2d / conv2d_single with some inputs changed."""
    a = {**a, **change}
    if "image" in a:
        return reference.conv2d_single(
            a["image"], a["kernel"], a["bias"], a["stride"], a["padding"]
        )
    return reference.conv2d(a["x"], a["w"], a["b"], a["stride"], a["padding"])


def _kernel_key(a: Args) -> str:
    return "kernel" if "image" in a else "w"


def _image_key(a: Args) -> str:
    return "image" if "image" in a else "x"


def _has_bias(a: Args) -> bool:
    b = a.get("b", a.get("bias"))
    return b is not None and bool(np.any(np.asarray(b) != 0))


def _pads(a: Args) -> tuple[tuple[int, int], tuple[int, int]]:
    x, k = a[_image_key(a)], a[_kernel_key(a)]
    stride = reference.geometry.as_pair(a["stride"], "stride")
    return resolve_padding(a["padding"], x.shape[-2:], k.shape[-2:], stride)


def _all_after(a: Args) -> Any:
    (t, b), (left, r) = _pads(a)
    if not (t or left):
        raise ValueError("no padding before the image: nothing to misplace")
    return ((0, t + b), (0, left + r))


def _stride_one(a: Args) -> np.ndarray:
    return _conv(a, stride=1, padding=_pads(a))


def _windows_not_strided(a: Args) -> np.ndarray:
    expected = _conv(a)
    if a["stride"] in (1, (1, 1)):
        raise ValueError("stride 1: nothing to get wrong")
    return _stride_one(a)[..., : expected.shape[-2], : expected.shape[-1]]


def _bias_in_channel_loop(a: Args) -> np.ndarray:
    c = a["x"].shape[1]
    if c == 1 or not _has_bias(a):
        raise ValueError("one channel: the same as adding it once")
    return _conv(a, b=a["b"] * c)


def _bias_on_last_axis(a: Args) -> np.ndarray:
    if not _has_bias(a):
        raise ValueError("no bias")
    return _conv(a, b=None) + a["b"]  # broadcasts along the width, as `out + b` does


def _one_channel(a: Args, index: int) -> np.ndarray:
    if a["x"].shape[1] == 1:
        raise ValueError("one channel only")
    return _conv(a, x=a["x"][:, index : index + 1 or None], w=a["w"][:, index : index + 1 or None])


def _same_pixel_before(a: Args) -> Any:
    if a["padding"] != "same":
        raise ValueError("not 'same' padding")
    (t, b), (left, r) = _pads(a)
    if t == b and left == r:
        raise ValueError("even padding: no odd pixel")
    return _conv(a, padding=((b, t), (r, left)))


def _floored(a: Args) -> Any:
    if "n" in a:  # output_size
        p = a["padding"] if isinstance(a["padding"], int) else sum(a["padding"]) / 2
        return int((a["n"] + 2 * p - a["f"]) // a["stride"] + 1)
    return _conv(a, padding="valid")


def _width_from_height(a: Args) -> np.ndarray:
    """Only the shape matters: OW computed with H in place of W."""
    x, k = a[_image_key(a)], a[_kernel_key(a)]
    h, w = x.shape[-2:]
    if h == w:
        raise ValueError("square input")
    (t, b), (left, r) = _pads(a)
    stride = reference.geometry.as_pair(a["stride"], "stride")
    oh = (h + t + b - k.shape[-2]) // stride[0] + 1
    ow = (h + left + r - k.shape[-1]) // stride[1] + 1
    lead = (x.shape[0], k.shape[0]) if x.ndim == 4 else ()
    return np.zeros((*lead, oh, ow), dtype=np.float64)


def _transposed(expected_of: Callable[[Args], Any]) -> Callable[[Args], Any]:
    def variant(a: Args) -> np.ndarray:
        out = expected_of(a)
        if out.shape[-1] == 1 and out.shape[-2] == 1:
            raise ValueError("1×1 maps look the same transposed")
        return np.swapaxes(out, -1, -2)

    return variant


def _output_size_float(m: Mismatch, a: Args) -> bool:
    return isinstance(m.answer, (float, np.floating))


def _dtype_is_int(m: Mismatch, a: Args) -> bool:
    return m.kind == "dtype" and isinstance(m.got, np.ndarray) and m.got.dtype.kind in "iub"


def _float32_lost(m: Mismatch, a: Args) -> bool:
    return (
        m.kind == "dtype" and isinstance(m.got, np.ndarray) and m.got.dtype == np.float64
        and isinstance(m.expected, np.ndarray) and m.expected.dtype == np.float32
    )


def _output_size_plus_f(a: Args) -> int:
    p = a["padding"]
    if isinstance(p, str):
        raise ValueError("string padding")
    before, after = (p, p) if isinstance(p, int) else p
    span = a["n"] + before + after + a["f"]
    if span % a["stride"]:
        raise ValueError("not whole")
    return span // a["stride"] + 1


def _output_size_one_pad(a: Args) -> int:
    p = a["padding"]
    if not isinstance(p, int) or p == 0:
        raise ValueError("needs a symmetric non-zero padding")
    return (a["n"] + p - a["f"]) // a["stride"] + 1


def _same_ignores_stride(a: Args) -> int:
    if a["padding"] != "same" or a["stride"] == 1:
        raise ValueError("only 'same' with a stride")
    return a["n"]


def _zero_pad_corner(a: Args) -> np.ndarray:
    x = np.asarray(a["x"])
    (t, b), (left, r) = padding_pairs(a["pad"])
    if not (t or left):
        raise ValueError("nothing before")
    return reference.zero_pad(x, ((0, t + b), (0, left + r)))


def _zero_pad_pair_swapped(a: Args) -> np.ndarray:
    pad = a["pad"]
    if not (isinstance(pad, (tuple, list)) and len(pad) == 2 and pad[0] != pad[1]):
        raise ValueError("not an unequal pair")
    return reference.zero_pad(a["x"], (pad[1], pad[0]))


def _pool_stride_one(fn: Callable) -> Callable[[Args], Any]:
    def variant(a: Args) -> np.ndarray:
        if a["stride"] is not None:
            raise ValueError("stride given")
        return fn(a["x"], a["size"], 1)

    return variant


def _max_pool_zero_padded(a: Args) -> np.ndarray:
    p = a["padding"]
    if p == 0:
        raise ValueError("no padding")
    x = reference.zero_pad(a["x"], p)
    return reference.max_pool2d(x, a["size"], a["stride"])


def _avg_pool_sum(a: Args) -> np.ndarray:
    ph, pw = reference.geometry.as_pair(a["size"], "size")
    return reference.avg_pool2d(a["x"], a["size"], a["stride"]) * (ph * pw)


def _naive_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_axis0(a: Args) -> np.ndarray:
    z = np.asarray(a["logits"], dtype=np.float64)
    if z.ndim < 2 or z.shape[0] == 1:
        raise ValueError("one row")
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_whole(a: Args) -> np.ndarray:
    z = np.asarray(a["logits"], dtype=np.float64)
    if z.ndim < 2 or z.shape[0] == 1:
        raise ValueError("one row")
    e = np.exp(z - z.max())
    return e / e.sum()


def _ce_naive(a: Args) -> float:
    p = _naive_softmax(a["logits"])
    return float(-np.mean(np.log(p[np.arange(len(a["labels"])), a["labels"]])))


def _ce_log_of_stable_softmax(a: Args) -> float:
    p = reference.softmax(a["logits"])
    return float(-np.mean(np.log(p[np.arange(len(a["labels"])), a["labels"]])))


def _ce_summed(a: Args) -> float:
    n = len(a["labels"])
    if n == 1:
        raise ValueError("one example")
    return reference.cross_entropy(a["logits"], a["labels"]) * n


def _flatten_order(order: str) -> Callable[[Args], np.ndarray]:
    def variant(a: Args) -> np.ndarray:
        x = np.asarray(a["x"], dtype=np.float64)
        if order == "F":
            return x.reshape(x.shape[0], -1, order="F")
        if x.ndim != 4:
            raise ValueError("not NCHW")
        return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)

    return variant


def _dense_w_transposed(a: Args) -> np.ndarray:
    return a["x"] @ a["w"].T + a["b"]


def _dense_no_bias(a: Args) -> np.ndarray:
    if not np.any(a["b"]):
        raise ValueError("zero bias")
    return a["x"] @ a["w"]


def _relu_backward(kind: str) -> Callable[[Args], np.ndarray]:
    def variant(a: Args) -> np.ndarray:
        x, dout = np.asarray(a["x"], float), np.asarray(a["dout"], float)
        if kind == "ge":
            return np.where(x >= 0, dout, 0.0)
        if kind == "times_output":
            return dout * np.maximum(x, 0)
        return np.where(dout > 0, dout, 0.0)  # mask taken from dout

    return variant


def _dense_backward_db_mean(a: Args):
    dx, dw, db = reference.dense_backward(a["dout"], a["x"], a["w"])
    if len(a["x"]) == 1:
        raise ValueError("one example")
    return dx, dw, db / len(a["x"])


def _dense_backward_dw_transposed(a: Args):
    dx, dw, db = reference.dense_backward(a["dout"], a["x"], a["w"])
    return dx, dw.T, db


def _conv_backward_dx_padded(a: Args):
    x, w = a["x"], a["w"]
    stride = reference.geometry.as_pair(a["stride"], "stride")
    pads = resolve_padding(a["padding"], x.shape[2:], w.shape[2:], stride)
    if not any(pads[0] + pads[1]):
        raise ValueError("no padding")
    xp = reference.zero_pad(x, pads)
    dxp, dw, db = reference.conv2d_backward(a["dout"], xp, w, a["stride"], 0)
    return dxp, dw, db


def _conv_backward_db_positions(a: Args):
    dx, dw, _ = reference.conv2d_backward(a["dout"], a["x"], a["w"], a["stride"], a["padding"])
    return dx, dw, np.asarray(a["dout"]).sum(axis=0)


def _pool_backward_spread(a: Args) -> np.ndarray:
    """Each window's gradient shared evenly (that is average pooling's gradient)."""
    x, size = a["x"], a["size"]
    ph, pw = reference.geometry.as_pair(size, "size")
    stride = reference.geometry.as_pair(a["stride"] if a["stride"] is not None else size, "s")
    dx = np.zeros_like(x, dtype=float)
    oh, ow = a["dout"].shape[2:]
    for i in range(oh):
        for j in range(ow):
            block = dx[:, :, i * stride[0] : i * stride[0] + ph, j * stride[1] : j * stride[1] + pw]
            block += a["dout"][:, :, i : i + 1, j : j + 1] / (ph * pw)
    return dx


def _pool_backward_everywhere(a: Args) -> np.ndarray:
    return _pool_backward_spread(a) * np.prod(reference.geometry.as_pair(a["size"], "size"))


def _numgrad(kind: str) -> Callable[[Args], np.ndarray]:
    def variant(a: Args) -> np.ndarray:
        f, x, h = build(a["f"]), np.array(a["x"], dtype=np.float64), a["h"]
        grad = np.zeros_like(x)
        flat, g = x.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            if kind == "forward":
                flat[i] = old + h
                g[i] = (f(x) - f_at(f, x, i, old)) / h
                flat[i] = old
            elif kind == "not_halved":
                flat[i] = old + h
                up = f(x)
                flat[i] = old - h
                g[i] = (up - f(x)) / h
                flat[i] = old
            else:  # not restored: each nudge stays in x
                flat[i] = old + h
                up = f(x)
                flat[i] = old - h
                g[i] = (up - f(x)) / (2 * h)
        return grad

    return variant


def f_at(f: Callable, x: np.ndarray, i: int, value: float) -> float:
    """f(x) with element i set to ``value`` (and put back)."""
    flat = x.reshape(-1)
    old = flat[i]
    flat[i] = value
    try:
        return float(f(x))
    finally:
        flat[i] = old


def _loss_summed(a: Args):
    n = len(a["y"])
    if n == 1:
        raise ValueError("one example")
    loss, grads = reference.tiny_cnn_loss_and_grads(a["x"], a["y"], a["params"])
    return loss * n, {k: g * n for k, g in grads.items()}


# ---------------------------------------------------------------- the catalogue

CONV = ("conv2d", "conv2d_single")

MISCONCEPTIONS: tuple[Misconception, ...] = (
    Misconception(
        "output_size_float", ("output_size",),
        "output size computed with / (a float) instead of a whole number",
        "The number of positions is a count: check that the division leaves no remainder "
        "(raise ValueError if it does), then divide with //.",
        matches=_output_size_float, kinds=("type",),
    ),
    Misconception(
        "floored_instead_of_rejected", ("output_size", *CONV),
        "output size floored instead of rejected",
        "When (N + 2P − F) / S + 1 is not a whole number the filter does not fit evenly "
        "(the lecture's 7×7 image, 3×3 filter, stride 3 gives 2.33): raise ValueError "
        "instead of rounding down.",
        variant=_floored, kinds=("no_error",),
    ),
    Misconception(
        "plus_filter_size", ("output_size",),
        "filter size added instead of subtracted (the lecture slide's typo)",
        "The filter's own size is used up, not gained: (N + 2P − F) / S + 1.",
        variant=_output_size_plus_f, kinds=("value",),
    ),
    Misconception(
        "padding_counted_once", ("output_size",),
        "padding counted on one side only",
        "Padding P adds P zeros on each side, so the padded size is N + 2P.",
        variant=_output_size_one_pad, kinds=("value",),
    ),
    Misconception(
        "same_ignores_stride", ("output_size",),
        "'same' padding given the input size even with a stride",
        "'same' keeps the size only at stride 1; in general the output has ceil(N / S) "
        "positions.",
        variant=_same_ignores_stride, kinds=("value",),
    ),
    Misconception(
        "same_extra_pixel_first", ("same_padding",),
        "SAME padding's extra pixel put on the wrong side",
        "When the total padding is odd, TensorFlow puts the extra zero after the image "
        "(bottom / right).",
        variant=lambda a: reference.same_padding(a["n"], a["f"], a["stride"])[::-1],
        kinds=("value",),
    ),
    Misconception(
        "same_extra_pixel_first", CONV,
        "SAME padding's extra pixel put on the wrong side",
        "When the total padding is odd, TensorFlow puts the extra zero after the image "
        "(bottom / right).",
        variant=_same_pixel_before, kinds=("value",),
    ),
    Misconception(
        "image_in_corner", ("zero_pad",),
        "padding on one side only (the image sits in the top-left corner)",
        "Copy the image into the middle: it starts after the top and left padding.",
        variant=_zero_pad_corner, kinds=("value",),
    ),
    Misconception(
        "pad_pair_swapped", ("zero_pad",),
        "rows and columns swapped in the padding pair",
        "A pair (ph, pw) means ph rows above and below, pw columns left and right.",
        variant=_zero_pad_pair_swapped, kinds=("value", "shape"),
    ),
    Misconception(
        "kernel_flipped", CONV,
        "kernel flipped (true convolution instead of the cross-correlation CNNs use)",
        "Lay the filter on the window as it is: weight [p, q] multiplies the pixel at "
        "offset [p, q] of the window. No flipping.",
        variant=lambda a: _conv(a, **{_kernel_key(a): a[_kernel_key(a)][..., ::-1, ::-1]}),
        kinds=("value",),
    ),
    Misconception(
        "bias_missing", CONV,
        "bias not added",
        "Each output value is W·X + b: add the filter's bias once to every output pixel.",
        variant=lambda a: _conv(a, **({"b": None} if "b" in a else {"bias": 0.0}))
        if _has_bias(a) else _raise("no bias"),
        kinds=("value",),
    ),
    Misconception(
        "bias_per_channel", ("conv2d",),
        "bias added once per input channel instead of once per filter",
        "Sum the products over all channels first, then add the filter's bias once.",
        variant=_bias_in_channel_loop, kinds=("value",),
    ),
    Misconception(
        "bias_wrong_axis", ("conv2d",),
        "bias added along the wrong axis (it went to the columns, not the filters)",
        "b[f] belongs to filter f: it is added to every pixel of output map f.",
        variant=_bias_on_last_axis, kinds=("value",),
    ),
    Misconception(
        "stride_not_applied", CONV,
        "stride ignored when placing the window (the window moved one pixel at a time)",
        "Output (i, j) uses the window whose top-left corner is at row i·S, column j·S.",
        variant=_windows_not_strided, kinds=("value",),
    ),
    Misconception(
        "stride_ignored", CONV,
        "stride ignored (the output has the stride-1 size)",
        "With stride S the output size is (N + 2P − F) / S + 1, and the window jumps S "
        "pixels at a time.",
        variant=_stride_one, kinds=("shape",),
    ),
    Misconception(
        "padding_one_side", CONV,
        "padding on one side only (all the zeros went after the image)",
        "Put P zeros before and P after along each axis, so the image stays centred.",
        variant=lambda a: _conv(a, padding=_all_after(a)), kinds=("value",),
    ),
    Misconception(
        "width_from_height", CONV,
        "output width computed from the height",
        "Each axis has its own formula: OH from H and FH, OW from W and FW.",
        variant=_width_from_height, kinds=("shape",),
    ),
    Misconception(
        "first_channel_only", ("conv2d",),
        "channels not summed (only the first channel was used)",
        "Each filter spans all C channels: multiply and sum over channels, rows and columns.",
        variant=lambda a: _one_channel(a, 0), kinds=("value",),
    ),
    Misconception(
        "last_channel_only", ("conv2d",),
        "channels not summed (each channel overwrote the previous one; the last one won)",
        "Add every channel's products into the same output value instead of assigning.",
        variant=lambda a: _one_channel(a, -1), kinds=("value",),
    ),
    Misconception(
        "transposed_maps", (*CONV, "max_pool2d", "avg_pool2d"),
        "rows and columns swapped (the maps come out transposed)",
        "Index the output as [row, column] = [i, j], with i moving down the image.",
        variant=_transposed(lambda a: _expected(a)), kinds=("value", "shape"),
    ),
    Misconception(
        "integer_output", ("*",),
        "integer output dtype",
        "An output array made from an integer template holds integers and truncates; "
        "make it float (np.zeros(shape) is float64, or pass the input's float dtype).",
        matches=_dtype_is_int, kinds=("dtype",),
    ),
    Misconception(
        "float64_for_float32", ("*",),
        "float32 input gave a float64 output",
        "np.zeros(shape) is float64 whatever the input: pass dtype=x.dtype to keep float32.",
        matches=_float32_lost, kinds=("dtype",),
    ),
    Misconception(
        "maxpool_zero_padding", ("max_pool2d",),
        "max-pool padded with zeros (a 0 won windows of negative values)",
        "Padding must never win a max: pad with −inf, or only look at real pixels.",
        variant=_max_pool_zero_padded, kinds=("value",),
    ),
    Misconception(
        "pool_stride_one", ("max_pool2d", "avg_pool2d"),
        "stride defaulted to 1 instead of the window size",
        "With stride=None the windows do not overlap: the stride is the window size.",
        variant=lambda a: _pool_stride_one(
            reference.max_pool2d if "padding" in a else reference.avg_pool2d
        )(a),
        kinds=("shape", "value"),
    ),
    Misconception(
        "avg_pool_sum", ("avg_pool2d",),
        "window summed instead of averaged",
        "Average pooling divides each window's sum by the number of cells in it.",
        variant=_avg_pool_sum, kinds=("value",),
    ),
    Misconception(
        "softmax_no_max", ("softmax",),
        "softmax without subtracting the max (exp overflows to inf, giving nan)",
        "Subtract each row's largest score before exp: the result is the same, and "
        "exp never sees a large number.",
        variant=lambda a: _naive_softmax(a["logits"]), kinds=("value",),
    ),
    Misconception(
        "softmax_wrong_axis", ("softmax",),
        "softmax normalised down the columns (over the batch) instead of along each row",
        "Each row is one example: subtract, exponentiate and sum along the last axis "
        "(keepdims=True helps).",
        variant=_softmax_axis0, kinds=("value",),
    ),
    Misconception(
        "softmax_whole_array", ("softmax",),
        "softmax normalised over the whole batch instead of each row",
        "Each row must sum to 1 on its own: sum along the last axis only.",
        variant=_softmax_whole, kinds=("value",),
    ),
    Misconception(
        "cross_entropy_no_max", ("cross_entropy",),
        "cross-entropy from a softmax without subtracting the max (overflow gives nan)",
        "Work with log-probabilities: z − max − log(Σ exp(z − max)) never overflows.",
        variant=_ce_naive, kinds=("value",),
    ),
    Misconception(
        "cross_entropy_log_of_zero", ("cross_entropy",),
        "log of a probability that rounded to 0 (the loss became inf)",
        "Take the log analytically: log softmax(z)_k = z_k − max − log(Σ exp(z − max)).",
        variant=_ce_log_of_stable_softmax, kinds=("value",),
    ),
    Misconception(
        "cross_entropy_summed", ("cross_entropy",),
        "cross-entropy summed instead of averaged over the batch",
        "The loss is the mean over the N examples: divide the sum by N.",
        variant=_ce_summed, kinds=("value",),
    ),
    Misconception(
        "flatten_fortran", ("flatten",),
        "flattened in Fortran (column-major) order",
        "Keep numpy's default row-major (C) order, so each example's values stay in "
        "(C, H, W) order.",
        variant=_flatten_order("F"), kinds=("value",),
    ),
    Misconception(
        "flatten_channels_last", ("flatten",),
        "flattened in channels-last (N, H, W, C) order",
        "Do not move the channel axis: reshape (N, C, H, W) as it is.",
        variant=_flatten_order("NHWC"), kinds=("value",),
    ),
    Misconception(
        "dense_w_transposed", ("dense",),
        "dense with w transposed",
        "w has shape (D, K): the output is x @ w + b, (N, D) @ (D, K) → (N, K).",
        variant=_dense_w_transposed, kinds=("value",),
    ),
    Misconception(
        "dense_no_bias", ("dense",),
        "bias not added",
        "Add b (one value per output unit) to every row of x @ w.",
        variant=_dense_no_bias, kinds=("value",),
    ),
    Misconception(
        "relu_backward_ge", ("relu_backward",),
        "relu_backward passes the gradient where x == 0 (used >= instead of >)",
        "ReLU's gradient is 1 only where x > 0; at exactly 0 it is 0 here.",
        variant=_relu_backward("ge"), kinds=("value",),
    ),
    Misconception(
        "relu_backward_times_output", ("relu_backward",),
        "relu_backward multiplied by the ReLU output instead of a 0/1 mask",
        "The local gradient of ReLU is 1 where x > 0 and 0 elsewhere, not the value max(x, 0).",
        variant=_relu_backward("times_output"), kinds=("value",),
    ),
    Misconception(
        "relu_backward_mask_from_dout", ("relu_backward",),
        "relu_backward masked by the sign of dout instead of the sign of x",
        "Whether the gradient passes depends on the forward input x, not on dout.",
        variant=_relu_backward("dout"), kinds=("value",),
    ),
    Misconception(
        "dense_backward_db_mean", ("dense_backward",),
        "db averaged over the batch instead of summed",
        "The bias is used by every example, so its gradient is the sum of dout over rows.",
        variant=_dense_backward_db_mean, kinds=("value",),
    ),
    Misconception(
        "dense_backward_dw_transposed", ("dense_backward",),
        "dw transposed (shape (K, D) instead of (D, K))",
        "dw must have w's shape: x.T @ dout is (D, N) @ (N, K).",
        variant=_dense_backward_dw_transposed, kinds=("shape", "value"),
    ),
    Misconception(
        "conv_backward_dx_padded", ("conv2d_backward",),
        "dx still includes the padding border",
        "The padding zeros are not inputs: crop the padded gradient back to (H, W).",
        variant=_conv_backward_dx_padded, kinds=("shape",),
    ),
    Misconception(
        "conv_backward_db_positions", ("conv2d_backward",),
        "db summed over the batch only, not over the output positions",
        "Each filter's bias is added at every position of every image: sum dout over "
        "axes 0, 2 and 3.",
        variant=_conv_backward_db_positions, kinds=("shape",),
    ),
    Misconception(
        "pool_backward_spread", ("max_pool2d_backward",),
        "max-pool gradient shared across the window (that is average pooling's gradient)",
        "Only the cell that held the maximum affected the output: it alone gets the gradient.",
        variant=_pool_backward_spread, kinds=("value",),
    ),
    Misconception(
        "pool_backward_everywhere", ("max_pool2d_backward",),
        "max-pool gradient copied to every cell of the window",
        "Only the cell that held the maximum affected the output: it alone gets the gradient.",
        variant=_pool_backward_everywhere, kinds=("value",),
    ),
    Misconception(
        "numgrad_one_sided", ("numerical_gradient",),
        "one-sided difference (f(x + h) − f(x)) / h instead of the centred one",
        "Use (f(x + h) − f(x − h)) / 2h: its error shrinks like h², not h.",
        variant=_numgrad("forward"), kinds=("value",),
    ),
    Misconception(
        "numgrad_not_halved", ("numerical_gradient",),
        "centred difference divided by h instead of 2h",
        "The two points are 2h apart: divide f(x + h) − f(x − h) by 2h.",
        variant=_numgrad("not_halved"), kinds=("value",),
    ),
    Misconception(
        "numgrad_not_restored", ("numerical_gradient",),
        "x not restored after each nudge",
        "Put x[i] back to its old value before moving on to the next element.",
        variant=_numgrad("not_restored"), kinds=("value",),
    ),
    Misconception(
        "loss_summed", ("tiny_cnn_loss_and_grads",),
        "loss and gradients summed over the batch instead of averaged",
        "The loss is the mean over the batch, so every gradient carries a 1/N.",
        variant=_loss_summed, kinds=("value",),
    ),
)


def _raise(why: str):
    raise ValueError(why)


def _expected(a: Args) -> Any:
    """The reference's answer for the bound arguments of a layer (told apart by their names)."""
    if "image" in a:
        return reference.conv2d_single(**a)
    if "w" in a:
        return reference.conv2d(**a)
    return (reference.max_pool2d if "padding" in a else reference.avg_pool2d)(**a)


def _shapes(value: Any) -> Any:
    """The structure of shapes in ``value``, to compare answers by shape only."""
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, (tuple, list)):
        return tuple(_shapes(v) for v in value)
    if isinstance(value, dict):
        return {k: _shapes(v) for k, v in value.items()}
    return type(value).__name__


def candidates(function: str) -> list[Misconception]:
    """The known mistakes for ``function``, in the order they are tried."""
    return [m for m in MISCONCEPTIONS if function in m.functions or "*" in m.functions]


def _variant_value(m: Misconception, call: Call) -> Any:
    with np.errstate(all="ignore"):
        return m.variant(bound_args(call))


def explanations(mismatch: Mismatch) -> list[Misconception]:
    """Every known mistake whose answer equals ``mismatch``'s answer (exact matches first,
    then those that only explain its shape), in catalogue order."""
    call = mismatch.call
    if call is None:
        return []
    try:
        args = bound_args(call)
    except (TypeError, ValueError, AttributeError):
        return []
    exact, by_shape = [], []
    for m in candidates(call.function):
        if mismatch.kind not in m.kinds:
            continue
        if m.matches is not None:
            if m.matches(mismatch, args):
                exact.append(m)
            continue
        try:
            variant = _variant_value(m, call)
        except Exception:  # the mistake does not apply to these inputs
            continue
        if mismatch.kind == "shape":
            if _shapes(variant) == _shapes(mismatch.answer):
                by_shape.append(m)
        elif _same_answer(mismatch.answer, variant) and not (
            mismatch.full_expected is not None and _same_answer(mismatch.full_expected, variant)
        ):
            exact.append(m)
    return exact + by_shape


def diagnose(mismatch: Mismatch, *others: Mismatch) -> Misconception | None:
    """The known mistake that explains ``mismatch``.

    Small cases can be explained by several mistakes (on a 1×1 output a flipped kernel
    and misplaced padding can give the same number); ``others`` (larger failing cases of
    the same check) break such ties: a mistake that explains them too is preferred.
    """
    found = explanations(mismatch)
    if len(found) == 1 and not others:
        return found[0]
    for other in others:
        more = explanations(other)
        both = [m for m in found if m in more]
        if both:
            return both[0]
        if not found and more:
            return more[0]
    return found[0] if found else None


def _same_answer(a: Any, b: Any) -> bool:
    try:
        assert_same(a, b, equal_nan=True)
    except (Mismatch, TypeError):
        return False
    return True
