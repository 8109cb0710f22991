"""Reports: ``grades.csv`` for the class, Gradescope ``results.json`` for each student.

``grades.csv`` has the columns ``student, score, max_score`` and then one column per rubric
item, in rubric order, so it drops into a spreadsheet or an LMS import as it is.

``results.json`` follows Gradescope's autograder format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level ``score``,
``execution_time``, ``output`` and ``tests``, one test per rubric item with ``name``,
``score``, ``max_score``, ``status``, ``output`` and ``visibility``. Its text is the same as
``feedback.html``'s. ``execution_time`` is the only field that changes between two runs on
the same submission and seed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import rubric
from .feedback import feedback_html, item_text, points_text, record_text
from .i18n import DEFAULT_LANG
from .names import safe_name
from .results import GradeRecord

#: Gradescope shows each test's output to the student right away.
TEST_VISIBILITY = "visible"
#: The grader's own log is for the instructor, not the student.
STDOUT_VISIBILITY = "hidden"


def _number(points: float) -> int | float:
    """Points as JSON numbers: ``3`` rather than ``3.0`` when whole."""
    return int(points) if float(points).is_integer() else round(float(points), 4)


def grades_csv_text(records: Iterable[GradeRecord]) -> str:
    """The class's grades: one row per record, one column per rubric item (rubric order)."""
    names = [item.name for item in rubric.ITEMS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *names])
    for record in records:
        by_name = {r.name: r.points for r in record.items}
        writer.writerow([
            record.student, points_text(record.score), points_text(record.max_score),
            *(points_text(by_name[n]) if n in by_name else "" for n in names),
        ])
    return buf.getvalue()


def results_json(record: GradeRecord, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Gradescope's results for one submission, as a dict ready for ``json.dumps``; its
    texts in ``lang`` ("ko", "en" or "ko+en"), plain text."""
    return {
        "score": _number(record.score),
        "execution_time": round(record.seconds, 2),
        "output": record_text(record, lang),
        # Plain text everywhere: student-controlled messages must never be rendered as HTML.
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": STDOUT_VISIBILITY,
        "extra_data": _extra_data(record),
        "tests": [
            {
                "name": r.name,
                "number": str(i),
                "score": _number(r.points),
                "max_score": _number(r.max_points),
                "status": "passed" if r.passed else "failed",
                "output": item_text(r, lang),
                "visibility": TEST_VISIBILITY,
            }
            for i, r in enumerate(record.items, start=1)
        ],
    }


def _extra_data(record: GradeRecord) -> dict[str, Any]:
    """Instructor-only facts (Gradescope does not show ``extra_data`` to students): the
    sandbox, the problems, and where it was graded (host, sandbox, and Dask worker)."""
    extra: dict[str, Any] = {"sandbox": record.sandbox, "problems": list(record.problems)}
    if record.limits:  # which resource limits applied (they depend on the host)
        extra["limits"] = record.limits
    if record.graded_by:
        extra["graded_by"] = {**record.graded_by, "sandbox": record.sandbox}
    return extra


def results_json_text(record: GradeRecord, lang: str = DEFAULT_LANG) -> str:
    return json.dumps(results_json(record, lang), indent=2, ensure_ascii=False) + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Write atomically (a temporary file, then ``os.replace``), so a crash never leaves
    a half-written report behind. A failed write removes its temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_write_text = write_text_atomic


#: The files written per student, in this order.
STUDENT_REPORTS = ("results.json", "feedback.html")


def student_folder(student: str, out_dir: Path, flat: bool = False) -> Path:
    """Where a student's reports go: ``out_dir/<student>`` (``out_dir`` itself if flat)."""
    return Path(out_dir) if flat else Path(out_dir) / safe_name(student)


def student_report_texts(record: GradeRecord, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """(results.json text, feedback.html text) for one record, in ``lang``."""
    return results_json_text(record, lang), feedback_html(record, lang)


def reports_digest(texts: Iterable[str | bytes]) -> str:
    """sha256 over the report files' bytes (each length-prefixed), to tell whether the
    files on disk are the ones a stored record gives."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8") if isinstance(text, str) else text
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def reports_digest_on_disk(folder: Path) -> str | None:
    """:func:`reports_digest` of the student's files as they are now; None if one is missing."""
    try:
        return reports_digest((folder / name).read_bytes() for name in STUDENT_REPORTS)
    except OSError:
        return None


def write_report_texts(folder: Path, texts: tuple[str, str]) -> Path:
    """Write (results.json, feedback.html) texts into ``folder``, each atomically."""
    for name, text in zip(STUDENT_REPORTS, texts, strict=True):
        write_text_atomic(folder / name, text)
    return folder


def write_student_reports(record: GradeRecord, out_dir: Path, flat: bool = False,
                          lang: str = DEFAULT_LANG) -> Path:
    """Write ``out_dir/<student>/results.json`` and ``feedback.html`` in ``lang``; returns
    the folder.

    ``flat`` writes them into ``out_dir`` itself (Gradescope reads
    ``/autograder/results/results.json``).
    """
    folder = student_folder(record.student, out_dir, flat)
    return write_report_texts(folder, student_report_texts(record, lang))


def write_grades_csv(records: Iterable[GradeRecord], out_dir: Path) -> Path:
    path = Path(out_dir) / "grades.csv"
    _write_text(path, grades_csv_text(records))
    return path
