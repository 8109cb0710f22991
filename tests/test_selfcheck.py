"""The public self-checks: standalone, passed by correct code, failed by the classic bugs."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.namespaces import run_source

import reference
from autograder import rubric, selfcheck
from autograder.examples import example_class, read, single_mistakes
from autograder.student import InProcessStudent

SELFCHECK = Path(selfcheck.__file__)
MODEL = Path(__file__).resolve().parents[1] / "autograder" / "examples" / "model_solution.py"
DIGITS = Path(reference.__file__).parent / "data" / "digits.npz"


def failed(results) -> dict[str, str]:
    return {name: message for name, ok, message in results if not ok}


def test_there_is_a_check_for_every_student_function():
    assert set(selfcheck.CHECKS) == set(rubric.FUNCTIONS)
    assert all(callable(getattr(selfcheck, f"check_{name}")) for name in rubric.FUNCTIONS)


def test_it_imports_only_numpy_and_the_standard_library():
    tree = ast.parse(SELFCHECK.read_text())
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):  # an import guarded by `except ImportError` is optional
            optional |= {n.module for n in ast.walk(node) if isinstance(n, ast.ImportFrom)}
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) else []
        for name in names:
            assert name.split(".")[0] in allowed or name in optional, name


def test_it_runs_from_a_folder_where_conv_lab_is_not_importable(tmp_path):
    shutil.copy(SELFCHECK, tmp_path / "selfcheck.py")
    shutil.copy(MODEL, tmp_path / "solution.py")
    shutil.copy(DIGITS, tmp_path / "digits.npz")  # shipped beside selfcheck.py to students
    blocker = ("import sys; sys.modules['autograder'] = None; sys.modules['reference'] = None; "
               "sys.argv = ['selfcheck.py', 'solution.py']; import runpy; "
               "runpy.run_path('selfcheck.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", blocker], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rubric.FUNCTIONS)} of {len(rubric.FUNCTIONS)} self-checks pass" in done.stdout


def test_the_reference_and_the_model_solution_pass_every_check():
    assert failed(selfcheck.run_checks(vars(reference))) == {}
    assert failed(selfcheck.run_checks(run_source(read("model_solution.py")))) == {}


def test_the_checks_work_through_the_student_interface():
    # `autograder check` runs them on a sandboxed student through these proxies, where
    # every argument crosses the wire format (so no lambdas)
    from autograder.commands.check import student_functions

    student = InProcessStudent(dict(vars(reference)))
    assert failed(selfcheck.run_checks(student_functions(student))) == {}


BUGS = [s for s in example_class() if s.override and s.override.startswith("bugs/")]
MISTAKES = single_mistakes()
MARKERS = re.compile(r"\((를|을|가|이|는|은|와|과|으)\)")


def said_text(message) -> str:
    return selfcheck.in_language(message)


def vectorized(source: str) -> str:
    """``source`` with the model solution's loops vectorized (overrides/vectorized.py right
    after the model solution, before the mistake): the same functions, the same verdicts,
    but the self-check's training run takes a fraction of a second instead of seconds."""
    base = read("model_solution.py").rstrip("\n")
    assert base in source
    return source.replace(base, base + "\n" + read("overrides/vectorized.py").rstrip("\n"), 1)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_the_self_check_fails_exactly_the_functions_the_grader_charges(mistake):
    """Every single-mistake solution (autograder/examples/bugs and mistakes), on the
    vectorized model solution: the functions whose self-check FAILs are the functions whose
    items the grader takes (EXPECTED_LOST, checked against the grader on the loops in
    tests/test_checks.py); a function that only called the broken one WAITs, naming it."""
    charged = {rubric.item(name).function for name in mistake.expectations()["EXPECTED_LOST"]}
    found = selfcheck.outcomes(run_source(vectorized(mistake.source())))
    failed_ = {o.function for o in found if o.status == selfcheck.FAILED}
    assert failed_ == charged
    for o in found:
        if o.status == selfcheck.WAITING:
            assert o.first and set(o.first) <= charged, (o.function, o.first)
            assert f"fix {', '.join(o.first)} first" in str(o.message)
        text = said_text(o.message)
        assert "Traceback" not in text and not MARKERS.search(text), text


