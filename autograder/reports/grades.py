"""``grades.csv``: the class's grades, one row per student, for a spreadsheet or an LMS.

Columns: ``student, score, max_score``, then one per rubric item (rubric order), then one
per extra item an instructor added (``autograder grade --items``, in the file's order), then,
with a late rule, :data:`autograder.reports.late.LATE_COLUMNS` (the raw ``score`` stays).
Every cell is a :func:`~autograder.reports.csvcells.csv_cell`: a name never starts a
formula. :func:`read_grades_csv` is the one reader (``autograder export``, the class
report's order).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from .. import rubric
from ..atomic import write_atomic
from ..results import GradeRecord
from .csvcells import csv_row, from_csv_cell
from .late import LATE_COLUMNS, late_columns
from .numbers import points_text
from .settings import ReportSettings

GRADES_CSV = "grades.csv"


def grades_csv_text(graded: Iterable[GradeRecord | tuple[GradeRecord, ReportSettings]]) -> str:
    """The class's grades: one row per record, one column per rubric item (rubric order),
    and the late columns when the settings carry a late rule (each record's own
    settings, with its submission time)."""
    rows = [g if isinstance(g, tuple) else (g, ReportSettings()) for g in graded]
    names = [item.name for item in rubric.ITEMS]
    known = set(names)
    names += dict.fromkeys(r.name for record, _ in rows for r in record.items
                           if r.name not in known)
    late = any(settings.late is not None for _, settings in rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *names, *(LATE_COLUMNS if late else ())])
    for record, settings in rows:
        by_name = {r.name: r.points for r in record.items}
        cells = [record.student, points_text(record.score), points_text(record.max_score),
                 *(points_text(by_name[n]) if n in by_name else "" for n in names)]
        adjustment = settings.adjustment(record)
        if adjustment is not None and settings.late is not None:
            cells += late_columns(adjustment, settings.late)
        elif late:
            cells += [""] * len(LATE_COLUMNS)
        writer.writerow(csv_row(cells))
    return buf.getvalue()


def write_grades_csv(out: str | Path, graded: Iterable[GradeRecord | tuple[GradeRecord,
                                                                           ReportSettings]]
                     ) -> Path:
    """Write ``out/grades.csv`` (atomically); returns its path."""
    return write_atomic(Path(out) / GRADES_CSV, grades_csv_text(graded))


def read_grades_csv(text: str) -> list[dict[str, str]]:
    """The rows of a grades.csv text as dicts, each cell as it was before it was written."""
    return [{k: from_csv_cell(v or "") for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]
