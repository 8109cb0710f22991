"""What a score means, checked: a correct solution gets 100 however it rounds, and a dtype
mistake is charged once. (One mistake costing only its own function's items is checked on
every example bug in test_checks.py, and by nbgrader in test_nbgrader_cycle.py.)

The correct-but-different solutions below are the model solution with some functions
written another way (an FFT convolution, strided windows with tensordot, other summation
orders). They agree with the reference to ~1e-15, not bit for bit; the tiny CNN's
gradient is computed with the FFT convolution in-line, so its ReLU inputs and max-pool
windows carry that rounding.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from support.namespaces import run_source

from autograder import rubric
from autograder.engine import grade_items, total
from autograder.examples import read
from autograder.student import InProcessStudent

GEOMETRY = '''
def conv_geometry(in_hw, f_hw, stride, padding):
    """The layer's (stride_hw, pads, out_hw), from the student's own output_size and
    same_padding (the notebooks hand out no geometry helper)."""
    stride_hw = as_pair(stride, "stride")
    if padding in ("same", "valid"):
        pads = tuple(same_padding(n, f, s) if padding == "same" else (0, 0)
                     for n, f, s in zip(in_hw, f_hw, stride_hw, strict=True))
        axes = (padding, padding)
    else:
        pads = axes = padding_pairs(padding)
    return stride_hw, pads, tuple(output_size(n, f, s, p) for n, f, s, p in
                                  zip(in_hw, f_hw, stride_hw, axes, strict=True))

'''

FFT = GEOMETRY + '''
def _fft_correlate(xp, w):
    """Valid cross-correlation of (N, C, H, W) with (F, C, FH, FW), by FFT, stride 1."""
    n, c, h, wd = xp.shape
    f, _, fh, fw = w.shape
    spectrum = np.einsum("nchw,fchw->nfhw", np.fft.rfft2(xp, s=(h, wd)),
                         np.fft.rfft2(w[:, :, ::-1, ::-1], s=(h, wd)))
    return np.fft.irfft2(spectrum, s=(h, wd))[:, :, fh - 1 :, fw - 1 :]


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    b = np.zeros(w.shape[0]) if b is None else b
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    (sh, sw), pads, (oh, ow) = conv_geometry((h, wd), (fh, fw), stride, padding)
    full = _fft_correlate(zero_pad(x, pads).astype(np.float64), w.astype(np.float64))
    out = full[:, :, ::sh, ::sw][:, :, :oh, :ow] + b.reshape(1, -1, 1, 1)
    return out.astype(float_dtype(x, w))


def _windows(xp, fh, fw):
    return np.lib.stride_tricks.sliding_window_view(xp, (fh, fw), axis=(2, 3))


def _conv_backward_einsum(dout, x, w, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    f, c, fh, fw = w.shape
    oh, ow = dout.shape[2:]
    dw = np.einsum("nfhw,nchwij->fcij", dout, _windows(xp, fh, fw))
    dxp = np.zeros_like(xp)
    for i in range(fh):
        for j in range(fw):
            dxp[:, :, i : i + oh, j : j + ow] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
    h, wd = x.shape[2:]
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, dout.sum(axis=(0, 2, 3))


def tiny_cnn_loss_and_grads(x, y, params):
    p = params
    a1 = _fft_correlate(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), p["conv1_w"])
    a1 = a1 + p["conv1_b"].reshape(1, -1, 1, 1)
    h1 = max_pool2d(relu(a1))
    a2 = _fft_correlate(np.pad(h1, ((0, 0), (0, 0), (1, 1), (1, 1))), p["conv2_w"])
    a2 = a2 + p["conv2_b"].reshape(1, -1, 1, 1)
    h2 = max_pool2d(relu(a2))
    flat = flatten(h2)
    logits = dense(flat, p["fc_w"], p["fc_b"])
    loss = cross_entropy(logits, y)
    dlogits = softmax(logits)
    dlogits[np.arange(len(y)), y] -= 1
    dlogits /= len(y)
    g = {}
    dflat, g["fc_w"], g["fc_b"] = dense_backward(dlogits, flat, p["fc_w"])
    da2 = relu_backward(max_pool2d_backward(dflat.reshape(h2.shape), relu(a2)), a2)
    dh1, g["conv2_w"], g["conv2_b"] = _conv_backward_einsum(da2, h1, p["conv2_w"], 1)
    da1 = relu_backward(max_pool2d_backward(dh1, relu(a1)), a1)
    _, g["conv1_w"], g["conv1_b"] = _conv_backward_einsum(da1, x, p["conv1_w"], 1)
    return loss, g
'''

STRIDED = GEOMETRY + '''
def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    b = np.zeros(w.shape[0]) if b is None else b
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    (sh, sw), pads, (oh, ow) = conv_geometry((h, wd), (fh, fw), stride, padding)
    win = np.lib.stride_tricks.sliding_window_view(zero_pad(x, pads), (fh, fw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :oh, :ow]          # (N, C, OH, OW, FH, FW)
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return (out + b.reshape(1, -1, 1, 1)).astype(float_dtype(x, w))


def dense(x, w, b):
    x, w = _check_dense(x, w)
    return np.einsum("nd,dk->nk", x[:, ::-1], w[::-1]) + b


def softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    return np.exp(z - np.log(np.exp(z).sum(axis=-1, keepdims=True)))


def conv2d_backward(dout, x, w, stride=1, padding=0):
    dx, dw, _ = _conv2d_backward_model(dout, x, w, stride, padding)
    return dx, dw, dout.transpose(1, 3, 2, 0).sum(axis=(3, 2, 1))
'''

#: Correct solutions that round differently: name → (file text appended to the model
#: solution, a line run first to keep what the override builds on).
ALTERNATIVES = {"fft": ("", FFT), "strided": ("_conv2d_backward_model = conv2d_backward", STRIDED)}
SEEDS = (0, 1, 2)


def alternative(name: str) -> dict:
    keep, override = ALTERNATIVES[name]
    return run_source(read("model_solution.py") + "\n" + keep + "\n" + textwrap.dedent(override))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_a_correct_solution_that_rounds_differently_gets_full_marks(name, seed):
    student = alternative(name)
    assert not np.array_equal(  # the premise: it does not agree bit for bit
        student["conv2d"](np.linspace(0, 1, 50).reshape(1, 2, 5, 5), np.full((1, 2, 3, 3), .3)),
        run_source(read("model_solution.py"))["conv2d"](
            np.linspace(0, 1, 50).reshape(1, 2, 5, 5), np.full((1, 2, 3, 3), .3)))
    results = grade_items(InProcessStudent(student), seed=seed)
    lost = {r.name: r.failure.summary for r in results if not r.passed}
    assert lost == {} and total(results) == rubric.TOTAL_POINTS


FLOAT32 = '''
_conv2d_model = conv2d


def conv2d(x, w, b=None, stride=1, padding=0):
    out = _conv2d_model(np.asarray(x, dtype=np.float32), np.asarray(w, dtype=np.float32),
                        None if b is None else np.asarray(b, dtype=np.float32), stride, padding)
    return out
'''


def test_computing_in_float32_costs_the_dtype_item_only_and_is_named():
    student = run_source(read("model_solution.py") + textwrap.dedent(FLOAT32))
    results = grade_items(InProcessStudent(student))
    lost = [r for r in results if not r.passed]
    assert [r.name for r in lost] == ["conv2d: output keeps the input's dtype"]
    assert "float32" in lost[0].failure.summary
    assert lost[0].failure.diagnosis == (
        "computed in float32 (a float64 input gave a float32 output)")


def test_remembered_runs_give_every_student_the_record_hypothesis_gives():
    """The engine remembers every hypothesis run as a tree (``engine._RUNS``) and walks
    it for the next submission instead of running hypothesis. Every example student gets
    the same record graded with nothing remembered and graded again with its own runs
    remembered (each item walked to its end: its shrunk case when it fails); some get it
    too with only a correct file's runs remembered (a failing item leaves the tree and
    hypothesis runs)."""
    from autograder import engine, remembered
    from autograder.examples import example_class
    from autograder.results import GradeRecord
    from autograder.store import record_to_json

    students = [s for s in example_class()
                if s.name.startswith("bug_") or s.name in ("loops", "vectorized", "stub")]
    first_of_their_kind = ("loops", "stub", "bug_kernel_flipped", "bug_maxpool_zero_padding",
                           "bug_softmax_no_max", "bug_same_padding_wrong_side")

    def record(source: str) -> str:
        items = grade_items(InProcessStudent(run_source(source)), seed=3)
        return record_to_json(GradeRecord("s", items, "in-process"))

    cold, walked = {}, {}
    before = remembered.WALKS.copy()
    for s in students:
        engine._RUNS.clear()
        cold[s.name] = record(s.source())  # nothing remembered: hypothesis draws afresh
        walked[s.name] = record(s.source())
    ended = remembered.WALKS["ended"] - before["ended"]
    missed = remembered.WALKS["missed"] - before["missed"]
    engine._RUNS.clear()
    grade_items(InProcessStudent(alternative("fft")), seed=3)  # passes: remembers every item
    correct_runs = len(engine._RUNS)
    source = {s.name: s.source() for s in students}
    warm = {name: record(source[name]) for name in first_of_their_kind}
    assert len(students) >= 20 and correct_runs >= 30
    assert walked == cold
    # the second grading ran no hypothesis for a remembered item: every walk reached an end
    assert missed == 0 and ended >= 30 * len(students)
    assert warm == {name: cold[name] for name in first_of_their_kind}
