"""The class report at MOOC size, without grading: fingerprints made once per content and
kept in the store, literals folded, submissions that attempted nothing counted apart,
where each misconception was found, and a page that stays small for 5,000 students."""

from __future__ import annotations

import json
import re

import pytest

from autograder import classreport, rubric
from autograder.classreport import build_report, fingerprint, summary_text
from autograder.classreport.findings import top_findings
from autograder.classreport.fingerprint import source_prints
from autograder.classreport.page import EXAMPLES_SHOWN, class_html
from autograder.cli import main
from autograder.grading import find_submissions
from autograder.incremental import grade_into_store
from autograder.misconceptions import MISCONCEPTIONS
from autograder.results import GradeRecord, ItemResult
from tests.test_classreport import CONV2D, FLIPPED, _student, mismatch, page_problems


def digest(source: str, function: str = "conv2d") -> str:
    return source_prints([("s.py", source)]).functions[function].digest


# --------------------------------------------------------------------------- folding


@pytest.mark.parametrize("before,after", [
    ("    out = np.zeros((n, f, oh, ow))", "    out = np.zeros((n, f, oh, ow)) + (0.0 + 0.0)"),
    ("oh = (h - fh) // stride + 1", "oh = (h - fh) // stride + (2 - 1)"),
    ("oh = (h - fh) // stride + 1", "oh = (h - fh) // stride + -(-1)"),
])
def test_arithmetic_on_literals_is_folded(before, after):
    plain = CONV2D.replace("    out = np.zeros((n, f, oh, ow))",
                           "    out = np.zeros((n, f, oh, ow)) + 0.0")
    if before.startswith("    out"):
        assert digest(CONV2D.replace(before, after)) == digest(plain)
    else:
        assert digest(CONV2D.replace(before, after)) == digest(CONV2D)


def test_folding_keeps_what_the_code_computes_and_builds_no_huge_number():
    base = CONV2D.replace("oh = (h - fh) // stride + 1", "oh = (h - fh) // stride + 1 * 1")
    assert digest(base) == digest(CONV2D)
    assert digest(CONV2D.replace("// stride + 1", "// stride + (1 + 1)")) != digest(CONV2D)
    # powers are never folded and huge products stay as written: nothing big is built
    for expr in ("10 ** 10 ** 10", "1e300 * 1e300", "10 ** 15 * 10 ** 15", "1 / 0"):
        source = CONV2D.replace("oh = (h - fh) // stride + 1", f"oh = {expr}")
        assert len(digest(source)) == 16


# --------------------------------------------------------------------------- the store


def _fake_grade(sub, options=None):
    return GradeRecord(sub.student, [ItemResult("relu: values", 1.0, 1.0)], "rlimit")


def _inline(subs, todo, finish, *, grader, **_):
    """The runner, in this process (the test is about what happens around grading)."""
    for i in todo:
        finish(i, grader(subs[i]))
    return False


def test_fingerprints_are_made_once_per_content_and_kept_for_reruns_and_reports(
        tmp_path, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "bo", "cy"):
        (folder / f"{name}.py").write_text(CONV2D.replace("def conv2d", f"# {name}\ndef conv2d"))
    made = []
    real = fingerprint.submission_prints
    monkeypatch.setattr(classreport, "submission_prints",
                        lambda path: made.append(path) or real(path))
    subs, _ = find_submissions([folder])
    out = tmp_path / "out"

    def grade():
        return grade_into_store(subs, out, grader=_fake_grade, runner=_inline,
                                class_report=50.0)

    first = grade()
    assert sorted(p.name for p in made) == ["ann.py", "bo.py", "cy.py"]
    clusters = [c for c in first.class_report.code_clusters if c.unexplained]
    assert [c.students for c in clusters] == [["ann", "bo", "cy"]]
    made.clear()
    again = grade()  # everything cached: no file is fingerprinted again
    assert made == [] and again.cached == 3
    assert [c.students for c in again.class_report.code_clusters if c.unexplained] == [
        ["ann", "bo", "cy"]]
    assert main(["report", str(out), str(folder)]) == 0
    assert made == []
    (folder / "bo.py").write_text(CONV2D.replace("np.tensordot", "np.dot"))
    grade()
    assert [p.name for p in made] == ["bo.py"]  # only the changed content


# --------------------------------------------------------------------------- findings

NOT_IMPLEMENTED_SUMMARY = "is not implemented yet"


