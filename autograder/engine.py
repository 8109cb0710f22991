"""The grading engine: run every rubric item's check against a student, one result each.

    results = grade_items(student, seed=0)          # list[ItemResult], rubric order
    score = sum(r.points for r in results)

A check that passes earns the item's points (a "rejects ..." item only if its function's
prerequisite item passes too: ``checks.PREREQUISITES``); one that fails earns 0 and a
:class:`autograder.results.Failure` saying why, in terms a student can act on:
the smallest failing case hypothesis found, what was expected and what came back,
where they differ, and (when the answer equals a known mistake) the mistake's name.

Grading never crashes and never prints: hypothesis runs quietly, warnings are
silenced, anything written to stdout/stderr while grading is swallowed, and an error
in a check itself is recorded as a grader error on that item only.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import re
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import numpy.testing  # loaded now, so that it is in the snapshot below
from hypothesis import seed as hypothesis_seed

import reference  # noqa: F401  (imported so its modules are in the snapshot)

from . import remembered, rubric
from .bounded import MAX_STUDENT_TEXT, bounded_failure, student_text
from .checks import PREREQUISITES, Check, checks_for
from .checks import REGISTRY as CHECKS
from .checks.hints import hint_for
from .compare import Call, Mismatch, MismatchLog
from .i18n import _, layout
from .misconceptions import diagnose
from .results import Failure, FailureKind, ItemResult
from .strategies import SALT
from .student import (
    BudgetSpent,
    CallTimeout,
    MissingFunction,
    Student,
    StudentError,
    WorkerCrashed,
)

GRADER_ERROR = "internal grader error"
_STUDENT_ERRORS = (Mismatch, StudentError, CallTimeout, MissingFunction, WorkerCrashed)

# ---------------------------------------------------------------- keeping the grader's tools intact


def _guarded_modules() -> list[ModuleType]:
    """Modules whose attributes student code might reassign (in-process grading only)."""
    names = ("numpy", "numpy.linalg", "numpy.random", "numpy.testing", "math", "copy")
    mods = [sys.modules[n] for n in names if n in sys.modules] + [builtins]
    # the grader's own stateless modules (never ones that keep state, like a worker pool)
    ours = ("autograder.compare", "autograder.misconceptions", "autograder.strategies",
            "autograder.jail.callables", "autograder.jail.protocol",
            "autograder.student", "autograder.rubric", "autograder.results", "autograder.checks")
    mods += [m for n, m in sorted(sys.modules.items())
             if n == "reference" or n.startswith(("reference.", "autograder.checks."))
             or n in ours]
    return mods


class _Snapshot:
    """The attributes of some modules, to put back whatever a student's call replaced."""

    def __init__(self, modules: list[ModuleType]) -> None:
        self.saved = [(m.__dict__, dict(m.__dict__)) for m in modules]

    def restore(self) -> None:
        for live, saved in self.saved:
            for key, value in saved.items():
                if live.get(key) is not value:
                    live[key] = value


_SNAPSHOT: _Snapshot | None = None


def _snapshot() -> _Snapshot:
    """Taken once, when the engine is imported: before any student code runs, if the
    grader is imported first (the sandboxed worker keeps numpy patches to itself)."""
    global _SNAPSHOT
    if _SNAPSHOT is None:
        _SNAPSHOT = _Snapshot(_guarded_modules())
    return _SNAPSHOT


@dataclass(frozen=True)
class TimeBudget:
    """A submission's time budget: ``seconds`` in all, over at ``deadline`` (monotonic)."""

    seconds: float
    deadline: float

    @classmethod
    def starting_now(cls, seconds: float) -> TimeBudget:
        return cls(seconds, time.monotonic() + seconds)

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


