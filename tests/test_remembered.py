"""Remembered hypothesis runs (``autograder.remembered``): a walk ends where hypothesis ends.

A small hypothesis check stands in for the grader's: "students" are plain functions of two
drawn integers, and a student fails a case by answering True (or by raising). Whatever
runs were remembered, a walk that reaches an end gives what a fresh hypothesis run gives
for that student: the same verdict and the same smallest failing case.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from autograder import remembered
from autograder.remembered import MISSED, RAISED, RETURNED, Recorder, Trees, outcome_of, walk


class Caught(AssertionError):
    """The check's verdict: the student's answer was wrong on (x, y)."""


# seeded, as the engine seeds every check: a derandomized run without a seed is seeded
# from the test function's code, which a recorder replaces
@seed(11)
@settings(derandomize=True, database=None, deadline=None, max_examples=40,
          report_multiple_bugs=False, phases=(Phase.generate, Phase.shrink))
@given(st.integers(0, 1000), st.integers(0, 1000))
def check(student: Callable[[int, int], bool], x: int, y: int) -> None:
    if student(x, y):
        raise Caught(x, y)


STUDENTS: dict[str, Callable[[int, int], bool]] = {
    "correct": lambda x, y: False,
    "sum over 600": lambda x, y: x + y > 600,
    "sum over 900": lambda x, y: x + y > 900,
    "product over 5000": lambda x, y: x * y > 5000,
    "x over 300": lambda x, y: x > 300,
    "raises for y over 700": lambda x, y: 1 // 0 if y > 700 else False,
    "always": lambda x, y: True,
}
INNER = check.hypothesis.inner_test


def fresh(student: Callable[[int, int], bool]) -> tuple[str, tuple] | None:
    """What hypothesis itself gives: None (passed) or (exception type, args)."""
    try:
        check(student)
    except Exception as exc:
        return type(exc).__name__, exc.args
    return None


def recorded(trees: Trees, name: str) -> None:
    """Run hypothesis on ``STUDENTS[name]`` with a recorder, and remember its run."""
    recorder = Recorder(INNER)
    check.hypothesis.inner_test = recorder.test
    raised = None
    try:
        check(STUDENTS[name])
    except Exception as exc:
        raised = exc
    finally:
        check.hypothesis.inner_test = INNER
    trees.remember("check", recorder, raised, 0.0)


def walked(trees: Trees, name: str) -> tuple[str, tuple] | remembered._End | None:
    root = trees.get("check")
    assert root is not None
    result = walk(root, INNER, STUDENTS[name])
    if result.end is MISSED:
        return MISSED
    if result.end is RETURNED:
        return None
    assert result.end is RAISED and result.exc is not None
    return type(result.exc).__name__, result.exc.args


@pytest.mark.parametrize("remembered_first", sorted(STUDENTS))
def test_a_walk_that_ends_gives_what_hypothesis_gives(remembered_first):
    trees = Trees()
    recorded(trees, remembered_first)
    assert walked(trees, remembered_first) == fresh(STUDENTS[remembered_first])
    for name in sorted(STUDENTS):  # others walk to an end only where they behave the same
        result = walked(trees, name)
        if result is not MISSED:
            assert result == fresh(STUDENTS[name]), name
        recorded(trees, name)  # the tree grows; the walk now ends for this student too
        assert walked(trees, name) == fresh(STUDENTS[name]), name


def test_students_who_fail_differently_leave_the_tree_where_they_differ():
    trees = Trees()
    recorded(trees, "correct")
    assert walked(trees, "correct") is None
    assert walked(trees, "always") is MISSED  # the first case already fails
    recorded(trees, "sum over 600")
    assert walked(trees, "sum over 900") in (MISSED, fresh(STUDENTS["sum over 900"]))
    assert fresh(STUDENTS["sum over 600"]) != fresh(STUDENTS["sum over 900"])


def test_the_trees_keep_at_most_their_cases():
    trees = Trees(max_cases=5)
    for name in STUDENTS:
        recorded(trees, name)
    assert trees.cases == 5
    assert walked(trees, "always") in (MISSED, fresh(STUDENTS["always"]))


def _raise(exc: BaseException) -> None:
    raise exc


def _handling(exc: BaseException) -> None:
    try:
        raise KeyError("k")
    except KeyError:
        _raise(exc)


def _outcome(call: Callable[[], None]) -> tuple:
    try:
        call()
    except Exception as exc:
        return outcome_of(exc)
    return outcome_of(None)


def test_an_outcome_is_where_the_exception_came_from_not_who_caught_it():
    def first_caller() -> tuple:
        return _outcome(partial(_raise, ValueError("a")))

    def second_caller() -> tuple:
        return _outcome(partial(_raise, ValueError("another message")))

    same = first_caller()
    assert same == second_caller()  # neither the caller nor the message is part of it
    assert same != _outcome(partial(_raise, TypeError("a")))  # the type is
    assert same != _outcome(partial(int, "x"))  # so is where it was raised
    assert same != _outcome(partial(_handling, ValueError("a")))  # and its context
    assert _outcome(partial(print, end="")) == remembered.PASSED


def test_a_walk_leaves_the_item_the_mismatches_hypothesis_leaves():
    """Feedback names a mistake from the shrunk case and the larger failing cases seen
    before it (``misconceptions.diagnose``): a walk leaves the same ones in the item's log,
    and a walk that leaves the tree leaves none of its own."""
    from support.namespaces import run_source

    from autograder import engine
    from autograder.checks import REGISTRY
    from autograder.compare import Mismatch, MismatchLog
    from autograder.examples import example_class
    from autograder.student import InProcessStudent

    sources = {s.name: s.source() for s in example_class()}
    check = REGISTRY["conv2d: stride"]

    def seen(name: str) -> list[str]:
        guard = engine.GuardedStudent(InProcessStudent(run_source(sources[name])))
        log = MismatchLog()
        with engine.quiet(), log:
            try:
                engine._run_hypothesis(check, guard, 7, log)
            except Mismatch:
                pass
        return [f"{m.call.describe() if m.call else ''}: {m.summary}" for m in log.found]

    engine._RUNS.clear()
    hypothesis_run = seen("bug_kernel_flipped")
    before = remembered.WALKS.copy()
    assert seen("bug_kernel_flipped") == hypothesis_run
    assert remembered.WALKS["ended"] == before["ended"] + 1
    engine._RUNS.clear()
    assert seen("loops") == []  # the correct file's run is remembered
    assert seen("bug_kernel_flipped") == hypothesis_run  # left the tree: hypothesis ran
    assert remembered.WALKS["missed"] == before["missed"] + 1
    assert len(hypothesis_run) >= 2


def test_through_the_sandbox_a_walked_record_is_the_record_hypothesis_gives(tmp_path):
    """The grader's own route: a submission graded in the sandbox with nothing remembered,
    then again on its own remembered runs (every walk reaching an end), gets the same
    record but for its time."""
    import json

    from autograder import engine
    from autograder.examples import build_class, example_class
    from autograder.grading import SubmissionPath, grade_submission
    from autograder.options import GradeOptions
    from autograder.store import record_to_json

    names = ["bug_kernel_flipped", "bug_maxpool_zero_padding", "bug_softmax_no_max", "stub"]
    build_class(tmp_path, [s for s in example_class() if s.name in names])

    def record(name: str) -> dict:
        graded = grade_submission(SubmissionPath(name, tmp_path / f"{name}.py"),
                                  GradeOptions(sandbox="rlimit"))
        fields = json.loads(record_to_json(graded))
        fields.pop("seconds")
        return fields

    for name in names:
        engine._RUNS.clear()
        cold = record(name)
        before = remembered.WALKS.copy()
        assert record(name) == cold, name
        assert remembered.WALKS["missed"] == before["missed"]
        assert remembered.WALKS["ended"] >= before["ended"] + 30