def test_a_wait_is_printed_not_raised_and_names_what_to_fix(capsys):
    namespace = run_source(read("model_solution.py"))
    namespace["zero_pad"] = lambda x, pad: np.asarray(x, dtype=float)  # pads nothing
    assert selfcheck.check_conv2d(namespace["conv2d"]) == 0  # no AssertionError
    out = capsys.readouterr().out
    assert out.startswith("⏸ conv2d: 먼저 zero_pad를 고치세요") and "fix zero_pad first" in out
    with pytest.raises(AssertionError):
        selfcheck.check_zero_pad(namespace["zero_pad"])
    capsys.readouterr()
    # the same conv2d with a correct zero_pad passes: the wait was not conv2d's fault
    namespace["zero_pad"] = reference.zero_pad
    assert selfcheck.check_conv2d(namespace["conv2d"]) > 10
    assert capsys.readouterr().out.startswith("✓ 자가 점검 통과")


def test_functions_it_cannot_watch_wait_for_any_failing_earlier_function():
    # a sandboxed function (as `autograder check` passes them) has no globals to watch: a
    # failure then waits on every earlier function that fails its own check
    class Proxy:
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, *args, **kwargs):
            return self.fn(*args, **kwargs)

    namespace = run_source(read("model_solution.py"))
    namespace["zero_pad"] = lambda x, pad: np.asarray(x, dtype=float)
    proxies = {name: Proxy(namespace[name]) for name in rubric.FUNCTIONS}
    found = {o.function: o for o in selfcheck.outcomes(proxies)}
    assert found["zero_pad"].status == selfcheck.FAILED
    assert found["conv2d"].status == selfcheck.WAITING and found["conv2d"].first == ("zero_pad",)
    assert found["relu"].status == selfcheck.PASSED


def test_earlier_functions_are_the_ones_the_grader_answers():
    assert selfcheck.FUNCTIONS == rubric.FUNCTIONS
    for function in rubric.FUNCTIONS:
        assert selfcheck.earlier(function) == rubric.provided_while_grading(function)


def test_the_training_check_asks_what_the_graded_item_asks():
    from autograder.checks import backprop

    assert selfcheck.TRAIN == {
        "size": backprop.TRAIN_SIZE, "test_size": backprop.TEST_SIZE, "epochs": backprop.EPOCHS,
        "batch_size": backprop.BATCH_SIZE, "lr": backprop.LEARNING_RATE,
        "held_out": (backprop.HELD_OUT.start, backprop.HELD_OUT.stop),
        "min_loss_drop": backprop.MIN_LOSS_DROP, "min_accuracy": backprop.MIN_ACCURACY,
        "loss_ratio": backprop.LOSS_RATIO, "min_move": backprop.MIN_MOVE,
        "max_move": backprop.MAX_MOVE}
    x, y = selfcheck._digits_split()
    want_x, want_y = reference.load_digits_split()[:2]  # the split the grader trains on
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(y, want_y)


def test_it_carries_the_particle_rule_of_autograder_korean():
    from autograder import korean

    source = Path(korean.__file__).read_text(encoding="utf-8")
    block = re.search(r"# korean:start\n.*?# korean:end", source, re.S).group(0)
    assert block in SELFCHECK.read_text(encoding="utf-8")
    for word in ("conv2d", "2", "(3, 7, 7)", "same_padding", "필터"):
        assert selfcheck.with_particle(word, "을") == korean.with_particle(word, "을")


def test_the_hand_computation_is_checked_without_giving_the_answer(capsys):
    empty = [[4, None, None], [None, None, None], [None, None, None]]
    assert selfcheck.check_hand_computation(empty) is None  # no "Out: …" under the cell
    out = capsys.readouterr().out
    assert "still empty" in out and not re.search("[34]", out)  # positions, never values
    right = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    selfcheck.check_hand_computation(right)
    assert capsys.readouterr().out.startswith("✓ 손 계산이 맞습니다")
    wrong = [[4, 3, 4], [2, 5, 3], [2, 3, 4]]
    with pytest.raises(AssertionError, match=r"\[\(1, 1\)\]") as err:
        selfcheck.check_hand_computation(wrong)
    assert "4" not in str(err.value).split("[(1, 1)]")[1]  # the right value is not shown
    with pytest.raises(AssertionError, match="3×3"):
        selfcheck.check_hand_computation([4, 3, 4])


def test_stubs_and_missing_functions_are_reported_plainly():
    def stub(*args, **kwargs):
        raise NotImplementedError

    results = dict((n, m) for n, _, m in selfcheck.run_checks({"relu": stub}))
    assert results["relu"] == "not implemented yet"
    assert results["conv2d"] == "not defined"


def test_single_checks_raise_assertion_errors_that_help():
    def flipped(image, kernel, bias=0.0, stride=1, padding=0):
        return reference.conv2d_single(image, kernel[::-1, ::-1], bias, stride, padding)

    with pytest.raises(AssertionError, match="is the filter flipped"):
        selfcheck.check_conv2d_single(flipped)

    def floored(n, f, stride=1, padding=0):
        return (n + 2 * padding - f) // stride + 1

    with pytest.raises(AssertionError, match=r"output_size\(7, 3, 3\).*should raise ValueError"):
        selfcheck.check_output_size(floored)