class GuardedStudent:
    """Wraps a Student for one item: remembers the last call (to report its inputs),
    restores numpy and the reference after every call, and after a timeout or a crash
    fails every further call at once (hypothesis would otherwise retry it while shrinking).
    Once the submission's ``budget`` is spent, no call is made (BudgetSpent).
    """

    def __init__(self, student: Student, budget: TimeBudget | None = None) -> None:
        self.student = student
        self.budget = budget
        self.last_call: Call | None = None
        self.stuck: CallTimeout | WorkerCrashed | None = None
        self.stuck_call: Call | None = None
        self.runs_in_process = student.runs_in_process
        # Only student code running in this very process can patch numpy or the reference;
        # restoring after every call costs ~1 ms, so sandboxed students skip it.
        self.snapshot = _snapshot() if student.runs_in_process else None

    def has(self, function: str) -> bool:
        return self.student.has(function)

    def at_least(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        """Calls inside the block may take ``seconds`` (or the usual limit if longer), for a
        student that has per-call limits (``time_limit``); otherwise nothing changes."""
        time_limit = getattr(self.student, "time_limit", None)
        if time_limit is None:
            return contextlib.nullcontext()
        return time_limit(max(seconds, getattr(self.student, "call_timeout", 0) or 0))

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        if self.stuck is not None:
            raise _again(self.stuck)
        if self.budget is not None and self.budget.spent():
            raise BudgetSpent("the submission's time budget ran out")
        self.last_call = Call(function, args, kwargs)
        try:
            return self.student.call(function, *args, **kwargs)
        except (CallTimeout, WorkerCrashed) as exc:
            self.stuck, self.stuck_call = exc, self.last_call
            raise
        finally:
            self.restore()

    def restore(self) -> None:
        """Put back numpy, the reference and the grader's modules if student code ran here."""
        if self.snapshot is not None:
            self.snapshot.restore()


def _again(exc: CallTimeout | WorkerCrashed) -> CallTimeout | WorkerCrashed:
    """A fresh copy of ``exc`` (same message and attributes, no traceback), to raise again."""
    copy = type(exc)(*exc.args)
    copy.__dict__.update(exc.__dict__)
    return copy


# ---------------------------------------------------------------- running one item


def item_seed(seed: int, name: str, student: str | None = None, salt: str | None = None) -> int:
    """The hypothesis seed for item ``name`` in term ``seed`` (stable across runs).

    ``student`` (per-student cases) mixes the student's name in, so each student gets
    different cases while the same submission, name and seed still replay exactly.
    ``salt`` (a submission's, for the checks whose cases hold no array: ``Check.
    per_submission``) mixes the submission in: its own cases, the same for the same file.
    """
    key = f"{seed}:{name}" if student is None else f"{seed}:{student}:{name}"
    if salt is not None:
        key += f":{salt}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def values_salt(seed: int, salt: str | None) -> tuple[int, ...] | None:
    """The salt the arrays of a submission's cases are made with (``strategies.made``):
    from the term's ``seed`` and the submission's ``salt``; None without one."""
    if salt is None:
        return None
    digest = hashlib.sha256(f"values:{seed}:{salt}".encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 16, 4))


def submission_salt(student: Student, salt: str | None = None,
                    case_key: str | None = None) -> str | None:
    """``salt`` if given (``""``: none); else, with per-student cases (``case_key``), the
    student's own (``case_salt``, a digest of everything its code can read; a sandboxed
    submission has one); else None: every submission gets the term's values, so that the
    notebooks' ``score()`` (which cannot know its submission) gives the same scores and the
    class report can see students who give the same wrong answers on the same case."""
    if salt is not None:
        return salt or None
    own = getattr(student, "case_salt", None) if case_key is not None else None
    return own if isinstance(own, str) else None


@contextlib.contextmanager
def quiet():
    """Nothing reaches stdout or stderr, no warning is shown, numpy does not complain."""
    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        warnings.simplefilter("ignore")
        yield


