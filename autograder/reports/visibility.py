"""Who sees what, and when: Gradescope visibility for the tests of ``results.json``.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/) lets each test
and the whole result carry ``visibility``: ``visible`` (default), ``after_due_date``,
``after_published`` (once grades are published from "Review Grades") or ``hidden`` (never
to students). Instructors always see everything.

Two settings build on that:

- ``visibility``: every rubric item's test (and the top-level result) gets it.
- ``expected_visibility``: when the expected values should wait (e.g. ``after_due_date``),
  each item that lost points becomes two tests: the item itself, with its points and a
  redacted explanation (what kind of mistake, the diagnosis and hint, the smallest failing
  input and the student's own answer, but no expected value, no "where they differ" and no
  summary quoting the expected value), and a 0-point test "<item> · expected values" that
  holds the full explanation and carries ``expected_visibility``. Gradescope's rule
  applies: while any test that counts is not yet visible, students do not see their total
  score; a 0-point test does not count toward it, but Gradescope still holds the total back
  for ``after_due_date``/``after_published`` tests, so with this option the total appears
  after the due date (or publication).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..i18n import _, label
from ..results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind
from .mistakes import title

#: Gradescope's visibility values, in the order of the docs.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
#: What ``--visibility`` may choose for the graded tests (hidden tests may not carry points).
TEST_VISIBILITIES = ("visible", "after_due_date", "after_published")

#: Each kind of wrong answer, said without the expected value.
MISMATCH_WORDS = {
    MismatchKind.TYPE: _("your function returned the wrong kind of value"),
    MismatchKind.SHAPE: _("your output has the wrong shape"),
    MismatchKind.DTYPE: _("your output has the wrong dtype"),
    MismatchKind.VALUE: _("your output has wrong values"),
    MismatchKind.NO_ERROR: _("your function returned a value for an input it should reject"),
    MismatchKind.WRONG_ERROR: _("your function raised a different error than it should"),
}
WITHHELD = _("shown after the due date")
WITHHELD_PUBLISHED = _("shown when grades are published")
EXPECTED_SUFFIX = _("expected values")


def check_visibility(visibility: str, expected_visibility: str) -> None:
    """ValueError naming the accepted values for a setting that is not one of them."""
    if visibility not in TEST_VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(TEST_VISIBILITIES)}, "
                         f"got {visibility!r}")
    if expected_visibility not in VISIBILITIES:
        raise ValueError(f"expected visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"got {expected_visibility!r}")


def holds_back(visibility: str, expected_visibility: str) -> bool:
    """True when the expected values wait longer than the items (two tests per lost item,
    and a feedback page without them)."""
    return expected_visibility not in ("visible", visibility)


class _Shown(str):
    """Text shown as it is where the feedback prints a value with ``repr``."""

    def __repr__(self) -> str:
        return str(self)


def withholds(failure: Failure | None) -> bool:
    """True if this failure's explanation would show an expected value."""
    return failure is not None and (failure.kind is FailureKind.MISMATCH
                                    or failure.expected is not None or bool(failure.where))


def redacted(result: ItemResult, expected_visibility: str, lang: str) -> ItemResult:
    """``result`` with its failure told without the expected value (see the module doc),
    its new words in ``lang``."""
    failure = result.failure
    if not withholds(failure):
        return result
    assert failure is not None
    note = WITHHELD_PUBLISHED if expected_visibility == "after_published" else WITHHELD
    summary = failure.summary
    if failure.kind is FailureKind.MISMATCH:
        words = MISMATCH_WORDS.get(failure.mismatch, MISMATCH_WORDS[MismatchKind.VALUE])
        summary = (f"{label(words, lang)} ({label(EXPECTED_SUFFIX, lang)}: "
                   f"{label(note, lang)})")
    hidden = _Shown(label(note, lang))
    changed = dataclasses.replace(failure, summary=summary, expected=hidden, where="")
    return dataclasses.replace(result, failure=changed)


def redacted_record(record: GradeRecord, expected_visibility: str, lang: str) -> GradeRecord:
    """``record`` with every failure told without its expected value."""
    items = [redacted(item, expected_visibility, lang) for item in record.items]
    return dataclasses.replace(record, items=items)


def expected_values_test(test: dict[str, Any], item: ItemResult, full_text: str,
                         expected_visibility: str, lang: str) -> dict[str, Any]:
    """The 0-point test that holds an item's full explanation until ``expected_visibility``."""
    return {
        "name": f"{title(item.name, lang)} · {label(EXPECTED_SUFFIX, lang)}",
        "number": f"{test['number']}.1",
        "score": 0,
        "max_score": 0,
        "status": "failed",
        "output": full_text,
        "visibility": expected_visibility,
    }
