"""``autograder.course.notebook.score``: points for nbgrader, explanations on stdout,
nothing on stderr."""

from __future__ import annotations

import numpy as np
import pytest
from support.namespaces import run_source, stub_namespace

import reference
from autograder import rubric
from autograder.course.notebook import course_seed, score, seed_from_env
from autograder.engine import grade_items, total
from autograder.examples import example_class, read
from autograder.student import InProcessStudent

BUGS = {s.name: s for s in example_class() if s.override and s.override.startswith("bugs/")}


def test_the_model_solution_scores_every_point_silently(capfd):
    namespace = run_source(read("model_solution.py"))
    for function in ("output_size", "conv2d", "softmax"):
        assert score(function, namespace) == float(rubric.points_for(function))
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("bug", ["bug_kernel_flipped", "bug_softmax_no_max",
                                 "bug_output_size_floored"])
def test_a_buggy_function_loses_points_explained_on_stdout_only(capfd, bug):
    student = BUGS[bug]
    namespace = run_source(student.source())
    facts = student.expectations()
    function = rubric.item(facts["EXPECTED_LOST"][0]).function
    lost = [n for n in facts["EXPECTED_LOST"] if rubric.item(n).function == function]
    got = score(function, namespace)
    assert isinstance(got, float)
    assert got == rubric.points_for(function) - sum(rubric.item(n).points for n in lost)
    out, err = capfd.readouterr()
    assert err == ""
    # one block per mistake: its items after the function, the points they were worth
    whats = ", ".join(rubric.item(n).what() for n in lost)
    points = sum(rubric.item(n).points for n in lost)
    assert f"✗ {function}: {whats}: 0 of {points} points" in out
    assert out.count(facts["EXPECTED_DIAGNOSIS"]) == 1


def test_the_hidden_cells_show_the_smallest_failing_case_expected_and_got(capfd):
    """As feedback.html does: the inputs, what the reference gave and what came back, with
    the one label of a recognised mistake, in the course's language."""
    namespace = run_source(BUGS["bug_kernel_flipped"].source())
    score("conv2d", namespace, lang="ko")
    out = capfd.readouterr().out
    for said in ("실패하는 가장 작은 입력", "x = 모양 (", "w = 모양 (", "기대한 값 (참조 답안):",
                 "받은 값 (내 코드):", "이런 실수로 보입니다: 필터를 뒤집음", "힌트:", "위치:"):
        assert said in out, said
    assert "예상되는 실수" not in out and "likely mistake" not in out
    assert "conv2d: 채널 합" in out  # the items in Korean
    assert len(out) <= 2 * 4000


def test_the_hidden_cells_show_an_expected_exception_as_one(capfd):
    namespace = run_source(BUGS["bug_output_size_floored"].source())
    score("output_size", namespace, lang="ko+en")
    out = capfd.readouterr().out
    assert "ValueError 발생 · raises ValueError" in out
    assert "None" not in out


def test_stubs_and_missing_functions_score_zero_without_stderr(capfd):
    assert score("conv2d", stub_namespace()) == 0.0
    assert score("relu", {}) == 0.0
    out, err = capfd.readouterr()
    assert err == ""
    assert "conv2d is not implemented yet" in out and "relu is not defined" in out


def test_noisy_student_code_does_not_reach_stderr(capfd):
    def softmax(logits):
        import sys
        import warnings

        print("debugging", file=sys.stderr)
        warnings.warn("something", stacklevel=1)
        e = np.exp(logits)  # overflows: a numpy warning too
        return e / e.sum(axis=-1, keepdims=True)

    assert score("softmax", {"softmax": softmax}) == 0.0
    assert capfd.readouterr().err == ""


def test_the_scores_of_all_functions_add_up_to_the_engines_total():
    student = BUGS["bug_zero_pad_corner"]
    namespace = run_source(student.source())
    by_cells = sum(score(function, namespace) for function in rubric.FUNCTIONS)
    assert by_cells == total(grade_items(InProcessStudent(namespace)))
    assert by_cells == 100 - sum(rubric.item(n).points
                                 for n in student.expectations()["EXPECTED_LOST"])


class Recording(dict):
    """A namespace whose conv2d remembers its inputs (to compare drawn cases)."""

    def __init__(self) -> None:
        super().__init__(vars(reference))
        self.seen: list[str] = []
        self["conv2d"] = self.conv2d

    def conv2d(self, *args, **kwargs):
        self.seen.append(repr((args, kwargs)))
        return reference.conv2d(*args, **kwargs)


def test_the_seed_comes_from_the_argument_then_the_environment_then_zero(monkeypatch):
    monkeypatch.delenv("CONVLAB_SEED", raising=False)
    assert seed_from_env() == 0 and seed_from_env(5) == 5
    monkeypatch.setenv("CONVLAB_SEED", "7")
    assert seed_from_env() == 7 and seed_from_env(2) == 2
    monkeypatch.setenv("CONVLAB_SEED", "not a number")
    assert seed_from_env() == 0

    def cases(seed=None):
        ns = Recording()
        score("conv2d", ns, seed=seed)
        return ns.seen

    monkeypatch.setenv("CONVLAB_SEED", "7")
    from_env = cases()
    monkeypatch.delenv("CONVLAB_SEED")
    assert from_env == cases(7)
    assert cases() == cases(0) != from_env


@pytest.mark.parametrize(("toml", "expected"), [
    ("[grading]\nseed = 2027\n", 2027),
    ("[grading]\nseed = 'soon'\n", 0),   # a setting never makes a graded cell fail
    ("[grading]\nseed = true\n", 0),
    ("[grading\n", 0),                     # not TOML
    ("[feedback]\nlang = 'ko'\n", 0),
])
def test_the_term_seed_comes_from_the_course_conv_lab_toml(tmp_path, monkeypatch, toml,
                                                            expected):
    """``grading.seed`` in the course folder's conv-lab.toml, found from a notebook's folder
    below it; the environment (``autograder course --seed``) and the argument win."""
    monkeypatch.delenv("CONVLAB_SEED", raising=False)
    (tmp_path / "conv-lab.toml").write_text(toml)
    notebook_folder = tmp_path / "autograded" / "alice" / "conv_layers"
    notebook_folder.mkdir(parents=True)
    assert course_seed(start=notebook_folder) == expected
    monkeypatch.chdir(notebook_folder)
    assert seed_from_env() == expected and course_seed(5) == 5
    monkeypatch.setenv("CONVLAB_SEED", "7")
    assert course_seed(start=notebook_folder) == 7


def test_unknown_functions_are_refused():
    with pytest.raises(ValueError, match="not graded"):
        score("conv3d", {})
