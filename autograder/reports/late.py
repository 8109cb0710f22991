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

When was it submitted (:func:`submission_time`)? Only from what the student cannot
change, the first of these that applies:

0. **the instructor's own record** (``LatePolicy.received``, a CSV ``student,received``: an
   LMS's submission list, a mail log): when the submission arrived, as their side saw it;
1. **the LMS's own record** in a download's file name: Canvas's ``_LATE`` tag
   (``smithjane_LATE_1234_5678_conv_layers.py``) says whether it is late, the file's time
   as the download gave it, by how many days (at least one);
2. **nbgrader's exchange** (``LatePolicy.inbound``, the course's ``inbound`` folder): when
   ``nbgrader submit`` wrote the collected submission there, the newest status-change time
   (ctime) of its files. The kernel sets a ctime whenever a file is written or changed; no
   user can set it back;
3. **the arrival here**: the newest ctime of the submission's files where the grader
   reads them. It is an upper bound (a folder copied after the due date has that copy's
   time), so it proves a submission on time when it is before the due date; after it,
   the lateness is *not settled*: that student's late columns say why, nothing is
   deducted, and the final score is left empty until the instructor settles it.

What the student wrote (nbgrader's ``timestamp.txt``, written by the student's own
``nbgrader submit``, which nbgrader's gradebook copies; the files' modification times)
is never the time: each such claim is compared with it, and a claim that would give a
different number of late days, or that cannot be read, is flagged for the instructor
(``grades.csv``'s ``time_check``, ``extra_data.late.flags``), never shown to the student.

:func:`apply_late_policy` is a pure function of the raw scores, the times and the rule,
so grading again (or writing the reports again) computes the same penalty from the raw
score: it is never applied twice. The raw score stays in ``score``; the penalty and the
result are separate columns (``late_penalty``, ``final_score``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..i18n import Message, _, render
from ..names import safe_name
from ..results import GradeRecord
from .numbers import points_text

MODES = ("penalty", "budget")
DAY = timedelta(days=1)
TIMESTAMP_FILE = "timestamp.txt"
CANVAS_NAME = re.compile(r"^[^_]+(_LATE)?_\d+_\d+_", re.IGNORECASE)
SUFFIXES = (".py", ".ipynb")

#: Where a submission time came from (``SubmissionTime.source``), most trusted first.
RECEIVED, CANVAS, EXCHANGE, ARRIVAL, UNKNOWN = (
    "instructor's record", "Canvas _LATE tag", "nbgrader exchange", "arrival here", "unknown")


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


def minutes(when: datetime) -> str:
    return when.isoformat(timespec="minutes")


@dataclass(frozen=True)
class LatePolicy:
    """The course's rule; see the module doc. Percentages are of the raw score.

    ``received``: the instructor's own record of when submissions arrived (student key →
    time); ``inbound``: nbgrader's exchange inbound folder of the course, where submission
    times are read (None: not used)."""

    due: datetime
    mode: str = "penalty"
    percent_per_day: float = 10.0
    floor: float = 0.0
    budget_days: int = 0
    extensions: Mapping[str, datetime] = field(default_factory=dict)
    used_days: Mapping[str, int] = field(default_factory=dict)
    received: Mapping[str, datetime] = field(default_factory=dict)
    inbound: Path | None = None

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

    def used_by(self, student: str) -> int:
        return self.used_days.get(student_key(student), 0)

    def received_at(self, student: str) -> datetime | None:
        return self.received.get(student_key(student))

    def rule(self) -> Message:
        """The rule in one sentence (rendered in the reports' language)."""
        percent = points_text(self.percent_per_day)
        cost = (_("{percent}% per day late, at least {floor}% kept", percent=percent,
                  floor=points_text(self.floor)) if self.floor
                else _("{percent}% per day late", percent=percent))
        if self.mode == "budget":
            return _("due {due}; {days} late day(s) free, then {cost}",
                     due=minutes(self.due), days=self.budget_days, cost=cost)
        return _("due {due}; {cost}", due=minutes(self.due), cost=cost)

    def describe(self) -> str:
        """The rule in one line of English, for grades.csv and ``extra_data``."""
        return render(self.rule(), "en")

    def digest_for(self, student: str) -> str:
        """What of this rule applies to ``student``, as a short digest: a changed rule, or
        a changed extension of theirs, is a new one; another student's extension is not."""
        parts = [self.mode, repr(self.percent_per_day), repr(self.floor), str(self.budget_days),
                 self.due.isoformat(), self.due_for(student).isoformat(),
                 str(self.used_by(student))]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Claim:
    """A time the student could have written: where it was read, and the time (None if
    the text there is not a time; ``text`` then holds what it said)."""

    what: str  # "timestamp.txt", "file time"
    when: datetime | None
    text: str = ""


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission was handed in, and how that was found out.

    - when: the time (None if nothing the student cannot change gives one)
    - source: where it came from (CANVAS, EXCHANGE, ARRIVAL or UNKNOWN)
    - exact: False for an upper bound (ARRIVAL: it arrived here by then, maybe earlier)
    - canvas_late: Canvas's tag, when the name has Canvas's form
    - claims: the times the student wrote, compared with ``when``
    - notes: what else the instructor should know (e.g. not found in the exchange)
    """

    when: datetime | None
    source: str
    exact: bool = True
    canvas_late: bool | None = None
    claims: tuple[Claim, ...] = ()
    notes: tuple[Message, ...] = ()

    def digest(self) -> str:
        parts = [self.when.isoformat() if self.when else "", self.source, str(self.exact),
                 str(self.canvas_late),
                 *(f"{c.what}={c.when.isoformat() if c.when else c.text}" for c in self.claims),
                 *(str(n) for n in self.notes)]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LateAdjustment:
    """One student's lateness and what it cost, computed from the raw score.

    ``settled`` is False when no time the student cannot change says whether it was late:
    ``days_late`` is then None, nothing is deducted and ``final_score`` is None (unless the
    raw score is 0, which no lateness changes). ``flags``: for the instructor only."""

    student: str
    due: datetime
    submitted: datetime | None
    source: str
    days_late: int | None
    budget_days_used: int
    penalty_percent: float
    raw_score: float
    penalty_points: float
    flags: tuple[Message, ...] = ()

    @property
    def settled(self) -> bool:
        return self.days_late is not None

    @property
    def final_score(self) -> float | None:
        if not self.settled:
            return None if self.raw_score else 0.0
        return self.raw_score - self.penalty_points


# --------------------------------------------------------------------------- finding the time


def _files(path: Path) -> list[Path]:
    """The regular files of a submission (a file, or every file under a folder; links are
    never followed)."""
    if path.is_symlink():
        return []
    if path.is_file():
        return [path]
    found = []
    for root, _dirs, names in os.walk(path):
        found += [Path(root) / n for n in names if not (Path(root) / n).is_symlink()]
    return sorted(found)


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


def _newest(files: Iterable[Path], attribute: str) -> datetime | None:
    stamps = []
    for f in files:
        try:
            stamps.append(getattr(f.lstat(), attribute))
        except OSError:
            continue
    return _utc(max(stamps)) if stamps else None


def _timestamp_claims(stamps: list[Path]) -> list[Claim]:
    claims = []
    for p in stamps:
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            claims.append(Claim(TIMESTAMP_FILE, None, f"unreadable ({exc.strerror})"))
            continue
        try:
            claims.append(Claim(TIMESTAMP_FILE, parse_time(text), text.strip()))
        except LatePolicyError:
            claims.append(Claim(TIMESTAMP_FILE, None, text.strip()[:60]))
    return claims


def _nbgrader_folders(path: Path) -> list[Path]:
    """The nbgrader submission folders (holding timestamp.txt) of a submission."""
    if not path.is_dir() or path.is_symlink():
        return []
    if (path / TIMESTAMP_FILE).is_file():
        return [path]
    return sorted(p.parent for p in path.glob(f"*/{TIMESTAMP_FILE}") if p.is_file())


def _file_hashes(folder: Path) -> dict[str, str]:
    hashes = {}
    for f in _files(folder):
        try:
            hashes[f.relative_to(folder).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
        except OSError:
            continue
    return hashes


def exchange_arrival(folder: Path, inbound: Path) -> datetime | None:
    """When the submission in nbgrader's ``folder`` (``submitted/<student>/<assignment>``)
    arrived in the exchange: of the inbound copies ``<student>+<assignment>+…`` holding the
    same files, the earliest newest-ctime; None if no inbound copy holds them."""
    student, assignment = folder.parent.name, folder.name
    wanted = _file_hashes(folder)
    arrivals = []
    for candidate in sorted(inbound.glob(f"{glob_escape(student)}+{glob_escape(assignment)}+*")):
        if not candidate.is_dir() or candidate.is_symlink():
            continue
        if _file_hashes(candidate) == wanted:
            when = _newest(_files(candidate), "st_ctime")
            if when is not None:
                arrivals.append(when)
    return min(arrivals) if arrivals else None


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def submission_time(path: str | Path, inbound: str | Path | None = None,
                    received: datetime | None = None) -> SubmissionTime:
    """When the submission at ``path`` (file or folder) was handed in; see the module doc.
    ``received``: the instructor's own record of it, if any. Never raises: what cannot be
    read is a claim that says so, or a note."""
    path = Path(path)
    files = _files(path) if path.exists() else []
    code = [f for f in files if f.suffix in SUFFIXES]
    canvas = [p for p in ([path] if path.is_file() else sorted(path.glob("*")))
              if p.is_file() and CANVAS_NAME.match(p.name)] if path.exists() else []
    folders = _nbgrader_folders(path)
    claims = _timestamp_claims([f / TIMESTAMP_FILE for f in folders])
    written = _newest(code, "st_mtime")
    if written is not None and not canvas:  # a Canvas download's file time is Canvas's
        claims.append(Claim("file time", written))
    if received is not None:
        return SubmissionTime(received, RECEIVED, claims=tuple(claims))
    if canvas:  # the LMS's record: its tag, and the time its download gave the file
        late = any(CANVAS_NAME.match(p.name).group(1) for p in canvas)
        return SubmissionTime(_newest(code or files, "st_mtime"), CANVAS, canvas_late=late,
                              claims=tuple(claims))
    notes: list[Message] = []
    if inbound is not None and folders:
        arrivals = [exchange_arrival(f, Path(inbound)) for f in folders]
        if all(a is not None for a in arrivals):
            return SubmissionTime(max(arrivals), EXCHANGE, claims=tuple(claims))
        notes.append(_("not found in the exchange's inbound folder {inbound} with the same "
                       "files", inbound=str(inbound)))
    arrived = _newest(files, "st_ctime")
    if arrived is None:
        return SubmissionTime(None, UNKNOWN, exact=False, claims=tuple(claims),
                              notes=tuple(notes))
    return SubmissionTime(arrived, ARRIVAL, exact=False, claims=tuple(claims),
                          notes=tuple(notes))


# --------------------------------------------------------------------------- the rule


def days_late(submitted: datetime | None, due: datetime) -> int:
    """Started days after ``due`` (0 if on time or unknown)."""
    if submitted is None or submitted <= due:
        return 0
    return math.ceil((submitted - due) / DAY)


def _claim_flags(time: SubmissionTime, due: datetime, days: int | None) -> list[Message]:
    """The student-written times that disagree with the trusted one (or cannot be read)."""
    flags = list(time.notes)
    for claim in time.claims:
        if claim.when is None:
            flags.append(_("{what} reads {text}, not a time", what=claim.what,
                           text=repr(claim.text)))
        elif days is None:
            flags.append(_("{what} says {when} ({days} day(s) late)", what=claim.what,
                           when=minutes(claim.when), days=days_late(claim.when, due)))
        elif days_late(claim.when, due) != days:
            flags.append(_("{what} says {when} ({days} day(s) late), which disagrees with "
                           "the {source} time", what=claim.what, when=minutes(claim.when),
                           days=days_late(claim.when, due), source=time.source))
    return flags


def late_days_for(time: SubmissionTime, due: datetime) -> int | None:
    """Days late by the trusted time, or None when it does not settle it (module doc)."""
    if time.canvas_late is not None:  # Canvas's tag decides; the file time, how much
        return max(days_late(time.when, due), 1) if time.canvas_late else 0
    if time.when is None:
        return None
    days = days_late(time.when, due)
    if not time.exact and days > 0:
        return None  # arrived here after the due date: maybe late, maybe copied late
    return days


def adjust(student: str, raw_score: float, time: SubmissionTime,
           policy: LatePolicy) -> LateAdjustment:
    """One student's lateness and penalty (a pure function of the raw score, the time and
    the rule). The penalty is ``raw × min(days × percent_per_day, 100 − floor) / 100`` for
    the days not covered by the budget."""
    due = policy.due_for(student)
    days = late_days_for(time, due)
    flags = _claim_flags(time, due, days)
    if days is None:
        flags.insert(0, _("the files arrived here only on {when}, after the due date, and "
                          "nothing the student cannot change says when they were submitted",
                          when=minutes(time.when)) if time.when else
                     _("no time the student cannot change says when it was submitted"))
        return LateAdjustment(student, due, time.when, time.source, None, 0, 0.0,
                              raw_score, 0.0, tuple(flags))
    free = min(days, max(0, policy.budget_days - policy.used_by(student))) \
        if policy.mode == "budget" else 0
    percent = min((days - free) * policy.percent_per_day, 100.0 - policy.floor)
    penalty = raw_score * percent / 100.0  # rounded only where shown
    return LateAdjustment(student, due, time.when, time.source, days, free, percent,
                          raw_score, penalty, tuple(flags))


def apply_late_policy(records: Iterable[GradeRecord], times: Mapping[str, SubmissionTime],
                      policy: LatePolicy) -> dict[str, LateAdjustment]:
    """Each record's :func:`adjust` (student → adjustment); a missing time is unknown."""
    unknown = SubmissionTime(None, UNKNOWN, exact=False)
    return {r.student: adjust(r.student, r.score, times.get(r.student, unknown), policy)
            for r in records}


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


def read_received(path: str | Path) -> dict[str, datetime]:
    """``student,received`` (when each submission arrived, as the instructor's side recorded
    it) → {student key: time}."""
    return {student_key(s): parse_time(when, f"{path}, line {n}")
            for s, when, n in _student_csv(path, "received")}


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


# --------------------------------------------------------------------------- what is shown

LATE_COLUMNS = ("late_rule", "submitted", "due", "days_late", "late_days_used",
                "late_penalty", "final_score", "time_source", "time_check")


def late_columns(adjustment: LateAdjustment, policy: LatePolicy) -> list[str]:
    """The values of LATE_COLUMNS for one student (their rule, time, cost and any flag)."""
    a = adjustment
    final = "" if a.final_score is None else points_text(a.final_score)
    submitted = a.submitted.isoformat(timespec="seconds") if a.submitted else "unknown"
    source = a.source if a.settled or a.source != ARRIVAL else f"{a.source} (not settled)"
    return [policy.describe(), submitted, minutes(a.due),
            "" if a.days_late is None else str(a.days_late), str(a.budget_days_used),
            points_text(a.penalty_points) if a.settled else "", final, source,
            "; ".join(render(f, "en") for f in a.flags)]


def late_data(adjustment: LateAdjustment, policy: LatePolicy) -> dict[str, Any]:
    """The numbers for ``results.json``'s ``extra_data.late`` (the instructor's view)."""
    a = adjustment
    final = a.final_score
    return {"rule": policy.describe(), "due": a.due.isoformat(),
            "submitted": a.submitted.isoformat() if a.submitted else None, "source": a.source,
            "days_late": a.days_late, "late_days_used": a.budget_days_used,
            "penalty_percent": a.penalty_percent, "raw_score": a.raw_score,
            "penalty": round(a.penalty_points, 4),
            "final_score": None if final is None else round(final, 4),
            "flags": [render(f, "en") for f in a.flags]}


def late_message(adjustment: LateAdjustment, policy: LatePolicy) -> Message:
    """What the student reads about lateness (rendered in the reports' language)."""
    a = adjustment
    when = minutes(a.submitted) if a.submitted and a.settled else "—"
    due = minutes(a.due)
    if not a.settled:
        return _("Due {due}: when your submission arrived is being checked by your "
                 "instructor; no late penalty has been applied.", due=due)
    if a.days_late == 0:
        return _("Submitted {when}, due {due}: on time.", when=when, due=due)
    budget = (_(" ({days} covered by your late-day budget)", days=a.budget_days_used)
              if a.budget_days_used else "")
    return _("Submitted {when}, due {due}: {days} day(s) late{budget}. Penalty {penalty} "
             "points: {raw} → {final} (rule: {rule}).", when=when, due=due, days=a.days_late,
             budget=budget, penalty=points_text(a.penalty_points),
             raw=points_text(a.raw_score), final=points_text(a.final_score or 0.0),
             rule=policy.rule())
