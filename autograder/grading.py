"""Grading submissions: find them, grade each in its own process, never lose one.

Finding submissions (``find_submissions``), for each PATH given:

- a file is one submission, named after the file (``alice.py`` → ``alice``);
- a folder that directly holds a part file (``conv_layers.py`` or a part notebook such as
  ``03_convolution.ipynb``) is one student's submission, named after the folder;
- any other folder holds a class: each ``.py``/``.ipynb`` file in it is one submission
  (named after the file) and each subfolder is one submission (named after the subfolder,
  made of every ``.py``/``.ipynb`` inside it). nbgrader's ``submitted/`` folder, with its
  ``<student>/<assignment>/*.ipynb`` layout, is such a class;
- ``__pycache__``, ``.ipynb_checkpoints``, version-control folders and hidden files that are
  not ``.py``/``.ipynb`` are ignored; a dot-named ``.py``/``.ipynb`` file or hidden folder
  (``.hidden_student.py``, ``..ipynb``) is a submission like any other (its name loses the
  dot, and its record says so); other files in a class folder are skipped with a warning
  (or listed in ``skipped``, for one line in a summary); a PATH that does not exist, or a
  file that is not ``.py``/``.ipynb``, still becomes a submission, and its record says why
  it got 0 (``autograder grade`` refuses such a PATH before grading:
  :func:`path_problem`).
- symbolic links are never followed out of a class or student folder (an unzipped upload
  can carry a link to the model solution, to another student's file or to ``/etc``): a
  linked entry of a class folder gets a record of 0 points saying it is a link, and a
  link inside a student's folder is not read (the record says so). Only a PATH given on
  the command line is followed, since the instructor named it.

Two submissions with the same name are both graded: the later ones become ``alice-2``,
``alice-3``…, and their records say so. The same path given twice is graded once. Names
are made safe folder names by :func:`autograder.names.safe_name` (never one of the output
folder's own files, never too long for the filesystem).

Grading (``grade_submission``) loads the submission into a sandboxed worker, runs every
rubric item within the submission's time budget (``DEFAULT_BUDGET``; the items left when
it runs out score 0 and say why) and returns a :class:`GradeRecord` holding only what
its reports show (:mod:`autograder.bounded`); it never raises: anything that goes wrong,
in the submission or in the grader, becomes that record's reason. ``grade_many`` grades
submissions in parallel, each in a trusted worker process, and returns exactly one record
per submission, in the order given, even if a worker process dies.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from . import rubric
from .i18n import Message, _
from .names import safe_name, valid_text
from .options import DEFAULT_OPTIONS, GradeOptions
from .results import Failure, FailureKind, GradeRecord, ItemResult
from .submission import SizeLimits

SUFFIXES = (".py", ".ipynb")
IGNORED = ("__pycache__", ".ipynb_checkpoints", ".git", ".hg", ".svn")
#: Seconds one submission may take in all (loading and every item); ``--budget``.
DEFAULT_BUDGET = 120.0
#: Links inside a student's folder named in its record, at most.
MAX_LINKS_NAMED = 5
PART_FILES = frozenset(
    ["conv_layers.py"] + [f"{p.stem}{suffix}" for p in rubric.PARTS for suffix in SUFFIXES]
)


@dataclass(frozen=True)
class SubmissionPath:
    """One submission to grade: who, where, and anything noticed while finding it."""

    student: str
    path: Path
    notes: tuple[str, ...] = field(default_factory=tuple)
    refused: str = ""  # why it is not graded at all (e.g. a symbolic link; a Message), or ''


# --------------------------------------------------------------------------- finding


def _ignored(path: Path) -> bool:
    """Tool folders, and hidden files that are not code (``.DS_Store``): never submissions."""
    if path.name in IGNORED:
        return True
    return (path.name.startswith(".") and not path.is_symlink() and not path.is_dir()
            and path.suffix not in SUFFIXES)


def is_single_submission_folder(folder: Path) -> bool:
    """True if ``folder`` directly holds a part file (not a link), so it is one student's work."""
    return any(child.name in PART_FILES for child in folder.iterdir()
               if child.is_file() and not child.is_symlink())


