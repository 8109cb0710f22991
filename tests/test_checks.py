"""The grading checks and the engine, run in-process against known students.

Known answers come from the rubric (points), from the bug files' own EXPECTED_* facts and
from the students' construction (the reference gets everything, a stub nothing), never
from the code under test.
"""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest
from support.namespaces import run_source, stub_namespace

import reference
from autograder import rubric
from autograder.checks import REGISTRY, Check, checks_for
from autograder.engine import GRADER_ERROR, grade_item, grade_items, total
from autograder.examples import ExampleStudent, example_class, read, single_mistakes
from autograder.results import FailureKind, MismatchKind
from autograder.student import CallTimeout, InProcessStudent, MissingFunction, WorkerCrashed


def model_namespace() -> dict:
    return run_source(read("model_solution.py"))


def summaries(results) -> dict[str, str]:
    return {r.name: r.failure.summary for r in results if not r.passed}


# ---------------------------------------------------------------- the registry


def test_every_rubric_item_has_exactly_one_check_and_every_check_an_item():
    assert set(REGISTRY) == {it.name for it in rubric.ITEMS}
    assert len(REGISTRY) == len(rubric.ITEMS)
    assert [c.item.name for c in checks_for()] == [it.name for it in rubric.ITEMS]
    for name, chk in REGISTRY.items():
        assert isinstance(chk, Check) and chk.item == rubric.item(name)
        assert chk.hint, f"{name} has no hint for students"


def test_a_second_check_for_an_item_or_an_unknown_item_is_refused():
    from autograder.checks import check

    with pytest.raises(ValueError, match="already has a check"):
        check("relu: values")(lambda student: None)
    with pytest.raises(KeyError):
        check("relu: speed")


def test_points_come_from_the_rubric_only():
    results = grade_items(InProcessStudent(dict(vars(reference))),
                          items=["relu: values", "conv2d: stride"])
    assert {r.name: r.max_points for r in results} == {
        "relu: values": rubric.item("relu: values").points,
        "conv2d: stride": rubric.item("conv2d: stride").points}
    assert [r.name for r in results] == ["conv2d: stride", "relu: values"]  # rubric order


# ---------------------------------------------------------------- known students


def test_the_reference_gets_exactly_full_marks():
    results = grade_items(InProcessStudent(dict(vars(reference))))
    assert summaries(results) == {}
    assert total(results) == rubric.TOTAL_POINTS == 100


def test_the_loop_style_model_solution_gets_exactly_full_marks():
    results = grade_items(InProcessStudent(model_namespace()))
    assert summaries(results) == {}
    assert total(results) == 100


def test_the_loop_versions_of_the_reference_get_full_marks_on_their_items():
    student = dict(vars(reference), conv2d=reference.conv2d_loops,
                   max_pool2d=reference.max_pool2d_loops)
    names = [it.name for it in rubric.ITEMS if it.function in ("conv2d", "max_pool2d")]
    assert summaries(grade_items(InProcessStudent(student), items=names)) == {}


def test_a_stub_gets_zero_and_is_told_what_is_not_implemented():
    results = grade_items(InProcessStudent(stub_namespace()))
    assert total(results) == 0
    for r in results:
        assert r.failure.summary == f"{rubric.item(r.name).function} is not implemented yet"
        assert r.failure.kind is FailureKind.NOT_IMPLEMENTED


def test_missing_functions_get_zero_and_are_named():
    results = grade_items(InProcessStudent({"conv2d": 42}))
    assert total(results) == 0
    conv = [r for r in results if r.name.startswith("conv2d:")]
    assert conv and all(r.failure.summary == "conv2d is not defined (or not a function)"
                        for r in conv)
    assert all(r.failure.kind is FailureKind.MISSING for r in results)


BUGS = [s for s in example_class() if s.override and s.override.startswith("bugs/")]


