"""Correct answers for a student's calls to earlier graded functions
(``autograder.provided``): what is answered, what is refused, and the conversation with a
real sandboxed worker."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

import reference
from autograder import rubric
from autograder.provided import MAX_ASK_WORK, answer
from autograder.sandbox import SandboxedStudent, bubblewrap_status
from autograder.strategies import conv_cases, valid_geometries
from autograder.student import InProcessStudent

BWRAP_OK, _, BWRAP_WHY = bubblewrap_status()
KINDS = [pytest.param("bubblewrap", marks=pytest.mark.skipif(
    not BWRAP_OK, reason=f"bubblewrap unusable: {BWRAP_WHY}")), "rlimit"]


def test_only_functions_taught_earlier_are_provided():
    for function in rubric.FUNCTIONS:
        provided = rubric.provided_while_grading(function)
        before = rubric.FUNCTIONS[: rubric.FUNCTIONS.index(function)]
        assert set(provided) <= set(before) and function not in provided
    assert "conv2d" not in rubric.provided_while_grading("conv2d_single")
    assert "conv2d" in rubric.provided_while_grading("tiny_cnn_forward")
    assert "numerical_gradient" not in rubric.provided_while_grading("train_tiny_cnn")


@given(case=conv_cases(valid_geometries(max_out=3, max_stride=2, max_pad=1)))
def test_an_answer_is_the_references_own(case):
    args = (case.x, case.w, case.b, case.stride, case.padding)
    reply = answer("conv2d", args, {}, ("conv2d",))
    np.testing.assert_array_equal(reply["ok"], reference.conv2d(*args))


def test_a_name_not_provided_for_this_call_is_refused():
    reply = answer("conv2d", (np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), {}, ("zero_pad",))
    assert reply["error"]["type"] == "NameError"


def test_the_references_own_refusal_reaches_the_student_as_its_type():
    reply = answer("output_size", (7, 3, 3), {}, ("output_size",))
    assert reply["error"]["type"] == "ValueError" and "not an integer" in reply["error"]["message"]


@pytest.mark.parametrize("function,args", [
    ("conv2d", (np.ones((1, 1, 1000, 1000)), np.ones((1, 1, 400, 400)))),
    ("zero_pad", (np.ones((2, 2)), 100_000)),
    ("max_pool2d", (np.ones((1, 1, 1000, 1000)), 600, 1)),
    ("dense", (np.ones((1000, 1000)), np.ones((1000, 1000)), np.ones(1000))),
    ("tiny_cnn_forward", (np.ones((20_000, 1, 8, 8)), reference.init_tiny_cnn())),
])
def test_an_ask_the_grader_would_strain_under_is_refused_before_any_work(function, args):
    reply = answer(function, args, {}, (function,))
    assert reply["error"]["type"] == "ValueError", reply
    assert "multiply-adds" in reply["error"]["message"] or "numbers" in reply["error"]["message"]


def test_honest_asks_are_far_below_the_work_limit():
    from autograder.provided import work

    x = reference.load_digits_split()[0][:1000]
    assert work("tiny_cnn_loss_and_grads", (x, np.zeros(1000, int),
                                            reference.init_tiny_cnn()), {}) < MAX_ASK_WORK


COMPOSER = '''
import numpy as np

def conv2d(x, w, b=None, stride=1, padding=0):
    raise ValueError("my conv2d is broken")

def relu(x):
    return x * 0  # wrong on purpose

def tiny_cnn_forward(x, params):
    p = params
    h = max_pool2d(relu(conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)))
    h = max_pool2d(relu(conv2d(h, p["conv2_w"], p["conv2_b"], padding=1)))
    return dense(flatten(h), p["fc_w"], p["fc_b"])

def init_tiny_cnn(seed=0):
    try:
        conv2d(np.ones((1, 1, 1000, 1000)), np.ones((1, 1, 400, 400)))
    except ValueError as exc:
        return {"refused": str(exc)}
    return {}
'''


def _check_composer(student) -> None:
    x = reference.load_digits_split()[0][:3]
    params = reference.init_tiny_cnn(1)
    got = student.call("tiny_cnn_forward", x, params)
    np.testing.assert_array_equal(got, reference.tiny_cnn_forward(x, params))
    assert "multiply-adds" in student.call("init_tiny_cnn", 0)["refused"]
    with pytest.raises(Exception, match="my conv2d is broken"):
        student.call("conv2d", x, params["conv1_w"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_sandboxed_composite_runs_on_correct_earlier_functions(tmp_path: Path, kind):
    path = tmp_path / "composer.py"
    path.write_text(textwrap.dedent(COMPOSER))
    with SandboxedStudent(path, sandbox=kind) as student:
        _check_composer(student)
        # the student's own bindings are back after each call
        assert student.call("relu", np.array([1.0, -1.0])).tolist() == [0.0, -0.0]


def test_an_in_process_composite_runs_on_correct_earlier_functions_and_is_put_back():
    namespace: dict = {}
    exec(textwrap.dedent(COMPOSER), namespace)
    own_conv = namespace["conv2d"]
    _check_composer(InProcessStudent(namespace))
    assert namespace["conv2d"] is own_conv and "max_pool2d" not in namespace


ASKS_FOREVER = '''
def init_tiny_cnn(seed=0):
    n = 0
    while True:  # a different question every time: nothing the worker can remember
        n += 1
        output_size(n + 3, 3)
'''


@pytest.mark.parametrize("kind", KINDS)
def test_a_call_that_asks_without_end_is_stopped_by_count(tmp_path: Path, kind, monkeypatch):
    from autograder.sandbox import sandboxed
    from autograder.student import WorkerCrashed

    monkeypatch.setattr(sandboxed, "MAX_ASKS_PER_CALL", 50)
    path = tmp_path / "asker.py"
    path.write_text(textwrap.dedent(ASKS_FOREVER))
    with SandboxedStudent(path, sandbox=kind, call_timeout=60) as student:
        with pytest.raises(WorkerCrashed, match="more than 50 times in one call"):
            student.call("init_tiny_cnn", 0)
