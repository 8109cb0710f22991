"""Grading submissions: find them, grade each in its own process, never lose one.

Finding submissions (``find_submissions``), for each PATH given:

- a file is one submission, named after the file (``alice.py`` → ``alice``);
- a folder that directly holds a part file (``conv_layers.py`` or a part notebook such as
  ``03_convolution.ipynb``) is one student's submission, named after the folder;
- any other folder holds a class: each ``.py``/``.ipynb`` file in it is one submission
  (named after the file) and each subfolder is one submission (named after the subfolder,
  made of every ``.py``/``.ipynb`` inside it). nbgrader's ``submitted/`` folder, with its
  ``<student>/<assignment>/*.ipynb`` layout, is such a class;
- hidden entries, ``__pycache__`` and ``.ipynb_checkpoints`` are ignored; other files in a
  class folder are skipped with a warning; a PATH that does not exist, or a file that is
  not ``.py``/``.ipynb``, still becomes a submission, and its record says why it got 0.

Two submissions with the same name are both graded: the later ones become ``alice-2``,
``alice-3``…, and their records say so. The same path given twice is graded once.

Grading (``grade_submission``) loads the submission into a sandboxed worker, runs every
rubric item and returns a :class:`GradeRecord`; it never raises: anything that goes wrong,
in the submission or in the grader, becomes that record's reason. ``grade_many`` grades
submissions in parallel, each in a trusted worker process, and returns exactly one record
per submission, in the order given, even if a worker process dies.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import rubric
from .i18n import _
from .report import safe_name
from .results import Failure, FailureKind, GradeRecord, ItemResult

SUFFIXES = (".py", ".ipynb")
IGNORED = ("__pycache__", ".ipynb_checkpoints")
PART_FILES = frozenset(
    ["conv_layers.py"] + [f"{p.stem}{suffix}" for p in rubric.PARTS for suffix in SUFFIXES]
)


@dataclass(frozen=True)
class SubmissionPath:
    """One submission to grade: who, where, and anything noticed while finding it."""

    student: str
    path: Path
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- finding


def _ignored(path: Path) -> bool:
    return path.name.startswith(".") or path.name in IGNORED


def is_single_submission_folder(folder: Path) -> bool:
    """True if ``folder`` directly holds a part file, so it is one student's work."""
    return any(child.name in PART_FILES for child in folder.iterdir() if child.is_file())


def _name_of(path: Path) -> str:
    return path.stem if path.suffix in SUFFIXES else path.name


def _expand(path: Path, warnings: list[str]) -> list[tuple[str, Path]]:
    if not path.is_dir() or is_single_submission_folder(path):
        return [(_name_of(path), path)]
    found = []
    for child in sorted(path.iterdir()):
        if _ignored(child):
            continue
        if child.is_dir():
            found.append((child.name, child))
        elif child.suffix in SUFFIXES:
            found.append((child.stem, child))
        else:
            warnings.append(f"skipped {child}: not a .py or .ipynb file or a student folder")
    if not found:
        warnings.append(f"{path} holds no submissions (.py or .ipynb files or student folders)")
    return found


def find_submissions(
    paths: Iterable[str | Path], *, expand: bool = True
) -> tuple[list[SubmissionPath], list[str]]:
    """Every submission under ``paths`` (see the module docstring), and warnings to show.

    ``expand=False`` takes each path as one submission, as it is (Gradescope's
    ``/autograder/submission`` folder). Returns ``(submissions, warnings)``; names are
    unique and safe as folder names.
    """
    warnings: list[str] = []
    seen_paths: set[Path] = set()
    taken: dict[str, Path] = {}
    subs: list[SubmissionPath] = []
    for given in paths:
        given = Path(given)
        found = _expand(given, warnings) if expand else [(_name_of(given), given)]
        for raw_name, path in found:
            resolved = path.resolve()
            if resolved in seen_paths:
                warnings.append(f"{path} was given twice; graded once")
                continue
            seen_paths.add(resolved)
            name, notes = safe_name(raw_name), []
            if name != raw_name:
                notes.append(f"the name {raw_name!r} is graded as {name!r}")
            if name in taken:
                base, k = name, 2
                while f"{base}-{k}" in taken:
                    k += 1
                name = f"{base}-{k}"
                note = (f"two submissions are named {base!r} ({taken[base]} and {path}); "
                        f"this one is graded as {name!r}")
                notes.append(note)
                warnings.append(note)
            taken[name] = path
            subs.append(SubmissionPath(name, path, tuple(notes)))
    return subs, warnings


# --------------------------------------------------------------------------- grading one


