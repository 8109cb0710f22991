"""feedback.html and its text twin: escaped, standalone, deterministic, and they show the case."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support.namespaces import run_source

from autograder import rubric
from autograder.engine import grade_function
from autograder.examples import example_class
from autograder.reports.feedback import (
    failure_text,
    feedback_html,
    heatmaps_html,
    record_text,
)
from autograder.reports.heatmaps import first_differing_pair
from autograder.results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind
from autograder.student import InProcessStudent

EVIL = '<script>alert("pwned")</script>'


class TagCounter(HTMLParser):
    """Counts start tags by name and collects every attribute value, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += attrs


def parse(page: str) -> TagCounter:
    counter = TagCounter()
    counter.feed(page)
    counter.close()
    return counter


def conv_failure(**overrides) -> Failure:
    expected = np.arange(16.0).reshape(1, 1, 4, 4)
    got = expected.copy()
    got[0, 0, 1, 2] = -6.0
    fields = dict(
        summary="wrong values at 1 of 16 positions",
        kind=FailureKind.MISMATCH,
        mismatch=MismatchKind.VALUE,
        case={"x": np.ones((1, 1, 4, 4)), "w": np.ones((1, 1, 1, 1)), "stride": 1},
        expected=expected,
        got=got,
        where="first difference at [0, 0, 1, 2]: expected 6.0, got -6.0",
        diagnosis="the filter is flipped",
        hint="lay the filter on the window as it is",
    )
    fields.update(overrides)
    return Failure(**fields)


def record_with(failure: Failure, student: str = "alice", problems=()) -> GradeRecord:
    return GradeRecord(
        student,
        [ItemResult("conv2d: stride", 0, 4, failure), ItemResult("relu: values", 1, 1)],
        "bubblewrap",
        problems=list(problems),
    )


def test_everything_the_student_controls_is_escaped():
    failure = conv_failure(
        summary=f"ValueError: {EVIL}",
        traceback=f'File "alice.py", line 3\nValueError: {EVIL}',
        case={"padding": EVIL},
        expected=EVIL,
        got=f"{EVIL}<img src=x onerror=alert(1)>",
        where=EVIL,
    )
    page = feedback_html(record_with(failure, student=f"bob{EVIL}", problems=[EVIL]))
    tags = parse(page)
    assert "script" not in tags.tags
    assert "img" not in tags.tags
    assert not any(name.startswith("on") for name, _ in tags.attrs)
    assert "&lt;script&gt;" in page


def test_the_page_is_standalone():
    page = feedback_html(record_with(conv_failure()))
    tags = parse(page)
    assert not {"script", "link", "img", "iframe"} & set(tags.tags)
    assert not any(name in ("src", "href") and value and not value.startswith("#")
                   for name, value in tags.attrs)
    assert "url(" not in page and "@import" not in page


def test_a_failed_item_shows_its_case_expected_got_diagnosis_and_hint():
    page = feedback_html(record_with(conv_failure()))
    for text in ("wrong values at 1 of 16 positions", "the filter is flipped",
                 "lay the filter on the window as it is", "stride = 1",
                 "first difference at [0, 0, 1, 2]", "-6."):
        assert text in page
    text = failure_text(conv_failure())
    for text_part in ("Looks like: the filter is flipped", "Hint: lay the filter", "stride = 1",
                      "Expected (reference):", "Got (your code):", "-6."):
        assert text_part in text


def test_the_got_map_outlines_exactly_the_wrong_cells():
    figure = heatmaps_html(conv_failure().expected, conv_failure().got)
    svgs = ET.fromstring(figure)
    ns = "{http://www.w3.org/2000/svg}"
    expected_svg, got_svg, diff_svg = svgs.iter(f"{ns}svg")
    outlined = [r for r in got_svg.iter(f"{ns}rect") if r.get("stroke") == "#000"]
    assert len(outlined) == 1
    assert outlined[0].find(f"{ns}title").text == "[1, 2] = -6.0"
    assert len(list(expected_svg.iter(f"{ns}rect"))) == 16
    assert len(list(diff_svg.iter(f"{ns}rect"))) == 16


def test_the_picture_shows_the_plane_with_the_largest_difference():
    expected = np.zeros((2, 3, 4, 4))
    got = expected.copy()
    got[0, 0, 0, 0] = 0.5
    got[1, 2, 3, 1] = 9.0
    assert "Showing [1, 2, :, :]" in heatmaps_html(expected, got)