def _leaf(exc: BaseException) -> BaseException:
    """The first student-facing exception inside an exception group (hypothesis' Flaky)."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if isinstance(e, _STUDENT_ERRORS)]
        exc = (inner or list(exc.exceptions))[0]
    return exc


def _student_traceback(err: StudentError) -> str:
    """The student's own frames (from the worker, or from the chained in-process
    exception), then the exception's line with its message cut as the summary's is."""
    tb = err.traceback
    if not tb:
        cause = err.__cause__
        if cause is None or cause.__traceback__ is None:
            return ""
        frames = [f for f in traceback.extract_tb(cause.__traceback__)
                  if "/autograder/" not in f.filename and "/hypothesis/" not in f.filename]
        tb = "".join(traceback.format_list(frames) + traceback.format_exception_only(cause))
    cut = tb.rfind(f"\n{err.exc_type}")
    frames = tb[: cut + 1] if cut >= 0 else ""
    # the worker is student code: its traceback is bounded as a whole, frames included
    return frames[-4 * MAX_STUDENT_TEXT:] + f"{err.exc_type}: {student_text(err.message)}"


def _timeout_summary(exc: CallTimeout) -> str:
    limit: object = exc.seconds
    if limit is None:  # a timeout that did not say its limit: read it from the message
        found = re.search(r"(\d+(?:\.\d+)?)\s*s", str(exc))
        limit = found.group(1) if found else None
    if isinstance(limit, float):
        limit = f"{limit:g}"
    if limit is not None:
        return _("your function took longer than {limit} s on this case", limit=limit)
    return _("your function took too long on this case")


BUDGET_HINT = _("Your functions together took longer than the grader allows one submission "
                "(a correct solution takes a few seconds): look for sleeps, or loops that run "
                "far more often than needed.")


def budget_failure(budget: TimeBudget, started: bool, where: str = "") -> Failure:
    """An item that lost its points because the submission's time budget ran out:
    while it was graded (``started``) or before."""
    seconds = f"{budget.seconds:g}"
    summary = (_("the submission's time budget of {seconds} s ran out while this item was "
                 "graded", seconds=seconds) if started else
               _("the submission's time budget of {seconds} s ran out before this item was "
                 "graded", seconds=seconds))
    return Failure(summary, FailureKind.TIMEOUT, where=where, hint=BUDGET_HINT)


def _failure(
    check: Check, exc: BaseException, guard: GuardedStudent, seen: list[Mismatch]
) -> Failure:
    """Turn what a check raised into feedback."""
    fn = check.function
    flaky = isinstance(exc, BaseExceptionGroup)
    exc = _leaf(exc)
    last = guard.last_call
    case = last.case() if last is not None else {}
    if isinstance(exc, Mismatch):
        return _mismatch_failure(check, exc, flaky, [m for m in seen if m is not exc])
    if isinstance(exc, MissingFunction):
        return Failure(_("{fn} is not defined (or not a function)", fn=fn), FailureKind.MISSING,
                       hint=_("Define a function named {fn} (check the spelling) and run its "
                              "cell.", fn=fn))
    if isinstance(exc, StudentError) and exc.exc_type == "NotImplementedError":
        return Failure(_("{fn} is not implemented yet", fn=fn), FailureKind.NOT_IMPLEMENTED,
                       case=case,
                       hint=_("Replace the `raise NotImplementedError` line with your code."))
    if isinstance(exc, StudentError):
        message = student_text(exc.message)
        where = _("while running {call}", call=last.describe()) if last is not None else ""
        return Failure(_("{fn} raised {exc_type}: {message}", fn=fn, exc_type=exc.exc_type,
                         message=message), FailureKind.ERROR, case=case,
                       where=where, traceback=_student_traceback(exc),
                       hint=hint_for(check.item.name, check.hint, None))
    if isinstance(exc, BudgetSpent) and guard.budget is not None:
        stuck = guard.stuck_call or last
        return budget_failure(guard.budget, True,
                              _("while running {call}", call=stuck.describe()) if stuck else "")
    if isinstance(exc, CallTimeout):
        stuck = guard.stuck_call or last
        return Failure(_timeout_summary(exc), FailureKind.TIMEOUT,
                       case=stuck.case() if stuck else case,
                       where=_("while running {call}", call=stuck.describe()) if stuck else "",
                       hint=_("Look for a loop that never ends, or one that runs far more often "
                              "than needed (only the output positions need visiting)."))
    if isinstance(exc, WorkerCrashed):
        stuck = guard.stuck_call or last
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        return Failure(_("{fn} crashed the process running it ({reason})", fn=fn, reason=reason),
                       FailureKind.CRASH, case=stuck.case() if stuck else case,
                       hint=_("This happens when a function uses far too much memory or exits "
                              "the interpreter; check the sizes of the arrays you create."))
    if isinstance(exc, SystemExit):
        return Failure(_("{fn} tried to exit the interpreter (SystemExit)", fn=fn),
                       FailureKind.ERROR, case=case,
                       hint=_("Return a value instead of calling exit() or sys.exit()."))
    return Failure(_("internal grader error while checking this item ({error}); "
                     "this is not your fault, please report it",
                     error=f"{type(exc).__name__}: {exc}"), FailureKind.GRADER_ERROR,
                   traceback="".join(traceback.format_exception(exc))[-3000:])


def _mismatch_failure(check: Check, m: Mismatch, flaky: bool, seen: list[Mismatch]) -> Failure:
    diagnosis, hint = m.diagnosis, m.hint or hint_for(check.item.name, check.hint, m)
    if diagnosis is None:
        try:
            found = diagnose(m, *seen)
        except Exception:  # a bug in a variant (tests call diagnose directly and see it);
            found = None  # the student still gets the rest of the feedback
        if found is not None:
            diagnosis, hint = found.name, found.hint
    summary = (m.summary if m.call is None
               else layout("{call}: {summary}", call=m.call.describe(), summary=m.summary))
    if flaky:
        summary = _("{summary} (your function gave different answers for the same input)",
                    summary=summary)
    return Failure(summary, FailureKind.MISMATCH, case=m.call.case() if m.call is not None else {},
                   expected=m.expected, got=m.got, where=m.where, diagnosis=diagnosis, hint=hint,
                   mismatch=m.kind)


@contextlib.contextmanager
def no_local_constants() -> Iterator[None]:
    """While the block runs, hypothesis draws from its own fixed constants only.

    Hypothesis also mixes in constants it reads from the source of "local" modules (those
    outside site-packages: the grader itself, in an editable install) as they appear in
    ``sys.modules``, and caches them in a folder shared between runs. The cases would then
    depend on how the process was prepared (what it imported, how it was installed): the
    same submission and seed could get another score. Their mining is switched off here,
    with the cache of what it found (hypothesis looks its constants up in it), and put
    back afterwards. Callers hold :data:`_HYPOTHESIS`."""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    mine, cache = getattr(providers, "_get_local_constants", None), providers.CONSTANTS_CACHE
    providers._get_local_constants = Constants  # an empty set of constants
    cache.cache.clear()
    try:
        yield
    finally:
        if mine is not None:
            providers._get_local_constants = mine
        cache.cache.clear()


#: Every hypothesis run of a check, remembered as a tree by (item, hypothesis seed)
#: (:mod:`autograder.remembered`). Hypothesis is derandomized and keeps no database, so
#: what it does next depends only on what the check did on the cases so far: the next
#: submission walks the tree, running the check on the same cases in the same order, and
#: ends as hypothesis would have (passed, or failed on the same smallest case), without
#: hypothesis drawing and shrinking again. A case is its geometry and its arrays' seeds
#: (``strategies.Drawn``): each submission's check makes the arrays with its own salt,
#: and no value ever makes hypothesis reject a case, so a tree does not depend on whose
#: submission made it. Only what a submission does that no earlier one did runs
#: hypothesis.
_RUNS = remembered.Trees()
#: Held while hypothesis runs a check: the seed and the recorder are set on the check's
#: function, shared by every thread (a Dask worker may run several gradings at once).
_HYPOTHESIS = threading.RLock()
#: Each check's own test function, read under the lock before any recorder replaced it.
_INNER: dict[str, Callable[..., None]] = {}


def _run_hypothesis(check: Check, guard: GuardedStudent, seed: int, log: MismatchLog,
                    remember: bool = True) -> None:
    """Run ``check``'s hypothesis test on ``guard`` with ``seed``: by walking the tree of
    earlier runs, if it knows what this submission does, else through hypothesis
    (remembering its run, unless ``remember`` is False). ``log`` gets the mismatches
    hypothesis' run would have made."""
    key = (check.item.name, seed)
    root = _RUNS.get(key) if remember else None
    if root is not None:
        with MismatchLog(limit=log.limit) as seen:  # a walk that misses shows nothing
            walked = remembered.walk(root, _INNER[check.item.name], guard)
        if walked.end is not remembered.MISSED:
            for mismatch in seen.found:
                log.add(mismatch)
            if walked.exc is not None:
                raise walked.exc
            return
    with _HYPOTHESIS, no_local_constants():  # the seed and recorder are set on the check
        run = hypothesis_seed(seed)(check.run)
        inner = _INNER.setdefault(check.item.name, run.hypothesis.inner_test)
        if not remember:
            run(guard)
            return
        recorder = remembered.Recorder(inner)
        run.hypothesis.inner_test = recorder.test  # hypothesis looks it up on every run
        started, raised = time.monotonic(), None
        try:
            run(guard)
        except BaseException as exc:
            raised = exc
            raise
        finally:
            run.hypothesis.inner_test = inner
            if raised is None or isinstance(raised, _STUDENT_ERRORS):
                # a grader error's record shows hypothesis' traceback: not walked
                _RUNS.remember(key, recorder, raised, time.monotonic() - started)


