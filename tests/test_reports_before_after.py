"""The reports the code writes now, for part of the example class, against the bytes the code
before ``autograder/reports`` wrote (``tests/data/reports_before.json.xz``: 8 students of the
example class graded with seed 0 by ``autograder grade`` in five variants, with each run's
stored records and, for the late rule, the submission times it used). Rendered from those
records, every file is byte for byte the same, except these intended changes:

- ``late``: ``results.json``'s ``extra_data.late`` gains ``flags`` (the student-written times
  that disagree with the trusted one, for the instructor), and ``grades.csv`` gains the
  columns ``time_source`` and ``time_check``.
- every variant: ``feedback.html`` is one card per mistake with the items named in the
  report's language (``tests/test_feedback.py`` tests the page), so it is not compared;
  ``results.json`` names each test by its item's title in that language and keeps the
  rubric's name in the test's ``extra_data.item``, its ``output`` names no sandbox, and a
  failed test's explanation keeps its summary, diagnosis and hint word for word while the
  data below them (case, expected, got) is written in the report's languages, an expected
  exception as one.

The Korean is rendered with the catalogue those reports were written with
(``tests/data/catalogue_before.mo``; today's for a message it lacked), so what is compared
is the rendering code, not the wording, which has its own tests.

Not compared here, because the bytes before were wrong: ``--lang en`` (or ``ko``) with a late
rule or a visibility setting, which rewrote every report in Korean and English
(``tests/test_late.py`` tests the fix).
"""

from __future__ import annotations

import csv
import dataclasses
import gettext
import io
import json
import lzma
from pathlib import Path

import pytest

from autograder import i18n, rubric
from autograder.reports import ReportSettings, grades_csv_text, render
from autograder.reports.late import LatePolicy, SubmissionTime, parse_time
from autograder.store import record_from_json

BEFORE = json.loads(lzma.decompress(
    (Path(__file__).parent / "data" / "reports_before.json.xz").read_bytes()))
CATALOGUE_BEFORE = Path(__file__).parent / "data" / "catalogue_before.mo"


@pytest.fixture(autouse=True)
def catalogue_before(monkeypatch):
    """Korean from the catalogue the reports before were written with; a message it did
    not have (the late rules' texts were written apart then) from today's."""
    with CATALOGUE_BEFORE.open("rb") as f:
        before = gettext.GNUTranslations(f)
    before.add_fallback(i18n._catalog("ko"))
    monkeypatch.setattr(i18n, "_catalog", lambda language: (
        gettext.NullTranslations() if language == "en" else before))


#: The source the code before gave these times (the files' modification times).
OLD_SOURCE = "file time"


def settings_of(variant: str) -> ReportSettings:
    given = dict(BEFORE["variants"][variant])
    late = None
    if "due" in given:
        late = LatePolicy(parse_time(given.pop("due")),
                          percent_per_day=float(given.pop("late_penalty")),
                          floor=float(given.pop("late_floor")))
    return ReportSettings(late=late, **given)


def graded(variant: str) -> list[tuple]:
    """(record, settings) per student, as the run of that variant had them."""
    settings = settings_of(variant)
    out = []
    for student in BEFORE["students"]:
        record = record_from_json(BEFORE["records"][variant][student])
        if settings.late is not None:
            when = parse_time(BEFORE["times"][student])
            out.append((record, dataclasses.replace(
                settings, time=SubmissionTime(when, OLD_SOURCE))))
        else:
            out.append((record, settings))
    return out


def expected_results(old: str, variant: str) -> dict:
    """results.json as it was, with the intended changes (the module's doc), each failed
    test's ``output`` cut to its explanation (:func:`explanation`)."""
    data = json.loads(old)
    lang = BEFORE["variants"][variant]["lang"]
    if variant == "late":
        data["extra_data"]["late"]["flags"] = []
    data["output"] = without_sandbox(data["output"], lang)
    for test in data["tests"]:
        item, _, suffix = test["name"].partition(" · ")
        if item in ITEM_NAMES:  # a rubric item's test, or its held-back expected values
            test["name"] = rubric.item(item).title(lang) + (" · " + suffix if suffix else "")
            if not suffix:
                test["extra_data"] = {"item": item}
            for language in i18n.languages(lang):  # the top-level list of lost items
                data["output"] = data["output"].replace(
                    f"  - {item} (", f"  - {rubric.item(item).title(language)} (", 1)
        if test["status"] == "failed":
            test["output"] = explanation(test["output"], lang)
    return data


ITEM_NAMES = {it.name for it in rubric.ITEMS}


#: How the reports before began the line naming the sandbox, in each language.
SANDBOX_LINES = ("코드는 다음 환경에서 실행되었습니다: ", "Your code ran in ")


def without_sandbox(output: str, lang: str) -> str:
    """``output`` without the line per language that named the sandbox."""
    return "\n".join(line for line in output.split("\n") if not line.startswith(SANDBOX_LINES))


def explanation(output: str, lang: str) -> str:
    """A failed test's text down to the data: its points, summary, diagnosis and hint."""
    starts = tuple(i18n.label(i18n._(text), lang) for text in (
        "Smallest failing case", "Expected (reference)", "Your code raised"))
    starts += tuple(i18n.render(i18n._("Where: {where}", where=""), language)
                    for language in i18n.languages(lang))
    lines = output.split("\n")
    cut = next((i for i, line in enumerate(lines) if line.startswith(starts)), len(lines))
    return "\n".join(lines[:cut]).rstrip("\n")


def results_now(text: str, lang: str) -> dict:
    """results.json as written now, each failed test's ``output`` cut as :func:`explanation`."""
    data = json.loads(text)
    for test in data["tests"]:
        if test["status"] == "failed":
            test["output"] = explanation(test["output"], lang)
    return data


def expected_grades(old: str, variant: str) -> str:
    if variant != "late":
        return old
    rows = list(csv.reader(io.StringIO(old)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*rows[0], "time_source", "time_check"])
    for row in rows[1:]:
        writer.writerow([*row, OLD_SOURCE, ""])
    return buf.getvalue()


@pytest.mark.parametrize("variant", sorted(BEFORE["variants"]))
def test_each_students_files_are_the_bytes_before_but_the_intended_changes(variant):
    before = BEFORE["files"][variant]
    compared = 0
    for record, settings in graded(variant):
        files = render(record, settings)
        on_disk_before = sorted(k.split("/", 1)[1] for k in before
                                if k.startswith(record.student + "/"))
        assert sorted(files) == on_disk_before, record.student
        for name, text in files.items():
            old = before[f"{record.student}/{name}"]
            if name == "results.json":
                assert results_now(text, settings.lang) == expected_results(old, variant), \
                    f"{variant}: {record.student}/{name}"
                compared += 1
            elif not name.endswith(".html"):  # the pages are redesigned (the module's doc)
                assert text == old, f"{variant}: {record.student}/{name}"
                compared += 1
    assert compared >= len(BEFORE["students"])


@pytest.mark.parametrize("variant", sorted(BEFORE["variants"]))
def test_grades_csv_is_the_bytes_before_but_the_intended_changes(variant):
    old = BEFORE["files"][variant]["grades.csv"]
    order = [row[0] for row in csv.reader(io.StringIO(old))][1:]  # as the class was found
    rows = sorted(graded(variant), key=lambda pair: order.index(pair[0].student))
    assert grades_csv_text(rows) == expected_grades(old, variant)
