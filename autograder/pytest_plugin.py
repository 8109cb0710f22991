"""The autograder as a pytest plugin: each rubric item is a test worth its points.

    pytest --pyargs autograder.checks --submission alice.py --results-json results.json

With ``--submission``, collecting the ``autograder.checks`` package yields one test per
rubric item (in rubric order); each grades that item through the engine, against the
reference, with the student's code in a sandboxed worker. A failure reads like the
student's ``feedback.html``. The plugin is installed as a pytest11 entry point, so it is
always loaded, and it does nothing at all unless ``--submission`` is given.

An instructor adds an item as an ordinary test function taking the ``student`` fixture
(a :class:`autograder.student.Student`: ``student.call("conv2d", x, w)``) and marked with
its points::

    @pytest.mark.points(3)
    def test_conv2d_keeps_batch_order(student):
        x = np.arange(2 * 1 * 3 * 3.0).reshape(2, 1, 3, 3)
        out = student.call("conv2d", x, np.ones((1, 1, 1, 1)))
        assert np.array_equal(out, x)

``--results-json PATH`` writes Gradescope's results for every test with points;
``--feedback-lang ko|en|ko+en`` chooses the language of the feedback (default both).
``autograder grade --items FILE`` counts the same tests in every report
(:mod:`autograder.extra_items`, which runs them through this plugin with the grader's own
sandboxed student: :func:`injected_state`). A failed test's feedback is pytest's
explanation (its ``E`` lines), never the test's source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

_STATE = pytest.StashKey["_Grading"]()
_CHECKS_INIT = Path(__file__).with_name("checks") / "__init__.py"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conv-lab autograder")
    group.addoption("--submission", default=None, metavar="PATH",
                    help="grade this student file (.py/.ipynb) or folder")
    group.addoption("--results-json", default=None, metavar="PATH",
                    help="write Gradescope results.json for the tests with points")
    group.addoption("--grading-seed", type=int, default=0, metavar="N",
                    help="seed for the generated cases (default 0)")
    group.addoption("--call-timeout", type=float, default=None, metavar="S",
                    help="seconds each call of a student function may take")
    group.addoption("--feedback-lang", default="ko+en", choices=("ko+en", "ko", "en"),
                    help="language of the feedback: ko, en or ko+en (default)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): the test is a rubric item worth n points")
    if config.getoption("submission"):
        config.stash[_STATE] = _Grading(config)


class _Grading:
    """The submission under test (opened on first use) and the points earned so far."""

    def __init__(self, config: pytest.Config) -> None:
        self.path = Path(config.getoption("submission"))
        self.seed = config.getoption("grading_seed")
        self.call_timeout = config.getoption("call_timeout")
        self.results_json = config.getoption("results_json")
        self._student: Any = None
        self.results: dict[str, Any] = {}  # nodeid -> ItemResult, in the order run

    @property
    def student(self) -> Any:
        if self._student is None:
            from .sandbox import SandboxedStudent

            options = {} if self.call_timeout is None else {"call_timeout": self.call_timeout}
            self._student = SandboxedStudent(self.path, **options)
        return self._student

    def close(self) -> None:
        if self._student is not None:
            self._student.close()


class _Injected:
    """The plugin's state for a student the caller owns (``autograder grade --items``):
    the same fixture and bookkeeping, no results.json, and the student left open."""

    path = Path("submission")
    results_json = None

    def __init__(self, student: Any) -> None:
        self.student = student
        self.results: dict[str, Any] = {}

    def close(self) -> None:
        pass

    def plugin(self) -> object:
        """A plugin object for ``pytest.main(..., plugins=[...])`` that installs this state."""
        state = self

        class _Install:
            @pytest.hookimpl(tryfirst=True)
            def pytest_configure(self, config: pytest.Config) -> None:
                config.stash[_STATE] = state  # type: ignore[assignment]

        return _Install()


def injected_state(student: Any) -> _Injected:
    """State whose ``student`` fixture is ``student``; after ``pytest.main(...,
    plugins=[state.plugin()])``, ``state.results`` holds an ItemResult per test with points."""
    return _Injected(student)


def _grading(config: pytest.Config) -> _Grading:
    state = config.stash.get(_STATE, None)
    if state is None:
        pytest.skip("no --submission given")
    return state


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> Any:
    """The submission's functions, run in a sandboxed worker: ``student.call(name, ...)``."""
    return _grading(request.config).student


# --------------------------------------------------------------------------- rubric items


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path == _CHECKS_INIT and parent.config.stash.get(_STATE, None) is not None:
        return RubricFile.from_parent(parent, path=file_path)
    return None


