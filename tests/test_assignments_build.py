"""The build of the student files: one source, reproducible, bilingual, rendered right.

- ``python -m assignments.build`` reproduces every committed file byte for byte, and the
  source notebooks store no outputs or dates;
- every function is taught, self-checked and graded with the rubric's points;
- every explanation is in Korean and English; notebook 1 follows the lecture;
- every Markdown cell renders (markdown-it-py, as in JupyterLab) without a table or text
  shown as a code block.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
from assignments_support import (
    COURSE_SOURCE,
    GENERATED_DIRS,
    MODEL,
    ROOT,
    STEMS,
    STUBS,
    graded_cells,
    read_nb,
    run,
    tags,
)
from markdown_it import MarkdownIt

from autograder import rubric

# ------------------------------------------------------------------------------------ build

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = run([sys.executable, "-m", "assignments.build", "--out", str(out)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def generated_files(root: Path) -> set[str]:
    found = {str(p.relative_to(root)) for d in GENERATED_DIRS for p in (root / d).rglob("*")
             if p.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts)}
    return found | ({str(MODEL.relative_to(ROOT))} if (root / MODEL.relative_to(ROOT)).exists()
                    else set())


def test_build_reproduces_the_committed_files_byte_for_byte(built):
    expected = generated_files(built)
    assert str(MODEL.relative_to(ROOT)) in expected
    assert {f"assignments/source/conv_layers/{stem}.ipynb" for stem in STEMS} <= expected
    assert generated_files(ROOT) == expected, "stray or missing files; rerun the build"
    stale = [rel for rel in sorted(expected)
             if (ROOT / rel).read_bytes() != (built / rel).read_bytes()]
    assert not stale, f"out of date (run `python -m assignments.build`): {stale}"


def test_build_is_deterministic_and_runs_as_a_script(built, tmp_path):
    result = run([sys.executable, "assignments/build.py", "--out", str(tmp_path)], ROOT)
    assert result.returncode == 0, result.stderr
    for rel in generated_files(built):
        assert (tmp_path / rel).read_bytes() == (built / rel).read_bytes(), rel
    (tmp_path / STUBS.relative_to(ROOT)).write_text("# edited\n")  # --check must notice
    check = run([sys.executable, "-m", "assignments.build", "--check", "--out", str(tmp_path)],
                ROOT)
    assert check.returncode == 1, check.stdout
    assert check.stdout.splitlines()[0] == "out of date: assignments/stubs/conv_layers.py"


@pytest.mark.parametrize("stem", STEMS)
def test_source_notebooks_store_no_outputs_ids_or_dates(stem):
    path = COURSE_SOURCE / f"{stem}.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = read_nb(path)
    nbformat.validate(nb)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert "checksum" not in cell.metadata.get("nbgrader", {})
    assert not re.search(r"20\d\d-\d\d-\d\d", text), "a date in a source notebook"
    # nbformat's own stable formatting: sorted keys, one-space indent, trailing newline
    assert text == nbformat.writes(nb) + "\n"


@pytest.mark.parametrize("part", rubric.PARTS, ids=STEMS)
def test_each_function_is_taught_checked_and_graded_with_rubric_points(part):
    nb = read_nb(COURSE_SOURCE / f"{part.stem}.ipynb")
    graded = graded_cells(nb)
    assert sorted(graded) == sorted(part.functions)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for fn, cell in graded.items():
        assert cell.metadata["nbgrader"]["points"] == rubric.points_for(fn)
        assert "convlab:tests" in tags(cell) and cell.metadata["nbgrader"]["locked"]
        assert f'score("{fn}", globals())' in cell.source and "BEGIN HIDDEN TESTS" in cell.source
        for item in rubric.items_for(fn):  # the points table states every item, in both
            assert f"| `{fn}` | {item.what('ko+en')} | {item.points} |" in markdown
            assert item.what("ko") != item.what("en")  # a Korean title of its own
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == [
        f"{fn}-answer" for fn in part.functions]
    selfchecks = [c.source for c in nb.cells if "convlab:selfcheck" in tags(c)
                  and "check_hand_computation" not in c.source]
    assert selfchecks == [f"from selfcheck import check_{fn}\ncheck_{fn}({fn})"
                          for fn in part.functions]
    assert any("convlab:demo" in tags(c) and "plt." in c.source for c in nb.cells)


def test_graded_points_add_up_to_the_rubric_total():
    points = {fn: cell.metadata["nbgrader"]["points"] for stem in STEMS
              for fn, cell in graded_cells(read_nb(COURSE_SOURCE / f"{stem}.ipynb")).items()}
    assert set(points) == set(rubric.FUNCTIONS)
    assert sum(points.values()) == rubric.TOTAL_POINTS == 100


HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.parametrize("stem", STEMS)
def test_every_explanation_is_in_korean_and_english(stem):
    for cell in read_nb(COURSE_SOURCE / f"{stem}.ipynb").cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`|\|.*\||\$[^$]*\$", "", cell.source)  # code, tables
            assert HANGUL.search(prose), f"no Korean in: {cell.source[:80]}"
            english = re.findall(r"\b[A-Za-z]{3,}\b", prose)
            assert len(english) >= 3, f"no English in: {cell.source[:80]}"


def test_notebook_one_corrects_the_lectures_width_formula():
    text = "\n".join(c.source for c in read_nb(COURSE_SOURCE / f"{STEMS[0]}.ipynb").cells)
    assert "OW = (W + 2P − FW) / S + 1" in text
    assert "OW = (H + 2P + FW)/S + 1" in text and "typo" in text and "오타" in text
    for fact in ("(7 − 3)/1 + 1 = **5**", "(7 − 3)/2 + 1 = **3**", "2.33", "**7**"):
        assert fact in text




# ------------------------------------------------------------------------------- rendering

def rendered_tokens(text: str) -> list:
    """Block tokens of Markdown as JupyterLab's stack parses it (CommonMark + tables)."""
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_the_markdown_check_can_fail():
    indented = "intro\n\n            | a | b |\n            |---|---|\n            | 1 | 2 |\n"
    assert any(t.type == "code_block" for t in rendered_tokens(indented))
    assert any(t.type == "table_open" for t in rendered_tokens(indented.replace(" " * 12, "")))


