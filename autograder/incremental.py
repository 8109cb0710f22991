"""Grading into the results store: resume after a crash, never grade the same thing twice.

``grade_into_store(subs, out, options, settings)`` is what ``autograder grade`` runs, and
what any other caller (e.g. the nbgrader path) can run on its own list of submissions:

1. take the lock on ``out`` (a second grader on the same folder stops at once);
2. for each submission, compute its key (:class:`autograder.store.Key`, from the
   :class:`~autograder.options.GradeOptions`); one stored under that key is *cached*: its
   reports are written again only if the files on disk are not the ones the stored digest
   names under this run's :class:`~autograder.reports.ReportSettings` (with the
   submission's time, found once here) — otherwise nothing is rendered (``force`` regrades
   everything);
3. grade the rest in the worker pool; each record is committed to the store the moment
   it comes back, then that student's reports are written once
   (:func:`autograder.reports.write`). A report that cannot be written (or rendered)
   costs that student's reports only: the record says so (stored again with the
   problem), the run lists it, the rest go on;
4. SIGINT/SIGTERM/SIGHUP: nothing new starts, running workers close their sandboxes,
   and the result says ``interrupted``; what was committed stays;
5. write ``grades.csv`` (atomically) from the store, always: the current submissions under
   their current keys, with the late columns when a late rule is set. Students stored from
   earlier runs but not in ``subs`` are ``vanished``: their rows stay, they are left out;
   then, unless interrupted and when asked, the class report (``class.html``/``class.json``).
   With ``only`` (``autograder grade CLASS --student NAME``) just those students are
   graded, and the class files still cover every submission in ``subs``: one not graded
   now under its current key is reported from its latest stored record (``kept``);
6. log the run (``runs`` table; ``autograder history``).

``replay(out, student)`` grades a stored submission again with its stored options and
compares each item with the stored result.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import reports
from .grading import SubmissionPath, grade_submission, run_pool
from .i18n import Message, _, render
from .names import valid_text
from .options import DEFAULT_OPTIONS, GradeOptions
from .reports.feedback import item_text
from .reports.settings import DEFAULT_SETTINGS, ReportSettings
from .results import FailureKind, GradeRecord
from .sandbox import kind_in_use
from .store import (
    Key,
    OutputLock,
    Store,
    StoredRow,
    StoreError,
    content_hash,
    grader_version,
    is_disk_full,
)

Progress = Callable[[int, int, GradeRecord], None]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class StoreRun:
    """What one ``grade_into_store`` did.

    - records: the record of every submission done (cached or graded), in input order
    - graded / cached / failed: counts (failed: graded records that could not grade
      the submission at all, e.g. a grader crash)
    - vanished: students stored earlier but not in this input (left out of grades.csv)
    - interrupted: the signal number that stopped the run, or None
    - report_problems: (student, why) for each student whose reports could not be written
    - late_flags: (student, flag) for each submission time flagged by the late rule
    - class_report: the class report written at the end, or None (class_report_problem:
      why it could not be written, or '')
    - class_size: students in grades.csv; with ``only``: kept (in grades.csv from an
      earlier grading of another file or with other options: their file changed since)
      and never_graded (in the input, never graded, left out of grades.csv)
    - skipped: files of a class folder that are not submissions (set by the caller)
    """

    out: Path
    total: int
    run_id: int
    records: list[GradeRecord] = field(default_factory=list)
    graded: int = 0
    cached: int = 0
    failed: int = 0
    vanished: list[str] = field(default_factory=list)
    interrupted: int | None = None
    report_problems: list[tuple[str, str]] = field(default_factory=list)
    late_flags: list[tuple[str, str]] = field(default_factory=list)
    class_report: Any = None
    class_report_problem: str = ""
    class_size: int = 0
    kept: list[str] = field(default_factory=list)
    never_graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.records)


def is_failed(record: GradeRecord) -> bool:
    """A record that says the submission could not be graded at all."""
    return bool(record.items) and all(
        r.failure is not None and r.failure.kind is FailureKind.NOT_GRADED for r in record.items)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Callable[[], int | None]]:
    """While inside: SIGINT, SIGTERM and SIGHUP only set a flag; yields a function
    returning the signal received (or None). Outside the main thread, does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    received: list[int] = []

    def note(signum: int, frame: Any) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, note) for s in STOP_SIGNALS}
    try:
        yield lambda: received[0] if received else None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def grade_into_store(
    subs: Sequence[SubmissionPath],
    out: str | Path,
    options: GradeOptions = DEFAULT_OPTIONS,
    settings: ReportSettings = DEFAULT_SETTINGS,
    *,
    workers: int | None = None,
    force: bool = False,
    rebuild: bool = False,
    flat: bool = False,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
    argv: Sequence[str] = (),
    class_report: float | None = None,
    only: Collection[str] | None = None,
    grader: Callable[..., GradeRecord] = grade_submission,
    runner: Callable[..., bool] = run_pool,
) -> StoreRun:
    """Grade ``subs`` into the store in ``out``, resuming whatever is stored (module doc).

    Inputs: the submissions (:func:`autograder.grading.find_submissions`), the output
    folder, the grading ``options``, the reports' ``settings`` (each submission's time is
    added here), the pool size, ``force`` (regrade all), ``rebuild`` (move a damaged store
    aside first), ``flat`` (one submission's reports straight into ``out``, for
    Gradescope), ``progress(done, total, record)`` per record, ``announce(text)`` for
    one-line messages, ``argv`` for the run log, ``class_report`` (the at-risk percentage
    of the class report written at the end; None: none), ``only`` (grade just these
    students of ``subs``; grades.csv and the class report still cover all of ``subs``,
    from the store), ``grader`` (a stand-in for tests)
    and ``runner``: what grades the submissions, with :func:`autograder.grading.run_pool`'s
    signature (local processes; :func:`autograder.cluster.dask_runner` sends them to a Dask
    cluster).

    Returns a :class:`StoreRun`; raises :class:`StoreError` (busy, damaged, no space)
    with a message naming the file or folder.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the output folder {out}: {exc.strerror}") from None
    say = announce or (lambda text: None)
    with OutputLock(out):
        if rebuild:
            moved = Store.move_aside(out)
            if moved:
                say(f"moved the old store aside to {moved}; grading everything again")
        with Store.open(out) as store:
            run = _Run(store, list(subs), out, options, settings, flat, argv, only)
            return run.grade(workers=workers, force=force, progress=progress, say=say,
                             grader=grader, runner=runner, class_report=class_report)


class _Run:
    """One run into an open store: the submissions with their keys and settings."""

    def __init__(self, store: Store, subs: list[SubmissionPath], out: Path,
                 options: GradeOptions, settings: ReportSettings, flat: bool,
                 argv: Sequence[str], only: Collection[str] | None = None) -> None:
        self.store, self.subs, self.out, self.options, self.flat = store, subs, out, options, flat
        # the class report's code fingerprints, made as each record comes back (while the
        # workers grade) rather than all at the end
        self.keep_prints = False
        rhash = options.rubric_hash(kind_in_use(options.sandbox))
        self.keys = [Key(content_hash(s.path), options.seed, rhash, grader_version())
                     for s in subs]
        self.settings = [settings.for_submission(s.student, s.path) for s in subs]
        #: the indices graded in this run (all, or the students named in ``only``)
        self.selected = [i for i, s in enumerate(subs) if only is None or s.student in only]
        self.result = StoreRun(out, len(self.selected), store.start_run(
            argv=list(argv), seed=options.seed, rubric_hash=rhash,
            sandbox=options.sandbox, total=len(self.selected)))

    def folder(self, student: str) -> Path:
        return reports.student_folder(student, self.out, self.flat)

    def grade(self, *, workers, force, progress, say, grader, runner,
              class_report) -> StoreRun:
        run, store, subs = self.result, self.store, self.subs
        self.keep_prints = class_report is not None
        start = time.monotonic()
        done: dict[int, GradeRecord] = {}
        stored: dict[int, GradeRecord] = {}  # the cached ones, as decoded from the store
        status = "failed"
        try:
            with stop_on_signals() as stopped:
                todo = []
                for i in self.selected:
                    sub = subs[i]
                    row = None if force else store.lookup(sub.student, self.keys[i])
                    record = self.cached(row, i) if row else None
                    if record is None:
                        todo.append(i)
                    else:
                        done[i] = stored[i] = record
                        run.cached += 1
                if run.cached:
                    say(f"{run.cached} of {run.total} unchanged since they were graded "
                        f"(cached); grading {len(todo)}")

                def finish(i: int, record: GradeRecord) -> None:
                    record = self.commit(i, record)
                    done[i] = record
                    run.graded += 1
                    run.failed += is_failed(record)
                    if progress:
                        progress(len(done), run.total, record)

                if not stopped():
                    runner(subs, todo, finish, workers=workers, grader=grader, stop=stopped,
                           options=self.options)
                run.interrupted = stopped()
            run.records = [done[i] for i in sorted(done)]
            current = {s.student for s in subs}
            run.vanished = [s for s in store.students() if s not in current]
            self.write_class_files(class_report if not run.interrupted else None, stored)
            status = "interrupted" if run.interrupted else "finished"
            return run
        except StoreError as exc:
            status = "failed: no space" if "no space" in str(exc) else "failed"
            raise
        finally:
            kinds = sorted({r.sandbox for r in done.values()})
            with contextlib.suppress(Exception):  # a full disk must not hide the real error
                store.end_run(run.run_id, status=status, graded=run.graded, cached=run.cached,
                              failed=run.failed, vanished=len(run.vanished),
                              grading_seconds=time.monotonic() - start,
                              sandbox=", ".join(kinds) or None)

    def cached(self, row: StoredRow, i: int) -> GradeRecord | None:
        """The stored record, its reports written again only if the files on disk are not
        the ones its digest names under this run's settings; None if the row cannot be
        decoded (it is then graded again). A record that says its reports could not be
        written is stored again without that line once they are."""
        try:
            record = row.record
        except Exception:
            return None
        settings, folder = self.settings[i], self.folder(row.student)
        if reports.up_to_date(row.report_digest, folder, row.student, settings):
            return record
        earlier = [p for p in record.problems if is_report_problem(p)]
        record.problems = [p for p in record.problems if not is_report_problem(p)]
        digest = self.write_reports(record, folder, settings)
        if digest or earlier:
            self.put(record, row.key, row.source, row.options, digest, row.run_id)
        return record

    def commit(self, i: int, record: GradeRecord) -> GradeRecord:
        """Store the record (committed at once), then write that student's reports. If they
        cannot be written, the record says so and is stored again (with no report digest,
        so the next run writes them); the run goes on. Returns the record as stored."""
        sub, key, settings = self.subs[i], self.keys[i], self.settings[i]
        source = valid_text(str(Path(sub.path).absolute()))  # a name that is not UTF-8, escaped
        try:
            files = reports.render(record, settings)
            digest = reports.files_digest(files, record.student, settings)
        except Exception:  # rendering failed: write_reports below names the problem
            files, digest = None, ""
        self.put(record, key, source, self.options.stored(), digest, self.result.run_id)
        if not self.write_reports(record, self.folder(record.student), settings, files):
            self.put(record, key, source, self.options.stored(), "", self.result.run_id)
        if self.keep_prints:
            reports.keep_prints(self.store, sub.path, key.content_hash)
        return record

    def put(self, record: GradeRecord, key: Key, source: str, options: dict[str, Any],
            digest: str, run_id: int | None) -> None:
        try:
            self.store.put(record, key, source=source, options=options, report_digest=digest,
                           run_id=run_id)
        except Exception as exc:
            if is_disk_full(exc):
                raise out_of_space(self.out, exc) from None
            raise

    def write_reports(self, record: GradeRecord, folder: Path, settings: ReportSettings,
                      files: dict[str, str] | None = None) -> str:
        """Write one student's reports (``files`` if already rendered): their digest, or ''
        when they could not be written (the record then says why). Only a full disk raises
        (StoreError): it stops the run, whoever's report it was."""
        try:
            return reports.write(record, folder, settings, files)
        except Exception as exc:
            if is_disk_full(exc):
                raise out_of_space(self.out, exc) from None
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            problem = report_problem(f"{folder.name}: {type(exc).__name__}: {why}")
            record.problems.append(problem)
            self.result.report_problems.append((record.student, problem))
            return ""

    def class_record(self, i: int, stored: dict[int, GradeRecord]) -> GradeRecord | None:
        """The record submission ``i`` is reported from: the one this run already read from
        the store (``stored``), else its record under its current key; for a student this
        run does not grade (``only``), else their latest record."""
        if i in stored:
            return stored[i]
        sub = self.subs[i]
        row = self.store.lookup(sub.student, self.keys[i])
        if row is None and i not in self._selected_set:
            row = self.store.latest(sub.student)
            if row is None:
                self.result.never_graded.append(sub.student)
            else:
                self.result.kept.append(sub.student)
        return row.record if row is not None else None

    @functools.cached_property
    def _selected_set(self) -> set[int]:
        return set(self.selected)

    def write_class_files(self, class_report: float | None,
                          stored: dict[int, GradeRecord] | None = None) -> None:
        """grades.csv from the store (each current submission under its current key, see
        :meth:`class_record`; the records this run read from it already, ``stored``, are
        not decoded again), the late rule's flags for the summary, then the class report
        when asked."""
        graded, sources, hashes = [], {}, {}
        stored = stored or {}
        for i, (sub, key, settings) in enumerate(zip(self.subs, self.keys, self.settings,
                                                     strict=True)):
            record = self.class_record(i, stored)
            if record is not None:
                graded.append((record, settings))
                sources[sub.student] = sub.path
                hashes[sub.student] = key.content_hash
                adjustment = settings.adjustment(record)
                for flag in adjustment.flags if adjustment else ():
                    self.result.late_flags.append((sub.student, render(flag, "en")))
        self.result.class_size = len(graded)
        try:
            reports.write_grades_csv(self.out, graded)
        except OSError as exc:
            raise (out_of_space(self.out, exc) if is_disk_full(exc)
                   else StoreError(f"cannot write {self.out / reports.GRADES_CSV}: {exc}")
                   ) from None
        if class_report is not None and graded:
            try:
                self.result.class_report = reports.write_class_report(
                    [record for record, _ in graded], self.out, at_risk=class_report,
                    sources=sources, store=self.store, hashes=hashes)
            except Exception as exc:  # the grades are written; the class report is extra
                if is_disk_full(exc):
                    raise out_of_space(self.out, exc) from None
                self.result.class_report_problem = f"{type(exc).__name__}: {exc}"


