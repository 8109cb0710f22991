"""The class report's parts, without grading: fingerprints, digests, statistics from
records, class.json against grades.csv, the page, reading a graded folder back, the seed."""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import io
import json
import keyword
import re
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import rubric
from autograder.classreport import build_report, load_records, write_class_report
from autograder.classreport.catalogue import misconception_info
from autograder.classreport.findings import top_findings
from autograder.classreport.fingerprint import MAX_SOURCE_BYTES, source_prints
from autograder.classreport.outcomes import failure_kind, make_failure, output_digest
from autograder.classreport.page import SECTIONS, class_html
from autograder.cli import main
from autograder.engine import item_seed
from autograder.i18n import render
from autograder.misconceptions import MISCONCEPTIONS
from autograder.reports import (
    ReportSettings,
    grades_csv_text,
    student_folder,
    write,
    write_grades_csv,
)
from autograder.results import GradeRecord, ItemResult

CONV2D = '''
def conv2d(x, w, b=None, stride=1, padding=0):
    """Cross-correlate."""
    n, c, h, wd = x.shape
    f, _, fh, fw = w.shape
    oh = (h - fh) // stride + 1
    ow = (wd - fw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for r in range(oh):
        for col in range(ow):
            window = x[:, :, r * stride:r * stride + fh, col * stride:col * stride + fw]
            out[:, :, r, col] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b[None, :, None, None]
    return out
'''
OWN_NAMES = ("x", "w", "b", "stride", "padding", "n", "c", "h", "wd", "f", "_", "fh", "fw",
             "oh", "ow", "out", "r", "col", "window")


def digest_of(source: str, function: str = "conv2d") -> str:
    return source_prints([("s.py", source)]).functions[function].digest