@pytest.mark.parametrize("stem", STEMS)
def test_markdown_renders_tables_as_tables_and_no_text_as_code(stem):
    nb = read_nb(COURSE_SOURCE / f"{stem}.ipynb")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            kinds = [t.type for t in rendered_tokens(cell.source)]
            assert "code_block" not in kinds, f"{cell.id}: indented text shows as code"
            # "**80%**입니다": CommonMark does not close emphasis after punctuation that a
            # letter follows, so the stars would show
            shown = re.sub(r"<code>.*?</code>", "", MarkdownIt("commonmark").enable(
                "table").render(cell.source))
            assert "**" not in shown, f"{cell.id}: emphasis that does not render"
    opening = [c for c in nb.cells[: first_code_cell(nb)]]
    assert any("table_open" in [t.type for t in rendered_tokens(c.source)] for c in opening), \
        "the points table before the first code cell is not a table"


@pytest.mark.parametrize("stem", STEMS)
def test_graded_cells_say_point_or_points_and_cell_in_korean(stem):
    for fn, cell in graded_cells(read_nb(COURSE_SOURCE / f"{stem}.ipynb")).items():
        points = rubric.points_for(fn)
        assert f"{points} point{'s' if points != 1 else ''}." in cell.source, fn
        assert "채점 셀" in cell.source and "숨겨진 테스트" in cell.source
        assert "칸" not in cell.source  # 칸 is a grid cell, not a notebook cell


def first_code_cell(nb) -> int:
    return next(k for k, c in enumerate(nb.cells) if c.cell_type == "code")