def test_there_are_at_least_ten_classic_bugs_each_with_its_expectations():
    assert len(BUGS) >= 10
    for bug in BUGS:
        facts = bug.expectations()
        assert facts["EXPECTED_LOST"], bug.name
        assert set(facts["EXPECTED_LOST"]) <= {it.name for it in rubric.ITEMS}, bug.name
        assert isinstance(facts["EXPECTED_DIAGNOSIS"], str), bug.name


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_each_classic_bug_loses_exactly_its_items_and_is_diagnosed(bug: ExampleStudent):
    facts = bug.expectations()
    results = grade_items(InProcessStudent(run_source(bug.source())))
    lost = {r.name for r in results if not r.passed}
    assert lost == set(facts["EXPECTED_LOST"])
    # one mistake costs its own items: what is built on the broken function (the tiny CNN
    # on conv2d, conv2d on zero_pad) is graded with correct versions of it
    redefined = {node.name for node in ast.parse(read(bug.override)).body
                 if isinstance(node, ast.FunctionDef)}
    assert {rubric.item(name).function for name in lost} <= redefined
    assert facts["EXPECTED_DIAGNOSIS"] in {r.failure.diagnosis for r in results if not r.passed}
    assert total(results) == 100 - sum(rubric.item(n).points for n in facts["EXPECTED_LOST"])
    assert not any(r.failure.summary.startswith(GRADER_ERROR) for r in results if not r.passed)
    assert not any(r.failure.kind is FailureKind.GRADER_ERROR for r in results if not r.passed)


MISTAKES = [s for s in single_mistakes() if s.override.startswith("mistakes/")]


def test_there_are_further_single_mistakes_each_with_what_it_loses():
    assert len(MISTAKES) >= 15
    for mistake in MISTAKES:
        assert set(mistake.expectations()["EXPECTED_LOST"]) <= {it.name for it in rubric.ITEMS}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_further_mistake_loses_exactly_its_items(mistake: ExampleStudent):
    """The mistakes kept out of the example class (autograder/examples/mistakes/): each is
    charged to the one function it redefines, and named where the grader knows the name."""
    facts = mistake.expectations()
    results = grade_items(InProcessStudent(run_source(mistake.source())))
    lost = {r.name for r in results if not r.passed}
    assert lost == set(facts["EXPECTED_LOST"])
    redefined = {node.name for node in ast.parse(read(mistake.override)).body
                 if isinstance(node, ast.FunctionDef)}
    assert {rubric.item(name).function for name in lost} <= redefined
    if "EXPECTED_DIAGNOSIS" in facts:
        assert facts["EXPECTED_DIAGNOSIS"] in {r.failure.diagnosis for r in results
                                               if not r.passed}


# ---------------------------------------------------------------- feedback


def reference_with(**functions) -> InProcessStudent:
    return InProcessStudent(dict(vars(reference), **functions))


def test_a_floored_size_loses_the_rejection_item_with_that_diagnosis():
    def conv2d(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride, "valid")  # floors instead of raising

    result = grade_item(reference_with(conv2d=conv2d), "conv2d: rejects bad geometry")
    assert not result.passed
    assert result.failure.summary.startswith("conv2d(x, w, b=None, stride=3): expected ValueError")
    assert result.failure.kind is FailureKind.MISMATCH
    assert result.failure.mismatch is MismatchKind.NO_ERROR
    assert result.failure.diagnosis == "output size floored instead of rejected"


def test_shape_and_dtype_problems_are_named_before_values():
    def wrong_shape(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride, padding)[:, :, :, :-1]

    def as_float64(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride, padding).astype(np.float64)

    def as_int(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride, padding).astype(np.int64)

    f = grade_item(reference_with(conv2d=wrong_shape), "conv2d: stride").failure
    assert "expected shape (1, 1, 1, 1), got (1, 1, 1, 0)" in f.summary
    assert (f.kind, f.mismatch) == (FailureKind.MISMATCH, MismatchKind.SHAPE)
    dtype_item = "conv2d: output keeps the input's dtype"
    f = grade_item(reference_with(conv2d=as_float64), dtype_item).failure
    assert "expected float32 output for float32 input, got float64" in f.summary
    assert f.mismatch is MismatchKind.DTYPE
    f = grade_item(reference_with(conv2d=as_int), dtype_item).failure
    assert "expected floats, got int64" in f.summary
    assert f.mismatch is MismatchKind.DTYPE


