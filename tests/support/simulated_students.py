"""Simulated students for the nbgrader tests and benchmarks: answer the released notebooks'
solution cells programmatically, as a student typing them would.

Used with ``autograder.course.steps.fetch_and_submit(..., edit=...)``; not part of the
installed package (no command needs it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from autograder import rubric


def solution_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's nbgrader solution code cells, in order."""
    return [c for c in nb.cells if c.cell_type == "code"
            and c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def definitions(source: str) -> dict[str, str]:
    """Top-level function name -> the source of its definition (decorators included)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            found[node.name] = "".join(lines[start:node.end_lineno])
    return found


def preamble(source: str) -> str:
    """What an override file adds besides the graded functions: its imports, helpers and
    top-level statements (``EXPECTED_*`` facts and the docstring left out)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    kept = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in rubric.FUNCTIONS:
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.startswith("EXPECTED_") for t in node.targets):
            continue
        kept.append("".join(lines[node.lineno - 1:node.end_lineno]))
    return "\n".join(kept)


def answer(source: str, answers: dict[str, str], extra: str = "") -> str | None:
    """``source`` (a released solution cell) with each graded function it defines replaced
    by ``answers[name]``; ``extra`` goes in front when any is replaced. None if the cell
    defines none of them (or is not valid Python)."""
    try:
        stubs = definitions(source)
    except SyntaxError:
        return None
    names = [n for n in stubs if n in answers and n in rubric.FUNCTIONS]
    if not names:
        return None
    for name in names:
        source = source.replace(stubs[name], answers[name].rstrip("\n") + "\n")
    return (extra.rstrip("\n") + "\n\n" + source) if extra.strip() else source


def model_answers(override: str = "") -> tuple[dict[str, str], str]:
    """(function -> answer source, preamble) for a student who writes the model solution,
    with the functions ``override`` (an examples/ override file's text) redefines taken from
    it instead -- e.g. a classic bug."""
    from autograder.examples import read

    answers = {n: src for n, src in definitions(read("model_solution.py")).items()
               if n in rubric.FUNCTIONS}
    extra = ""
    if override:
        answers.update({n: src for n, src in definitions(override).items()
                        if n in rubric.FUNCTIONS})
        extra = preamble(override)
    return answers, extra


def answer_notebooks(folder: Path | str, answers: dict[str, str], extra: str = "") -> None:
    """Answer every notebook in ``folder`` in place, as a student typing them would."""
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in solution_cells(nb):
            new = answer(cell.source, answers, extra)
            if new is not None:
                cell.source = new
        nbformat.write(nb, path)


