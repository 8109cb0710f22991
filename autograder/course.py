"""The instructor's nbgrader cycle, as functions and one command.

    generate_assignment -> release_assignment -> (students: fetch_assignment + submit)
    -> collect (or zip_collect from an LMS download) -> autograde -> generate_feedback
    -> release_feedback -> export grades.csv

Every step calls nbgrader 0.9's own Python API (``nbgrader.apps.api.NbGraderAPI``, the API
formgrader uses) in this process: the same code as the ``nbgrader`` command, without a
multi-second interpreter start per step, and one ``autograde`` pass over all students.

Two things are added around nbgrader, both so that one bad submission never stops the batch:

- ``quarantine_unreadable``: a submitted notebook that is not a readable notebook (bad JSON,
  not nbformat 4) is renamed ``<name>.ipynb.unreadable``; nbgrader then scores that notebook 0
  as "not submitted" and grades the student's other notebooks, and the reason is recorded.
- ``SAFETY``: the nbgrader settings this cycle turns on (see docs/nbgrader.md): test cells are
  restored from the source (locked-cell checksums), deleted test cells are added back, every
  cell has a time limit and output is capped.

Run ``python -m autograder.course --help``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.preprocessors import OverwriteCells
from nbgrader.utils import capture_log
from traitlets.config import Config, PyFileConfigLoader

from . import rubric
from .audit import AuditRow, audit, audit_table
from .gradebook import graded_cells, open_gradebook, write_scores
from .results import GradeRecord

DEFAULT_COURSE_ID = "conv_lab"  # as in assignments/nbgrader_config.py
DEFAULT_ASSIGNMENT = "conv_layers"

#: How Canvas names files in "Download Submissions":
#: ``<login>[_LATE]_<user id>_<submission id>_<file name>[-<n>].ipynb``
#: (``-<n>`` when a student uploaded the same file name again).
CANVAS_REGEXP = (
    r".*/(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)

class OverwriteCellsSafely(OverwriteCells):
    """nbgrader 0.9.6's OverwriteCells, without one crash.

    When a student duplicates a cell, DeduplicateIds empties the nbgrader metadata of all but
    the last copy; with ``add_missing_cells`` on, ``add_missing_task_cells`` then reads the
    ``grade_id`` of such an emptied cell and raises KeyError, and nbgrader drops the whole
    student (nbgrader issue #1083's neighbourhood). Emptied metadata is removed first.
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)


#: nbgrader's sanitizing steps before autograde runs a notebook, with OverwriteCellsSafely
SANITIZE = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.course.OverwriteCellsSafely",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: nbgrader settings this cycle relies on. The course's nbgrader_config.py wins where it sets
#: the same option; explicit arguments (``timeout=``) win over both.
SAFETY: dict[str, dict[str, object]] = {
    # a deleted hidden-test cell is put back (and scored) instead of silently missing
    "OverwriteCells": {"add_missing_cells": True},
    "Autograde": {"sanitize_preprocessors": SANITIZE},
    # per-cell limit; an endless loop is interrupted, the cell scores 0, grading goes on
    "Execute": {"timeout": 120, "interrupt_on_timeout": True},
    # a flood of prints is cut before it lands in the notebook and the feedback
    "LimitOutput": {"max_lines": 1000, "max_traceback": 100},
    # LMS downloads: Canvas file names; files that match no released notebook are skipped
    "FileNameCollectorPlugin": {"named_regexp": CANVAS_REGEXP},
    "ZipCollectApp": {"strict": True},
}


class CycleError(RuntimeError):
    """An nbgrader step failed for the whole class (not one student's submission)."""


@dataclass
class CycleResult:
    """What one run of the cycle produced.

    - students: student ids found in submitted/
    - problems: student id -> reasons a notebook was not graded normally
    - grades_csv: path of nbgrader's export (one row per student)
    """

    course_dir: Path
    assignment: str
    students: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    grades_csv: Path | None = None
    records: list[GradeRecord] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)


# ---------------------------------------------------------------------------- configuration

