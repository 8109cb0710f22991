"""Assembling one nbgrader source notebook per rubric part.

Each notebook runs on its own (nbgrader and the sandboxed grader run every notebook in
a fresh kernel). One short locked cell imports the provided helpers from
``convlab_helpers.py`` beside it (input checks, the digits, the notebook tools); from
notebook 3 on, a locked cell loads the student's OWN answers to the earlier notebooks it
builds on from those notebooks beside it (only their definitions: no tests, no demos), so
nothing in a notebook answers another notebook's graded item.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import nbformat

from autograder import rubric

from . import cells, extract, modules

FIGURES_SETUP = """
# 그림 준비 · Figures: Korean text where a Korean font is installed; drawn off-screen when
# there is neither a notebook nor a display.
import os
import sys

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt

korean_font = use_korean_font(plt)  # None: no Korean font here, so figures are in English
"""


@dataclass(frozen=True)
class Lesson:
    """One notebook: which functions it teaches and what it must provide."""

    part: rubric.Part
    index: int

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def earlier(self) -> frozenset[str]:
        return frozenset(f for p in rubric.PARTS[: self.index] for f in p.functions)

    def loaded_parts(self) -> list[rubric.Part]:
        """The earlier notebooks whose functions this notebook's answers call (directly or
        through one another), each loaded whole."""
        needed = set(extract.closure(self.part.functions)) & self.earlier
        stems = {rubric.part_of(f).stem for f in needed}
        parts = [p for p in rubric.PARTS[: self.index] if p.stem in stems]
        while True:  # a loaded notebook's own answers may need an even earlier one
            more = set(extract.closure([f for p in parts for f in p.functions])) & self.earlier
            stems |= {rubric.part_of(f).stem for f in more}
            grown = [p for p in rubric.PARTS[: self.index] if p.stem in stems]
            if grown == parts:
                return parts
            parts = grown

    def names(self) -> list[str]:
        """Every definition the notebook's answers and the loaded answers need."""
        roots = [*self.part.functions, *(f for p in self.loaded_parts() for f in p.functions)]
        names = extract.closure(roots)
        later = [n for n in names if n in rubric.FUNCTIONS and n not in self.earlier
                 and n not in self.part.functions]
        if later:
            raise ValueError(f"notebook {self.part.stem} needs later functions {later}")
        return names

    def local_helpers(self) -> list[str]:
        """Provided helpers this notebook's answers need that cannot live in the module
        (they call the student's functions), in reference order."""
        return [n for n in modules.notebook_helpers() if n in self.names()]

    def helpers_cell(self) -> nbformat.NotebookNode:
        """The one short locked cell every notebook starts its code with."""
        answers = [n for n in self.names() if n in rubric.FUNCTIONS]  # what answers import
        imports = [line for line in extract.imports_for(answers)
                   if "pathlib" not in line]  # the module's DIGITS_FILE knows the folder
        if "import numpy as np" not in imports:  # every notebook's code uses numpy
            imports += [*([""] if imports else []), "import numpy as np"]
        lines = [
            "# 제공 코드 (읽기 전용): 먼저 실행하세요 · Provided code (read-only): run it first.",
            *imports,
            "",
            f"from {modules.HELPERS_MODULE} import *  "
            "# 입력 검사, 숫자 데이터, 그림 도구 · input checks, digits, figure tools",
        ]
        return cells.locked("\n".join(lines), "provided-helpers")

    def local_helpers_cell(self) -> nbformat.NotebookNode:
        """A locked cell with the helpers that call the student's functions."""
        names = self.local_helpers()
        if not names:
            raise ValueError(f"{self.part.stem} needs no helper of its own")
        head = ("# 제공 코드 (읽기 전용): 여러분의 함수를 부르는 도우미입니다 · Provided code "
                "(read-only):\n# a helper that calls your functions.")
        body = "\n\n\n".join(modules.source(extract.used_definition(n)) for n in names)
        return cells.locked(head + "\n" + body, "provided-local")

    def loader_cell(self) -> nbformat.NotebookNode | None:
        parts = self.loaded_parts()
        if not parts:
            return None
        head = "\n".join([
            "# 앞 노트북에서 여러분이 쓴 함수를 불러옵니다(읽기 전용). 앞 노트북을 저장한 뒤",
            "# 실행하세요. 답 셀의 정의(def, import)만 실행하고 테스트와 그림은 실행하지 않습니다.",
            "# Loads the functions YOU wrote in the earlier notebooks (read-only); save those",
            "# notebooks first. Only the definitions (def, import) in their answer cells run.",
            f"from {modules.HELPERS_MODULE} import load_your_functions",
            "",
        ])
        table = ",\n".join(f"    {p.stem!r}: {list(p.functions)!r}" for p in parts)
        call = f"load_your_functions({{\n{table},\n}}, globals())"
        return cells.locked(head + "\n" + call, "load-earlier")

    def setup_cells(self) -> list[nbformat.NotebookNode]:
        out = [self.helpers_cell()]
        loader = self.loader_cell()
        if loader is not None:
            out.append(loader)
        out.append(cells.demo(FIGURES_SETUP))
        return out

    def points(self) -> str:
        """The notebook's points: a heading line and the rubric's table (no indentation, so
        Markdown renders a table, not a code block)."""
        return (f"**이 노트북의 점수 · Points in this notebook**: "
                f"{sum(rubric.points_for(f) for f in self.part.functions)} / "
                f"{rubric.TOTAL_POINTS}\n\n" + cells.points_table(self.part.functions))


def lessons() -> list[Lesson]:
    return [Lesson(part, i) for i, part in enumerate(rubric.PARTS)]


def _with_ids(nb: nbformat.NotebookNode, number: int) -> nbformat.NotebookNode:
    """Stable cell ids (nbformat 4.5 wants ids; random ones would change every build)."""
    for k, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell["id"] = f"nb{number}-{k:02d}" + (f"-{grade_id}" if grade_id else "")
    return nb


def build(lesson: Lesson) -> str:
    """The source notebook's JSON text."""
    part = importlib.import_module(f"{__package__}.parts.p{lesson.number:02d}")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = part.cells(lesson)
    nb = _with_ids(nb, lesson.number)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    if lesson.local_helpers() and "provided-local" not in ids:
        raise ValueError(f"{lesson.part.stem}: its answers need {lesson.local_helpers()}")
    graded = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    expected = [f"{f}-tests" for f in lesson.part.functions]
    if sorted(graded) != sorted(expected):
        raise ValueError(f"{lesson.part.stem}: graded cells {graded}, expected {expected}")
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
