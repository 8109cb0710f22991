"""Shared paths and helpers of the assignment tests (tests/test_assignments_*.py)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import subprocess
import sys
from pathlib import Path

import nbformat

import reference
from assignments.generator import extract
from autograder import rubric

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
COURSE_SOURCE = ASSIGNMENTS / "source" / "conv_layers"
STUBS = ASSIGNMENTS / "stubs" / "conv_layers.py"
MODEL = ROOT / "autograder" / "examples" / "model_solution.py"
STEMS = [part.stem for part in rubric.PARTS]
GENERATED_DIRS = ("assignments/source/conv_layers", "assignments/stubs")

#: The reference functions whose text is each student function's answer.
ANSWER_SOURCES = {
    "conv2d": (reference.conv2d, reference.conv2d_loops),
    "max_pool2d": (reference.max_pool2d, reference.max_pool2d_loops),
    "avg_pool2d": (reference.avg_pool2d, reference.avg_pool2d_loops),
    "conv2d_backward": (reference.conv2d_backward, reference.conv2d_backward_loops),
    "max_pool2d_backward": (reference.max_pool2d_backward, reference.max_pool2d_backward_loops),
    "tiny_cnn_forward": (reference.tiny_cnn_forward, reference.tiny_cnn._forward),
    "tiny_cnn_loss_and_grads": (reference.tiny_cnn_loss_and_grads, reference.tiny_cnn._forward),
}
MIN_SECRET_LINE = 12  # shorter lines ("return out", "else:") say nothing about an answer


def nbgrader_env(course: Path) -> dict[str, str]:
    env = dict(os.environ)
    # nbgrader starts `alembic` by name; the exchange stays inside the temporary course
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["CONVLAB_EXCHANGE"] = str(course / "exchange")
    return env


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def read_nb(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """Graded cells by function name (grade_id ``<function>-tests``)."""
    return {c.metadata["nbgrader"]["grade_id"].removesuffix("-tests"): c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


# ------------------------------------------------------------------------------ answer leaks

def secret_lines(function: str) -> set[str]:
    """The lines of ``function``'s answer in the reference, docstrings left out."""
    lines = set()
    for fn in ANSWER_SOURCES.get(function, (getattr(reference, function),)):
        node = ast.parse(inspect.getsource(fn)).body[0]
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        start = body[0].lineno - node.lineno
        lines |= {line.strip() for line in inspect.getsource(fn).splitlines()[start:]}
    return {line for line in lines if len(line) >= MIN_SECRET_LINE and not line.startswith("#")}


def assert_no_answer_lines(text: str, functions, visible: str, where: str) -> None:
    """No line of an answer to ``functions`` in ``text``, except lines the notebook hands
    out anyway (``visible``: provided helpers)."""
    handed_out = {line.strip() for line in visible.splitlines()}
    present = {line.strip() for line in text.splitlines()}
    for fn in functions:
        leaked = (secret_lines(fn) - handed_out) & present
        assert not leaked, f"{where}: answer lines of {fn} in a student file: {sorted(leaked)}"


#: Names no student file may define outside the student's own answer: the graded
#: functions, and the reference helpers that reduce one of them to a call.
FORBIDDEN = frozenset(rubric.FUNCTIONS) | extract.ANSWER_HELPERS
STUB_BODY = [ast.dump(ast.parse("raise NotImplementedError()").body[0])]


def _body(node: ast.FunctionDef) -> list[str]:
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return [ast.dump(s) for s in body]


def answer_bodies() -> dict[str, str]:
    """The statements (as AST dumps) of every reference answer and answer helper, so a
    renamed copy is found too: joined body dump -> the reference name."""
    found = {}
    for name, d in extract.definitions().items():
        if d.kind == "function" and (name in FORBIDDEN or name in extract.MODEL_BODY.values()):
            node = ast.parse(d.source).body[0]
            found["\n".join(_body(node))] = name
    for name in ("tiny_cnn_forward", "tiny_cnn_loss_and_grads"):  # the inlined models
        d = extract.model(name)
        node = ast.parse("\n".join([d.header, d.docstring, d.body])).body[0]
        found["\n".join(_body(node))] = name
    return found


def answer_definitions(source: str, own=frozenset()) -> list[str]:
    """Problems in one piece of student-facing code (a .py file or a notebook cell).

    - own: the graded functions whose answers this code holds (an answer cell's one
      function; every graded function for the .py stub module; none elsewhere).

    A graded function or answer helper may be defined (or assigned) only in its own answer
    cell and only with the stub body; no function anywhere may have the body of a
    reference answer, whatever its name.
    """
    problems = []
    bodies = answer_bodies()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = _body(node)
            if node.name in FORBIDDEN:
                if node.name not in own:
                    problems.append(f"defines {node.name} outside its answer cell")
                elif body != STUB_BODY:
                    problems.append(f"{node.name} has a body, not the stub")
            copied = bodies.get("\n".join(body))
            if copied and body != STUB_BODY:
                problems.append(f"{node.name} has the body of the reference's {copied}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in FORBIDDEN:
                    problems.append(f"assigns {target.id}")
    return problems

