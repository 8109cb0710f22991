"""Grading into the results store: resume after a crash, never grade the same thing twice.

``grade_into_store(subs, out)`` is what ``autograder grade`` runs, and what any other
caller (e.g. the nbgrader path) can run on its own list of submissions:

1. take the lock on ``out`` (a second grader on the same folder stops at once);
2. for each submission, compute its key (:class:`autograder.store.Key`); one stored under
   that key is *cached*: its reports are rewritten from the store only if the files on
   disk are not the ones it gives (``force`` regrades everything);
3. grade the rest in the worker pool; each record is committed to the store the moment
   it comes back, then that student's ``results.json`` and ``feedback.html`` are written.
   A report that cannot be written (or rendered) costs that student's reports only: the
   record says so (stored again with the problem), the run lists it, the rest go on;
4. SIGINT/SIGTERM/SIGHUP: nothing new starts, running workers close their sandboxes,
   and the result says ``interrupted``; what was committed stays;
5. rewrite ``grades.csv`` (atomically) from the store, always: the current submissions under
   their current keys. Students stored from earlier runs but not in ``subs`` are
   ``vanished``: their rows stay, they are left out of grades.csv;
6. log the run (``runs`` table; ``autograder history``).

``replay(out, student)`` grades a stored submission again with its stored seed and
options and compares each item with the stored result.
"""

from __future__ import annotations

import contextlib
import difflib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .feedback import item_text
from .grading import SubmissionPath, grade_submission, run_pool
from .i18n import DEFAULT_LANG, _
from .names import valid_text
from .report import (
    grades_csv_text,
    reports_digest,
    reports_digest_on_disk,
    student_folder,
    student_report_texts,
    write_report_texts,
    write_text_atomic,
)
from .results import GradeRecord
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
    rubric_hash,
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

    @property
    def done(self) -> int:
        return len(self.records)


def _is_failed(record: GradeRecord) -> bool:
    """A record that says the submission could not be graded at all."""
    return bool(record.items) and all(
        r.failure is not None and r.failure.summary.startswith("not graded")
        for r in record.items)


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
    *,
    seed: int = 0,
    call_timeout: float | None = None,
    items: Sequence[str] | None = None,
    sandbox: str = "auto",
    per_student_cases: bool = False,
    max_file_mb: float | None = None,
    max_total_mb: float | None = None,
    budget: float | None = None,
    workers: int | None = None,
    force: bool = False,
    rebuild: bool = False,
    flat: bool = False,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
    argv: Sequence[str] = (),
    grader: Callable[..., GradeRecord] = grade_submission,
    lang: str = DEFAULT_LANG,
    runner: Callable[..., bool] = run_pool,
) -> StoreRun:
    """Grade ``subs`` into the store in ``out``, resuming whatever is stored (module doc).

    Inputs: the submissions (:func:`autograder.grading.find_submissions`), the output
    folder, the grading options (as :func:`autograder.grading.grade_submission`), the
    pool size, ``force`` (regrade all), ``rebuild`` (move a damaged store aside first),
    ``flat`` (one submission's reports straight into ``out``, for Gradescope),
    ``progress(done, total, record)`` per record graded, ``announce(text)`` for one-line
    messages, ``argv`` for the run log, ``grader`` (a stand-in for tests), ``lang``
    (the reports' language; a cached record's reports are rewritten in it when they
    differ) and ``runner``: what grades the submissions, with
    :func:`autograder.grading.run_pool`'s signature (local processes;
    :func:`autograder.cluster.dask_runner` sends them to a Dask cluster).

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
            return _grade(store, list(subs), out, seed=seed, call_timeout=call_timeout,
                          items=None if items is None else list(items), sandbox=sandbox,
                          per_student_cases=per_student_cases, budget=budget,
                          sizes={"max_file_mb": max_file_mb, "max_total_mb": max_total_mb},
                          workers=workers, force=force, flat=flat, progress=progress, say=say,
                          argv=list(argv), grader=grader, lang=lang, runner=runner)


def _grade(store: Store, subs: list[SubmissionPath], out: Path, *, seed, call_timeout, items,
           sandbox, per_student_cases, budget, sizes, workers, force, flat, progress, say,
           argv, grader, lang, runner=run_pool) -> StoreRun:
    rhash = rubric_hash(items, call_timeout, per_student_cases, budget, kind_in_use(sandbox))
    options = {"seed": seed, "call_timeout": call_timeout, "items": items, "sandbox": sandbox,
               "per_student_cases": per_student_cases,
               **{k: v for k, v in sizes.items() if v is not None}}  # size limits, if set
    if budget is not None:  # absent at the default, as in the key
        options["budget"] = budget
    start = time.monotonic()
    run = StoreRun(out, len(subs), store.start_run(argv=argv, seed=seed, rubric_hash=rhash,
                                                   sandbox=sandbox, total=len(subs)))
    keys = [Key(content_hash(s.path), seed, rhash, grader_version()) for s in subs]
    done: dict[int, GradeRecord] = {}
    status = "failed"
    try:
        with stop_on_signals() as stopped:
            todo = []
            for i, sub in enumerate(subs):
                row = None if force else store.lookup(sub.student, keys[i])
                record = _use_cached(store, row, out, flat, run, lang) if row else None
                if record is None:
                    todo.append(i)
                else:
                    done[i] = record
                    run.cached += 1
            if run.cached:
                say(f"{run.cached} of {len(subs)} unchanged since they were graded (cached); "
                    f"grading {len(todo)}")

            def finish(i: int, record: GradeRecord) -> None:
                record = _commit(store, out, flat, subs[i], keys[i], record, options, run,
                                 lang)
                done[i] = record
                run.graded += 1
                run.failed += _is_failed(record)
                if progress:
                    progress(len(done), len(subs), record)

            if not stopped():
                runner(subs, todo, finish, workers=workers, grader=grader, stop=stopped,
                       options=options)
            run.interrupted = stopped()
        run.records = [done[i] for i in sorted(done)]
        current = {s.student for s in subs}
        run.vanished = [s for s in store.students() if s not in current]
        _write_grades_csv(store, out, subs, keys)
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


def _use_cached(store: Store, row: StoredRow, out: Path, flat: bool, run: StoreRun,
                lang: str = DEFAULT_LANG) -> GradeRecord | None:
    """The stored record, after making sure its reports are on disk as it gives them in
    ``lang``; None if the row cannot be decoded (it is then graded again). A record that
    says its reports could not be written is stored again without that line once they are."""
    try:
        record = row.record
    except Exception:
        return None
    folder = student_folder(row.student, out, flat)
    try:
        if reports_digest_on_disk(folder) == reports_digest(student_report_texts(record, lang)):
            return record  # on disk already, in this run's language
    except Exception:  # rendering failed: _write_reports below names the problem
        pass
    earlier = [p for p in record.problems if p.startswith(REPORT_PROBLEM)]
    record.problems = [p for p in record.problems if not p.startswith(REPORT_PROBLEM)]
    texts, problem = _write_reports(out, folder, record, lang)
    if problem:
        record.problems.append(problem)
        run.report_problems.append((record.student, problem))
    if problem or earlier:
        store.put(record, row.key, source=row.source, options=row.options,
                  report_digest="" if problem else reports_digest(texts), run_id=row.run_id)
    return record


#: How a record says that its reports could not be written.
REPORT_PROBLEM = "the grader could not write this report"


def _write_reports(out: Path, folder: Path, record: GradeRecord,
                   lang: str = DEFAULT_LANG) -> tuple[tuple[str, str], str]:
    """Render and write one student's reports: (texts, '') or (texts, why not). Only a
    full disk raises (StoreError): it stops the run, whoever's report it was."""
    texts = ("", "")
    try:
        texts = student_report_texts(record, lang)
        write_report_texts(folder, texts)
    except Exception as exc:
        if is_disk_full(exc):
            raise _out_of_space(out, exc) from None
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return texts, _("the grader could not write this report ({detail}); please tell the "
                        "instructor", detail=f"{folder.name}: {type(exc).__name__}: {why}")
    return texts, ""