def _name_of(path: Path) -> str:
    return path.stem if path.suffix in SUFFIXES else path.name


def symlink_reason(path: Path) -> Message:
    """The record's reason for a linked entry (the link's target is not read)."""
    return _("{name} is a symbolic link; not graded (links are never followed)",
             name=path.name)


def _expand(path: Path, warnings: list[str],
            skipped: list[Path] | None = None) -> list[tuple[str, Path, str]]:
    """(name, path, why refused or '') of each submission in ``path``; a file that is not
    one goes to ``skipped`` if given, else a warning."""
    if not path.is_dir() or is_single_submission_folder(path):
        return [(_name_of(path), path, "")]
    found = []
    for child in sorted(path.iterdir()):
        if _ignored(child):
            continue
        if child.is_symlink():  # is_dir() below would follow it
            if child.suffix in SUFFIXES or child.is_dir():
                found.append((_name_of(child), child, symlink_reason(child)))
                warnings.append(f"{child} is a symbolic link: not followed, graded 0")
            else:
                warnings.append(f"skipped {child}: a symbolic link (not followed)")
        elif child.is_dir():
            found.append((child.name, child, ""))
        elif child.suffix in SUFFIXES:
            found.append((child.stem, child, ""))
        elif skipped is not None:
            skipped.append(child)
        else:
            warnings.append(f"skipped {child}: not a .py or .ipynb file or a student folder")
    if not found:
        warnings.append(f"{path} holds no submissions (.py or .ipynb files or student folders)")
    return found


def links_inside(folder: Path) -> list[str]:
    """The symbolic links under a student's ``folder`` (relative paths), never followed."""
    found = []
    for root, dirs, files in os.walk(folder):  # os.walk does not follow linked folders
        for name in sorted(dirs + files):
            entry = Path(root) / name
            if entry.is_symlink():
                found.append(entry.relative_to(folder).as_posix())
    return sorted(found)


def _link_notes(path: Path, refused: str) -> list[str]:
    if refused or path.is_symlink() or not path.is_dir():
        return []
    links = links_inside(path)
    if not links:
        return []
    shown = ", ".join(links[:MAX_LINKS_NAMED]) + (" …" if len(links) > MAX_LINKS_NAMED else "")
    return [_("{count} symbolic link(s) in the folder not read (links are never followed): "
              "{links}", count=len(links), links=shown)]


def find_submissions(
    paths: Iterable[str | Path], *, expand: bool = True, skipped: list[Path] | None = None
) -> tuple[list[SubmissionPath], list[str]]:
    """Every submission under ``paths`` (see the module docstring), and warnings to show.

    ``expand=False`` takes each path as one submission, as it is (Gradescope's
    ``/autograder/submission`` folder). ``skipped``: a list that receives the files of a
    class folder that are not submissions (instead of one warning each). Returns
    ``(submissions, warnings)``; names are unique and safe as folder names.
    """
    warnings: list[str] = []
    seen_paths: set[Path] = set()
    taken: dict[str, Path] = {}
    subs: list[SubmissionPath] = []
    for given in paths:
        given = Path(given)
        # a PATH the instructor names is followed if it is a link (it keeps its own name)
        path = given.resolve() if given.is_symlink() else given
        found = _expand(path, warnings, skipped) if expand else [(_name_of(path), path, "")]
        found = [(_name_of(given) if p == path else n, p, why) for n, p, why in found]
        for raw_name, path, refused in found:
            # a link is not resolved: it must not hide the student it points at
            resolved = path.absolute() if refused else path.resolve()
            if resolved in seen_paths:
                warnings.append(f"{path} was given twice; graded once")
                continue
            seen_paths.add(resolved)
            name, notes = safe_name(raw_name), _link_notes(path, refused)
            if name != raw_name:
                notes.append(_("the name {raw} is graded as {name}", raw=repr(raw_name),
                               name=repr(name)))
            if name in taken:
                base, k = name, 2
                while f"{base}-{k}" in taken:
                    k += 1
                name = f"{base}-{k}"
                note = _("two submissions are named {base} ({first} and {second}); this one "
                         "is graded as {name}", base=repr(base), first=str(taken[base]),
                         second=str(path), name=repr(name))
                notes.append(note)
                warnings.append(note)
            taken[name] = path
            subs.append(SubmissionPath(name, path, tuple(notes), refused))
    return subs, warnings


