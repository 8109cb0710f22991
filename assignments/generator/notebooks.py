"""Assembling one nbgrader source notebook per rubric part.

Each notebook runs on its own (nbgrader and the sandboxed grader run every notebook in
a fresh kernel). It carries the provided helpers its answers call; from notebook 3 on,
a locked cell loads the student's OWN answers to the earlier notebooks it builds on from
those notebooks beside it (only their definitions: no tests, no demos), so nothing in a
notebook answers another notebook's graded item.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import nbformat

from autograder import rubric

from . import cells, extract, modules

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
import numpy as np
"""


LOADER = '''
import ast
import json
from pathlib import Path

#: Cells that are not the student's own definitions: provided code, demos, self-checks, tests.
NOT_YOURS = {"convlab:provided", "convlab:demo", "convlab:selfcheck", "convlab:tests"}


def _definitions_only(source: str) -> ast.Module:
    """The def, class and import statements of a cell (IPython lines ignored)."""
    lines = [("pass" if line.lstrip().startswith(("%", "!")) else line)
             for line in source.splitlines()]
    tree = ast.parse("\\n".join(lines))
    tree.body = [node for node in tree.body if isinstance(
        node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))]
    return tree


def load_your_functions(notebooks: dict) -> None:
    """Define, here, the functions you wrote in the earlier notebooks beside this one.

    Only your answer cells' definitions run (never their tests or figures). A notebook
    that is missing or cannot be read is reported and skipped: this notebook still runs.
    """
    for stem, names in notebooks.items():
        path = Path(f"{stem}.ipynb")
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"⚠ {path.name}: 읽지 못했습니다 · cannot be read ({type(error).__name__}); "
                  f"{', '.join(names)}: 정의되지 않음 · not defined")
            continue
        for number, cell in enumerate(nb.get("cells", []), start=1):
            meta = cell.get("metadata", {})
            if (cell.get("cell_type") != "code" or NOT_YOURS & set(meta.get("tags", []))
                    or meta.get("nbgrader", {}).get("grade")):
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            try:
                exec(compile(_definitions_only(source), f"<{path.name}, cell {number}>",
                             "exec"), globals())
            except Exception as error:
                print(f"⚠ {path.name}, 셀 {number} · cell {number}: {type(error).__name__}: "
                      f"{error}")
        missing = [name for name in names if name not in globals()]
        print(f"{path.name}: " + (f"⚠ 없음 · missing: {', '.join(missing)}" if missing
                                  else f"불러옴 · loaded {', '.join(names)}"))
'''.strip("\n")


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

    def helpers(self) -> list[str]:
        return [n for n in self.names() if n not in rubric.FUNCTIONS]

    def helpers_cell(self) -> nbformat.NotebookNode:
        imports = extract.imports_for(self.names())  # the loaded answers use them too
        lines = [
            "# 제공 코드 (읽기 전용): 먼저 실행하세요.",
            "# 입력을 검사하고 층의 크기를 계산하는 도우미 함수들입니다.",
            "# Provided code (read-only): run it first. Helpers that check inputs and work out",
            "# the geometry of a layer; your answers may call them.",
            *imports,
        ]
        if "from pathlib import Path" in imports:
            lines += ["", "DIGITS_FILE = Path(\"digits.npz\")  # shipped beside this notebook"]
        source = "\n".join(lines) + "\n\n\n" + "\n\n\n".join(
            modules.source(extract.used_definition(n)) for n in self.helpers())
        return cells.locked(source + "\n\n\n" + REQUIRE_WRITTEN, "provided-helpers")

    def loader_cell(self) -> nbformat.NotebookNode | None:
        parts = self.loaded_parts()
        if not parts:
            return None
        head = "\n".join([
            "# 여러분이 앞 노트북에서 쓴 함수를 불러옵니다 (읽기 전용).",
            "# 앞 노트북을 저장한 뒤 실행하세요.",
            "# 답 셀의 정의(def, import)만 실행하고, 테스트와 그림은 실행하지 않습니다.",
            "# Loads the functions YOU wrote in the earlier notebooks (read-only); save those",
            "# notebooks first. Only the definitions (def, import) in their answer cells run.",
        ])
        table = ",\n".join(f"    {p.stem!r}: {list(p.functions)!r}" for p in parts)
        call = f"load_your_functions({{\n{table},\n}})"
        return cells.locked(head + "\n" + LOADER + "\n\n\n" + call, "load-earlier")

    def setup_cells(self) -> list[nbformat.NotebookNode]:
        out = [cells.md(cells.bi(
            """
            ### 준비
            아래 셀들은 잠겨 있습니다. 위에서부터 차례로 실행하세요.
            """,
            """
            ### Setup
            The cells below are locked. Run them from the top.
            """)), self.helpers_cell()]
        loader = self.loader_cell()
        if loader is not None:
            out.append(loader)
        out.append(cells.demo(FIGURES_SETUP))
        return out

    def points(self) -> str:
        """The notebook's points: a heading line and the rubric's table (no indentation, so
        Markdown renders a table, not a code block)."""
        return ("**점수 · Points** (rubric: `autograder/rubric.py`)\n\n"
                + cells.points_table(self.part.functions))


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
