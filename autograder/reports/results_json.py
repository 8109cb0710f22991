"""``results.json`` in Gradescope's autograder format, for one student.

https://gradescope-autograders.readthedocs.io/en/latest/specs/: a top-level ``score``,
``execution_time``, ``output`` and ``tests``, one test per rubric item with ``name``,
``score``, ``max_score``, ``status``, ``output`` and ``visibility``. Its text is the same as
``feedback.html``'s, plain text (student-controlled messages must never be rendered as
HTML): a test is named by the item's title in the asked language (Gradescope shows it to
the student), its ``extra_data.item`` keeps the rubric's stable English name (for
scripts, like ``grades.csv``'s columns). ``execution_time`` is the only field that changes
between two runs on the same submission and seed. ``extra_data`` is the instructor's
(Gradescope does not show it to students): the sandbox and its limits (whether the code
ran as the grader's own user), the problems, where it was graded, and the lateness
numbers; the student's ``output`` names no sandbox.
"""

from __future__ import annotations

import json
from typing import Any

from ..i18n import DEFAULT_LANG
from ..results import GradeRecord
from .feedback import item_text, record_text
from .late import LateAdjustment, LatePolicy, late_data, late_message
from .mistakes import title
from .numbers import json_number
from .settings import ReportSettings
from .visibility import expected_values_test, redacted, withholds

#: Gradescope shows each test's output to the student right away.
TEST_VISIBILITY = "visible"
#: The grader's own log is for the instructor, not the student.
STDOUT_VISIBILITY = "hidden"


def results_json(record: GradeRecord, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Gradescope's results for one submission, as a dict ready for ``json.dumps``; its
    texts in ``lang`` ("ko", "en" or "ko+en"), plain text."""
    return {
        "score": json_number(record.score),
        "execution_time": round(record.seconds, 2),
        "output": record_text(record, lang),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": STDOUT_VISIBILITY,
        "extra_data": _extra_data(record),
        "tests": [
            {
                "name": title(r.name, lang),
                "number": str(i),
                "score": json_number(r.points),
                "max_score": json_number(r.max_points),
                "status": "passed" if r.passed else "failed",
                "output": item_text(r, lang),
                "visibility": TEST_VISIBILITY,
                "extra_data": {"item": r.name},
            }
            for i, r in enumerate(record.items, start=1)
        ],
    }


def _extra_data(record: GradeRecord) -> dict[str, Any]:
    """Instructor-only facts: the sandbox, the problems, and where it was graded (host,
    sandbox, and Dask worker)."""
    extra: dict[str, Any] = {"sandbox": record.sandbox, "problems": list(record.problems)}
    if record.limits:  # which resource limits applied (they depend on the host)
        extra["limits"] = record.limits
    if record.graded_by:
        extra["graded_by"] = {**record.graded_by, "sandbox": record.sandbox}
    return extra


def _with_lateness(results: dict[str, Any], adjustment: LateAdjustment, policy: LatePolicy,
                   lang: str) -> None:
    """The final score, the lateness as the first paragraph of ``output`` and the numbers
    in ``extra_data.late`` (the tests keep their raw points)."""
    from ..i18n import render_all

    final = adjustment.final_score
    if adjustment.settled and final is not None:
        results["score"] = round(final, 4)
    said = "\n".join(render_all(late_message(adjustment, policy), lang))
    results["output"] = said + "\n\n" + results.get("output", "")
    results.setdefault("extra_data", {})["late"] = late_data(adjustment, policy)


def student_results(record: GradeRecord, settings: ReportSettings) -> dict[str, Any]:
    """Gradescope's ``results.json`` for ``record`` with the settings applied: visibility
    on every test (each lost item split in two when the expected values wait) and the
    lateness. Returns the dict, ready for ``json.dumps``."""
    lang = settings.lang
    results = results_json(record, lang)
    tests: list[dict[str, Any]] = []
    for test, item in zip(results["tests"], record.items, strict=True):
        test["visibility"] = settings.visibility
        tests.append(test)
        if settings.splits_tests and withholds(item.failure):
            test["output"] = item_text(redacted(item, settings.expected_visibility, lang), lang)
            tests.append(expected_values_test(test, item, item_text(item, lang),
                                              settings.expected_visibility, lang))
    results["tests"] = tests
    if settings.visibility != "visible":
        results["visibility"] = settings.visibility
    adjustment = settings.adjustment(record)
    if adjustment is not None and settings.late is not None:
        _with_lateness(results, adjustment, settings.late, lang)
    return results


def results_json_text(record: GradeRecord, settings: ReportSettings | None = None) -> str:
    """:func:`student_results` as the file's text."""
    data = student_results(record, settings or ReportSettings())
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
