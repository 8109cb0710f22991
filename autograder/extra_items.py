"""An instructor's own graded items: pytest tests counted by ``autograder grade --items FILE``.

An item is an ordinary pytest test function, marked with its points, that takes the
``student`` fixture (the README's "Add an item"; the same file works with
``pytest --submission``, :mod:`autograder.pytest_plugin`)::

    import numpy as np
    import pytest

    @pytest.mark.points(3)
    def test_conv2d_handles_a_1x1_filter(student):
        x = np.arange(9.0).reshape(1, 1, 3, 3)
        assert np.array_equal(student.call("conv2d", x, np.ones((1, 1, 1, 1))), x)

- :func:`load_extra_items` reads the file once, on the trusted side, before anything is
  graded: its items (name and points, each test with a ``points`` marker; tests without
  one are not run) and the sha256 of the file, which enters the store's key
  (:class:`autograder.options.GradeOptions`), so editing the file regrades the class.
  A file that is missing, does not collect, has no item or names an item as the rubric
  does is an :class:`ExtraItemsError`, one line.
- :func:`grade_extra_items` runs them with pytest in the grading process (trusted), after
  the rubric's items, against the submission's sandboxed worker: ``student.call`` runs the
  student's function in the sandbox, exactly as for the rubric's items. One
  :class:`~autograder.results.ItemResult` per item, in the file's order: full points when
  the test passes, 0 and pytest's explanation (its ``E`` lines) when it fails. The time
  budget of the submission holds: once it is spent, every call fails at once. A test
  drawing cases with hypothesis draws them from the term's seed, without an example
  database, so the same submission and seed give the same result.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import rubric
from .results import Failure, FailureKind, ItemResult


class ExtraItemsError(ValueError):
    """The --items file cannot be used; the message names it and says why, in one line."""


@dataclass(frozen=True)
class ExtraItem:
    """One extra item: its name (the test function's, e.g. ``test_conv2d_1x1``) and points."""

    name: str
    points: float


@dataclass(frozen=True)
class ExtraItems:
    """The items of one file: its absolute path, the sha256 of its bytes, and the items."""

    path: str
    sha256: str
    items: tuple[ExtraItem, ...]

    @property
    def points(self) -> float:
        return sum(it.points for it in self.items)


def file_hash(path: str | Path) -> str:
    """sha256 of the file's bytes (the store's key holds it)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- pytest


def _pytest_args(path: Path, *more: str) -> list[str]:
    """pytest's arguments for running only ``path``: no ini file, conftest or cache from
    the folders around it (the grader's own pyproject.toml must not add options), no
    output of its own."""
    return ["-q", "-c", os.devnull, f"--rootdir={path.parent}",
            f"--confcutdir={path.parent}", "-p", "no:cacheprovider", "-p", "no:randomly",
            "--import-mode=importlib", "-W", "ignore", *more, str(path)]


@contextlib.contextmanager
def _quiet_pytest() -> Iterator[None]:
    """pytest's terminal output and warnings go nowhere; hypothesis's global seed and
    profile are put back afterwards (the rubric's items seed every check themselves)."""
    from hypothesis import core, settings

    seed, profile = core.global_force_seed, getattr(settings, "_current_profile", None)
    sink = io.StringIO()
    try:
        with (warnings.catch_warnings(), contextlib.redirect_stdout(sink),
              contextlib.redirect_stderr(sink)):
            warnings.simplefilter("ignore")
            yield
    finally:
        core.global_force_seed = seed
        if profile is not None:
            with contextlib.suppress(Exception):
                settings.load_profile(profile)


#: hypothesis's settings while extra items run: no example database (it would replay
#: failures saved by earlier runs and write into the grader's folder), no deadline.
PROFILE = "conv-lab-extra-items"


def _no_example_database() -> None:
    from hypothesis import settings

    if PROFILE not in getattr(settings, "_profiles", {}):
        settings.register_profile(PROFILE, database=None, deadline=None)
    settings.load_profile(PROFILE)


def _points(item: Any) -> float | None:
    from .pytest_plugin import marked_points

    return marked_points(item)


class _Collector:
    """A pytest plugin that keeps the collected items with points and collection errors."""

    def __init__(self) -> None:
        self.items: list[ExtraItem] = []
        self.errors: list[str] = []

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.errors.append(text[-1] if text else "collection failed")

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            points = _points(item)
            if points is not None:
                self.items.append(ExtraItem(item.name, points))


class _OnlyItems:
    """A pytest plugin that runs only the tests with points (the items)."""

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        kept = [item for item in items if _points(item) is not None]
        dropped = [item for item in items if _points(item) is None]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


def load_extra_items(path: str | Path) -> ExtraItems:
    """The items of ``path`` (module docstring); ExtraItemsError if it cannot be used."""
    import pytest

    given = str(path)
    path = Path(path)
    if not path.is_file():
        raise ExtraItemsError(f"--items {given}: no such file (expected a .py file of pytest "
                              "tests marked @pytest.mark.points(N), see the README's "
                              "'Add an item')")
    if path.suffix != ".py":
        raise ExtraItemsError(f"--items {given}: expected a .py file of pytest tests, "
                              f"got {path.name!r}")
    path = path.resolve()
    digest = file_hash(path)
    cached = _LOADED.get((str(path), digest))
    if cached is not None:
        return cached
    collector = _Collector()
    with _quiet_pytest():
        code = pytest.main(_pytest_args(path, "--collect-only"), plugins=[collector])
    if collector.errors or code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        why = collector.errors[0] if collector.errors else f"pytest exit status {int(code)}"
        raise ExtraItemsError(f"--items {given}: pytest cannot collect it ({why})")
    if not collector.items:
        raise ExtraItemsError(f"--items {given}: no test marked @pytest.mark.points(N) in it "
                              "(see the README's 'Add an item')")
    names = [it.name for it in collector.items]
    clash = sorted(set(names) & {it.name for it in rubric.ITEMS})
    twice = sorted({n for n in names if names.count(n) > 1})
    if clash or twice:
        raise ExtraItemsError(f"--items {given}: item {(clash or twice)[0]!r} "
                              f"{'is a rubric item' if clash else 'is named twice'}; "
                              "give each test a name of its own")
    if any(it.points <= 0 for it in collector.items):
        bad = next(it for it in collector.items if it.points <= 0)
        raise ExtraItemsError(f"--items {given}: {bad.name} is worth {bad.points:g} points; "
                              "expected a number above 0")
    _LOADED[(str(path), digest)] = loaded = ExtraItems(str(path), digest, tuple(collector.items))
    return loaded


#: (path, sha256) -> its items: a grading process collects each file once.
_LOADED: dict[tuple[str, str], ExtraItems] = {}


# --------------------------------------------------------------------------- grading


class BudgetedStudent:
    """The sandboxed student as the extra items see it: ``call`` and ``has``, and no call
    once the submission's time budget is spent."""

    def __init__(self, student: Any, budget: Any = None) -> None:
        self._student, self._budget = student, budget

    def has(self, function: str) -> bool:
        return self._student.has(function)

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        from .student import BudgetSpent

        if self._budget is not None and self._budget.spent():
            raise BudgetSpent("the submission's time budget ran out")
        return self._student.call(function, *args, **kwargs)


def _not_run(item: ExtraItem, why: str, kind: FailureKind = FailureKind.GRADER_ERROR
             ) -> ItemResult:
    return ItemResult(item.name, 0.0, item.points, Failure(why, kind))


def grade_extra_items(student: Any, items: ExtraItems, *, seed: int = 0,
                      budget: Any = None) -> list[ItemResult]:
    """Run ``items`` against ``student`` (a Student: ``call``, ``has``); one ItemResult per
    item, in the file's order (module docstring). Never raises: a file changed since it
    was loaded, or pytest failing as a whole, costs each item its points, saying why."""
    import pytest

    from .pytest_plugin import injected_state

    path = Path(items.path)
    try:
        changed = file_hash(path) != items.sha256
    except OSError as exc:
        return [_not_run(it, f"the extra items file {path} cannot be read ({exc.strerror})")
                for it in items.items]
    if changed:
        return [_not_run(it, f"the extra items file {path} changed while the class was being "
                             "graded; run the same command again") for it in items.items]
    if budget is not None and budget.spent():
        return [_not_run(it, "the submission's time budget ran out before this item",
                         FailureKind.TIMEOUT) for it in items.items]
    state = injected_state(BudgetedStudent(student, budget))
    try:
        with _quiet_pytest():
            _no_example_database()
            pytest.main(_pytest_args(path, f"--hypothesis-seed={seed}"),
                        plugins=[state.plugin(), _OnlyItems()])
    except Exception as exc:  # a grader problem costs these items, never the record
        return [_not_run(it, f"pytest failed: {type(exc).__name__}: {exc}")
                for it in items.items]
    by_name = {r.name: r for r in state.results.values()}
    return [by_name.get(it.name) or _not_run(it, "the item did not run (pytest reported "
                                                  "nothing for it)") for it in items.items]