def _stub(name: str) -> GradeRecord:
    from autograder.classreport.outcomes import make_failure

    items = [ItemResult(it.name, 0.0, float(it.points),
                        make_failure(f"{it.function} {NOT_IMPLEMENTED_SUMMARY}",
                                     "not implemented"))
             for it in rubric.ITEMS]
    return GradeRecord(name, items, "rlimit")


def test_submissions_that_attempted_nothing_are_counted_apart_from_the_rates():
    records = [_student("a", {"conv2d: bias": FLIPPED}), _student("b", {}),
               _stub("s1"), _stub("s2"), _stub("s3")]
    report = build_report(records)
    data = report.to_json()
    assert report.nothing_attempted == ["s1", "s2", "s3"]
    assert data["summary"]["attempted"] == 2 and data["summary"]["nothing_attempted"] == 3
    bias = next(i for i in data["items"] if i["name"] == "conv2d: bias")
    assert (bias["graded"], bias["failed"], bias["pass_rate"]) == (2, 1, 0.5)
    assert next(m for m in data["misconceptions"])["share"] == 0.5
    found = [f.en for f in top_findings(report)]
    assert any(f.startswith("50 % (1 of 2)") for f in found), found
    assert any(f.startswith("3 of 5 submissions attempted nothing") for f in found), found
    assert not any("was missed by 100 %" in f for f in found), found
    assert "(3 attempted nothing)" in summary_text(report)


def test_a_misconception_lists_for_each_student_the_functions_where_it_was_found():
    single = next(it.name for it in rubric.items_for("conv2d_single"))
    records = [_student("a", {"conv2d: bias": FLIPPED, "conv2d: stride": FLIPPED}),
               _student("b", {single: FLIPPED}), _student("c", {})]
    report = build_report(records)
    row = report.misconceptions[0]
    assert row.found_in == {"a": ["conv2d"], "b": ["conv2d_single"]}
    assert report.to_json()["misconceptions"][0]["found_in"] == row.found_in
    assert f"{FLIPPED} [found in conv2d (1), conv2d_single (1)]" in top_findings(report)[0].en
    # found only in conv2d: the finding does not name the other functions it can occur in
    only = build_report([records[0], records[2]])
    assert only.misconceptions[0].functions != ("conv2d",)  # the catalogue names more
    assert top_findings(only)[0].en.endswith(f"{FLIPPED} [found in conv2d (1)]")


# --------------------------------------------------------------------------- the page at size

MISTAKES = [m.name for m in MISCONCEPTIONS[:12]]
ITEMS = [it.name for it in rubric.ITEMS]


def _big_class(n: int) -> list[GradeRecord]:
    """``n`` students: most lose an item or two to a known mistake (every group of them
    gives the same wrong answer: big integrity groups), some attempted nothing; about a
    third have Korean names."""
    records = []
    for k in range(n):
        name = f"학생{k:05d}" if k % 3 == 0 else f"student{k:05d}"
        if k % 17 == 0:
            records.append(_stub(name))
            continue
        lost = {ITEMS[(k * 7 + j) % len(ITEMS)]: MISTAKES[(k + j) % len(MISTAKES)]
                for j in range(k % 3)}
        items = []
        for it in rubric.ITEMS:
            if it.name in lost:
                items.append(ItemResult(it.name, 0.0, float(it.points),
                                        mismatch({"n": 1}, 3, lost[it.name])))
            else:
                items.append(ItemResult(it.name, float(it.points), float(it.points)))
        records.append(GradeRecord(name, items, "bubblewrap", seconds=1.0 + k % 5))
    return records


def test_the_page_of_thousands_is_small_lists_everyone_and_shows_few_examples():
    records = _big_class(2000)
    report = build_report(records)
    text = class_html(report)
    assert len(text.encode()) <= 3_000_000 * 2000 / 5000  # 3 MB at 5,000, in proportion
    assert page_problems(text) == []
    listed = re.search(r'<section id="students">.*?</section>', text, re.S).group(0)
    # every student's score, Korean names as they are
    assert re.findall(r'">([^<]*)</a><td class="n">', listed) == [r.student for r in records]
    row = re.search(r'<section id="misconceptions">.*?</section>', text, re.S).group(0)
    for m in report.misconceptions:
        assert m.count > EXAMPLES_SHOWN
    assert row.count('href="') == EXAMPLES_SHOWN * len(report.misconceptions)
    data = json.loads(json.dumps(report.to_json()))
    assert [s["name"] for s in data["students"]] == [r.student for r in records]
    assert sum(len(m["students"]) for m in data["misconceptions"]) > 2000 // 2