class _Rename(ast.NodeTransformer):
    """The test's own renamer (plain ast), applied to a whole module."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.mapping.get(node.arg, node.arg)
        return node


def renamed(source: str, mapping: dict[str, str]) -> str:
    return ast.unparse(_Rename(mapping).visit(ast.parse(source)))


IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s not in ("np", "range", "None") and s not in dir(
        __builtins__))


@given(st.lists(IDENT, min_size=len(OWN_NAMES), max_size=len(OWN_NAMES), unique=True))
def test_renaming_a_functions_own_names_keeps_its_fingerprint(names):
    mapping = dict(zip(OWN_NAMES, names, strict=True))
    assert digest_of(renamed(CONV2D, mapping)) == digest_of(CONV2D)


def test_comments_docstrings_whitespace_and_annotations_do_not_count():
    noisy = CONV2D.replace('    """Cross-correlate."""\n', "    # my own version\n")
    noisy = noisy.replace("def conv2d(x, w,", "def conv2d(x: np.ndarray,  w,")
    noisy = noisy.replace("    oh = (h - fh) // stride + 1",
                          "\n\n    oh = (h-fh)//stride+1  # rows")
    noisy = noisy.replace("return out", "return (out)")
    assert digest_of(noisy) == digest_of(CONV2D)


@pytest.mark.parametrize("change", [("np.tensordot", "np.dot"), ("// stride + 1", "// stride"),
                                    ("r * stride:", "r:"), ("out += b", "out -= b")])
def test_a_change_in_what_the_code_does_changes_the_fingerprint(change):
    assert digest_of(CONV2D.replace(*change)) != digest_of(CONV2D)


def test_global_names_are_not_renamed():
    # two helpers that differ only in which global they call are different code
    one = "def relu(x):\n    y = helper_a(x)\n    return y + 0 * x + 0 * x + 0 * x + 0 * x\n"
    two = one.replace("helper_a", "helper_b")
    assert digest_of(one, "relu") != digest_of(two, "relu")


def test_sources_over_the_size_bound_or_unparsable_are_skipped_with_a_note():
    big = CONV2D + "\n#" + "x" * MAX_SOURCE_BYTES
    prints = source_prints([("big.py", big), ("broken.py", "def conv2d(:\n")])
    assert prints.functions == {}
    assert len(prints.notes) == 2
    assert "big.py" in prints.notes[0] and str(MAX_SOURCE_BYTES) in prints.notes[0]
    assert "broken.py" in prints.notes[1]


@pytest.mark.parametrize("depth", [500, 5000, 60000])
def test_absurdly_nested_code_is_skipped_with_a_note_not_a_crash(depth):
    hostile = "def conv2d(x):\n    return " + "-" * depth + "x\n"
    prints = source_prints([("deep.py", hostile), ("fine.py", CONV2D.replace("conv2d", "dense"))])
    assert list(prints.functions) == ["dense"]
    assert len(prints.notes) == 1 and "not compared" in prints.notes[0]


def test_the_notebook_that_teaches_a_function_wins_over_a_later_copy():
    other = CONV2D.replace("np.tensordot", "np.dot")
    prints = source_prints([("03_convolution.ipynb#1", CONV2D), ("05_backprop.ipynb#0", other)])
    assert prints.functions["conv2d"].digest == digest_of(CONV2D)
    prints = source_prints([("a.py", CONV2D), ("b.py", other)])  # no notebook: the last one
    assert prints.functions["conv2d"].digest == digest_of(other)


# --------------------------------------------------------------------------- digests and kinds


def mismatch(case, got, diagnosis=None):
    return make_failure("wrong values", "mismatch", case=case, expected=np.zeros(2), got=got,
                        diagnosis=diagnosis)


def test_the_same_wrong_answer_on_the_same_case_has_the_same_digest():
    a = mismatch({"x": np.arange(4.0).reshape(2, 2)}, np.array([1.0, 2.0]))
    b = mismatch({"x": np.arange(4.0).reshape(2, 2)}, np.array([1.0, 2.0]))
    assert output_digest(a) == output_digest(b)
    for other in (mismatch({"x": np.arange(4.0).reshape(2, 2)}, np.array([1.0, 2.5])),
                  mismatch({"x": np.arange(4.0).reshape(4, 1)}, np.array([1.0, 2.0])),
                  mismatch({"x": np.arange(4.0).reshape(2, 2)}, np.array([1, 2]))):
        assert output_digest(other) != output_digest(a)


@pytest.mark.parametrize("summary,kind", [
    ("your function took longer than 2 s on this case", "timeout"),
    ("conv2d crashed the process running it (exit -9)", "crash"),
    ("conv2d is not defined (or not a function)", "missing"),
    ("conv2d is not implemented yet", "not implemented"),
    ("not graded: alice.txt is not a .py file", "not graded"),
])
def test_failures_other_than_wrong_answers_have_no_digest(summary, kind):
    failure = make_failure(summary, kind)
    assert failure_kind(failure) == kind
    assert output_digest(failure) is None


# --------------------------------------------------------------------------- statistics

ITEMS = rubric.ITEMS
DIAGNOSES = [m.name for m in MISCONCEPTIONS[:6]]


@st.composite
def classes(draw):
    """Records of a class: each item passed, failed with a (maybe diagnosed) wrong answer."""
    n = draw(st.integers(1, 7))
    records = []
    for k in range(n):
        items = []
        for it in ITEMS:
            outcome = draw(st.sampled_from(["pass", "pass", "wrong", "timeout"]))
            if outcome == "pass":
                items.append(ItemResult(it.name, float(it.points), float(it.points)))
                continue
            if outcome == "timeout":
                failure = make_failure("your function took longer than 1 s on this case",
                                       "timeout")
            else:
                failure = mismatch({"n": draw(st.integers(0, 2))}, draw(st.integers(0, 2)),
                                   draw(st.sampled_from([None, *DIAGNOSES])))
            items.append(ItemResult(it.name, 0.0, float(it.points), failure))
        records.append(GradeRecord(f"s{k}", items, "bubblewrap",
                                   seconds=draw(st.floats(0, 30))))
    return records


def pass_rates_from_grades_csv(text: str) -> dict[str, float]:
    """item -> fraction of students with the item's full points, from grades.csv alone."""
    rows = list(csv.DictReader(io.StringIO(text)))
    points = {it.name: it.points for it in ITEMS}
    return {name: sum(float(r[name]) == p for r in rows) / len(rows)
            for name, p in points.items()}