def test_a_value_mismatch_carries_the_minimal_case_expected_got_and_where():
    def off(x, w, b=None, stride=1, padding=0):
        out = reference.conv2d(x, w, b, stride, padding)
        out[..., -1, -1] += 1
        return out

    f = grade_item(reference_with(conv2d=off), "conv2d: channels summed").failure
    assert set(f.case) == {"x", "w", "b"}
    assert f.case["x"].shape[1] == 2 and f.case["x"].shape[2:] == f.case["w"].shape[2:]
    assert isinstance(f.expected, np.ndarray) and isinstance(f.got, np.ndarray)
    assert np.array_equal(f.got - f.expected, np.ones_like(f.got))
    assert f.where.startswith("first difference at [0, 0, 0, 0]: expected ")
    assert f.summary.endswith("wrong values at 1 of 1 positions")
    assert (f.kind, f.mismatch) == (FailureKind.MISMATCH, MismatchKind.VALUE)


def test_a_student_exception_is_reported_with_its_traceback_and_case():
    def conv2d(x, w, b=None, stride=1, padding=0):
        return x[0, 0, 99]  # IndexError

    f = grade_item(reference_with(conv2d=conv2d), "conv2d: bias").failure
    assert f.summary.startswith("conv2d raised IndexError: index 99 is out of bounds")
    assert f.kind is FailureKind.ERROR and f.mismatch is None
    assert "x[0, 0, 99]" in f.traceback and "autograder" not in f.traceback
    assert set(f.case) >= {"x", "w", "b"} and f.hint


class Scripted:
    """A Student whose calls fail in a set way, counting the calls that reach it."""

    runs_in_process = True

    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    def has(self, function: str) -> bool:
        return True

    def call(self, function, *args, **kwargs):
        self.calls += 1
        raise self.error


def test_a_timeout_costs_its_item_only_and_is_not_retried_while_shrinking():
    student = Scripted(CallTimeout("call took longer than 10 s"))
    result = grade_item(student, "conv2d: stride")
    assert result.points == 0
    assert result.failure.summary == "your function took longer than 10 s on this case"
    assert result.failure.kind is FailureKind.TIMEOUT
    assert student.calls == 1 and "x" in result.failure.case
    ok = grade_item(reference_with(), "conv2d: padding")
    assert ok.passed


def test_a_crashed_worker_and_a_missing_function_are_explained():
    student = Scripted(WorkerCrashed("killed by signal 9"))
    result = grade_item(student, "relu: values")
    assert result.failure.summary.startswith("relu crashed the process running it")
    assert result.failure.kind is FailureKind.CRASH
    assert student.calls == 1
    missing = grade_item(Scripted(MissingFunction("relu is not defined")), "relu: values")
    assert missing.failure.summary == "relu is not defined (or not a function)"
    assert missing.failure.kind is FailureKind.MISSING


def test_an_error_in_a_check_itself_is_a_grader_error_on_that_item_only(monkeypatch):
    def broken(student):
        raise ZeroDivisionError("a bug in the check")

    item = rubric.item("relu: values")
    monkeypatch.setitem(REGISTRY, item.name, Check(item, broken, "hint"))
    results = grade_items(reference_with())
    broken_result = next(r for r in results if r.name == item.name)
    assert broken_result.points == 0 and broken_result.failure.summary.startswith(GRADER_ERROR)
    assert broken_result.failure.kind is FailureKind.GRADER_ERROR
    assert all(r.failure is None or r.failure.kind is not FailureKind.GRADER_ERROR
               for r in results if r is not broken_result)
    assert total(results) == 100 - item.points