def _out_of_space(out: Path, exc: BaseException) -> StoreError:
    return StoreError(f"no space left on the device holding {out} ({exc}). Every record "
                      "graded so far is safe in the store; free some space and run the "
                      "same command again to finish.")


def _commit(store: Store, out: Path, flat: bool, sub: SubmissionPath, key: Key,
            record: GradeRecord, options: dict[str, Any], run: StoreRun,
            lang: str = DEFAULT_LANG) -> GradeRecord:
    """Store the record (committed at once), then write that student's reports in ``lang``.
    If they cannot be written, the record says so and is stored again (with no report
    digest, so the next run writes them); the run goes on. Returns the record as stored."""
    source = valid_text(str(Path(sub.path).absolute()))  # a name that is not UTF-8, escaped
    try:
        texts = student_report_texts(record, lang)
        digest = reports_digest(texts)
    except Exception:  # rendering failed: _write_reports below names the problem
        digest = ""
    try:
        store.put(record, key, source=source, options=options, report_digest=digest,
                  run_id=run.run_id)
    except Exception as exc:
        if is_disk_full(exc):
            raise _out_of_space(out, exc) from None
        raise
    _, problem = _write_reports(out, student_folder(record.student, out, flat), record, lang)
    if problem:
        record.problems.append(problem)
        run.report_problems.append((record.student, problem))
        try:
            store.put(record, key, source=source, options=options, report_digest="",
                      run_id=run.run_id)
        except Exception as exc:
            if is_disk_full(exc):
                raise _out_of_space(out, exc) from None
            raise
    return record


def _write_grades_csv(store: Store, out: Path, subs: list[SubmissionPath],
                      keys: list[Key]) -> None:
    """grades.csv from the store: each current submission under its current key."""
    records = []
    for sub, key in zip(subs, keys, strict=True):
        row = store.lookup(sub.student, key)
        if row is not None:
            records.append(row.record)
    try:
        write_text_atomic(out / "grades.csv", grades_csv_text(records))
    except OSError as exc:
        raise (_out_of_space(out, exc) if is_disk_full(exc)
               else StoreError(f"cannot write {out / 'grades.csv'}: {exc}")) from None


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
    """Grade ``student``'s latest stored submission again, with its stored seed and
    options, and compare each item (or ``item``) with the stored result.

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
    options = row.options
    fresh = grade_submission(SubmissionPath(student, source), seed=row.key.seed,
                             call_timeout=options.get("call_timeout"), items=names,
                             sandbox=sandbox or options.get("sandbox", "auto"),
                             per_student_cases=bool(options.get("per_student_cases")),
                             max_file_mb=options.get("max_file_mb"),
                             max_total_mb=options.get("max_total_mb"),
                             budget=options.get("budget"))
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