def course_config(course_dir: Path | str, exchange: Path | str | None = None,
                  course_id: str | None = None, timeout: int | None = None) -> Config:
    """nbgrader Config for ``course_dir``: SAFETY, then the course's nbgrader_config.py,
    then the paths and explicit arguments.

    Inputs:
    - course_dir: folder with nbgrader_config.py (optional) and source/<assignment>/
    - exchange: root of nbgrader's filesystem exchange (created if missing)
    - course_id: the exchange's course name; default: the config's, else "conv_lab"
    - timeout: seconds per cell during autograde
    """
    course_dir = Path(course_dir).resolve()
    cfg = Config({section: dict(values) for section, values in SAFETY.items()})
    config_file = course_dir / "nbgrader_config.py"
    if config_file.exists():
        cfg.merge(PyFileConfigLoader(config_file.name, path=str(course_dir)).load_config())
    cfg.CourseDirectory.root = str(course_dir)
    if course_id is not None or not cfg.CourseDirectory.get("course_id"):
        cfg.CourseDirectory.course_id = course_id or DEFAULT_COURSE_ID
    if exchange is not None:
        Path(exchange).mkdir(parents=True, exist_ok=True)
        cfg.Exchange.root = str(Path(exchange).resolve())
    if timeout is not None:
        cfg.Execute.timeout = timeout
    return cfg


def nbgrader_api(cfg: Config) -> NbGraderAPI:
    _venv_on_path()
    return NbGraderAPI(config=cfg)


def _venv_on_path() -> None:
    """nbgrader runs ``alembic`` (gradebook migrations) by name from PATH: make this
    interpreter's scripts folder findable when the venv is used without activating it."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _check(result: dict, step: str) -> str:
    """The captured log of an nbgrader API call; CycleError if it failed."""
    log = result.get("log", "")
    if not result.get("success"):
        raise CycleError(f"nbgrader {step} failed:\n{log}\n{result.get('error', '')}")
    return log


# ---------------------------------------------------------------------------- instructor steps

def generate(cfg: Config, assignment: str) -> None:
    """source/<assignment> -> release/<assignment> (solutions and hidden tests removed), and
    the assignment's cells, points and checksums into the gradebook."""
    _check(nbgrader_api(cfg).generate_assignment(assignment), "generate_assignment")


def release(cfg: Config, assignment: str) -> None:
    """release/<assignment> -> the exchange's outbound folder, where students fetch it."""
    _check(nbgrader_api(cfg).release_assignment(assignment), "release_assignment")


def collect(cfg: Config, assignment: str) -> None:
    """The exchange's inbound submissions -> submitted/<student>/<assignment>/ (latest each)."""
    _check(nbgrader_api(cfg).collect(assignment), "collect")


def zip_collect(cfg: Config, assignment: str, downloads: Path | str) -> list[str]:
    """An LMS download (notebooks or .zip files named e.g. the Canvas way) ->
    submitted/<student>/<assignment>/ via ``nbgrader zip_collect``.

    Returns nbgrader's warnings about files it skipped (names that match no student or no
    released notebook), for the instructor to look at."""
    course_dir = Path(cfg.CourseDirectory.root)
    if not (course_dir / "release" / assignment).is_dir():
        generate(cfg, assignment)  # zip_collect matches names against the released notebooks
    archive = course_dir / "downloaded" / assignment / "archive"
    if archive.parent.exists():
        shutil.rmtree(archive.parent)  # a re-run starts from this download only
    shutil.copytree(downloads, archive)
    app = ZipCollectApp(config=cfg)
    app.coursedir = CourseDirectory(config=cfg, assignment_id=assignment)
    log = _check(capture_log(app), "zip_collect")
    return [line.removeprefix("[WARNING] ") for line in log.splitlines()
            if line.startswith("[WARNING] Skipped")]


