"""The rules a course sets on top of grading: lateness and visibility, in the reports.

``finish_reports`` runs after ``autograder grade`` has written its reports, when a late
rule or a visibility setting is given. It writes each student's ``results.json`` and
``feedback.html`` and the class's ``grades.csv`` again, from the graded records (raw
scores) each time, so running it again, or grading again, gives the same files: a penalty
is never applied on top of a penalised score.

- ``grades.csv``: the raw ``score`` stays; ``late_rule, submitted, due, days_late,
  late_days_used, late_penalty, final_score`` are appended (``autograder.late``).
- ``results.json``: ``score`` is the final score; the lateness is the first paragraph of
  ``output`` (Korean and English) and ``extra_data.late`` holds the numbers; the tests keep
  their raw points and get the chosen visibility (``autograder.visibility``).
- ``feedback.html``: the lateness paragraph under the title. With the expected values held
  back (``expected_visibility`` other than ``visible``), ``feedback.html`` is told without
  them and the full page is ``feedback_after_due_date.html``, to hand out later.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .feedback import feedback_html
from .grading import find_submissions
from .late import (
    LateAdjustment,
    LatePolicy,
    apply_late_policy,
    late_text,
    submission_time,
    with_late_columns,
)
from .report import grades_csv_text, safe_name
from .results import GradeRecord
from .visibility import redacted, student_results

#: With expected values held back, the full page (to hand out after the due date).
FULL_FEEDBACK = "feedback_after_due_date.html"


def redacted_record(record: GradeRecord, expected_visibility: str) -> GradeRecord:
    """``record`` with every failure told without its expected value."""
    items = [redacted(item, expected_visibility) for item in record.items]
    return dataclasses.replace(record, items=items)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def late_results(results: dict[str, Any], adjustment: LateAdjustment,
                 policy: LatePolicy) -> dict[str, Any]:
    """``results`` (a results.json dict) with the lateness applied: final score, text first,
    numbers in ``extra_data.late``."""
    a = adjustment
    results["score"] = round(a.final_score, 4)
    results["output"] = late_text(a, policy) + "\n\n" + results.get("output", "")
    results.setdefault("extra_data", {})["late"] = {
        "rule": policy.describe(), "due": a.due.isoformat(),
        "submitted": a.submitted.isoformat() if a.submitted else None, "source": a.source,
        "days_late": a.days_late, "late_days_used": a.budget_days_used,
        "penalty_percent": a.penalty_percent, "raw_score": a.raw_score,
        "penalty": round(a.penalty_points, 4), "final_score": round(a.final_score, 4)}
    return results


def late_feedback(page: str, adjustment: LateAdjustment, policy: LatePolicy) -> str:
    """feedback.html with the lateness paragraph right after the title."""
    text = "<br>".join(html.escape(line) for line in late_text(adjustment, policy).splitlines())
    block = f'\n<p class="late">{text}</p>'
    head, sep, rest = page.partition("</h1>")
    return head + sep + block + rest if sep else page


def finish_reports(
    records: Sequence[GradeRecord],
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    policy: LatePolicy | None = None,
    visibility: str = "visible",
    expected_visibility: str = "visible",
    flat: bool = False,
) -> dict[str, LateAdjustment]:
    """Write the reports of ``records`` again with the course's rules (see the module doc).

    ``paths`` are the PATHs graded (found again, the same way, for the submission times);
    ``flat``: one submission's reports straight in ``out`` (``--gradescope``). Returns
    the late adjustments (empty without a policy).
    """
    out = Path(out)
    adjustments: dict[str, LateAdjustment] = {}
    if policy is not None:
        subs, _ = find_submissions(paths, expand=not flat)
        times = {s.student: submission_time(s.path) for s in subs}
        adjustments = apply_late_policy(records, times, policy)
    for record in records:
        folder = out if flat else out / safe_name(record.student)
        results = student_results(record, visibility=visibility,
                                  expected_visibility=expected_visibility)
        page = feedback_html(record)
        if expected_visibility != "visible":  # the page students get waits too
            _write(folder / FULL_FEEDBACK, page)
            page = feedback_html(redacted_record(record, expected_visibility))
        if policy is not None:
            results = late_results(results, adjustments[record.student], policy)
            page = late_feedback(page, adjustments[record.student], policy)
        _write(folder / "results.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        _write(folder / "feedback.html", page)
    if policy is not None:
        _write(out / "grades.csv", with_late_columns(grades_csv_text(records), adjustments,
                                                     policy))
    return adjustments