def grade_item(
    student: Student, name: str, *, seed: int = 0, case_key: str | None = None,
    budget: TimeBudget | None = None, salt: str | None = None,
) -> ItemResult:
    """Run the check of rubric item ``name`` against ``student``; never raises.
    ``case_key`` (a student's name) gives this student their own cases (:func:`item_seed`);
    ``budget``: no call is made once it is spent; ``salt``: the submission's, for its own
    values (:func:`submission_salt`: by default, with per-student cases, the student's
    ``case_salt``). A failure keeps bounded values only (:mod:`autograder.bounded`)."""
    check = CHECKS[name]
    salt = submission_salt(student, salt, case_key)
    points = float(check.item.points)
    if budget is not None and budget.spent():
        return ItemResult(name, 0.0, points, budget_failure(budget, False))
    guard = GuardedStudent(student, budget)
    guard.restore()  # undo what earlier student code did to numpy, if anything
    log = MismatchLog()
    salted_cases = salt is not None and check.per_submission == "cases"
    values = SALT.set(values_salt(seed, salt))
    try:
        with quiet(), log:
            if not guard.has(check.function):
                raise MissingFunction(f"{check.function} is not defined")
            if check.uses_hypothesis:
                # cases of a student's or a submission's own are of no use to the next
                _run_hypothesis(check, guard,
                                item_seed(seed, name, case_key, salt if salted_cases else None),
                                log, remember=case_key is None and not salted_cases)
            else:
                check.run(guard)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # every other outcome becomes feedback
        with quiet():
            failure = _failure(check, exc, guard, log.found)
        return ItemResult(name, 0.0, points, bounded_failure(failure))
    finally:
        guard.restore()
        SALT.reset(values)
    return ItemResult(name, points, points)