@pytest.mark.parametrize("stem", STEMS)
def test_every_notebook_opens_with_the_lecture_then_one_short_locked_cell(stem):
    """The first screen is explanation: a title and its introduction, then the points; the
    provided code is one short locked import (the helpers live in convlab_helpers.py)."""
    nb = read_nb(COURSE_SOURCE / f"{stem}.ipynb")
    first = first_code_cell(nb)
    assert first >= 2, "code before the explanation"
    assert nb.cells[0].source.startswith("# ") and len(nb.cells[0].source) > 400
    provided = nb.cells[first]
    assert "convlab:provided" in tags(provided) and provided.metadata["nbgrader"]["locked"]
    assert len(provided.source.splitlines()) <= 8
    assert "from convlab_helpers import *" in provided.source
    assert not [c for c in nb.cells if "convlab:provided" in tags(c) and "def " in c.source
                and c.metadata["nbgrader"]["grade_id"] != "provided-local"]


def test_notebook_one_asks_for_the_lectures_hand_computation_before_any_rule():
    nb = read_nb(COURSE_SOURCE / f"{STEMS[0]}.ipynb")
    text = "\n".join(c.source for c in nb.cells)
    first_formula = text.index("(N − F) / S + 1")
    for fact in ("[[1, 0, 1], [0, 1, 0], [1, 0, 1]]", "**4**", "4×4", "2×2",
                 "check_hand_computation(my_feature_map)"):
        assert -1 < text.index(fact) < first_formula, fact
    # the student works it out: the 3×3 result is not in the notebook
    assert "[[4, 3, 4], [2, 4, 3], [2, 3, 4]]" not in text and "[4, 3, 4]" not in text
    exercise = next(c for c in nb.cells if "convlab:exercise" in tags(c))
    assert "None" in exercise.source and "nbgrader" not in exercise.metadata  # not graded
    assert "가중치" in text and "weights" in text
    assert "왜 CNN인가" in text and "Why a CNN" in text


def test_channels_and_axis_order_come_with_the_convolution():
    one = "\n".join(c.source for c in read_nb(COURSE_SOURCE / f"{STEMS[0]}.ipynb").cells)
    three = "\n".join(c.source for c in read_nb(COURSE_SOURCE / f"{STEMS[2]}.ipynb").cells)
    assert "NHWC" not in one and "NHWC" in three and "NCHW" in three
    # a worked example with a nonzero bias (the lecture adds one to the 4×4 example)
    assert "**b = 1**" in three and "**46**" in three and "bias b = 1" in three


def test_the_release_stub_text_is_the_stub_modules():
    from assignments.generator import modules

    config = (ROOT / "assignments" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert repr(modules.CODE_STUB).strip("'") in config.replace('\\n', "\\n")
    assert modules.CODE_STUB in STUBS.read_text(encoding="utf-8").replace("\n    ", "\n")


def test_stub_module_is_in_teaching_order_with_a_korean_contract_per_function():
    text = STUBS.read_text(encoding="utf-8")
    positions = [text.index(f"\ndef {fn}(") for fn in rubric.FUNCTIONS]
    assert positions == sorted(positions), "the stub is not in teaching order"
    assert text.index("\ndef conv2d(") < text.index("\ndef conv2d_backward(")
    helpers = text.index("provided helpers (read-only)")
    assert positions[-1] < helpers, "the provided helpers come after every exercise"
    hangul = re.compile(r"[\uac00-\ud7a3]")
    assert hangul.search(text[: text.index('"""', 3)]), "no Korean header"
    for fn in rubric.FUNCTIONS:
        head = text[text.index(f"\ndef {fn}("):].split('"""', 1)[0]
        comment = [line.strip() for line in head.splitlines() if line.strip().startswith("#")]
        assert hangul.search(comment[0]), fn  # what it does
        assert [line for line in comment if line.startswith("# 입력: ")], fn
        assert [line for line in comment if line.startswith("# 반환: ")], fn


def test_stub_lines_fit_ruffs_line_length_counting_hangul_as_two_columns():
    def columns(line: str) -> int:
        return sum(1 + (unicodedata.east_asian_width(c) in "WF") for c in line)

    too_long = [line for line in STUBS.read_text(encoding="utf-8").splitlines()
                if columns(line) > 100]
    assert not too_long
