"""The instructor's nbgrader steps, one function each:

    generate -> release -> (students: fetch_and_submit) -> collect (or zip_collect from an
    LMS download) -> autograde -> generate_feedback -> release_feedback -> export grades.csv

Every step calls nbgrader 0.9's own Python API (``nbgrader.apps.api.NbGraderAPI``, the API
formgrader uses) in this process: the same code as the ``nbgrader`` command, without a
multi-second interpreter start per step, and one ``autograde`` pass over all students.

So that one bad submission never stops the batch, ``quarantine_unreadable`` renames a
submitted notebook that is not a readable notebook (bad JSON, not nbformat 4) to
``<name>.ipynb.unreadable``: nbgrader then scores it 0 as "not submitted" and grades the
student's other notebooks, and the reason is recorded. The same steps as plain ``nbgrader``
commands: docs/nbgrader.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.utils import capture_log
from traitlets.config import Config

from ..reports.csvcells import defuse_csv_file
from . import VERBOSE_ENV
from .config import nbgrader_api
from .unzip import copy_download


class CycleError(RuntimeError):
    """An nbgrader step failed for the whole class (not one student's submission)."""


class NothingSubmitted(CycleError):
    """submitted/ holds no student's folder for the assignment: there is nothing to grade
    (a situation to report in one line, not an nbgrader failure)."""


def require_submissions(course_dir: Path | str, assignment: str, after: str) -> list[str]:
    """The students in submitted/; NothingSubmitted, saying what ``after`` (the step that
    should have filled it) found, if there are none."""
    students = submitted_students(course_dir, assignment)
    if not students:
        raise NothingSubmitted(
            f"nothing submitted: after {after}, {Path(course_dir) / 'submitted'} holds no "
            f"<student>/{assignment}/ folder ({_submit_hint(after, assignment)})")
    return students


def _submit_hint(after: str, assignment: str) -> str:
    if after.startswith("zip_collect"):
        return ("the download must hold the released notebooks under the LMS's names, "
                "e.g. Canvas's <login>_<user id>_<submission id>_<notebook>.ipynb")
    return (f"students hand in with `nbgrader submit {assignment}`; run the same command "
            "again once they have")


def _show(log: str) -> str:
    """nbgrader's captured log, on stderr with ``--verbose`` (``CONVLAB_VERBOSE``); what
    needs attention is reported from it by the caller either way."""
    if log and os.environ.get(VERBOSE_ENV, "").strip() not in ("", "0"):
        print(log.rstrip("\n"), file=sys.stderr)
    return log


def _check(result: dict, step: str) -> str:
    """The captured log of an nbgrader API call; CycleError if it failed."""
    log = _show(result.get("log", ""))
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
    """The exchange's inbound submissions -> submitted/<student>/<assignment>/ (latest each).
    NothingSubmitted if the exchange has no inbound folder for the course (never released
    there)."""
    root = cfg.Exchange.get("root") or "/srv/nbgrader/exchange"  # nbgrader's default
    inbound = Path(root) / cfg.CourseDirectory.course_id / "inbound"
    if not inbound.is_dir():
        raise NothingSubmitted(
            f"nothing submitted: the exchange {root} has no course "
            f"{cfg.CourseDirectory.course_id!r} ({inbound} is missing), so nothing was "
            "released or submitted there (give --exchange the folder `autograder course "
            "release` used)")
    _check(nbgrader_api(cfg).collect(assignment), "collect")


def zip_collect(cfg: Config, assignment: str, downloads: Path | str) -> list[str]:
    """An LMS download (notebooks or .zip files named e.g. the Canvas way) ->
    submitted/<student>/<assignment>/ via ``nbgrader zip_collect``.

    Returns nbgrader's warnings about files it skipped (names that match no student or no
    released notebook) and the extractor's about what it refused to unpack (``Refused …``:
    past its bounds, see ``autograder.course.unzip``), for the instructor to look at."""
    course_dir = Path(cfg.CourseDirectory.root)
    if not (course_dir / "release" / assignment).is_dir():
        generate(cfg, assignment)  # zip_collect matches names against the released notebooks
    archive = course_dir / "downloaded" / assignment / "archive"
    if archive.parent.exists():
        shutil.rmtree(archive.parent)  # a re-run starts from this download only
    copy_download(downloads, archive)
    app = ZipCollectApp(config=cfg)
    app.coursedir = CourseDirectory(config=cfg, assignment_id=assignment)
    log = _check(capture_log(app), "zip_collect")
    return [line.removeprefix("[WARNING] ") for line in log.splitlines()
            if line.startswith(("[WARNING] Skipped", "[WARNING] Refused"))]


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
    log = _show(result.get("log", ""))
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


def release_feedback(cfg: Config, assignment: str) -> dict[str, list[str]]:
    """feedback/ -> the exchange, where each student runs ``nbgrader fetch_feedback``.

    Only a submission that came through the exchange has the ``timestamp.txt`` the
    exchange files feedback under; nbgrader fails for the whole class on one without (e.g.
    collected from an LMS download into the same course). Those are left out. Returns
    student id -> why their feedback was not released."""
    api = nbgrader_api(cfg)
    feedback = Path(cfg.CourseDirectory.root) / "feedback"
    students = sorted(p.parent.name for p in feedback.glob(f"*/{assignment}") if p.is_dir())
    without = [s for s in students
               if not (feedback / s / assignment / "timestamp.txt").is_file()]
    if not without:
        _check(api.release_feedback(assignment), "release_feedback")
        return {}
    for student in students:
        if student not in without:
            _check(api.release_feedback(assignment, student), "release_feedback")
    return {s: [f"feedback not released through the exchange: the submission did not come "
                f"through it (no timestamp.txt); hand out feedback/{s}/{assignment}/ "
                "yourself"] for s in without}


def export(cfg: Config, dest: Path | str) -> Path:
    """The gradebook -> ``dest`` as nbgrader's grades.csv (one row per student and
    assignment): what ``nbgrader export`` writes, with any cell that a spreadsheet would
    read as a formula defused (:func:`autograder.reports.csvcells.csv_cell`)."""
    dest = Path(dest).resolve()
    plugin = CsvExportPlugin(config=cfg)
    plugin.to = str(dest)
    with Gradebook(CourseDirectory(config=cfg).db_url, cfg.CourseDirectory.course_id) as gb:
        plugin.export(gb)
    defuse_csv_file(dest)  # a student's name never starts a spreadsheet formula
    return dest


# ---------------------------------------------------------------------------- the student side
# Here, not in tests/support/: ``autograder course cycle --students`` (a dry run of the
# exchange) submits through it. What a simulated student types is in tests/support/.

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

