"""Grades into the LMS gradebook: Canvas and Moodle import files made from their own exports.

``export_grades(out, roster, to=..., file=...)`` reads the grades of an ``autograder grade``
output folder (:func:`read_grades`, the one place that knows where they are kept), matches
each graded name to a row of the roster the LMS exported, and writes the file that LMS
imports:

- **canvas**: ``Student, ID, SIS User ID, SIS Login ID, [Integration ID,] Section`` and the
  assignment column, in the roster's order. The roster is Canvas's gradebook export
  (Grades → Export); its second row, "Points Possible", is not a student: it is written back
  with the rubric's maximum. Other rows with neither a name nor an ID (e.g. a posting-policy
  row) are not students and are left out.
- **moodle**: the roster's user fields (``First name, Last name, ID number, Institution,
  Department, Email address``, and ``Username`` if present) and the grade column; import it
  with Grades → Import → CSV file, mapping "Email address" (or "ID number") to the user
  identifier and the grade column to the grade item.
- **csv**: every roster column and the grade column.

Every roster row is kept: a student with no grade gets an empty cell (not a zero; both LMSs
leave an empty cell alone). A graded name is matched to the roster's login (``SIS Login
ID``/``Username``), SIS id (``SIS User ID``/``ID number``), email (whole, or the part
before ``@`` when that is unique), or Canvas's numeric user ``ID`` (also as found in
Canvas's submission file names, ``smithjane_LATE_1234_5678_conv_layers.py``). Names are
compared case-insensitively after the same cleaning ``autograder grade`` applies to file
names. A key shared by two roster rows matches neither. A graded name that differs from
everything the roster has (a file named ``minji_final.py``) is mapped to its row by a
``--map`` CSV (:func:`read_name_map`: ``graded name,roster key`` per line). A graded name
that matches no row is listed in ``ExportResult.unmatched``, never dropped silently.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import rubric
from ..atomic import write_atomic
from ..names import safe_name
from ..reports.csvcells import csv_row
from ..reports.grades import GRADES_CSV, read_grades_csv
from ..reports.numbers import points_text

TARGETS = ("canvas", "moodle", "csv")
MATCH_FIELDS = ("login", "sis", "email", "id", "name")

#: Roster columns that identify a student, by the field they are (both LMSs' spellings).
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "login": ("SIS Login ID", "Username", "Login ID", "login"),
    "sis": ("SIS User ID", "ID number", "Student ID", "sis_id"),
    "email": ("Email address", "Email", "email"),
    "id": ("ID",),
    "name": ("Student", "student", "Name", "name"),
}
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
MOODLE_IDENTITY = ("First name", "Last name", "Username", "ID number", "Institution",
                   "Department", "Email address")
POINTS_POSSIBLE = "Points Possible"
#: Canvas's submission download names files ``<name>[_LATE]_<user id>_<submission id>_<file>``.
CANVAS_FILE_NAME = re.compile(r"^[^_]+(?:_LATE)?_(\d+)_(\d+)(?:_|$)", re.IGNORECASE)


class ExportError(Exception):
    """The grades or the roster cannot be read as expected; the message says what and why."""


@dataclass(frozen=True)
class Grade:
    """One graded student: the name ``autograder grade`` gave it and the points to export
    (None when a late rule left the final score unsettled; ``why`` says why)."""

    student: str
    points: float | None
    why: str = ""
    max_score: float | None = None  # the most points possible (extra items included)


@dataclass
class ExportResult:
    """What an export did: rows written with a grade, rows left empty, names not found, and
    names the map gives that no graded student has."""

    matched: int = 0
    ungraded: int = 0
    unmatched: list[str] = field(default_factory=list)
    unused_map: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def read_grades(out: str | Path) -> list[Grade]:
    """The grades in the output folder ``out`` of ``autograder grade``.

    Reads ``out/grades.csv``: the ``final_score`` column when a late policy wrote one (the
    score after the penalty; empty while the lateness is not settled, and the grade then
    says why), else ``score``. This is the one function that knows where grades are kept.
    Raises ExportError naming the file and what is wrong.
    """
    path = Path(out) / GRADES_CSV
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExportError(f"cannot read {path} ({exc.strerror}); expected the output folder "
                          "of `autograder grade`") from None
    rows = read_grades_csv(text)
    column = "final_score" if rows and "final_score" in rows[0] else "score"
    grades = []
    for n, row in enumerate(rows, start=2):
        if column == "final_score" and row.get("student") and not row.get(column):
            why = row.get("time_check") or "the final score is empty"
            grades.append(Grade(row["student"], None, f"lateness not settled: {why}"))
            continue
        try:
            grades.append(Grade(row["student"], float(row[column]),
                                max_score=_number(row.get("max_score"))))
        except (KeyError, TypeError, ValueError):
            raise ExportError(f"{path}, line {n}: expected a student and a numeric {column}, "
                              f"got {dict(row)}") from None
    return grades


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


@dataclass
class Roster:
    """The LMS's gradebook export: its header, the student rows, and the Points Possible
    row if it had one (Canvas)."""

    header: list[str]
    rows: list[dict[str, str]]
    points_possible: dict[str, str] | None = None
    skipped: int = 0  # rows that are neither students nor Points Possible


def _csv_text(path: Path, what: str, hint: str = "") -> str:
    """The text of a CSV the instructor gives (a UTF-8 BOM is fine); ExportError naming
    ``what`` and ``path`` if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ExportError(f"cannot read {what} {path} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ExportError(f"{what} {path} is not UTF-8 text{hint}") from None


def read_roster(path: str | Path) -> Roster:
    """The roster CSV as the LMS exported it (a UTF-8 BOM is fine). Raises ExportError."""
    path = Path(path)
    text = _csv_text(path, "the roster", "; export it again as CSV (UTF-8)")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not any(_column(header, f) for f in ("login", "sis", "email", "id", "name")):
        raise ExportError(f"the roster {path} has no column that names a student (expected "
                          "e.g. Canvas's 'Student, ID, SIS User ID, SIS Login ID' or Moodle's "
                          f"'Email address' / 'ID number'), got {header}")
    roster = Roster(header, [])
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        first = row.get(header[0], "")
        if first == POINTS_POSSIBLE or first.endswith(POINTS_POSSIBLE):
            roster.points_possible = row
        elif not any(row.get(c) for c in _identity_columns(header)):
            roster.skipped += 1
        else:
            roster.rows.append(row)
    return roster


def _column(header: Sequence[str], field_name: str) -> str | None:
    """The roster column holding ``field_name`` (see FIELD_COLUMNS), or None."""
    lowered = {h.casefold(): h for h in header}
    for name in FIELD_COLUMNS[field_name]:
        if name.casefold() in lowered:
            return lowered[name.casefold()]
    return None


def _identity_columns(header: Sequence[str]) -> list[str]:
    return [c for f in MATCH_FIELDS if (c := _column(header, f))]


def read_name_map(path: str | Path) -> dict[str, str]:
    """``--map``: graded name -> roster key (a login, SIS id, email or Canvas ID), from a CSV
    of two columns, ``graded name,roster key`` per line (a first line ``student,...`` is
    a header). Raises ExportError naming the file and the line."""
    path = Path(path)
    text = _csv_text(path, "the name map")
    mapping: dict[str, str] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells[0].casefold() in ("student", "graded", "graded name", "name"):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ExportError(f"{path}, line {n}: expected 'graded name,roster key', "
                              f"got {','.join(row)!r}")
        if cells[0] in mapping and mapping[cells[0]] != cells[1]:
            raise ExportError(f"{path}, line {n}: {cells[0]} is mapped twice "
                              f"({mapping[cells[0]]} and {cells[1]})")
        mapping[cells[0]] = cells[1]
    return mapping


# --------------------------------------------------------------------------- matching


def _key(text: str) -> str:
    """How names are compared: cleaned as grade names are (``safe_name``), case-folded."""
    return safe_name(text.strip()).casefold() if text.strip() else ""


def _keys_by_field(roster: Roster, fields: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """For each field, each key → the roster rows having it."""
    table: dict[str, dict[str, list[int]]] = {}
    for field_name in fields:
        column = _column(roster.header, field_name)
        if column is None:
            continue
        keys: dict[str, list[int]] = {}
        for i, row in enumerate(roster.rows):
            value = row.get(column, "")
            candidates = {_key(value)}
            if field_name == "email" and "@" in value:
                candidates.add(_key(value.split("@", 1)[0]))
            for key in candidates - {""}:
                keys.setdefault(key, []).append(i)
        table[field_name] = keys
    return table


def match_grades(grades: Sequence[Grade], roster: Roster, match: str = "auto",
                 names: dict[str, str] | None = None) -> tuple[dict[int, Grade], list[str]]:
    """Roster row index → its grade, and the graded names that matched no row (with why).

    ``match``: one of MATCH_FIELDS, or "auto" (login, SIS id, email, Canvas ID, in that
    order; the name column only when asked). ``names``: graded name → the roster key to
    match instead (``--map``). A key shared by several rows is ambiguous and matches
    none; a second grade for a row already matched is reported, not written.
    """
    if match != "auto" and match not in MATCH_FIELDS:
        raise ExportError(f"--match must be auto or one of {', '.join(MATCH_FIELDS)}, "
                          f"got {match!r}")
    fields = ("login", "sis", "email", "id") if match == "auto" else (match,)
    table = _keys_by_field(roster, fields)
    if not table:
        raise ExportError(f"the roster has no {match} column (its columns: {roster.header})")
    matched: dict[int, Grade] = {}
    unmatched: list[str] = []
    names = names or {}
    for grade in grades:
        mapped = names.get(grade.student)
        keys = [_key(mapped if mapped is not None else grade.student)]
        canvas = None if mapped is not None else CANVAS_FILE_NAME.match(grade.student)
        found, why = None, "no roster row has this login, SIS id, email or ID"
        if mapped is not None:
            why = f"mapped to {mapped!r}, which no roster row has"
        for field_name, by_key in table.items():
            candidates = keys + ([canvas.group(1)] if canvas and field_name == "id" else [])
            rows = next((by_key[k] for k in candidates if k in by_key), None)
            if rows is None:
                continue
            if len(rows) > 1:
                why = f"its {field_name} is shared by {len(rows)} roster rows"
                continue
            found = rows[0]
            break
        if grade.points is None:
            unmatched.append(f"{grade.student} ({grade.why}; not written)")
        elif found is None:
            unmatched.append(f"{grade.student} ({why})")
        elif found in matched:
            unmatched.append(f"{grade.student} (the same roster row as "
                             f"{matched[found].student}; not written)")
        else:
            matched[found] = grade
    return matched, unmatched


# --------------------------------------------------------------------------- writing


def import_table(roster: Roster, matched: dict[int, Grade], to: str, column: str,
                 points_possible: float | None = None) -> list[list[str]]:
    """The rows of the import file (header first) for ``to`` (canvas, moodle or csv);
    Canvas's Points Possible row gets ``points_possible`` (default: the rubric's total)."""
    if to == "canvas":
        keep = [c for c in CANVAS_IDENTITY if c in roster.header]
        missing = [c for c in ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
                   if c not in roster.header]
        if missing:
            raise ExportError(f"--to canvas needs Canvas's gradebook export as the roster; "
                              f"it lacks the columns {missing} (its columns: {roster.header})")
    elif to == "moodle":
        keep = [c for c in MOODLE_IDENTITY if c in roster.header]
        if not (set(keep) & {"Email address", "ID number", "Username"}):
            raise ExportError("--to moodle needs Moodle's grade export as the roster, with an "
                              "'Email address', 'ID number' or 'Username' column to map to "
                              f"the user (its columns: {roster.header})")
    elif to == "csv":
        keep = [c for c in roster.header if c != column]
    else:
        raise ExportError(f"--to must be one of {', '.join(TARGETS)}, got {to!r}")
    table = [[*keep, column]]
    if to == "canvas" and roster.points_possible is not None:
        table.append([roster.points_possible.get(c, "") if c != "Student" else POINTS_POSSIBLE
                      for c in keep]
                     + [points_text(points_possible or rubric.TOTAL_POINTS)])
    for i, row in enumerate(roster.rows):
        grade = matched.get(i)
        table.append([row.get(c, "") for c in keep]
                     + [points_text(grade.points) if grade else ""])
    return table


def export_grades(out: str | Path, roster: str | Path, *, to: str, file: str | Path,
                  column: str = "conv-lab", match: str = "auto",
                  name_map: str | Path | None = None) -> ExportResult:
    """Write ``file``, the ``to`` LMS's import of ``out``'s grades against ``roster``
    (``name_map``: a ``--map`` CSV, :func:`read_name_map`).

    Returns the counts and the graded names that matched no roster row. Raises
    ExportError (grades, roster, map or target not as expected), writing nothing then.
    """
    if to not in TARGETS:
        raise ExportError(f"--to must be one of {', '.join(TARGETS)}, got {to!r}")
    grades = read_grades(out)
    table_roster = read_roster(roster)
    names = read_name_map(name_map) if name_map is not None else {}
    matched, unmatched = match_grades(grades, table_roster, match, names)
    graded = {g.student for g in grades}
    table = import_table(table_roster, matched, to, column,
                         max((g.max_score for g in grades if g.max_score), default=None))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(csv_row(row) for row in table)
    write_atomic(file, buf.getvalue())
    return ExportResult(matched=len(matched), ungraded=len(table_roster.rows) - len(matched),
                        unmatched=unmatched,
                        unused_map=sorted(n for n in names if n not in graded))


def main_export(args: argparse.Namespace) -> int:
    """``autograder export OUT --roster R --to canvas|moodle|csv --file FILE``."""
    try:
        result = export_grades(args.out, args.roster, to=args.to, file=args.file,
                               column=args.column, match=args.match, name_map=args.map)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.file}: {result.matched} graded, {result.ungraded} roster row(s) "
          f"without a grade (left empty) for the {args.to} import")
    for name in result.unused_map:
        print(f"note: {args.map} maps {name}, who is not in {args.out}'s grades.csv",
              file=sys.stderr)
    if result.unmatched:
        print(f"{len(result.unmatched)} graded name(s) not written:", file=sys.stderr)
        for name in result.unmatched:
            print(f"  {name}", file=sys.stderr)
        print("map each to its roster row in a CSV of 'graded name,roster key' lines (the key: "
              "the row's login, SIS id, email or ID) and export again with --map FILE; a "
              "lateness not settled needs the submission time (autograder grade --received or "
              "--inbound, docs/lms.md)", file=sys.stderr)
        return 1
    return 0