def test_main_prints_a_table_and_sets_the_exit_code(tmp_path, capsys):
    good = tmp_path / "good.py"
    good.write_text(read("model_solution.py"))
    assert selfcheck.main([str(good)]) == 0
    bug = next(b for b in BUGS if b.name == "bug_softmax_no_max")
    bad = tmp_path / "bad.py"
    bad.write_text(bug.source())
    assert selfcheck.main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  softmax" in out and "should not give nan or inf" in out
    assert selfcheck.main([]) == 2


def test_a_passed_check_says_so_in_korean_and_english(capsys):
    count = selfcheck.check_conv2d(reference.conv2d)
    line = capsys.readouterr().out.strip()
    assert line == selfcheck.pass_line("conv2d", count)
    assert line.startswith(f"✓ 자가 점검 통과 — {count} checks") and "self-check passed" in line
    assert count >= 10
    with pytest.raises(AssertionError):  # a failing check prints no pass line
        selfcheck.check_relu(lambda x: x)
    assert capsys.readouterr().out == ""


def test_it_holds_no_second_implementation():
    from assignments_support import answer_definitions

    text = SELFCHECK.read_text(encoding="utf-8")
    assert answer_definitions(text) == []
    for gone in ("centred_difference", "_conv2d_plain", "_he_params", "sqrt(2"):
        assert gone not in text


def test_known_answers_are_the_references_and_cover_what_is_graded():
    from assignments.generator import known

    assert selfcheck.KNOWN == known.known_answers()
    cases = " ".join(selfcheck.KNOWN)
    for graded in ("conv2d same", "conv2d valid", "((0, 1), (2, 0))", "conv2d_backward",
                   "max_pool2d_backward", "tiny_cnn_loss_and_grads"):
        assert graded in cases, graded
    assert "TRAIN" in vars(selfcheck)  # the digits learning check


def test_known_answers_catch_what_properties_miss():
    def valid_as_same(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride, "same" if padding == "valid" else padding)

    with pytest.raises(AssertionError, match="conv2d valid, stride 2"):
        selfcheck.check_conv2d(valid_as_same)

    def pairs_swapped(x, w, b=None, stride=1, padding=0):
        if isinstance(padding, tuple) and isinstance(padding[0], tuple):
            padding = (padding[1], padding[0])
        return reference.conv2d(x, w, b, stride, padding)

    with pytest.raises(AssertionError, match=r"\(\(0, 1\), \(2, 0\)\)"):
        selfcheck.check_conv2d(pairs_swapped)


#: tiny_cnn_forward calling conv2d one image at a time: not a call the grader answers, so
#: through the sandbox it runs the student's own (flipped) conv2d and its check fails.
ONE_IMAGE_AT_A_TIME = """

def tiny_cnn_forward(x, params):
    p = params
    outs = []
    for image in x:
        h = max_pool2d(relu(conv2d(image[None], p["conv1_w"], p["conv1_b"], padding=1)))
        h = max_pool2d(relu(conv2d(h, p["conv2_w"], p["conv2_b"], padding=1)))
        outs.append(dense(flatten(h), p["fc_w"], p["fc_b"])[0])
    return np.array(outs)
"""


def test_autograder_check_says_wait_where_the_grader_would_not_charge(tmp_path, capsys):
    """``autograder check`` on a flipped kernel in conv2d, with a tiny_cnn_forward whose
    calls of conv2d run the student's own: conv2d FAILs; tiny_cnn_forward, whose check
    fails only through conv2d, WAITs (as the self-check does), and nothing else FAILs."""
    from autograder.commands.check import check_file

    [mistake] = [m for m in MISTAKES if m.name == "bug_kernel_flipped"]
    path = tmp_path / "solution.py"
    path.write_text(mistake.source() + ONE_IMAGE_AT_A_TIME)
    assert not check_file(path, lang="en")
    out = capsys.readouterr().out
    rows = {line.split()[1]: line.split()[0] for line in out.splitlines()
            if line.startswith("  ") and line.split()[0] in ("PASS", "FAIL", "WAIT")}
    assert rows["conv2d"] == "FAIL" and rows["tiny_cnn_forward"] == "WAIT", out
    assert {f for f, status in rows.items() if status == "FAIL"} == {"conv2d"}, out
    assert "wait for an earlier function to be fixed first" in out