class RubricFile(pytest.File):
    """The rubric, as a collector: one :class:`RubricItem` per item, in rubric order."""

    def collect(self):
        from . import rubric

        for item in rubric.ITEMS:
            yield RubricItem.from_parent(self, name=item.name, rubric_item=item)


class RubricFailed(Exception):
    def __init__(self, result: Any) -> None:
        super().__init__(result.name)
        self.result = result


class RubricItem(pytest.Item):
    """One rubric item, graded by the engine against the reference."""

    def __init__(self, *, rubric_item: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rubric_item = rubric_item
        self.add_marker(pytest.mark.points(rubric_item.points))

    def runtest(self) -> None:
        from .engine import grade_items

        state = _grading(self.config)
        [result] = grade_items(state.student, seed=state.seed, items=[self.rubric_item.name])
        state.results[self.nodeid] = result
        if not result.passed:
            raise RubricFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, RubricFailed):
            from .reports.feedback import item_text

            return item_text(excinfo.value.result, self.config.getoption("feedback_lang"))
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        from .reports.numbers import points_phrase

        worth = points_phrase(self.rubric_item.points)
        return self.path, None, f"rubric item {self.name!r} ({worth})"


# --------------------------------------------------------------------------- points


def marked_points(item: pytest.Item) -> float | None:
    """The points of a test marked ``@pytest.mark.points(n)``, or None if it is not marked."""
    marker = item.get_closest_marker("points")
    if marker is None:
        return None
    return float(marker.args[0] if marker.args else marker.kwargs["n"])


def failure_text(longrepr: str, outcome: str) -> str:
    """What a failed test tells the student: pytest's explanation lines (``E   …``),
    at most ``MAX_EXPLANATION_LINES``; the test's own source is never shown."""
    lines = [line[1:].strip() for line in longrepr.splitlines() if line.startswith("E ")]
    lines = [line for line in lines if line]
    if not lines:
        tail = longrepr.strip().splitlines()
        lines = tail[-1:] if tail else [outcome]
    if len(lines) > MAX_EXPLANATION_LINES:
        lines = [*lines[:MAX_EXPLANATION_LINES], "…"]
    return "\n".join(lines)


def _failure(call: pytest.CallInfo[None], report: pytest.TestReport) -> Any:
    """The Failure of a test with points: what the student's code did when it raised
    (an error, a timeout, a crash, a missing function), else pytest's explanation."""
    from .results import Failure, FailureKind
    from .student import CallTimeout, MissingFunction, StudentError, WorkerCrashed

    kinds = ((CallTimeout, FailureKind.TIMEOUT), (WorkerCrashed, FailureKind.CRASH),
             (MissingFunction, FailureKind.MISSING), (StudentError, FailureKind.ERROR))
    error = call.excinfo.value if call.excinfo is not None else None
    for cls, kind in kinds:
        if isinstance(error, cls):
            if getattr(error, "exc_type", "") == "NotImplementedError":
                kind = FailureKind.NOT_IMPLEMENTED
            return Failure(str(error) or cls.__name__, kind,
                           traceback=getattr(error, "traceback", ""))
    wrong = isinstance(error, AssertionError)
    return Failure(failure_text(report.longreprtext, report.outcome),
                   FailureKind.MISMATCH if wrong else FailureKind.ERROR)


#: Lines of pytest's explanation a failed test keeps.
MAX_EXPLANATION_LINES = 12


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Remember the outcome of every test with points (rubric items record their own)."""
    report = yield
    state = item.config.stash.get(_STATE, None)
    points = marked_points(item)
    if state is None or points is None or isinstance(item, RubricItem):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        from .results import ItemResult

        failure = None
        if not report.passed:
            failure = _failure(call, report)
        earned = points if report.passed else 0.0
        state.results[item.nodeid] = ItemResult(item.name, earned, points, failure)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    try:
        if state.results_json:
            from .atomic import write_atomic
            from .reports.results_json import results_json_text
            from .reports.settings import ReportSettings
            from .results import GradeRecord

            kind = getattr(state._student, "sandbox_kind", "none")
            problems = list(getattr(state._student, "problems", []))
            record = GradeRecord(state.path.stem, list(state.results.values()), kind, problems)
            lang = session.config.getoption("feedback_lang")
            write_atomic(state.results_json, results_json_text(record, ReportSettings(lang)))
    finally:
        state.close()


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    return None if state is None else f"conv-lab autograder: grading {state.path}"