GARBAGE = [None, "abc", 2.5, {"a": 1}, (1, 2, 3), np.zeros(0), np.full(3, np.nan)]


@pytest.mark.parametrize("value", GARBAGE, ids=[repr(v)[:20] for v in GARBAGE])
def test_garbage_answers_never_cause_grader_errors(value):
    student = InProcessStudent({name: (lambda *a, **k: value) for name in rubric.FUNCTIONS})
    results = grade_items(student)
    assert len(results) == len(rubric.ITEMS)
    errors = [r.failure.summary for r in results if not r.passed
              and r.failure.summary.startswith(GRADER_ERROR)]
    assert errors == []
    assert not any(r.failure.kind is FailureKind.GRADER_ERROR for r in results)
    assert total(results) == 0


def test_the_example_class_never_causes_grader_errors():
    originals = (np.allclose, np.isclose, np.testing.assert_allclose)
    for student in example_class():
        if student.cut_after is not None or not student.override or \
                not student.override.startswith("students/"):
            continue
        if student.name in ("crash_on_import", "exits_on_import", "hangs"):
            continue  # need a sandbox (import-time crash, exit, or an endless loop)
        results = grade_items(InProcessStudent(run_source(student.source())))
        assert not any(r.failure.summary.startswith(GRADER_ERROR)
                       for r in results if not r.passed), student.name
        assert not any(r.failure.kind is FailureKind.GRADER_ERROR
                       for r in results if not r.passed), student.name
    # numpy_patcher patched numpy when its file ran; grading put numpy back
    assert (np.allclose, np.isclose, np.testing.assert_allclose) == originals


# ---------------------------------------------------------------- determinism and seeds


def test_same_student_and_seed_give_identical_results():
    bug = next(b for b in BUGS if b.name == "bug_kernel_flipped")
    names = [it.name for it in rubric.items_for("conv2d")]
    runs = [grade_items(InProcessStudent(run_source(bug.source())), seed=3, items=names)
            for _ in range(2)]
    first, second = runs
    for a, b in zip(first, second, strict=True):
        assert (a.name, a.points) == (b.name, b.points)
        if a.failure is not None:
            assert (a.failure.summary, a.failure.where, a.failure.diagnosis) == \
                (b.failure.summary, b.failure.where, b.failure.diagnosis)
            assert a.failure.case.keys() == b.failure.case.keys()
            for key in a.failure.case:
                assert np.array_equal(np.asarray(a.failure.case[key], dtype=object),
                                      np.asarray(b.failure.case[key], dtype=object))


class Recorder:
    """The reference as a Student, remembering the inputs of every call."""

    runs_in_process = True

    def __init__(self) -> None:
        self.inner, self.seen = InProcessStudent(dict(vars(reference))), []

    def has(self, function):
        return self.inner.has(function)

    def call(self, function, *args, **kwargs):
        self.seen.append(repr((args, kwargs)))
        return self.inner.call(function, *args, **kwargs)


def test_a_new_seed_draws_new_cases_and_an_old_one_the_same():
    runs = {}
    for seed in (0, 1, 0):
        rec = Recorder()
        assert grade_item(rec, "conv2d: stride", seed=seed).passed
        runs.setdefault(seed, []).append(rec.seen)
    assert runs[0][0] == runs[0][1]
    assert runs[0][0] != runs[1][0]


# ---------------------------------------------------------------- untrusted code


def test_patching_numpy_inside_the_students_functions_gains_nothing():
    originals = (np.allclose, np.isclose, np.array_equal, np.sum, np.testing.assert_allclose)

    def conv2d(x, w, b=None, stride=1, padding=0):
        np.allclose = np.array_equal = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
        np.sum = lambda *a, **k: 0.0  # would corrupt a reference computed afterwards
        out = reference.conv2d(x, w, b, stride, padding)
        return np.zeros_like(out)

    results = grade_items(reference_with(conv2d=conv2d),
                          items=[it.name for it in rubric.items_for("conv2d")])
    lost = {r.name for r in results if not r.passed}
    assert lost == {it.name for it in rubric.items_for("conv2d")} - {
        "conv2d: output shape", "conv2d: rejects bad geometry"}
    assert (np.allclose, np.isclose, np.array_equal, np.sum,
            np.testing.assert_allclose) == originals


