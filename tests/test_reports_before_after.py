"""The reports the code writes now, for part of the example class, against the bytes the code
before ``autograder/reports`` wrote (``tests/data/reports_before.json.xz``: 8 students of the
example class graded with seed 0 by ``autograder grade`` in five variants, with each run's
stored records and, for the late rule, the submission times it used). Rendered from those
records, every file is byte for byte the same, except these intended changes:

- ``late``: ``results.json``'s ``extra_data.late`` gains ``flags`` (the student-written times
  that disagree with the trusted one, for the instructor), and ``grades.csv`` gains the
  columns ``time_source`` and ``time_check``.

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

from autograder import i18n
from autograder.reports import ReportSettings, feedback, grades_csv_text, render
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
    # the page's note on earlier functions, worded as it was then (answers now reach only
    # the calls a correct version makes on the case: a change of wording, not of rendering)
    monkeypatch.setattr(feedback, "EARLIER_FUNCTIONS", i18n._(
        "While a function is graded, the earlier functions it calls (conv2d inside "
        "tiny_cnn_forward, say) give correct answers: each mistake costs only the items of "
        "the function it is in."))


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


def expected_results(old: str, variant: str) -> str:
    """results.json as it was, with the intended change of its variant."""
    if variant != "late":
        return old
    data = json.loads(old)
    data["extra_data"]["late"]["flags"] = []
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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
            want = expected_results(old, variant) if name == "results.json" else old
            assert text == want, f"{variant}: {record.student}/{name}"
            compared += 1
    assert compared >= 2 * len(BEFORE["students"])


@pytest.mark.parametrize("variant", sorted(BEFORE["variants"]))
def test_grades_csv_is_the_bytes_before_but_the_intended_changes(variant):
    old = BEFORE["files"][variant]["grades.csv"]
    order = [row[0] for row in csv.reader(io.StringIO(old))][1:]  # as the class was found
    rows = sorted(graded(variant), key=lambda pair: order.index(pair[0].student))
    assert grades_csv_text(rows) == expected_grades(old, variant)