def submitted_students(course_dir: Path | str, assignment: str) -> list[str]:
    """Ids of the students with a submitted/<student>/<assignment>/ folder, sorted."""
    submitted = Path(course_dir) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def unreadable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be graded as a notebook, or None if nbgrader can read it."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path.name} is not valid JSON ({exc})"
    if not isinstance(data, dict) or "nbformat" not in data:
        return f"{path.name} is JSON but not a Jupyter notebook (no nbformat version)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids: nbgrader copes
            nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as exc:  # nbformat raises several kinds for broken notebooks
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"{path.name} is not a valid notebook ({first})"
    return None


def quarantine_unreadable(course_dir: Path | str, assignment: str) -> dict[str, list[str]]:
    """Rename submitted notebooks that cannot be read to ``*.ipynb.unreadable``.

    nbgrader then scores such a notebook 0 as not submitted and still grades the student's
    other notebooks (left in place, one unreadable file makes nbgrader drop the whole
    student). Returns student id -> reasons.
    """
    problems: dict[str, list[str]] = {}
    for path in sorted(Path(course_dir).glob(f"submitted/*/{assignment}/*.ipynb")):
        reason = unreadable_reason(path)
        if reason is not None:
            path.rename(path.with_name(path.name + ".unreadable"))
            problems.setdefault(path.parent.parent.name, []).append(
                f"{reason}; scored 0 as not submitted")
    return problems


def autograde(cfg: Config, assignment: str) -> dict[str, list[str]]:
    """One ``nbgrader autograde`` pass over every submitted student.

    Returns student id -> problems for students nbgrader could not autograde (their
    other classmates are graded regardless)."""
    result = nbgrader_api(cfg).autograde(assignment, "*")
    log = result.get("log", "")
    course_dir = Path(cfg.CourseDirectory.root)
    problems: dict[str, list[str]] = {}
    missing = [s for s in submitted_students(course_dir, assignment)
               if not (course_dir / "autograded" / s / assignment).is_dir()]
    for student in missing:
        problems[student] = ["nbgrader could not autograde this submission; scored 0"]
    if not result.get("success") and not missing:
        raise CycleError(f"nbgrader autograde failed:\n{log}\n{result.get('error', '')}")
    zero_submissions(cfg, assignment, missing)
    return problems


def zero_submissions(cfg: Config, assignment: str, students: Iterable[str]) -> None:
    """Give ``students`` a gradebook submission scored 0 (as nbgrader scores a notebook
    that was not handed in), so each still gets a row in grades.csv."""
    with Gradebook(CourseDirectory(config=cfg).db_url, cfg.CourseDirectory.course_id) as gb:
        for student in students:
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.auto_score is None and grade.manual_score is None:
                        grade.auto_score = 0.0
                        grade.needs_manual_grade = False
        gb.db.commit()


def generate_feedback(cfg: Config, assignment: str) -> None:
    """autograded/ + gradebook -> feedback/<student>/<assignment>/*.html"""
    api = nbgrader_api(cfg)
    _check(api.generate_feedback(assignment), "generate_feedback")


def release_feedback(cfg: Config, assignment: str) -> None:
    """feedback/ -> the exchange, where each student runs ``nbgrader fetch_feedback``."""
    _check(nbgrader_api(cfg).release_feedback(assignment), "release_feedback")


def export(cfg: Config, dest: Path | str) -> Path:
    """The gradebook -> ``dest`` as nbgrader's grades.csv (one row per student and
    assignment), exactly what ``nbgrader export`` writes."""
    dest = Path(dest).resolve()
    plugin = CsvExportPlugin(config=cfg)
    plugin.to = str(dest)
    with Gradebook(CourseDirectory(config=cfg).db_url, cfg.CourseDirectory.course_id) as gb:
        plugin.export(gb)
    return dest


# ---------------------------------------------------------------------------- the student side

Edit = Callable[[Path], None]  # edits a fetched assignment folder in place, like a student