@settings(max_examples=25)
@given(classes())
def test_pass_rates_and_counts_in_class_json_match_grades_csv_and_records(records):
    data = build_report(records).to_json()
    expected = pass_rates_from_grades_csv(grades_csv_text(records))
    assert {i["name"]: i["pass_rate"] for i in data["items"]} == pytest.approx(expected)
    rates = [i["pass_rate"] for i in data["items"]]
    assert rates == sorted(rates)  # from the most missed
    for item in data["items"]:
        timeouts = sum(1 for r in records for x in r.items if x.name == item["name"]
                       and x.failure is not None and "took longer" in x.failure.summary)
        assert item["timed_out"] == timeouts
        assert item["points"] == rubric.item(item["name"]).points
    for m in data["misconceptions"]:
        who = [r.student for r in records
               if any(x.failure is not None and x.failure.diagnosis == m["name"] for x in r.items)]
        assert m["students"] == who and m["count"] == len(who)
    named = {x.failure.diagnosis for r in records for x in r.items
             if x.failure is not None and x.failure.diagnosis}
    assert {m["name"] for m in data["misconceptions"]} == named
    assert sum(data["summary"]["histogram"]["counts"]) == len(records)
    assert [s["name"] for s in data["students"]] == [r.student for r in records]


def _student(name, lost: dict[str, str | None]) -> GradeRecord:
    """A record that loses the items in ``lost`` (item -> diagnosis) and passes the rest."""
    items = []
    for it in ITEMS:
        if it.name in lost:
            # different wrong answers per student, the same in every process (hash() is salted)
            got = zlib.crc32(f"{name}/{it.name}".encode())
            items.append(ItemResult(it.name, 0.0, it.points,
                                    mismatch({"n": 1}, got, lost[it.name])))
        else:
            items.append(ItemResult(it.name, float(it.points), float(it.points)))
    return GradeRecord(name, items, "rlimit", seconds=1.0)


FLIPPED = next(m.name for m in MISCONCEPTIONS if m.key == "kernel_flipped")
CONV_ITEMS = [it.name for it in rubric.items_for("conv2d")]


def test_findings_name_the_commonest_mistake_with_its_share_and_where_stride_fails():
    stride = "conv2d: stride"
    records = [_student(f"f{i}", {n: FLIPPED for n in CONV_ITEMS[1:4]}) for i in range(4)]
    records += [_student(f"s{i}", {stride: None}) for i in range(5)]
    records += [_student(f"ok{i}", {}) for i in range(4)]
    both = top_findings(build_report(records))
    assert all(f.ko and f.ko != f.en and re.search("[가-힣]", f.ko) for f in both)
    found = [f.en for f in both]
    assert len(found) == 5
    assert any(f.startswith(f"31 % (4 of 13): {FLIPPED}") for f in found), found
    assert any(f.startswith("stride fails most in conv2d") for f in found), found


def test_at_risk_students_are_those_below_the_threshold_with_their_weakest_notebook():
    part1 = [it.name for it in ITEMS if rubric.part_of(it.function).stem == "01_feature_map_size"]
    conv = [it.name for it in ITEMS if rubric.part_of(it.function).stem == "03_convolution"]
    weak = _student("weak", dict.fromkeys(conv + part1[:2]))  # loses 43 + 5 points
    fine = _student("fine", dict.fromkeys(part1))  # loses 9 points
    report = build_report([weak, fine], at_risk=60)
    assert [s.name for s in report.at_risk_students] == ["weak"]
    assert report.at_risk_students[0].weakest == "03_convolution"
    assert [s.name for s in build_report([weak, fine], at_risk=95).at_risk_students] == [
        "weak", "fine"]