def test_grading_is_silent(capfd):
    def relu(x):
        import sys

        print("debug output")
        print("to stderr", file=sys.stderr)
        warnings.warn("careful", stacklevel=1)
        return np.log(np.asarray(x) - 100)  # nan, with a numpy warning

    result = grade_item(reference_with(relu=relu), "relu: values")
    assert not result.passed
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


# ---------------------------------------------------------------- rubric holes


def reference_namespace(**overrides) -> dict:
    """Every graded function from the reference package, some replaced."""
    namespace = {name: getattr(reference, name) for name in rubric.FUNCTIONS}
    namespace.update(overrides)
    return namespace


def _refuse(*args, **kwargs):
    raise ValueError("bad geometry")


REJECTS = [name for name in REGISTRY if ": rejects " in name]


@pytest.mark.parametrize("item", REJECTS)
def test_a_function_that_rejects_everything_earns_no_rejects_item(item):
    function = rubric.item(item).function
    alone = grade_items(InProcessStudent(reference_namespace(**{function: _refuse})),
                        items=[item])  # its prerequisite is graded even when not asked for
    assert [r.points for r in alone] == [0.0]
    assert "also answers valid input right" in alone[0].failure.summary
    honest = grade_items(InProcessStudent(reference_namespace()), items=[item])
    assert [r.points for r in honest] == [rubric.item(item).points]


def test_rejecting_everything_scores_zero():
    student = InProcessStudent({name: _refuse for name in rubric.FUNCTIONS})
    assert total(grade_items(student)) == 0


TRAIN_ITEM = "train_tiny_cnn: learns the digits"


def _train_then(change):
    """The reference's train_tiny_cnn with its result changed by ``change(result)``."""
    def train(*args, **kwargs):
        result = reference.train_tiny_cnn(*args, **kwargs)
        change(result)
        return result

    return train


def _invent_history(result):
    result["loss_history"] = [3.0, 1.5, 0.3]


def _untrained_filters(result):
    result["params"]["conv1_w"] = reference.init_tiny_cnn(0)["conv1_w"]


def _shifted_logits(result):
    result["params"]["fc_w"] = result["params"]["fc_w"] + 5.0  # same softmax, moved far


@pytest.mark.parametrize(("change", "why"), [
    (_invent_history, "does not belong to the returned params"),
    (_untrained_filters, "params['conv1_w'] moved at most 0 "),
    (_shifted_logits, "params['fc_w'] moved at most 5."),
])
def test_the_training_item_catches_a_made_up_history_and_untrained_weights(change, why):
    student = InProcessStudent(reference_namespace(train_tiny_cnn=_train_then(change)))
    [result] = grade_items(student, items=[TRAIN_ITEM])
    assert result.points == 0 and why in result.failure.summary


def test_the_fake_training_example_fits_the_old_check_but_not_the_new_one():
    """fake_training's params classify every digit it was given (what the old check
    judged), so only the new rules can catch it."""
    [fake] = [s for s in example_class() if s.name == "fake_training"]
    namespace = run_source(fake.source())
    xtr, ytr, xte, yte = reference.load_digits_split()
    out = namespace["train_tiny_cnn"](xtr[:64], ytr[:64], xte[:8], yte[:8], epochs=3,
                                      batch_size=16, lr=0.02, seed=0)
    assert reference.accuracy(reference.tiny_cnn_forward(xtr[:64], out["params"]),
                              ytr[:64]) == 1.0
    [result] = grade_items(InProcessStudent(namespace), items=[TRAIN_ITEM])
    assert result.points == 0