def test_parts_of_tuples_and_dicts_are_named():
    e = (np.zeros((2, 2)), np.ones((3, 3)), np.zeros(3))
    g = (np.zeros((2, 2)), np.full((3, 3), 2.0), np.zeros(3))
    label, pe, pg = first_differing_pair(e, g)
    assert label == "[1]" and pe.shape == (3, 3) and pg[0, 0] == 2.0
    label, *_ = first_differing_pair({"W1": np.zeros(2), "b1": np.zeros(2)},
                                     {"W1": np.zeros(2), "b1": np.ones(2)})
    assert label == "['b1']"
    assert first_differing_pair(e, e) is None


def test_shapes_that_differ_are_drawn_without_a_difference_map():
    figure = heatmaps_html(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)))
    assert figure.count("<svg") == 2 and "got − expected" not in figure


def test_nothing_drawable_gives_no_picture():
    assert heatmaps_html(3, 4) == ""
    assert heatmaps_html("ValueError", None) == ""
    assert heatmaps_html(np.zeros((100, 100)), np.ones((100, 100))) == ""


drawable = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5),
)


@given(drawable, drawable)
def test_any_pair_of_arrays_gives_wellformed_svg(expected, got):
    figure = heatmaps_html(expected, got)
    if figure:
        ET.fromstring(figure)  # raises on malformed markup


def test_the_page_is_the_same_for_the_same_record():
    assert feedback_html(record_with(conv_failure())) == feedback_html(record_with(conv_failure()))


def test_the_page_carries_no_timing():
    fast, slow = record_with(conv_failure()), record_with(conv_failure())
    fast.seconds, slow.seconds = 0.5, 123.0
    assert feedback_html(fast) == feedback_html(slow)


def test_the_summary_names_the_problems_and_the_lost_items_but_no_sandbox():
    text = record_text(record_with(conv_failure(), problems=["SyntaxError in line 12"]))
    assert "Score: 1 / 5" in text
    assert "bubblewrap" not in text
    assert "SyntaxError in line 12" in text
    assert "conv2d: 스트라이드 (0/4)" in text  # each language names the item in its own words
    assert re.search(r"conv2d: stride \(0/4\): the filter is flipped", text)


def test_a_file_that_did_not_load_is_explained_once_not_per_item():
    missing = [ItemResult(n, 0, 2, Failure(f"{n.split(':')[0]} is not defined (or not a function)",
                                           FailureKind.MISSING))
               for n in ("relu: values", "dense: values")]
    broken = GradeRecord("eve", missing, "rlimit", problems=["eve.py: SyntaxError in line 3"])
    assert "none of your functions could be found" in record_text(broken)
    assert "none of your functions could be found" in feedback_html(broken)
    partly = GradeRecord("fay", [*missing, ItemResult("flatten: order and shape", 1, 1)],
                         "rlimit", problems=["fay.py: NameError in cell 4"])
    assert "none of your functions could be found" not in record_text(partly)
    # what counts is the kind of failure, not its words: a NameError says "not defined" too
    raised = [ItemResult(n, 0, 2, Failure(f"{n.split(':')[0]} raised NameError: name 'np' is "
                                          "not defined", FailureKind.ERROR))
              for n in ("relu: values", "dense: values")]
    code_ran = GradeRecord("gus", raised, "rlimit", problems=["gus.py: NameError in cell 1"])
    assert "none of your functions could be found" not in record_text(code_ran)
    assert "none of your functions could be found" not in feedback_html(code_ran)


# --------------------------------------------------------------------------- read in one look


def graded_record(student: str, source: str, functions: tuple[str, ...]) -> GradeRecord:
    """``functions`` of ``source`` graded in this process, every other item passed."""
    namespace = run_source(source)
    results = {r.name: r for f in functions
               for r in grade_function(InProcessStudent(namespace), f, seed=0)}
    items = [results.get(it.name, ItemResult(it.name, it.points, it.points))
             for it in rubric.ITEMS]
    return GradeRecord(student, items, "rlimit-as-self")


@pytest.fixture(scope="module")
def flipped() -> GradeRecord:
    bug = next(s for s in example_class() if s.name == "bug_kernel_flipped")
    return graded_record("flipped", bug.source(), ("conv2d",))


@pytest.fixture(scope="module")
def floored() -> GradeRecord:
    bug = next(s for s in example_class() if s.name == "bug_output_size_floored")
    return graded_record("floored", bug.source(), ("output_size",))


def cards(page: str) -> list[str]:
    return re.findall(r'<section class="item".*?</section>', page, re.S)


