"""What one graded item says, for counting: its kind of failure and a digest of the
wrong answer; and reading the records of a graded folder back (:func:`load_records`).

Kinds follow the grader's names: ``mismatch`` (an answer came back and was wrong),
``error`` (the function raised), ``timeout``, ``crash``, ``missing``, ``not implemented``,
``grader error``, and ``not graded`` (the submission could not be loaded at all).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..results import Failure, FailureKind, GradeRecord, ItemResult

MISMATCH, ERROR, TIMEOUT, CRASH = "mismatch", "error", "timeout", "crash"
MISSING, NOT_IMPLEMENTED, GRADER_ERROR, NOT_GRADED = (
    "missing", "not implemented", "grader error", "not graded")

def failure_kind(failure: Failure) -> str:
    """The kind of ``failure`` (:class:`autograder.results.FailureKind`'s value)."""
    return failure.kind.value


def _feed(value: Any, h: Any, depth: int = 0) -> None:
    """Hash ``value`` by content: arrays by dtype, shape and bytes; containers in order."""
    if depth > 20:
        h.update(b"<deep>")
    elif isinstance(value, np.ndarray):
        h.update(f"A{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes() if value.dtype.kind != "O" else b"O")
    elif isinstance(value, dict):
        h.update(b"D%d" % len(value))
        for key in sorted(value, key=repr):
            h.update(repr(key).encode())
            _feed(value[key], h, depth + 1)
    elif isinstance(value, (list, tuple)):
        h.update(b"L%d" % len(value))
        for v in value:
            _feed(v, h, depth + 1)
    else:
        h.update(f"{type(value).__name__}:{value!r}".encode())


def output_digest(failure: Failure) -> str | None:
    """A digest of (shrunk case, wrong answer) for a wrong answer; None for other failures.

    Two students with the same digest on the same item returned the same wrong value on
    the same input, without either value being kept in memory beside the other.
    """
    if failure_kind(failure) != MISMATCH:
        return None
    h = hashlib.sha256()
    _feed(failure.case, h)
    h.update(b"|")
    _feed(failure.got, h)
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- reading OUT


def make_failure(summary: str, kind: str, **fields: Any) -> Failure:
    """A Failure of the kind named ``kind`` (a FailureKind value)."""
    return Failure(summary, FailureKind(kind), **fields)


def _sections(text: str) -> dict[str, str]:
    """The feedback text's labelled blocks (``Smallest failing case:``, ``Got (your code):``
    ...) as label -> text, and ``Looks like: X`` / ``Hint: X`` lines."""
    found: dict[str, str] = {}
    label, lines = None, []
    for line in text.splitlines():
        if line.endswith(":") and " · " in line:  # a bilingual label ("… · Got (your code):")
            line = line.rsplit(" · ", 1)[1]
        if line.startswith(("Looks like: ", "Hint: ", "Where: ")):
            key, _, rest = line.partition(": ")
            found[key] = rest
            label = None
        elif line in ("Smallest failing case:", "Expected (reference):", "Got (your code):",
                      "Your code raised:"):
            if label:
                found[label] = "\n".join(lines).strip("\n")
            label, lines = line[:-1], []
        elif label is not None:
            if not line.strip() and label != "Expected (reference)":
                found[label] = "\n".join(lines).strip("\n")
                label = None
            else:
                lines.append(line)
    if label:
        found[label] = "\n".join(lines).strip("\n")
    return found


def _failure_from_text(output: str) -> Failure:
    """A Failure rebuilt from a results.json test's ``output`` (its values as text)."""
    body = output.split(": ", 1)[1] if ": " in output else output  # drop "0/3 points: "
    summary = body.splitlines()[0] if body else ""
    parts = _sections(body)
    fields: dict[str, Any] = {
        "diagnosis": parts.get("Looks like"), "hint": parts.get("Hint", ""),
        "where": parts.get("Where", ""), "traceback": parts.get("Your code raised", ""),
    }
    if "Smallest failing case" in parts:
        fields["case"] = {"shown": parts["Smallest failing case"]}
    if "Got (your code)" in parts:
        fields["expected"] = parts.get("Expected (reference)")
        fields["got"] = parts["Got (your code)"]
    return make_failure(summary, _kind_from_text(summary, fields), **fields)


#: Summary phrases the engine and grading write for each kind (checked in this order); only
#: for records read back from text, which has lost the kind.
_SUMMARY_KINDS = (
    ("not graded:", NOT_GRADED),
    ("internal grader error", GRADER_ERROR),
    ("took longer than", TIMEOUT),
    ("took too long", TIMEOUT),
    ("crashed the process", CRASH),
    ("is not implemented yet", NOT_IMPLEMENTED),
    ("is not defined", MISSING),
    ("tried to exit the interpreter", ERROR),
)


def _kind_from_text(summary: str, fields: dict[str, Any]) -> str:
    for phrase, found in _SUMMARY_KINDS:
        if phrase in summary:
            return found
    if fields.get("traceback"):
        return ERROR
    if fields.get("got") is not None:
        return MISMATCH
    return ERROR if " raised " in summary else MISMATCH


def record_from_results_json(student: str, data: dict[str, Any]) -> GradeRecord:
    """A GradeRecord rebuilt from Gradescope's results.json (values come back as text)."""
    items = []
    for test in data.get("tests", []):
        passed = test.get("status") == "passed"
        failure = None if passed else _failure_from_text(str(test.get("output", "")))
        name = (test.get("extra_data") or {}).get("item") or test["name"]  # titles are shown
        items.append(ItemResult(str(name), float(test.get("score", 0)),
                                float(test.get("max_score", 0)), failure))
    extra = data.get("extra_data") or {}
    return GradeRecord(student, items, str(extra.get("sandbox", "unknown")),
                       problems=list(extra.get("problems", [])),
                       seconds=float(data.get("execution_time", 0.0)))


def _students_in_order(out: Path) -> list[str]:
    """Student names in grades.csv order; else every folder holding a results.json."""
    from ..reports.grades import GRADES_CSV, read_grades_csv

    grades = out / GRADES_CSV
    if grades.is_file():
        return [row["student"] for row in read_grades_csv(grades.read_text(encoding="utf-8"))]
    return sorted(p.parent.name for p in out.glob("*/results.json"))


def load_records(out: str | Path) -> list[GradeRecord]:
    """The records of a graded folder ``out``, in grades.csv order.

    From the results store (``out/grading.sqlite``: whole records, values and kinds
    intact) where there is one; else rebuilt from each student's
    ``out/<student>/results.json`` text. Raises FileNotFoundError naming what was expected
    if ``out`` holds no graded students.
    """
    from ..names import safe_name
    from ..store import STORE_NAME, Store

    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"{out}: expected the folder `autograder grade --out` wrote")
    if (out / STORE_NAME).is_file():
        with Store.open(out, create=False) as store:
            rows = [store.latest(student) for student in _students_in_order(out)]
        stored = [row.record for row in rows if row is not None]
        if stored:
            return stored
    records = []
    for student in _students_in_order(out):
        path = out / safe_name(student) / "results.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FileNotFoundError(f"{path}: expected a readable results.json ({exc})") from None
        records.append(record_from_results_json(student, data))
    if not records:
        raise FileNotFoundError(f"{out} holds no grades.csv and no <student>/results.json")
    return records