# --------------------------------------------------------------------------- grading one


def failed_record(student: str, reason: str, sandbox: str = "none") -> GradeRecord:
    """A record with 0 on every rubric item, each saying ``reason`` (a Message, so the
    reports give it in Korean and English; a plain string is shown as it is)."""
    items = [ItemResult(it.name, 0.0, it.points,
                        Failure(_("not graded: {reason}", reason=reason),
                                FailureKind.NOT_GRADED))
             for it in rubric.ITEMS]
    return GradeRecord(student, items, sandbox, problems=[reason])


def path_problem(given: str | Path) -> str | None:
    """Why a PATH given on the command line is neither a submission nor a folder of them
    (it does not exist, or is a file other than ``.py``/``.ipynb``), or None. One line,
    naming the PATH and what was expected."""
    path = Path(given)
    expected = "expected a .py or .ipynb file, a student's folder or a class folder"
    if not path.exists():
        link = " (a symbolic link to nothing)" if path.is_symlink() else ""
        return f"{given}: no such file or folder{link}; {expected}"
    if not path.is_dir() and path.suffix not in SUFFIXES:
        return f"{given}: not a submission; {expected}"
    return None


def _input_problem(path: Path) -> Message | None:
    """Why ``path`` cannot be a submission at all, or None."""
    if not path.exists():
        return _("{path} does not exist", path=str(path))
    if path.is_file() and path.suffix not in SUFFIXES:
        return _("expected a .py or .ipynb file, got {name}", name=repr(path.name))
    return None


def valid_problem(problem: str) -> str:
    """``problem`` as valid Unicode (:func:`valid_text`), a Message's parameters too, so
    it stays a Message (the reports render it in Korean and English)."""
    if isinstance(problem, Message):
        return Message(problem.msgid, {k: valid_problem(v) if isinstance(v, str) else v
                                       for k, v in problem.params.items()}, problem.translate)
    return valid_text(problem)


def grade_submission(sub: SubmissionPath,
                     options: GradeOptions = DEFAULT_OPTIONS) -> GradeRecord:
    """Grade one submission in a sandboxed worker, with ``options`` (seed, items, limits,
    sandbox; :class:`autograder.options.GradeOptions`). Never raises.

    The same submission and options give the same record; the items left when the
    submission's time budget (``options.budget``, None: DEFAULT_BUDGET) runs out score 0,
    each saying so. Returns a GradeRecord with one ItemResult per rubric item graded, as
    the results store keeps it (:func:`autograder.bounded.as_stored`): small, whatever the
    code returned.
    """
    from .bounded import as_stored
    from .engine import TimeBudget

    start = time.perf_counter()
    limit = TimeBudget.starting_now(DEFAULT_BUDGET if options.budget is None
                                    else options.budget)
    problem = sub.refused or _input_problem(sub.path)
    if problem:
        record = failed_record(sub.student, problem)
    else:
        record = _grade_in_sandbox(sub, options, limit)
    record.problems = [valid_problem(p) for p in (*sub.notes, *record.problems)]
    record.seconds = time.perf_counter() - start
    record.graded_by = {"host": socket.gethostname()}
    try:
        return as_stored(record)
    except Exception as exc:  # a value the store cannot encode: a grader bug, one record
        return failed_record(sub.student, _("the grader failed on this submission's record "
                                            "({error}); please tell the instructor",
                                            error=f"{type(exc).__name__}: {exc}"))


