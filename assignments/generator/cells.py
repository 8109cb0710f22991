"""Notebook cells: markdown, demos, and the nbgrader cells of one student function.

Cell tags (cell metadata ``tags``) tell conv-lab's own sandboxed grader what to skip:

- ``convlab:provided``  locked code the notebook hands out (helpers, earlier answers)
- ``convlab:demo``      figures and demonstrations (need matplotlib; never graded)
- ``convlab:selfcheck`` the students' own checks (``selfcheck.py``; never graded)
- ``convlab:tests``     nbgrader's graded cells (hidden tests need ``autograder``)
"""

from __future__ import annotations

import textwrap

import nbformat

from autograder import rubric

from . import contracts, extract

NBGRADER_SCHEMA = 3


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def bi(ko: str, en: str) -> str:
    """Markdown with the same explanation in Korean, then in English (a new paragraph)."""
    return _clean(ko) + "\n\n" + _clean(en)


def md(*paragraphs: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell("\n\n".join(_clean(p) for p in paragraphs))


def code(source: str, *tags: str, nbgrader: dict | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(_clean(source))
    if tags:
        cell.metadata["tags"] = list(tags)
    if nbgrader is not None:
        cell.metadata["nbgrader"] = {"schema_version": NBGRADER_SCHEMA, **nbgrader}
    return cell


def demo(source: str) -> nbformat.NotebookNode:
    """A figure or demonstration; the grader skips it."""
    return code(source, "convlab:demo")


def locked(source: str, grade_id: str) -> nbformat.NotebookNode:
    """Read-only provided code (nbgrader restores it if edited)."""
    return code(source, "convlab:provided", nbgrader={
        "grade": False, "grade_id": grade_id, "locked": True, "solution": False, "task": False})


def answer_source(function: str) -> str:
    """The function with its docstring and the model body inside nbgrader's solution markers."""
    d = extract.model(function)
    return "\n".join([d.header, contracts.korean_line(function), d.docstring,
                      "    ### BEGIN SOLUTION", d.body,
                      "    ### END SOLUTION"])


def answer(function: str) -> nbformat.NotebookNode:
    return code(answer_source(function), nbgrader={
        "grade": False, "grade_id": f"{function}-answer", "locked": False, "solution": True,
        "task": False})


def selfcheck(function: str) -> nbformat.NotebookNode:
    return code(f"""
        from selfcheck import check_{function}
        check_{function}({function})
    """, "convlab:selfcheck")


def graded(function: str) -> nbformat.NotebookNode:
    """nbgrader's test cell: a visible stub guard, then the hidden rubric checks.

    The hidden part's last line evaluates to the points earned, which nbgrader (0.9)
    records as partial credit. The visible guard makes a still-unwritten function fail
    ``nbgrader validate`` in the released notebook (an empty cell would count as passed).
    """
    points = rubric.points_for(function)
    return code(f"""
        # 채점 셀 · graded: {function}, {points}점 · {plural(points, "point")}.
        # 숨겨진 테스트는 채점할 때 여기서 실행됩니다 · The hidden tests run here at grading.
        # 아래 줄은 함수를 쓰기 시작했는지만 봅니다 · The next line only checks you have started.
        require_written({function})
        ### BEGIN HIDDEN TESTS
        from autograder.course.notebook import score
        score("{function}", globals())
        ### END HIDDEN TESTS
    """, "convlab:tests", nbgrader={
        "grade": True, "grade_id": f"{function}-tests", "locked": True,
        "points": points, "solution": False, "task": False})


def plural(n: int, word: str) -> str:
    """``1 point``, ``2 points``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def task(function: str) -> list[nbformat.NotebookNode]:
    """What students do for one function: write it, self-check it, be graded on it."""
    return [answer(function), selfcheck(function), graded(function)]


def points_table(functions) -> str:
    """Markdown table of the rubric items (and points) for ``functions``."""
    rows = ["| 함수 · function | 채점 항목 · graded item | 점수 · points |", "|---|---|---:|"]
    for function in functions:
        for item in rubric.items_for(function):
            rows.append(f"| `{function}` | {item.what('ko+en')} | {item.points} |")
    total = sum(rubric.points_for(f) for f in functions)
    rows.append(f"| | **합계 · total** | **{total}** |")
    return "\n".join(rows)