def test_under_lang_ko_every_item_is_named_in_korean(flipped):
    page = feedback_html(flipped, "ko")
    for it in rubric.ITEMS:
        assert it.title("ko") in page, it.name
        if it.title("ko") != it.name:
            assert it.name not in html.unescape(page), it.name
    lost = [r.name for r in flipped.items if not r.passed]
    said = html.unescape(cards(page)[0])
    assert all(rubric.item(n).what("ko") in said for n in lost)


def test_one_mistake_is_one_card_with_one_misconception_box(flipped):
    lost = [r for r in flipped.items if not r.passed]
    assert len(lost) >= 5 and len({str(r.failure.diagnosis) for r in lost}) == 1
    for lang in ("ko", "ko+en"):
        page = feedback_html(flipped, lang)
        assert len(cards(page)) == 1
        assert page.count('class="diagnosis"') == len(lang.split("+"))
        assert page.count("<svg") == 3  # one picture: expected, got, difference
        for r in lost:  # every item links to its line in the card
            anchor = re.search(r'<a href="#([^"]+)">' + re.escape(html.escape(
                rubric.item(r.name).title(lang))), page)
            assert anchor and f'id="{anchor.group(1)}"' in page, r.name


def test_a_stub_is_one_card_per_function_without_a_case():
    items = [ItemResult(it.name, 0, it.points, Failure(
        f"{it.function} is not implemented yet", FailureKind.NOT_IMPLEMENTED,
        case={"x": np.ones((1, 1, 2, 2))}, hint="delete the raise line"))
        for it in rubric.ITEMS]
    page = feedback_html(GradeRecord("stub", items, "rlimit"), "ko")
    assert len(cards(page)) == len(rubric.FUNCTIONS)
    assert "<pre>" not in "".join(cards(page)) and "<svg" not in page


def test_an_expected_exception_is_shown_as_one_never_as_none(floored):
    lost = [r for r in floored.items if not r.passed]
    assert [r.name for r in lost] == ["output_size: rejects non-integer sizes"]
    assert lost[0].failure.expected is None  # what the record holds: no value expected
    for lang, said in [("ko", "ValueError 발생"), ("en", "raises ValueError"),
                       ("ko+en", "ValueError 발생 · raises ValueError")]:
        for text in (cards(feedback_html(floored, lang))[0], failure_text(lost[0].failure, lang)):
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
            assert said in text, (lang, text)
            assert "None" not in text, (lang, text)


def test_the_students_page_names_no_sandbox_and_no_problem_that_cost_nothing():
    passed = [ItemResult(it.name, it.points, it.points) for it in rubric.ITEMS]
    for kind in ("bubblewrap", "rlimit-as-other-user", "rlimit-as-self", "in-process"):
        record = GradeRecord("amy", passed, kind, problems=["amy.py: SystemExit: 3 at import"])
        page, text = feedback_html(record, "ko+en"), record_text(record, "ko+en")
        for word in ("bubblewrap", "rlimit", "sandbox", "샌드박스", "SystemExit"):
            assert word not in page and word not in text, (kind, word)
        assert 'class="problems"' not in page
    lost = GradeRecord("amy", [ItemResult("relu: values", 0, 1, conv_failure()), *passed[1:]],
                       "rlimit", problems=["amy.py: SystemExit: 3 at import"])
    assert "SystemExit" in feedback_html(lost) and "SystemExit" in record_text(lost)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (1, 3), (8, 8), (12, 5)])
def test_heat_maps_are_readable_at_any_size_and_have_a_table_for_screen_readers(shape):
    expected = np.arange(float(np.prod(shape))).reshape(shape) - 1.5
    got = expected.copy()
    got.flat[-1] = -9.25
    page = heatmaps_html(expected, got, "ko")
    svgs = ET.fromstring(f"<div>{page[page.index('<svg'):page.index('<figcaption')]}</div>")
    ns = "{http://www.w3.org/2000/svg}"
    for svg in svgs.iter(f"{ns}svg"):
        assert svg.get("aria-hidden") == "true"
        sizes = {float(r.get("width")) for r in svg.iter(f"{ns}rect")}
        assert min(sizes) >= (32 if max(shape) <= 8 else 14)
        numbers = [t for t in svg.iter(f"{ns}text")][1:]  # after the title
        if max(shape) <= 8:  # small maps carry their numbers, at a legible size
            assert len(numbers) == expected.size
            assert all(float(t.get("font-size")) >= 11 for t in numbers)
    table = re.search(r'<table class="sr-only">(.*?)</table>', page, re.S)
    assert table and "-9.25" in table.group(1) and "위치" in table.group(1)