def is_budget_failure(failure: Failure | None) -> bool:
    """True for an item the submission's time budget cut (the engine gives those its
    BUDGET_HINT), not a single call's timeout."""
    from .engine import BUDGET_HINT

    return (failure is not None and failure.kind is FailureKind.TIMEOUT
            and failure.hint == BUDGET_HINT)


def _budget_problem(results: list[ItemResult], budget: Any) -> list[Message]:
    """The record's line when the time budget cut the grading short."""
    cut = [r for r in results if is_budget_failure(r.failure)]
    if not cut:
        return []
    return [_("grading stopped when the submission's time budget of {seconds} s ran out: "
              "{count} item(s) not graded or cut short (0 points each)",
              seconds=f"{budget.seconds:g}", count=len(cut))]


def _extra_items(student: Any, options: GradeOptions,
                 budget: Any) -> tuple[list[ItemResult], list[str]]:
    """The instructor's extra items (``--items``) graded against ``student`` after the
    rubric's, and a line for the record if their file cannot be used here."""
    if not options.items_file:
        return [], []
    from .extra_items import ExtraItemsError, grade_extra_items, load_extra_items

    try:
        items = load_extra_items(options.items_file)
    except ExtraItemsError as exc:
        return [], [str(exc)]
    if options.items_hash is not None and items.sha256 != options.items_hash:
        return [], [f"the extra items file {options.items_file} changed while the class "
                    "was being graded; its items were not graded (run the same command "
                    "again)"]
    return grade_extra_items(student, items, seed=options.seed, budget=budget), []


def _grade_in_sandbox(sub: SubmissionPath, options: GradeOptions, budget: Any) -> GradeRecord:
    from .engine import grade_items
    from .sandbox import SandboxedStudent

    sandbox: dict[str, Any] = {"sandbox": options.sandbox, "size_limits": SizeLimits.from_mb(
        options.max_file_mb, options.max_total_mb)}
    if options.call_timeout is not None:
        sandbox["call_timeout"] = options.call_timeout
    student = None
    try:
        student = SandboxedStudent(sub.path, **sandbox)
        student.deadline = budget.deadline
        results = grade_items(student, seed=options.seed,
                              items=list(options.items) if options.items else None,
                              case_key=sub.student if options.per_student_cases else None,
                              budget=budget)
        extra, extra_problems = _extra_items(student, options, budget)
        results += extra
        return GradeRecord(sub.student, results, student.sandbox_kind,
                           problems=[*student.problems, *extra_problems,
                                     *_budget_problem(results, budget)],
                           limits=student.limits)
    except Exception as exc:  # a grader bug must cost this submission a record, not the class
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = _("the grader failed on this submission ({error}, at {place}); please tell "
                   "the instructor", error=f"{type(exc).__name__}: {exc}",
                   place=f"{Path(where.filename).name}:{where.lineno}")
        return failed_record(sub.student, reason, getattr(student, "sandbox_kind", "none"))
    finally:
        if student is not None:
            try:
                student.close()
            except Exception:
                pass


# --------------------------------------------------------------------------- grading many

Progress = Callable[[int, int, GradeRecord], None]
Finish = Callable[[int, GradeRecord], None]

#: Seconds a worker gets to close its sandbox after SIGTERM before it is killed.
STOP_GRACE = 5.0
#: How often the pool looks at its stop flag and its watchdog while workers are busy.
POLL_SECONDS = 0.25
#: Seconds a pool process may stay stopped (SIGSTOP, SIGTSTP) before the watchdog kills it.
STOPPED_GRACE = 2.0
#: Seconds a pool process may hold one submission beyond its time budget (loading it,
#: the grader's own work after the budget ran out, closing the sandbox) before the
#: watchdog kills it.
WATCHDOG_SLACK = 180.0
DIED_TWICE = _("the grading process died while grading this submission (twice); "
               "please tell the instructor")


def watchdog_seconds(options: GradeOptions) -> float:
    """How long a pool process may hold one submission graded with ``options``."""
    budget = options.budget
    return (DEFAULT_BUDGET if budget is None else float(budget)) + WATCHDOG_SLACK


