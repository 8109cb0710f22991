"""The public self-checks: standalone, passed by correct code, failed by the classic bugs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.namespaces import run_source

import reference
from autograder import rubric, selfcheck
from autograder.examples import example_class, read
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


def redefined(bug) -> set[str]:
    tree = ast.parse(read(bug.override))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_each_classic_bug_fails_the_self_check_of_the_function_it_breaks(bug):
    fails = failed(selfcheck.run_checks(run_source(bug.source())))
    broken = redefined(bug) & set(selfcheck.CHECKS)
    assert broken and broken <= set(fails), fails
    for message in fails.values():
        assert message and "Traceback" not in message


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
    assert {"LEARN_SIZE", "LEARN_EPOCHS"} <= set(vars(selfcheck))  # the digits learning check


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
