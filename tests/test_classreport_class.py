"""The class report of a class really graded in the sandbox, built from autograder/examples:
two students hand in the same buggy conv2d (one with renamed variables, comments and a
docstring), two others distinct bugs, one the model solution. The report must find exactly
the misconceptions and the clusters that this class holds, and agree with grades.csv.

Only three conv2d items are graded, to keep the test affordable.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

import reference
from autograder import rubric
from autograder.classreport import DEFAULT_AT_RISK, load_records, summary_text
from autograder.cli import main
from autograder.engine import grade_items
from autograder.examples import build_class, example_class, read
from autograder.grading import SubmissionPath, find_submissions, grade_submission
from autograder.incremental import grade_into_store
from autograder.options import GradeOptions
from autograder.student import InProcessStudent
from tests.test_classreport import page_problems

ITEMS = ("conv2d: stride", "conv2d: bias", "conv2d: channels summed")
EXAMPLES = {s.name: s for s in example_class()}
FLIPPED = EXAMPLES["bug_kernel_flipped"]
# who hands in what: (student, example student)
CLASS = (("ana", "bug_kernel_flipped"), ("ben", None), ("cho", "bug_stride_not_applied"),
         ("dan", "bug_conv_bias_missing"), ("eve", "loops"))


def disguised(source: str) -> str:
    """The kernel-flipped conv2d as a copier would hand it in: names changed, comments and a
    docstring added, spacing changed; it computes exactly the same thing."""
    override = read(FLIPPED.override)
    assert override in source
    new = override
    for old, name in (("window", "patch"), ("flipped", "kernel_rev"), ("out", "result"),
                      ("r", "row"), ("c", "col"), ("sh", "step_h"), ("sw", "step_w")):
        new = re.sub(rf"\b{old}\b", name, new)
    new = new.replace("    x, w, b = _check_conv_inputs(x, w, b)",
                      '    """My convolution."""\n    # check the inputs first\n'
                      "    x,w,b = _check_conv_inputs( x, w, b )\n")
    assert new != override
    return source.replace(override, new)


def expected_lost(example: str) -> set[str]:
    """The graded items an example student loses, from its own EXPECTED_LOST."""
    facts = EXAMPLES[example].expectations()
    return set(facts.get("EXPECTED_LOST", ())) & set(ITEMS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("classreport")
    folder = root / "class"
    folder.mkdir()
    for student, example in CLASS:
        source = EXAMPLES[example or FLIPPED.name].source()
        (folder / f"{student}.py").write_text(disguised(source) if example is None else source)
    subs, warnings = find_submissions([folder])
    assert not warnings
    out = root / "out"  # as autograder grade writes it: the class report at the end, once
    run = grade_into_store(subs, out, GradeOptions(items=ITEMS), workers=2,
                           class_report=DEFAULT_AT_RISK)
    return out, folder, run.records, summary_text(run.class_report)


def class_json(out):
    return json.loads((out / "class.json").read_text())


def test_the_copied_bug_is_still_the_bug():
    assert build_class  # the class is made like the demo's, from the same files
    source = disguised(FLIPPED.source())
    assert "kernel_rev" in source and "flipped =" not in source


def test_misconception_counts_are_exactly_those_of_the_class(graded):
    out, _, _, _ = graded
    found = {m["name"]: m["students"] for m in class_json(out)["misconceptions"]}
    diagnosis = {ex: EXAMPLES[ex].expectations()["EXPECTED_DIAGNOSIS"]
                 for ex in ("bug_kernel_flipped", "bug_stride_not_applied",
                            "bug_conv_bias_missing")}
    assert found == {diagnosis["bug_kernel_flipped"]: ["ana", "ben"],
                     diagnosis["bug_stride_not_applied"]: ["cho"],
                     diagnosis["bug_conv_bias_missing"]: ["dan"]}


def test_pass_rates_match_grades_csv_and_the_examples_expectations(graded):
    out, _, records, _ = graded
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    items = {i["name"]: i for i in class_json(out)["items"]}
    assert set(items) == set(ITEMS)
    for name in ITEMS:
        points = rubric.item(name).points
        passed = [r["student"] for r in rows if float(r[name]) == points]
        assert items[name]["pass_rate"] == len(passed) / len(rows)
        assert items[name]["passed"] == len(passed)
        assert items[name]["points"] == points
        losers = {s for s, ex in CLASS if name in expected_lost(ex or FLIPPED.name)}
        assert {r["student"] for r in rows} - set(passed) == losers
        assert items[name]["failed"] == len(losers)
    assert [r.student for r in records] == [s for s, _ in CLASS]


def test_identical_wrong_answers_cluster_only_the_two_copies(graded):
    out, _, _, _ = graded
    clusters = [c for c in class_json(out)["clusters"] if c["kind"] == "identical wrong answers"]
    assert [c["students"] for c in clusters] == [["ana", "ben"]]
    evidence = clusters[0]["evidence"]
    assert {e["item"] for e in evidence} == expected_lost(FLIPPED.name)
    assert all(e["explained_by"] == FLIPPED.expectations()["EXPECTED_DIAGNOSIS"]
               for e in evidence)


def test_identical_code_clusters_the_two_copies_and_names_the_shared_model_code(graded):
    out, _, _, _ = graded
    clusters = [c for c in class_json(out)["clusters"] if c["kind"] == "identical code"]
    telling = [c for c in clusters if c["unexplained"]]
    assert [c["students"] for c in telling] == [["ana", "ben"]]
    assert [e["function"] for e in telling[0]["evidence"]] == ["conv2d"]
    sources = telling[0]["evidence"][0]["sources"]
    assert "flipped" in sources["ana"] and "kernel_rev" in sources["ben"]
    # everything else they share is the bundled model solution, which every student here
    # was built from; eve's conv2d is the model's too, but nobody else has it
    for c in clusters:
        if c is not telling[0]:
            assert all(e["model_solution"] for e in c["evidence"])
            assert "conv2d" not in {e["function"] for e in c["evidence"]}


def test_the_page_has_every_section_links_feedback_and_nothing_external(graded):
    out, _, _, summary = graded
    text = (out / "class.html").read_text()
    assert page_problems(text) == []
    for link in set(re.findall(r'href="([^#"][^"]*)"', text)):
        assert (out / link).is_file(), link
    assert "ana, ben" in text
    assert summary.count("\n  ") == 5


def test_report_from_the_folder_gives_the_same_numbers(graded, tmp_path):
    out, folder, records, _ = graded
    before = class_json(out)
    assert main(["report", str(out), str(folder)]) == 0
    after = class_json(out)
    for key in ("items", "misconceptions", "notebooks", "summary", "at_risk_threshold"):
        assert after[key] == before[key], key
    assert [c["students"] for c in after["clusters"]] == [c["students"]
                                                          for c in before["clusters"]]
    assert [r.score for r in load_records(out)] == [r.score for r in records]


def drawn_cases(case_key):
    """The inputs the grader gives conv2d on one item, for the model solution."""
    seen = []

    def conv2d(x, w, b=None, stride=1, padding=0):
        seen.append((x.tobytes(), w.tobytes(), repr(b), stride, padding))
        return reference.conv2d(x, w, b, stride, padding)

    results = grade_items(InProcessStudent({"conv2d": conv2d}), seed=3,
                          items=["conv2d: bias"], case_key=case_key)
    assert results[0].passed
    return seen


def test_per_student_cases_give_each_student_other_hidden_cases():
    ana, ben = drawn_cases("ana"), drawn_cases("ben")
    assert ana != ben and ana != drawn_cases(None)
    assert drawn_cases("ana") == ana  # and the same name replays them exactly


def test_per_student_cases_replay_exactly_through_the_sandbox(graded):
    _, folder, _, _ = graded
    sub = SubmissionPath("ana", folder / "ana.py")

    def record():
        r = grade_submission(sub, GradeOptions(items=["conv2d: bias"], per_student_cases=True))
        return [(i.name, i.points, repr(i.failure)) for i in r.items]

    assert record() == record()
