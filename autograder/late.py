"""Late rules: a due date, per-student extensions, and what lateness costs.

The rule (:class:`LatePolicy`):

- ``due``: the deadline (ISO 8601; without a zone it is UTC), and ``extensions``: a CSV
  ``student,due`` giving some students their own deadline (matched like grade names:
  case-insensitive, cleaned as ``autograder grade`` cleans file names).
- Lateness is counted in started days: 1 second late is 1 day, 24 h 1 s is 2 days.
- ``penalty``: each late day costs ``percent_per_day`` % of the raw score, never more than
  ``100 − floor`` % (so the score never falls below ``floor`` % of the raw score).
- ``budget``: each student has ``budget_days`` late days (minus those already used, from an
  optional CSV ``student,used``); days covered by the budget cost nothing, the days beyond
  it are penalised as above (``percent_per_day`` defaults to 100: no credit past the budget).

When was it submitted (:func:`submission_time`), in this order:

1. nbgrader's ``timestamp.txt`` in the submitted folder (``submitted/<student>/<assignment>/``),
   e.g. ``2026-11-29 20:33:12.123456 UTC``;
2. a file named as Canvas's submission download names them
   (``smithjane_LATE_1234_5678_conv_layers.py``): Canvas's ``_LATE`` tag decides whether
   it is late; the file's modification time says by how many days (at least one);
3. otherwise the newest modification time of the submission's ``.py``/``.ipynb`` files.

:func:`apply_late_policy` is a pure function of the raw scores, the times and the rule,
so grading again (or writing the reports again) computes the same penalty from the raw
score: it is never applied twice. The raw score stays in ``score``; the penalty and the
result are separate columns (``late_penalty``, ``final_score``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .feedback import points_text
from .report import safe_name
from .results import GradeRecord

MODES = ("penalty", "budget")
DAY = timedelta(days=1)
TIMESTAMP_FILE = "timestamp.txt"
CANVAS_NAME = re.compile(r"^[^_]+(_LATE)?_\d+_\d+_", re.IGNORECASE)
SUFFIXES = (".py", ".ipynb")


class LatePolicyError(ValueError):
    """A due date, extension or used-days file that cannot be read; says what was expected."""


def parse_time(text: str, what: str = "time") -> datetime:
    """An ISO 8601 time, or nbgrader's ``2026-11-29 20:33:12.123456 UTC``; UTC if no zone."""
    cleaned = text.strip()
    if cleaned.endswith(" UTC"):
        cleaned = cleaned[:-4]
    try:
        value = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise LatePolicyError(f"{what}: expected a date and time such as 2026-12-01T23:59 or "
                              f"2026-12-01 23:59:00+09:00, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def student_key(name: str) -> str:
    """How a student's name is compared: cleaned as grade names are, case-folded."""
    return safe_name(name.strip()).casefold()


@dataclass(frozen=True)
class LatePolicy:
    """The course's rule; see the module doc. Percentages are of the raw score."""

    due: datetime
    mode: str = "penalty"
    percent_per_day: float = 10.0
    floor: float = 0.0
    budget_days: int = 0
    extensions: Mapping[str, datetime] = field(default_factory=dict)
    used_days: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise LatePolicyError(f"late mode must be one of {', '.join(MODES)}, "
                                  f"got {self.mode!r}")
        if not 0 <= self.percent_per_day <= 100 or not 0 <= self.floor <= 100:
            raise LatePolicyError("late penalty and floor are percentages from 0 to 100, got "
                                  f"{self.percent_per_day} and {self.floor}")
        if self.budget_days < 0:
            raise LatePolicyError(f"late-day budget must be 0 or more, got {self.budget_days}")

    def due_for(self, student: str) -> datetime:
        return self.extensions.get(student_key(student), self.due)

    def describe(self) -> str:
        """The rule in one line, for grades.csv and the reports."""
        cost = f"{points_text(self.percent_per_day)}% per day late"
        cost += f", at least {points_text(self.floor)}% kept" if self.floor else ""
        due = self.due.isoformat(timespec="minutes")
        if self.mode == "budget":
            return f"due {due}; {self.budget_days} late day(s) free, then {cost}"
        return f"due {due}; {cost}"

    def describe_ko(self) -> str:
        """The rule in one line, in Korean (what the student reads beside the English)."""
        cost = f"늦은 하루마다 {points_text(self.percent_per_day)}% 감점"
        cost += f", 최소 {points_text(self.floor)}% 유지" if self.floor else ""
        due = self.due.isoformat(timespec="minutes")
        if self.mode == "budget":
            return f"마감 {due}; 지각 허용 {self.budget_days}일, 그 이후 {cost}"
        return f"마감 {due}; {cost}"


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission was handed in, and how that was found out."""

    when: datetime | None
    source: str  # "nbgrader timestamp.txt", "Canvas _LATE tag", "file time", "unknown"
    canvas_late: bool | None = None  # Canvas's tag, when the name has Canvas's form


@dataclass(frozen=True)
class LateAdjustment:
    """One student's lateness and what it cost, computed from the raw score."""

    student: str
    due: datetime
    submitted: datetime | None
    source: str
    days_late: int
    budget_days_used: int
    penalty_percent: float
    raw_score: float
    penalty_points: float

    @property
    def final_score(self) -> float:
        return self.raw_score - self.penalty_points


def _newest_mtime(path: Path) -> datetime | None:
    files = [path] if path.is_file() else [p for p in path.rglob("*")
                                           if p.is_file() and p.suffix in SUFFIXES]
    if not files:
        return None
    return datetime.fromtimestamp(max(p.stat().st_mtime for p in files), tz=UTC)


def submission_time(path: str | Path) -> SubmissionTime:
    """When the submission at ``path`` (file or folder) was handed in; see the module doc.

    Raises LatePolicyError for a ``timestamp.txt`` that cannot be read as a time.
    """
    path = Path(path)
    if path.is_dir():
        stamps = sorted([path / TIMESTAMP_FILE] if (path / TIMESTAMP_FILE).is_file()
                        else path.glob(f"*/{TIMESTAMP_FILE}"))
        if stamps:
            times = [parse_time(p.read_text(encoding="utf-8"), str(p)) for p in stamps]
            return SubmissionTime(max(times), "nbgrader timestamp.txt")
    canvas = [p for p in ([path] if path.is_file() else sorted(path.glob("*")))
              if p.is_file() and CANVAS_NAME.match(p.name)]
    if canvas:
        late = any(CANVAS_NAME.match(p.name).group(1) for p in canvas)
        return SubmissionTime(_newest_mtime(path) if path.exists() else None,
                              "Canvas _LATE tag", canvas_late=late)
    when = _newest_mtime(path) if path.exists() else None
    return SubmissionTime(when, "file time" if when else "unknown")


def days_late(submitted: datetime | None, due: datetime) -> int:
    """Started days after ``due`` (0 if on time or unknown)."""
    if submitted is None or submitted <= due:
        return 0
    return math.ceil((submitted - due) / DAY)


def apply_late_policy(records: Iterable[GradeRecord], timestamps: Mapping[str, SubmissionTime],
                      policy: LatePolicy) -> dict[str, LateAdjustment]:
    """Each record's lateness and penalty (student → adjustment); a pure function.

    Inputs: the graded records (their raw ``score``), each student's submission time
    (missing: unknown, counted as on time), and the rule. The penalty is
    ``raw × min(days × percent_per_day, 100 − floor) / 100`` for the days not covered by
    the budget.
    """
    adjustments = {}
    for record in records:
        time = timestamps.get(record.student, SubmissionTime(None, "unknown"))
        due = policy.due_for(record.student)
        days = days_late(time.when, due)
        if time.canvas_late is not None:  # Canvas's tag decides; the file time, how much
            days = max(days, 1) if time.canvas_late else 0
        free = 0
        if policy.mode == "budget":
            left = max(0, policy.budget_days - policy.used_days.get(student_key(record.student), 0))
            free = min(days, left)
        percent = min((days - free) * policy.percent_per_day, 100.0 - policy.floor)
        penalty = record.score * percent / 100.0  # rounded only where shown
        adjustments[record.student] = LateAdjustment(
            record.student, due, time.when, time.source, days, free, percent,
            record.score, penalty)
    return adjustments


# --------------------------------------------------------------------------- files


def _student_csv(path: str | Path, value_column: str) -> list[tuple[str, str, int]]:
    """(student, value, line) rows of a ``student,<value_column>`` CSV; raises if not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LatePolicyError(f"cannot read {path} ({exc.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().casefold() for h in reader.fieldnames or []]
    if header[:2] != ["student", value_column]:
        raise LatePolicyError(f"{path}: expected the columns student,{value_column}, got "
                              f"{','.join(reader.fieldnames or []) or 'nothing'}")
    return [(row[reader.fieldnames[0]], row[reader.fieldnames[1]], n)
            for n, row in enumerate(reader, start=2)]


def read_extensions(path: str | Path) -> dict[str, datetime]:
    """``student,due`` → {student key: due}."""
    return {student_key(s): parse_time(due, f"{path}, line {n}")
            for s, due, n in _student_csv(path, "due")}


def read_used_days(path: str | Path) -> dict[str, int]:
    """``student,used`` (late days used on earlier assignments) → {student key: days}."""
    used = {}
    for s, value, n in _student_csv(path, "used"):
        try:
            used[student_key(s)] = int(value)
        except ValueError:
            raise LatePolicyError(f"{path}, line {n}: expected a whole number of days, "
                                  f"got {value!r}") from None
    return used


# --------------------------------------------------------------------------- reports

LATE_COLUMNS = ("late_rule", "submitted", "due", "days_late", "late_days_used",
                "late_penalty", "final_score")


def late_columns(adjustment: LateAdjustment | None, policy: LatePolicy) -> list[str]:
    """The values of LATE_COLUMNS for one student (their rule, time, and cost)."""
    if adjustment is None:
        return [policy.describe(), "", "", "", "", "", ""]
    a = adjustment
    return [policy.describe(),
            a.submitted.isoformat(timespec="seconds") if a.submitted else "unknown",
            a.due.isoformat(timespec="minutes"), str(a.days_late), str(a.budget_days_used),
            points_text(a.penalty_points), points_text(a.final_score)]


def with_late_columns(grades_csv: str, adjustments: Mapping[str, LateAdjustment],
                      policy: LatePolicy) -> str:
    """grades.csv's text with LATE_COLUMNS appended to every row (raw ``score`` kept)."""
    rows = list(csv.reader(io.StringIO(grades_csv)))
    if not rows:
        return grades_csv
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*rows[0], *LATE_COLUMNS])
    for row in rows[1:]:
        writer.writerow([*row, *late_columns(adjustments.get(row[0]), policy)])
    return buf.getvalue()


def late_text(adjustment: LateAdjustment, policy: LatePolicy) -> str:
    """What the student reads about lateness, in Korean and English."""
    a = adjustment
    when = a.submitted.isoformat(timespec="minutes") if a.submitted else "—"
    due = a.due.isoformat(timespec="minutes")
    if a.days_late == 0:
        return (f"제출 {when}, 마감 {due}: 기한 내 제출입니다.\n"
                f"Submitted {when}, due {due}: on time.")
    budget = (f" (늦은 날 {a.budget_days_used}일은 허용 일수에서 차감)"
              if a.budget_days_used else "")
    budget_en = (f" ({a.budget_days_used} covered by your late-day budget)"
                 if a.budget_days_used else "")
    final, raw, pen = (points_text(a.final_score), points_text(a.raw_score),
                       points_text(a.penalty_points))
    return (f"제출 {when}, 마감 {due}: {a.days_late}일 늦음{budget}. "
            f"감점 {pen}점 → {raw}점에서 {final}점 (규칙: {policy.describe_ko()}).\n"
            f"Submitted {when}, due {due}: {a.days_late} day(s) late{budget_en}. "
            f"Penalty {pen} points: {raw} → {final} (rule: {policy.describe()}).")
