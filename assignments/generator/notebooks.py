"""Assembling one nbgrader source notebook per rubric part.

Each notebook runs on its own (nbgrader and the sandboxed grader run every notebook in
a fresh kernel), so it carries the provided helpers its answers call and, read-only, the
answers of earlier notebooks that it builds on. ``conv2d`` and ``max_pool2d`` are handed
on as the reference's fast vectorized versions, which also keeps training in seconds.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import nbformat

from autograder import rubric

from . import cells, extract, modules

#: Earlier answers handed on as the reference's vectorized code, not the loop models.
FAST = frozenset({"conv2d", "max_pool2d"})

REQUIRE_WRITTEN = '''
def require_written(fn) -> None:
    """Raise NotImplementedError while ``fn`` is still the stub (the graded cells call this).

    A stub's body only raises NotImplementedError; any other body counts as started, and
    the hidden tests then decide the points.
    """
    if fn.__code__.co_names == ("NotImplementedError",):
        raise NotImplementedError(
            f"{fn.__name__} is not written yet: replace `raise NotImplementedError()` in its cell"
        )
'''.strip("\n")

FIGURES_SETUP = """
# 그림 준비 · Figures: draw off-screen when there is neither a notebook nor a display.
import os
import sys

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
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

    @property
    def fast(self) -> frozenset[str]:
        return FAST & self.earlier

    def names(self) -> list[str]:
        """Every definition the notebook's answers need, in reference order."""
        names = extract.closure(self.part.functions, fast=self.fast)
        later = [n for n in names if n in rubric.FUNCTIONS and n not in self.earlier
                 and n not in self.part.functions]
        if later:
            raise ValueError(f"notebook {self.part.stem} needs later functions {later}")
        return names

    def provided_earlier(self) -> list[str]:
        return [n for n in self.names() if n in self.earlier
                or extract.SOLUTION_HELPERS.get(n) in self.earlier]

    def helpers(self) -> list[str]:
        leaks = [n for n in self.names() if n in extract.SOLUTION_HELPERS
                 and extract.SOLUTION_HELPERS[n] not in self.earlier]
        if leaks:
            raise ValueError(f"notebook {self.part.stem} would hand out answers: {leaks}")
        return [n for n in self.names() if n not in rubric.FUNCTIONS
                and n not in extract.SOLUTION_HELPERS]

    def _definitions(self, names) -> str:
        return "\n\n\n".join(modules.source(extract.used_definition(n, self.fast))
                             for n in names)

    def helpers_cell(self) -> nbformat.NotebookNode:
        imports = extract.imports_for(self.names(), self.fast)
        lines = [
            "# 제공 코드 (읽기 전용): 먼저 실행하세요.",
            "# 입력을 검사하고 층의 크기를 계산하는 도우미 함수들입니다.",
            "# Provided code (read-only): run it first. Helpers that check inputs and work out",
            "# the geometry of a layer; your answers may call them.",
            *imports,
        ]
        if "from pathlib import Path" in imports:
            lines += ["", "DIGITS_FILE = Path(\"digits.npz\")  # shipped beside this notebook"]
        source = "\n".join(lines) + "\n\n\n" + self._definitions(self.helpers())
        return cells.locked(source + "\n\n\n" + REQUIRE_WRITTEN, "provided-helpers")

    def earlier_cell(self) -> nbformat.NotebookNode | None:
        names = self.provided_earlier()
        if not names:
            return None
        head = "\n".join([
            "# 앞 노트북의 답 (읽기 전용): 이 노트북이 혼자서도 돌아가도록 넣었습니다.",
            "# 여러분의 답은 각자의 노트북에서 채점됩니다.",
            "# Answers of earlier notebooks (read-only), so this notebook runs on its own;",
            "# your own answers are graded in their own notebooks.",
        ])
        if self.fast & set(names):
            head += ("\n# conv2d / max_pool2d: fast vectorized versions "
                     "(sliding_window_view), same numbers as the loops.")
        return cells.locked(head + "\n\n\n" + self._definitions(names), "provided-earlier")

    def setup_cells(self) -> list[nbformat.NotebookNode]:
        out = [cells.md(cells.bi(
            """
            ### 준비
            아래 칸들은 잠겨 있습니다. 위에서부터 차례로 실행하세요.
            """,
            """
            ### Setup
            The cells below are locked. Run them from the top.
            """)), self.helpers_cell()]
        earlier = self.earlier_cell()
        if earlier is not None:
            out.append(earlier)
        out.append(cells.demo(FIGURES_SETUP))
        return out

    def points(self) -> str:
        return cells.points_table(self.part.functions)


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
    graded = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    expected = [f"{f}-tests" for f in lesson.part.functions]
    if sorted(graded) != sorted(expected):
        raise ValueError(f"{lesson.part.stem}: graded cells {graded}, expected {expected}")
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