def test_identical_wrong_answers_cluster_and_different_ones_do_not():
    base = {"x": np.ones((2, 2))}
    same = np.array([[3.0]])

    def rec(name, got):
        items = [ItemResult("conv2d: bias", 0.0, 2.0, mismatch(base, got))]
        return GradeRecord(name, items, "rlimit")

    report = build_report([rec("a", same), rec("b", np.array([[4.0]])), rec("c", same.copy())])
    assert [c.students for c in report.output_clusters] == [["a", "c"]]
    assert report.output_clusters[0].evidence[0]["item"] == "conv2d: bias"
    assert report.output_clusters[0].unexplained == 1


def test_misconception_info_comes_from_the_catalogue():
    m = next(m for m in MISCONCEPTIONS if m.key == "kernel_flipped")
    assert misconception_info(m.name) == (m.name, m.hint)
    assert misconception_info("something else") == ("something else", "")


# --------------------------------------------------------------------------- the page

EXTERNAL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|\bsrc\s*=|url\((?!#)|@import", re.I)


def page_problems(text: str) -> list[str]:
    """Why ``text`` is not a self-contained, bilingual class report ([] if it is)."""
    problems = [f"external reference {m.group(0)!r}" for m in EXTERNAL.finditer(text)]
    for href in re.findall(r'href="([^"]*)"', text):
        if not (href.startswith("#") or re.fullmatch(r"[\w.-]+/feedback\.html", href)):
            problems.append(f"link to {href!r}")
    for anchor, ko, en in SECTIONS:
        if f'<section id="{anchor}">' not in text:
            problems.append(f"no section {anchor}")
        if f'<span lang="ko">{ko}</span>' not in text or f'<span lang="en">{en}</span>' not in text:
            problems.append(f"section {anchor} not titled in both languages")
    if "@media print" not in text:
        problems.append("no print styles")
    return problems


def _small_class():
    evil = '<script>alert(1)</script>'
    return [_student(evil, {"conv2d: bias": FLIPPED, "relu: values": None}),
            _student("bob", {"conv2d: bias": FLIPPED}), _student("cy", {})]


def test_the_page_has_every_section_in_both_languages_and_nothing_external():
    text = class_html(build_report(_small_class()))
    assert page_problems(text) == []
    assert text.count("<svg") == 2  # the two plots
    assert "<script>" not in text  # a student's name is text, never markup
    assert text.count('<span lang="ko">') == text.count('<span lang="en">')


def test_the_page_names_items_and_misconceptions_in_korean_then_english():
    text = class_html(build_report(_small_class()))
    flipped = next(m for m in MISCONCEPTIONS if m.key == "kernel_flipped")
    for ko, en in [(rubric.item("conv2d: bias").title("ko"), "conv2d: bias"),
                   (render(flipped.name, "ko"), flipped.name),
                   (render(flipped.hint, "ko"), flipped.hint)]:
        assert ko != en and f'<span lang="ko">{html.escape(ko)}</span> ' \
            f'<span lang="en">{html.escape(en)}</span>' in text, ko
    said = " ".join(f.ko for f in top_findings(build_report(_small_class())))
    assert render(flipped.name, "ko") in said and flipped.name not in said
    assert "'conv2d: 편향' 항목을" in said and "conv2d: bias" not in said


def test_without_matplotlib_the_page_still_draws_its_plots(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib` now fails
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = build_report(_small_class())
    text = class_html(report)
    assert page_problems(text) == []
    histogram = re.search(r'<figure class="plot"><svg.*?</svg>', text).group(0)
    # one bar per non-empty score bin, each labelled with its count
    counts = [c for c in report.histogram() if c]
    assert histogram.count("<rect") == len(counts)
    for c in counts:
        assert f">{c}</text>" in histogram


def test_the_page_checker_catches_what_it_should():
    text = class_html(build_report(_small_class()))
    bad = text.replace("</body>", '<img src="x.png"><a href="https://example.org">x</a></body>')
    assert len(page_problems(bad)) == 3
    assert page_problems(text.replace('<section id="signals">', "<section>"))


# --------------------------------------------------------------------------- reading OUT back


def test_records_read_back_from_the_reports_give_the_same_report(tmp_path):
    records = _small_class()
    records[0].student = "alice"
    twin = _student("twin", {})
    twin.items = [ItemResult(r.name, r.points, r.max_points, r.failure) for r in records[1].items]
    records.append(twin)  # the same wrong answer as bob: one cluster
    for record in records:
        write(record, student_folder(record.student, tmp_path), ReportSettings())
    write_grades_csv(tmp_path, records)
    back = load_records(tmp_path)
    fresh, again = build_report(records).to_json(), build_report(back).to_json()
    for key in ("items", "misconceptions", "summary", "notebooks"):
        assert again[key] == fresh[key], key
    assert [c["students"] for c in again["clusters"]] == [["bob", "twin"]]
    assert [c["students"] for c in fresh["clusters"]] == [["bob", "twin"]]


def test_report_command_writes_both_files_and_refuses_an_empty_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "expected the folder" in capsys.readouterr().err
    records = _small_class()[1:]
    for record in records:
        write(record, student_folder(record.student, tmp_path), ReportSettings())
    write_grades_csv(tmp_path, records)
    assert main(["report", str(tmp_path), "--at-risk", "99"]) == 0
    data = json.loads((tmp_path / "class.json").read_text())
    assert data["at_risk_threshold"] == 99
    assert [s["name"] for s in data["students"] if s["at_risk"]] == ["bob"]
    assert page_problems((tmp_path / "class.html").read_text()) == []


@pytest.mark.parametrize("value", ["-1", "101", "half"])
def test_a_bad_at_risk_value_is_a_usage_error(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path), "--at-risk", value])
    assert exc.value.code == 2
    assert "percentage" in capsys.readouterr().err


def test_write_class_report_without_sources_says_code_was_not_compared(tmp_path):
    write_class_report(_small_class(), tmp_path)
    assert "Not compared: the submissions were not given." in (
        tmp_path / "class.html").read_text()


# --------------------------------------------------------------------------- seeds


def test_per_student_seeds_differ_by_student_and_the_term_seed_is_unchanged():
    name = "conv2d: stride"
    # the term seed is sha256("<seed>:<item>"): records graded before this option replay
    assert item_seed(7, name) == int.from_bytes(hashlib.sha256(b"7:conv2d: stride").digest()[:8],
                                                "big")
    seeds = {item_seed(7, name, s) for s in ("alice", "bob", "carol")}
    assert len(seeds) == 3 and item_seed(7, name) not in seeds
    assert item_seed(7, name, "alice") == item_seed(7, name, "alice")
    assert item_seed(8, name, "alice") != item_seed(7, name, "alice")


def test_nothing_is_written_outside_out(tmp_path):
    out = tmp_path / "out"
    write_class_report(_small_class(), out)
    assert sorted(p.name for p in out.iterdir()) == ["class.html", "class.json"]
    assert not list(Path(tmp_path).glob("*.tmp"))


SOURCES = ["def f(x):\r\n    return x\rdef g():\n  s = 'é한'; return s\n",
           "x = 1\x0c\ndef h(): return '\x0b'\n", "def k(\n  a,\n  b):\n    return (a,\n b)"]


def test_function_texts_are_what_ast_gives_from_lines_split_once():
    """The code signal's evidence: each function's text as ``ast.get_source_segment``
    gives it, from the file split once (splitting per function cost a file's length per
    function: about 1 s per submission of the example class)."""
    import ast

    from autograder.classreport.fingerprint import _segment, source_lines
    from autograder.examples import example_class

    sources = [*SOURCES, *(s.source() for s in example_class() if s.name in
                           ("loops", "vectorized", "bug_kernel_flipped"))]
    checked = 0
    for source in sources:
        lines = source_lines(source)
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                assert _segment(lines, node) == ast.get_source_segment(source, node)
                checked += 1
    assert checked > 40
