"""The whole cycle: generate -> release -> students fetch + submit (or an LMS download) ->
collect -> autograde -> (sandboxed second opinion and audit) -> feedback -> export."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from .. import rubric
from ..results import GradeRecord
from .audit import AuditRow, audit, changed_cells
from .config import kernel_sandbox_status
from .gradebook import graded_cells, open_gradebook, write_scores
from .snapshot import Snapshot, changed_since, snapshot_dir, take_snapshot
from .steps import (
    CycleError,
    Edit,
    autograde,
    collect,
    export,
    fetch_and_submit,
    generate,
    generate_feedback,
    quarantine_unreadable,
    release,
    release_feedback,
    require_submissions,
    submitted_students,
    zip_collect,
)


@dataclass
class CycleResult:
    """What one run of the cycle produced.

    - students: student ids found in submitted/
    - problems: student id -> reasons a notebook was not graded normally
    - grades_csv: path of nbgrader's export (one row per student)
    - tampered: student id -> files in submitted/ that changed during autograde (the
      sandboxed grading used the snapshot taken before; someone should look)
    - changed: student id -> the locked cells their submission changed from the release
      (:func:`autograder.course.audit.changed_cells`; nbgrader restored them)
    """

    course_dir: Path
    assignment: str
    students: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    grades_csv: Path | None = None
    records: list[GradeRecord] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    tampered: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)


class CycleInterrupted(CycleError):
    """A signal stopped the sandboxed grading; what was graded is in the store."""


def reports_dir(cfg: Config, assignment: str, reports: Path | str | None = None) -> Path:
    """Where the sandboxed grading keeps its store and reports: ``reports``, else
    ``<course>/autograder/<assignment>``."""
    if reports is not None:
        return Path(reports)
    return Path(cfg.CourseDirectory.root) / "autograder" / assignment


def grade_sandboxed(cfg: Config, assignment: str, workers: int | None = None,
                    snapshot: Snapshot | None = None, reports: Path | str | None = None,
                    **options) -> list[GradeRecord]:
    """``autograder grade`` on the submissions: each student's notebooks graded in the
    sandbox, ``workers`` at a time, on the rubric items of this assignment's graded cells
    only, into the results store in :func:`reports_dir` (a rerun grades only what changed;
    each student's results.json and feedback.html, grades.csv and the class report are
    written there). One record per student, named by nbgrader student id.

    ``snapshot``: grade this copy (taken before autograde) instead of submitted/ as it is
    now, and only its students. The seed is the term's
    (:func:`autograder.course.notebook.course_seed`), as for the hidden tests in the
    kernels. Raises CycleInterrupted if a signal stopped the grading, CycleError if the
    store cannot be used."""
    from ..classreport import DEFAULT_AT_RISK, HTML_NAME, summary_text
    from ..grading import SubmissionPath
    from ..i18n import course_lang
    from ..incremental import grade_into_store
    from ..names import printable
    from ..options import GradeOptions
    from ..reports import ReportSettings
    from ..store import StoreError
    from .notebook import course_seed

    course_dir = Path(cfg.CourseDirectory.root)
    with open_gradebook(course_dir, cfg.CourseDirectory.course_id) as gb:
        functions = {f for cell in graded_cells(gb, assignment) for f in cell.functions}
    items = [it.name for it in rubric.ITEMS if it.function in functions]
    if snapshot is not None:
        subs = [SubmissionPath(s, snapshot.folder(s)) for s in sorted(snapshot.files)]
    else:
        subs = [SubmissionPath(s, course_dir / "submitted" / s / assignment)
                for s in submitted_students(course_dir, assignment)]
    out = reports_dir(cfg, assignment, reports)
    try:
        seed = course_seed(start=course_dir)  # as score() in the kernels takes it
        run = grade_into_store(subs, out, GradeOptions(items=tuple(items), seed=seed, **options),
                               ReportSettings(lang=course_lang()), workers=workers,
                               argv=["course", "grade", assignment],
                               class_report=DEFAULT_AT_RISK)
    except StoreError as exc:
        raise CycleError(str(exc)) from None
    if run.interrupted:
        raise CycleInterrupted(f"graded {run.done} of {run.total}; run the same command "
                               "again to finish (the gradebook was not changed)")
    if run.class_report is not None:
        print(printable(summary_text(run.class_report), multiline=True))
        print(f"class report: {out / HTML_NAME}")
    return run.records


def second_opinion(cfg: Config, assignment: str, workers: int | None = None,
                   reports: Path | str | None = None, write: bool = True,
                   snapshot: Snapshot | None = None
                   ) -> tuple[list[GradeRecord], list[AuditRow]]:
    """After ``nbgrader autograde``: grade the submissions in the sandbox (from
    ``snapshot`` when given), audit in-kernel vs sandboxed scores, write the sandboxed
    scores into the gradebook (``write``) and ``autograder grade``'s reports into
    ``reports``. Returns (records, audit rows)."""
    course_dir = Path(cfg.CourseDirectory.root)
    course_id = cfg.CourseDirectory.course_id
    records = grade_sandboxed(cfg, assignment, workers, snapshot=snapshot, reports=reports)
    rows = audit(course_dir, assignment, records, course_id)
    if write:
        write_scores(course_dir, assignment, records, course_id)
    return records, rows


def grade_submitted(cfg: Config, assignment: str, grades_csv: Path | str,
                    feedback: bool = True, sandboxed: bool = False,
                    workers: int | None = None, release: bool = True,
                    reports: Path | str | None = None,
                    after: str = "collect") -> CycleResult:
    """The instructor's half after submissions are in submitted/ (NothingSubmitted, naming
    the step ``after`` that should have filled it, if it is empty): quarantine unreadable
    notebooks, take a checksummed snapshot of submitted/, autograde everyone once (each
    kernel in bubblewrap where it works), check submitted/ against the snapshot,
    (sandboxed: grade the snapshot in the sandbox, audit, put the sandboxed scores in the
    gradebook, and write ``autograder grade``'s reports to ``reports``), feedback, release
    feedback through the exchange (``release``), export."""
    course_dir = Path(cfg.CourseDirectory.root)
    result = CycleResult(course_dir, assignment,
                         require_submissions(course_dir, assignment, after))
    _merge(result.problems, quarantine_unreadable(course_dir, assignment))
    snapshot = take_snapshot(course_dir / "submitted", assignment,
                             snapshot_dir(course_dir, assignment))
    _merge(result.problems, {s: [f"{name} is a symlink; not graded"
                                 for name in names] for s, names in snapshot.symlinks.items()})
    result.changed = changed_cells(course_dir, assignment,
                                   {s: snapshot.folder(s) for s in snapshot.files},
                                   cfg.CourseDirectory.course_id)
    usable, why = kernel_sandbox_status()
    if not usable:
        _merge(result.problems, {"(course)": [f"student kernels ran unsandboxed: {why}"]})
    _merge(result.problems, autograde(cfg, assignment))
    result.tampered = changed_since(snapshot, course_dir / "submitted", assignment)
    _merge(result.problems, {s: [f"submitted/ changed during autograde: {note}"
                                 for note in notes] for s, notes in result.tampered.items()})
    if sandboxed:
        result.records, result.audit = second_opinion(cfg, assignment, workers, reports,
                                                      snapshot=snapshot)
    if feedback:
        generate_feedback(cfg, assignment)
        if release:
            _merge(result.problems, release_feedback(cfg, assignment))
    result.grades_csv = export(cfg, grades_csv)
    return result


def cycle(cfg: Config, assignment: str, students: dict[str, Edit | None] | None = None,
          downloads: Path | str | None = None, grades_csv: Path | str = "grades.csv",
          homes: Path | str | None = None, feedback: bool = True, sandboxed: bool = False,
          workers: int | None = None, reports: Path | str | None = None) -> CycleResult:
    """generate -> release -> students fetch + submit (or an LMS download) -> collect ->
    autograde -> feedback -> export.

    Inputs:
    - students: student id -> how that student edits the released notebooks (None: hands it
      in untouched); they fetch and submit through the exchange
    - downloads: instead, a folder of notebooks downloaded from the LMS, collected with
      ``zip_collect``
    - homes: where the simulated students' home folders go (default: <course>/students)
    """
    course_dir = Path(cfg.CourseDirectory.root)
    generate(cfg, assignment)
    skipped: list[str] = []
    if downloads is not None:
        skipped = zip_collect(cfg, assignment, downloads)
    else:
        release(cfg, assignment)
        homes = Path(homes) if homes is not None else course_dir / "students"
        for student, edit in (students or {}).items():
            fetch_and_submit(cfg, assignment, student, homes / student, edit)
        collect(cfg, assignment)
    result = grade_submitted(cfg, assignment, grades_csv, feedback=feedback,
                             sandboxed=sandboxed, workers=workers, release=downloads is None,
                             reports=reports,
                             after="zip_collect" if downloads is not None else "collect")
    if skipped:
        result.problems["(LMS download)"] = skipped
    return result


def _merge(into: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for student, reasons in more.items():
        into.setdefault(student, []).extend(reasons)

