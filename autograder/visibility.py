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

The texts added here exist in Korean and English (:func:`bilingual`).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from .feedback import item_text, record_text
from .report import results_json
from .results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind

#: Gradescope's visibility values, in the order of the docs.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
#: What ``--visibility`` may choose for the graded tests (hidden tests may not carry points).
TEST_VISIBILITIES = ("visible", "after_due_date", "after_published")
#: The report languages (the i18n work adds the same three).
LANGS = ("ko+en", "ko", "en")

#: (English, Korean) for each kind of wrong answer, said without the expected value.
MISMATCH_WORDS: dict[MismatchKind, tuple[str, str]] = {
    MismatchKind.TYPE: ("your function returned the wrong kind of value",
                        "함수가 돌려준 값의 종류가 틀렸습니다"),
    MismatchKind.SHAPE: ("your output has the wrong shape", "출력의 모양(shape)이 틀렸습니다"),
    MismatchKind.DTYPE: ("your output has the wrong dtype", "출력의 dtype이 틀렸습니다"),
    MismatchKind.VALUE: ("your output has wrong values", "출력의 값이 틀렸습니다"),
    MismatchKind.NO_ERROR: ("your function returned a value for an input it should reject",
                            "거부해야 하는 입력에 대해 함수가 값을 돌려주었습니다"),
    MismatchKind.WRONG_ERROR: ("your function raised a different error than it should",
                               "함수가 다른 종류의 오류를 냈습니다"),
}
WITHHELD = ("shown after the due date", "마감 후에 공개됩니다")
WITHHELD_PUBLISHED = ("shown when grades are published", "성적 공개 후에 공개됩니다")
EXPECTED_SUFFIX = ("expected values", "기대값")


def bilingual(pair: tuple[str, str], lang: str = "ko+en") -> str:
    """``(english, korean)`` in ``lang``: "en", "ko", or "ko+en" (Korean · English)."""
    english, korean = pair
    if lang == "en":
        return english
    if lang == "ko":
        return korean
    return f"{korean} · {english}"


class _Shown(str):
    """Text shown as it is where the feedback prints a value with ``repr``."""

    def __repr__(self) -> str:
        return str(self)


def withholds(failure: Failure | None) -> bool:
    """True if this failure's explanation would show an expected value."""
    return failure is not None and (failure.kind is FailureKind.MISMATCH
                                    or failure.expected is not None or bool(failure.where))


def redacted(result: ItemResult, expected_visibility: str, lang: str = "ko+en") -> ItemResult:
    """``result`` with its failure told without the expected value (see the module doc)."""
    failure = result.failure
    if not withholds(failure):
        return result
    assert failure is not None
    note = WITHHELD_PUBLISHED if expected_visibility == "after_published" else WITHHELD
    summary = failure.summary
    if failure.kind is FailureKind.MISMATCH:
        words = MISMATCH_WORDS.get(failure.mismatch, MISMATCH_WORDS[MismatchKind.VALUE])
        summary = f"{bilingual(words, lang)} ({bilingual(EXPECTED_SUFFIX, lang)}: " \
                  f"{bilingual(note, lang)})"
    hidden = _Shown(bilingual(note, lang))
    changed = dataclasses.replace(failure, summary=summary, expected=hidden, where="")
    return dataclasses.replace(result, failure=changed)


def _call_with_lang(func: Any, *args: Any, lang: str | None) -> Any:
    """``func(*args, lang=lang)`` when ``func`` takes a language (the i18n reports), else
    ``func(*args)``."""
    if lang is not None and "lang" in inspect.signature(func).parameters:
        return func(*args, lang=lang)
    return func(*args)


def student_results(
    record: GradeRecord,
    *,
    visibility: str = "visible",
    expected_visibility: str = "visible",
    lang: str | None = None,
    sandbox_for_instructor_only: bool = False,
) -> dict[str, Any]:
    """Gradescope's ``results.json`` for ``record`` with the visibility settings applied.

    Inputs: the record; ``visibility`` for every item's test (one of TEST_VISIBILITIES);
    ``expected_visibility`` (one of VISIBILITIES) for the expected values of items that
    lost points (``visible``: inline, as without this module); ``lang`` for the reports
    (passed on when they take one); ``sandbox_for_instructor_only``: drop the lines naming
    the sandbox from the student's ``output`` and keep them in ``extra_data`` (Gradescope).
    Returns the dict, ready for ``json.dumps``.
    """
    if visibility not in TEST_VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(TEST_VISIBILITIES)}, "
                         f"got {visibility!r}")
    if expected_visibility not in VISIBILITIES:
        raise ValueError(f"expected visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"got {expected_visibility!r}")
    results = _call_with_lang(results_json, record, lang=lang)
    split = expected_visibility != visibility and expected_visibility != "visible"
    tests: list[dict[str, Any]] = []
    for test, item in zip(results["tests"], record.items, strict=True):
        test["visibility"] = visibility
        tests.append(test)
        if split and withholds(item.failure):
            text_lang = lang or "ko+en"
            test["output"] = _call_with_lang(item_text, redacted(item, expected_visibility,
                                                                 text_lang), lang=lang)
            tests.append({
                "name": f"{item.name} · {bilingual(EXPECTED_SUFFIX, text_lang)}",
                "number": f"{test['number']}.1",
                "score": 0,
                "max_score": 0,
                "status": "failed",
                "output": _call_with_lang(item_text, item, lang=lang),
                "visibility": expected_visibility,
            })
    results["tests"] = tests
    if visibility != "visible":
        results["visibility"] = visibility
    if sandbox_for_instructor_only:
        results["output"] = output_without_sandbox(record, lang)
    return results


def output_without_sandbox(record: GradeRecord, lang: str | None = None) -> str:
    """The top-level ``output`` without the lines that name the sandbox.

    Those lines are found as the ones that change when only the sandbox changes, so this
    holds whatever words (and languages) the report uses for them.
    """
    text = _call_with_lang(record_text, record, lang=lang)
    other = dataclasses.replace(record, sandbox=record.sandbox + "\x00other")
    other_lines = set(_call_with_lang(record_text, other, lang=lang).splitlines())
    return "\n".join(line for line in text.splitlines() if line in other_lines)