def report_problem(detail: str) -> Message:
    """The line a record gets when its reports could not be written."""
    return _("the grader could not write this report ({detail}); please tell the instructor",
             detail=detail)


#: Its msgid, by which such a line is told from the others.
REPORT_PROBLEM = report_problem("").msgid


def is_report_problem(problem: str) -> bool:
    """True for the line :func:`report_problem` gives (told by its msgid, not its words)."""
    return isinstance(problem, Message) and problem.msgid == REPORT_PROBLEM


def out_of_space(out: Path, exc: BaseException) -> StoreError:
    return StoreError(f"no space left on the device holding {out} ({exc}). Every record "
                      "graded so far is safe in the store; free some space and run the "
                      "same command again to finish.")


# --------------------------------------------------------------------------- replay


@dataclass
class ItemReplay:
    """One item graded again: the stored and the new points and text, and their diff."""

    name: str
    stored_points: float
    new_points: float
    diff: str  # '' when identical

    @property
    def identical(self) -> bool:
        return not self.diff and self.stored_points == self.new_points


@dataclass
class Replay:
    student: str
    source: Path
    notes: list[str]
    items: list[ItemReplay]


def replay(out: str | Path, student: str, item: str | None = None,
           sandbox: str | None = None) -> Replay:
    """Grade ``student``'s latest stored submission again, with its stored options, and
    compare each item (or ``item``) with the stored result.

    ``notes`` say when the file changed since (content hash), or the grader did."""
    with Store.open(out, create=False) as store:
        row = store.latest(student)
        if row is None:
            known = store.students()
            close = difflib.get_close_matches(student, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise StoreError(f"no stored record for {student!r} in {store.path}{hint}")
        stored = row.record
    source = Path(row.source)
    notes = []
    if not source.exists():
        raise StoreError(f"{student}'s submission was graded from {source}, which no longer "
                         "exists; nothing to replay")
    if content_hash(source) != row.key.content_hash:
        notes.append(f"{source} changed since it was graded: replaying the file as it is now")
    if row.key.grader_version != grader_version():
        notes.append(f"the grader changed since (stored {row.key.grader_version}, "
                     f"now {grader_version()}): differences may come from that")
    names = [r.name for r in stored.items]
    if item is not None:
        if item not in names:
            raise StoreError(f"{item!r} is not among {student}'s graded items: "
                             + ", ".join(names))
        names = [item]
    changes: dict[str, Any] = {"seed": row.key.seed, "items": tuple(names)}
    if sandbox is not None:
        changes["sandbox"] = sandbox
    fresh = grade_submission(SubmissionPath(student, source),
                             GradeOptions.from_stored(row.options, **changes))
    by_name = {r.name: r for r in fresh.items}
    results = []
    for old in stored.items:
        if old.name not in names:
            continue
        new = by_name.get(old.name)
        old_text = f"{old.points}/{old.max_points}\n{item_text(old)}"
        new_text = "(not graded)" if new is None else f"{new.points}/{new.max_points}\n" \
            f"{item_text(new)}"
        diff = "" if old_text == new_text else "\n".join(difflib.unified_diff(
            old_text.splitlines(), new_text.splitlines(), "stored", "replayed", lineterm=""))
        results.append(ItemReplay(old.name, old.points, new.points if new else 0.0, diff))
    return Replay(student, source, notes, results)