def failed_record(student: str, reason: str, sandbox: str = "none") -> GradeRecord:
    """A record with 0 on every rubric item, each saying ``reason``."""
    items = [ItemResult(it.name, 0.0, it.points,
                        Failure(_("not graded: {reason}", reason=reason),
                                FailureKind.GRADER_ERROR))
             for it in rubric.ITEMS]
    return GradeRecord(student, items, sandbox, problems=[reason])


def _input_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a submission at all, or None."""
    if not path.exists():
        return f"{path} does not exist"
    if path.is_file() and path.suffix not in SUFFIXES:
        return f"expected a .py or .ipynb file, got {path.name!r}"
    return None


def grade_submission(
    sub: SubmissionPath,
    *,
    seed: int = 0,
    call_timeout: float | None = None,
    items: Sequence[str] | None = None,
    sandbox: str = "auto",
) -> GradeRecord:
    """Grade one submission in a sandboxed worker. Never raises.

    Inputs:
    - sub: who and where (see :func:`find_submissions`)
    - seed: hypothesis seed; the same submission and seed give the same record
    - call_timeout: seconds each call of a student function may take (None: the default)
    - items: rubric item names to grade (None: all)
    - sandbox: "auto" (bubblewrap if it works, else rlimits), "bubblewrap" or "rlimit"

    Returns a GradeRecord with one ItemResult per rubric item graded.
    """
    start = time.perf_counter()
    problem = _input_problem(sub.path)
    if problem:
        record = failed_record(sub.student, problem)
    else:
        record = _grade_in_sandbox(sub, seed, call_timeout, items, sandbox)
    record.problems = [*sub.notes, *record.problems]
    record.seconds = time.perf_counter() - start
    return record


def _grade_in_sandbox(sub, seed, call_timeout, items, sandbox) -> GradeRecord:
    from .engine import grade_items
    from .sandbox import SandboxedStudent

    options = {"sandbox": sandbox}
    if call_timeout is not None:
        options["call_timeout"] = call_timeout
    student = None
    try:
        student = SandboxedStudent(sub.path, **options)
        results = grade_items(student, seed=seed, items=list(items) if items else None)
        return GradeRecord(sub.student, results, student.sandbox_kind,
                           problems=list(student.problems))
    except Exception as exc:  # a grader bug must cost this submission a record, not the class
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = (f"the grader failed on this submission ({type(exc).__name__}: {exc}, "
                  f"at {Path(where.filename).name}:{where.lineno}); please tell the instructor")
        return failed_record(sub.student, reason, getattr(student, "sandbox_kind", "none"))
    finally:
        if student is not None:
            try:
                student.close()
            except Exception:
                pass


# --------------------------------------------------------------------------- grading many

Progress = Callable[[int, int, GradeRecord], None]


def _context():
    """forkserver where available: workers start from a clean, preloaded server process."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["autograder.grading", "autograder.engine",
                                    "autograder.sandbox", "numpy"])
        return ctx
    return multiprocessing.get_context("spawn")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def grade_many(
    subs: Sequence[SubmissionPath],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    grader: Callable[..., GradeRecord] = grade_submission,
    **options,
) -> list[GradeRecord]:
    """Grade every submission, ``workers`` at a time; one record each, in the order given.

    ``options`` go to ``grader`` (:func:`grade_submission`; another module-level function
    with its signature can stand in, e.g. to inject a fault). ``progress(done, total,
    record)`` is called as each finishes. If a worker process dies, the submissions it
    took down are graded again one by one, and one that kills its worker again gets a
    record saying so.
    """
    workers = max(1, workers or default_workers())
    records: dict[int, GradeRecord] = {}
    done = 0

    def finish(i: int, record: GradeRecord) -> None:
        nonlocal done
        records[i] = record
        done += 1
        if progress:
            progress(done, len(subs), record)

    broken = _run_pool(grader, subs, range(len(subs)), workers, options, finish)
    for i in broken:  # alone this time, so a second death is this submission's own
        if _run_pool(grader, subs, [i], 1, options, finish):
            finish(i, failed_record(subs[i].student, "the grading process died while grading "
                                    "this submission (twice); please tell the instructor"))
    return [records[i] for i in range(len(subs))]


def _run_pool(grader, subs, indices, workers, options, finish) -> list[int]:
    """Grade ``indices`` in a pool; returns the indices lost to a dead worker."""
    broken: list[int] = []
    if not indices:
        return broken
    with ProcessPoolExecutor(min(workers, len(indices)), mp_context=_context()) as pool:
        futures: dict[Future, int] = {
            pool.submit(grader, subs[i], **options): i for i in indices
        }
        for future in as_completed(futures):
            i = futures[future]
            try:
                finish(i, future.result())
            except BrokenProcessPool:
                broken.append(i)
            except Exception as exc:  # e.g. a record that could not be sent back
                finish(i, failed_record(subs[i].student, f"the grader failed: {exc!r}"))
    return sorted(broken)