def process_state(pid: int) -> str:
    """The process's state letter from /proc ("R", "S", "T" stopped, "t" traced, "Z"…),
    or "" if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rindex(")") + 2:].split()[0]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def grade_many(
    subs: Sequence[SubmissionPath],
    options: GradeOptions = DEFAULT_OPTIONS,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    grader: Callable[..., GradeRecord] = grade_submission,
) -> list[GradeRecord]:
    """Grade every submission, ``workers`` at a time; one record each, in the order given.

    ``options`` go to ``grader`` (:func:`grade_submission`; another module-level function
    with its signature can stand in, e.g. to inject a fault). ``progress(done, total,
    record)`` is called as each finishes. If a worker process dies, its submission is
    graded again in a fresh worker, and one that kills its worker again gets a record
    saying so.
    """
    records: dict[int, GradeRecord] = {}

    def finish(i: int, record: GradeRecord) -> None:
        records[i] = record
        if progress:
            progress(len(records), len(subs), record)

    run_pool(subs, range(len(subs)), finish, workers=workers, grader=grader, options=options)
    return [records[i] for i in range(len(subs))]


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    # SystemExit unwinds the grading, so the sandbox is closed by its ``finally``.
    raise SystemExit(128 + signum)


def _pool_worker(conn: Any, grader: Callable[..., GradeRecord], options: GradeOptions,
                 parent: int) -> None:
    """A worker process: grade each (index, submission) received, send (index, record)
    back; stop on None or when the grader's end of the pipe closes."""
    from .lifeline import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        i, sub = task
        record = grader(sub, options)
        try:
            conn.send((i, record))
        except (EOFError, OSError):
            return
        except Exception as exc:  # a record that cannot be pickled
            conn.send((i, failed_record(sub.student, _("the grader failed: {error}",
                                                       error=repr(exc)))))


class _Worker:
    """One worker process and the grader's end of its pipe; ``task`` is what it holds."""

    def __init__(self, ctx: Any, grader: Callable[..., GradeRecord],
                 options: GradeOptions) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_pool_worker, daemon=True,
                                   args=(child, grader, options, os.getpid()))
        self.process.start()
        child.close()
        self.task: int | None = None
        self.since = 0.0                    # when it took its task (time.monotonic)
        self.stopped_since: float | None = None

    def take(self, task: int) -> None:
        self.task, self.since, self.stopped_since = task, time.monotonic(), None

    def stuck(self, now: float, limit: float) -> str:
        """Why the watchdog must kill this busy worker now ('' if it need not): stopped
        for STOPPED_GRACE seconds, or holding its task for ``limit`` seconds."""
        if process_state(self.process.pid) in ("T", "t"):
            self.stopped_since = self.stopped_since or now
            if now - self.stopped_since >= STOPPED_GRACE:
                return "stopped"
        else:
            self.stopped_since = None
        return "hung" if now - self.since >= limit else ""

    def receive(self) -> tuple[int, GradeRecord] | None:
        """The finished (index, record), or None if the worker died without one."""
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        return None


def _context() -> Any:
    """spawn: each worker is a fresh interpreter and a direct child of the grader, so
    the parent-death signal ties it to the grader itself. Workers are reused, so the
    start-up (about a second) is paid once per worker."""
    return multiprocessing.get_context("spawn")


