"""feedback.html and its text twin: escaped, standalone, deterministic, and they show the case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reports.feedback import (
    failure_text,
    feedback_html,
    heatmaps_html,
    record_text,
)
from autograder.reports.heatmaps import first_differing_pair
from autograder.results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind

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