def fetch_and_submit(cfg: Config, assignment: str, student: str, home: Path | str,
                     edit: Edit | None = None) -> Path:
    """What a student does: ``nbgrader fetch_assignment`` into ``home``, work (``edit``),
    ``nbgrader submit --student <student>``. Returns the fetched folder."""
    api = nbgrader_api(cfg)
    home = Path(home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    student_cfg = Config(cfg)
    student_cfg.Exchange.assignment_dir = str(home)
    student_cfg.Exchange.cache = str(home / ".nbgrader_cache")  # each student has their own
    coursedir = CourseDirectory(config=student_cfg, assignment_id=assignment,
                                student_id=student)
    kwargs = {"coursedir": coursedir, "authenticator": api.authenticator, "config": student_cfg}
    folder = home / assignment
    if not folder.exists():
        _check(capture_log(api.exchange.FetchAssignment(**kwargs)), "fetch_assignment")
    if edit is not None:
        edit(folder)
    _check(capture_log(api.exchange.Submit(**kwargs)), "submit")
    return folder


# ---------------------------------------------------------------------------- the whole cycle

def prepare_workdir(course: Path | str, work: Path | str) -> Path:
    """Copy a course's nbgrader_config.py and source/ into ``work`` (a fresh course
    directory), so a demo or test run leaves the repository untouched."""
    course, work = Path(course), Path(work)
    work.mkdir(parents=True, exist_ok=True)
    if (course / "nbgrader_config.py").exists():
        shutil.copy(course / "nbgrader_config.py", work / "nbgrader_config.py")
    if (work / "source").exists():
        shutil.rmtree(work / "source")
    shutil.copytree(course / "source", work / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return work


def grade_sandboxed(cfg: Config, assignment: str, workers: int | None = None,
                    **options) -> list[GradeRecord]:
    """``autograder grade`` on submitted/: each student's notebooks graded in the sandbox,
    ``workers`` at a time, on the rubric items of this assignment's graded cells only.
    One record per student, named by nbgrader student id."""
    from .grading import SubmissionPath, grade_many

    course_dir = Path(cfg.CourseDirectory.root)
    with open_gradebook(course_dir, cfg.CourseDirectory.course_id) as gb:
        functions = {f for cell in graded_cells(gb, assignment) for f in cell.functions}
    items = [it.name for it in rubric.ITEMS if it.function in functions]
    subs = [SubmissionPath(s, course_dir / "submitted" / s / assignment)
            for s in submitted_students(course_dir, assignment)]
    return grade_many(subs, workers=workers, items=items, **options)


def second_opinion(cfg: Config, assignment: str, workers: int | None = None,
                   reports: Path | str | None = None, write: bool = True
                   ) -> tuple[list[GradeRecord], list[AuditRow]]:
    """After ``nbgrader autograde``: grade submitted/ in the sandbox, audit in-kernel vs
    sandboxed scores, write the sandboxed scores into the gradebook (``write``) and
    ``autograder grade``'s reports into ``reports``. Returns (records, audit rows)."""
    course_dir = Path(cfg.CourseDirectory.root)
    course_id = cfg.CourseDirectory.course_id
    records = grade_sandboxed(cfg, assignment, workers)
    rows = audit(course_dir, assignment, records, course_id)
    if write:
        write_scores(course_dir, assignment, records, course_id)
    if reports is not None:
        from .report import write_grades_csv, write_student_reports

        for record in records:
            write_student_reports(record, Path(reports))
        write_grades_csv(records, Path(reports))
    return records, rows


def grade_submitted(cfg: Config, assignment: str, grades_csv: Path | str,
                    feedback: bool = True, sandboxed: bool = False,
                    workers: int | None = None, release: bool = True,
                    reports: Path | str | None = None) -> CycleResult:
    """The instructor's half after submissions are in submitted/: quarantine unreadable
    notebooks, autograde everyone once, (sandboxed: grade again in the sandbox, audit,
    put the sandboxed scores in the gradebook, and write ``autograder grade``'s reports to
    ``reports``), feedback, release feedback through the exchange (``release``), export."""
    course_dir = Path(cfg.CourseDirectory.root)
    result = CycleResult(course_dir, assignment, submitted_students(course_dir, assignment))
    _merge(result.problems, quarantine_unreadable(course_dir, assignment))
    _merge(result.problems, autograde(cfg, assignment))
    if sandboxed:
        result.records, result.audit = second_opinion(cfg, assignment, workers, reports)
    if feedback:
        generate_feedback(cfg, assignment)
        if release:
            release_feedback(cfg, assignment)
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
                             reports=reports)
    if skipped:
        result.problems["(LMS download)"] = skipped
    return result


def _merge(into: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for student, reasons in more.items():
        into.setdefault(student, []).extend(reasons)


# ---------------------------------------------------------------------------- notebook editing
# Simulated students: answer the released notebooks' solution cells programmatically.

def solution_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's nbgrader solution code cells, in order."""
    return [c for c in nb.cells if c.cell_type == "code"
            and c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def definitions(source: str) -> dict[str, str]:
    """Top-level function name -> the source of its definition (decorators included)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            found[node.name] = "".join(lines[start:node.end_lineno])
    return found


def preamble(source: str) -> str:
    """What an override file adds besides the graded functions: its imports, helpers and
    top-level statements (``EXPECTED_*`` facts and the docstring left out)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    kept = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in rubric.FUNCTIONS:
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.startswith("EXPECTED_") for t in node.targets):
            continue
        kept.append("".join(lines[node.lineno - 1:node.end_lineno]))
    return "\n".join(kept)


def answer(source: str, answers: dict[str, str], extra: str = "") -> str | None:
    """``source`` (a released solution cell) with each graded function it defines replaced
    by ``answers[name]``; ``extra`` goes in front when any is replaced. None if the cell
    defines none of them (or is not valid Python)."""
    try:
        stubs = definitions(source)
    except SyntaxError:
        return None
    names = [n for n in stubs if n in answers and n in rubric.FUNCTIONS]
    if not names:
        return None
    for name in names:
        source = source.replace(stubs[name], answers[name].rstrip("\n") + "\n")
    return (extra.rstrip("\n") + "\n\n" + source) if extra.strip() else source


def model_answers(override: str = "") -> tuple[dict[str, str], str]:
    """(function -> answer source, preamble) for a student who writes the model solution,
    with the functions ``override`` (an examples/ override file's text) redefines taken from
    it instead -- e.g. a classic bug."""
    from .examples import read

    answers = {n: src for n, src in definitions(read("model_solution.py")).items()
               if n in rubric.FUNCTIONS}
    extra = ""
    if override:
        answers.update({n: src for n, src in definitions(override).items()
                        if n in rubric.FUNCTIONS})
        extra = preamble(override)
    return answers, extra


def answer_notebooks(folder: Path | str, answers: dict[str, str], extra: str = "") -> None:
    """Answer every notebook in ``folder`` in place, as a student typing them would."""
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in solution_cells(nb):
            new = answer(cell.source, answers, extra)
            if new is not None:
                cell.source = new
        nbformat.write(nb, path)


# ---------------------------------------------------------------------------- command line

def main(argv: Iterable[str] | None = None) -> int:
    """``python -m autograder.course cycle|release|grade|audit|zip-collect|export ...``"""
    parser = argparse.ArgumentParser(prog="python -m autograder.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--course", default="assignments",
                       help="course directory with nbgrader_config.py and source/")
        p.add_argument("--assignment", default=DEFAULT_ASSIGNMENT)
        p.add_argument("--course-id", default=None, help="exchange course name")
        p.add_argument("--exchange", default=None, help="filesystem exchange root")
        p.add_argument("--work", default=None,
                       help="run in this fresh directory (a copy of the course's config and "
                            "source/) instead of in the course directory itself")
        p.add_argument("--timeout", type=int, default=None, help="seconds per cell")
        p.add_argument("--grades", default="grades.csv", help="where to export grades.csv")
        p.add_argument("--no-feedback", action="store_true")
        p.add_argument("--sandboxed", action="store_true",
                       help="also grade submitted/ with the sandboxed autograder, audit "
                            "in-kernel vs sandboxed scores, and put the sandboxed scores in "
                            "the gradebook (so feedback and grades.csv show them)")
        p.add_argument("--workers", type=int, default=None,
                       help="sandboxed grading processes (default: one per core)")
        p.add_argument("--reports", default=None, metavar="DIR",
                       help="with --sandboxed: also write autograder grade's reports "
                            "(grades.csv, <student>/feedback.html, results.json) here")

    p_cycle = sub.add_parser("cycle", help="generate, release, fetch+submit, collect, "
                                           "autograde, feedback, export")
    common(p_cycle)
    p_cycle.add_argument("--students", default="",
                         help="comma-separated ids of simulated students who submit the "
                              "released notebooks untouched (a dry run of the exchange)")
    p_cycle.add_argument("--lms", default=None, metavar="DIR",
                         help="instead of the exchange: a folder of LMS-downloaded "
                              "notebooks (Canvas names) to zip_collect")
    p_release = sub.add_parser("release", help="generate_assignment + release_assignment")
    common(p_release)
    p_grade = sub.add_parser("grade", help="after the deadline: collect (from --exchange, or "
                                           "--lms DIR), autograde, feedback, export; without "
                                           "either, grade what is in submitted/")
    common(p_grade)
    p_grade.add_argument("--lms", default=None, metavar="DIR",
                         help="a folder of LMS-downloaded notebooks to zip_collect first")
    p_zip = sub.add_parser("zip-collect", help="LMS download -> submitted/")
    common(p_zip)
    p_zip.add_argument("downloads", help="folder of downloaded notebooks / zip files")
    p_export = sub.add_parser("export", help="gradebook -> grades.csv")
    common(p_export)
    p_audit = sub.add_parser("audit", help="after nbgrader autograde: grade submitted/ in the "
                                           "sandbox, compare, write sandboxed scores")
    common(p_audit)
    p_audit.add_argument("--no-write", action="store_true",
                         help="only compare; leave the gradebook as nbgrader wrote it")

    args = parser.parse_args(list(argv) if argv is not None else None)
    course_dir = Path(args.course)
    if args.work:
        course_dir = prepare_workdir(course_dir, args.work)
    cfg = course_config(course_dir, exchange=args.exchange, course_id=args.course_id,
                        timeout=args.timeout)
    try:
        if args.command == "cycle":
            if args.lms is None and args.exchange is None:
                parser.error("cycle needs --exchange DIR (or --lms DIR for an LMS download)")
            students = {s: None for s in args.students.split(",") if s}
            result = cycle(cfg, args.assignment, students, downloads=args.lms,
                           grades_csv=args.grades, feedback=not args.no_feedback,
                           sandboxed=args.sandboxed, workers=args.workers,
                           reports=args.reports)
        elif args.command == "release":
            generate(cfg, args.assignment)
            release(cfg, args.assignment)
            print(f"released {args.assignment} to {cfg.Exchange.root}")
            return 0
        elif args.command == "grade":
            skipped = []
            if args.lms is not None:
                skipped = zip_collect(cfg, args.assignment, args.lms)
            elif args.exchange is not None:
                collect(cfg, args.assignment)
            result = grade_submitted(cfg, args.assignment, args.grades,
                                     feedback=not args.no_feedback,
                                     sandboxed=args.sandboxed, workers=args.workers,
                                     release=args.exchange is not None,
                                     reports=args.reports)
            if skipped:
                result.problems["(LMS download)"] = skipped
        elif args.command == "audit":
            _, rows = second_opinion(cfg, args.assignment, args.workers, args.reports,
                                     write=not args.no_write)
            print(audit_table(rows))
            return 2 if any(row.flagged for row in rows) else 0
        elif args.command == "zip-collect":
            for warning in zip_collect(cfg, args.assignment, args.downloads):
                print(warning)
            print("\n".join(submitted_students(course_dir, args.assignment)))
            return 0
        else:
            print(export(cfg, args.grades))
            return 0
    except CycleError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"graded {len(result.students)} submission(s) of {args.assignment}; "
          f"grades: {result.grades_csv}")
    for student, reasons in sorted(result.problems.items()):
        for reason in reasons:
            print(f"  {student}: {reason}")
    if args.sandboxed:
        print(audit_table(result.audit))
        return 2 if any(row.flagged for row in result.audit) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