def grade_items(
    student: Student, *, seed: int = 0, items: Iterable[str] | None = None,
    case_key: str | None = None, budget: TimeBudget | None = None, salt: str | None = None,
) -> list[ItemResult]:
    """Grade ``student`` on ``items`` (rubric item names; default all), in rubric order.

    Inputs:
    - student: anything with the Student interface (``call``, ``has``)
    - seed: the term's seed; the same student and seed always give the same results
    - items: names from ``autograder.rubric.ITEMS`` (KeyError for unknown names)
    - case_key: None (every student gets the term's cases) or the student's name
      (per-student cases, see :func:`item_seed`)
    - budget: the submission's time budget; once spent, the remaining items score 0
      with a Failure saying so (FailureKind.TIMEOUT)
    - salt: identifies the submission (None: with per-student cases, the student's
      ``case_salt``, if it has one; "": none): the arrays of its cases are its own, made
      from the salt and ``seed`` (:func:`values_salt`), so that what one submission's
      feedback shows is of no use to another; with no salt, every submission gets the
      term's values

    Returns one ItemResult per item.
    """
    wanted = None if items is None else set(items)
    if wanted is not None:
        unknown = wanted - {it.name for it in rubric.ITEMS}
        if unknown:
            raise KeyError(f"not rubric items: {sorted(unknown)}")
    salt = submission_salt(student, salt, case_key)
    results = [grade_item(student, c.item.name, seed=seed, case_key=case_key, budget=budget,
                          salt=salt or "")
               for c in checks_for() if wanted is None or c.item.name in wanted]
    return apply_prerequisites(results, student, seed, case_key, budget, salt)


def apply_prerequisites(results: list[ItemResult], student: Student, seed: int,
                        case_key: str | None = None, budget: TimeBudget | None = None,
                        salt: str | None = None) -> list[ItemResult]:
    """``results`` with each passed item whose prerequisite (``checks.PREREQUISITES``)
    fails set to 0, saying why. A prerequisite not among ``results`` is graded here."""
    by_name = {r.name: r for r in results}
    out = []
    for result in results:
        needed = PREREQUISITES.get(result.name)
        if needed is not None and result.passed:
            if needed not in by_name:
                by_name[needed] = grade_item(student, needed, seed=seed, case_key=case_key,
                                             budget=budget, salt=salt or "")
            why = by_name[needed].failure
            if why is not None:  # this item is lost to what lost the prerequisite
                fn = CHECKS[result.name].function
                result = ItemResult(result.name, 0.0, result.max_points, Failure(
                    _("{function} rejects the bad input, but this item counts only when "
                      "{function} also answers valid input right, and '{needed}' fails",
                      function=fn, needed=needed),
                    why.kind, mismatch=why.mismatch,
                    hint=_("Make '{needed}' pass first: raising ValueError for every input "
                           "is not rejecting bad input.", needed=needed)))
        out.append(result)
    return out


def grade_function(student: Student, function: str, *, seed: int = 0,
                   salt: str | None = None) -> list[ItemResult]:
    """Grade the items of one student function (as a notebook's hidden-test cell does)."""
    return grade_items(student, seed=seed, items=[c.item.name for c in checks_for(function)],
                       salt=salt)


def total(results: Iterable[ItemResult]) -> float:
    """Points earned over ``results``."""
    return float(sum(r.points for r in results))


__all__ = ["GRADER_ERROR", "GuardedStudent", "TimeBudget", "grade_function", "grade_item",
           "grade_items", "item_seed", "quiet", "total"]


_snapshot()