def run_pool(
    subs: Sequence[SubmissionPath],
    indices: Iterable[int],
    finish: Finish,
    *,
    workers: int | None = None,
    grader: Callable[..., GradeRecord] = grade_submission,
    options: GradeOptions = DEFAULT_OPTIONS,
    stop: Callable[[], bool] = lambda: False,
    watchdog: float | None = None,
) -> bool:
    """Grade ``subs[i]`` for each i in ``indices``, ``workers`` at a time, calling
    ``finish(i, record)`` in this process as each is done (an exception from it stops
    the pool and propagates).

    A worker that dies costs only the submission it held, which is graded once more;
    after a second death it gets a record saying so. A watchdog here, outside the
    workers, kills a worker that is stopped (SIGSTOP) for ``STOPPED_GRACE`` seconds or
    holds one submission longer than ``watchdog`` seconds (default
    :func:`watchdog_seconds`): that counts as its death. When ``stop()`` turns true,
    nothing new starts, busy workers get SIGTERM (they close their sandboxes), then
    SIGKILL after ``STOP_GRACE`` seconds. Returns True if stopped before the end."""
    queue = deque(indices)
    if not queue:
        return False
    limit = max(1, min(workers or default_workers(), len(queue)))
    held_for = watchdog_seconds(options) if watchdog is None else watchdog
    ctx = _context()
    pool: list[_Worker] = []
    deaths: dict[int, list[str]] = {}
    _reap_sandboxes()  # what a grader killed earlier left behind

    def died(w: _Worker, why: str) -> None:
        i = w.task
        assert i is not None
        w.process.join(1)
        pool.remove(w)
        _reap_sandboxes()  # its sandbox could not close itself
        deaths.setdefault(i, []).append(why)
        if len(deaths[i]) >= 2:
            finish(i, failed_record(subs[i].student, _death_reason(deaths[i], held_for)))
        else:
            queue.appendleft(i)

    try:
        while queue or any(w.task is not None for w in pool):
            if stop():
                return True
            _assign(pool, queue, limit, ctx, grader, options, subs)
            busy = [w for w in pool if w.task is not None]
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(wait(handles, timeout=POLL_SECONDS))
            now = time.monotonic()
            for w in busy:
                if w.conn not in ready and w.process.sentinel not in ready:
                    why = w.stuck(now, held_for)
                    if why:
                        w.process.kill()  # SIGKILL ends a stopped process too
                        died(w, why)
                    continue
                i, got = w.task, w.receive()
                if got is not None:
                    w.task = None
                    finish(i, got[1])
                elif not w.process.is_alive() or w.process.sentinel in ready:
                    died(w, "died")
        return False
    finally:
        _shut_down(pool)
        _reap_sandboxes()


def _death_reason(whys: list[str], held_for: float) -> Message:
    """The record's reason after a submission's grading process ended twice."""
    if "stopped" in whys:
        return _("the grading process was stopped (SIGSTOP) while grading this submission, "
                 "twice, and was killed each time; the submission's code may stop the "
                 "processes around it")
    if "hung" in whys:
        return _("the grading process took longer than {seconds} s on this submission, "
                 "twice, and was killed each time; please tell the instructor",
                 seconds=f"{held_for:g}")
    return DIED_TWICE


def _reap_sandboxes() -> None:
    """Stage folders, cgroups and sandbox users' processes of graders that are gone."""
    from .sandbox.leftovers import reap

    reap()


def _assign(pool, queue, limit, ctx, grader, options, subs) -> None:
    """Give each idle worker (starting new ones up to ``limit``) the next submission."""
    while queue:
        idle = next((w for w in pool if w.task is None), None)
        if idle is None:
            if len(pool) >= limit:
                return
            idle = _Worker(ctx, grader, options)
            pool.append(idle)
        i = queue.popleft()
        try:
            idle.conn.send((i, subs[i]))
            idle.take(i)
        except (OSError, EOFError):  # died before it took anything: not the submission's fault
            queue.appendleft(i)
            pool.remove(idle)
            idle.process.join(1)


def _shut_down(pool: list[_Worker]) -> None:
    """Idle workers are told to stop; busy ones get SIGTERM, then SIGKILL after the grace."""
    for w in pool:
        if w.task is None:
            try:
                w.conn.send(None)
            except (OSError, EOFError):
                pass
        elif w.process.is_alive():
            try:
                os.kill(w.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE
    for w in pool:
        w.process.join(max(0.0, deadline - time.monotonic()))
        if w.process.is_alive():
            w.process.kill()
            w.process.join(5)
        w.conn.close()
