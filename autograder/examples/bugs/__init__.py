"""Classic student mistakes, one file each, for testing the grader's feedback.

Each ``<name>.py`` here redefines one or a few functions the way a student might get
them wrong. Appended to a complete, correct solution module it makes a buggy student
whose other functions (the tiny CNN, training) call the buggy ones, as in a notebook.
Each file declares, at top level:

- ``EXPECTED_LOST``: the rubric items it must lose (exactly these)
- ``EXPECTED_DIAGNOSIS``: the misconception name the feedback must give (or None)

:func:`student_namespace` builds such a student in-process.
"""

from __future__ import annotations

import ast
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUGS_DIR = Path(__file__).parent
MODEL_SOLUTION = BUGS_DIR.parent / "model_solution.py"

# reference's modules in dependency order, for a one-namespace copy of it
_REFERENCE_MODULES = ("arrays", "geometry", "pad", "conv", "pool", "layers", "tiny_cnn", "data",
                      "train", "gradcheck")


@dataclass(frozen=True)
class Bug:
    """One bug file: its name, source, and what grading it must produce."""

    name: str
    path: Path
    source: str
    expected_lost: frozenset[str]
    expected_diagnosis: str | None


def bug_files() -> list[Path]:
    """Every bug file, sorted by name."""
    return sorted(p for p in BUGS_DIR.glob("*.py") if not p.name.startswith("_"))


def load_bug(path: Path) -> Bug:
    """Read a bug file and its declared expectations (without running it)."""
    source = path.read_text(encoding="utf-8")
    declared: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("EXPECTED_"):
                declared[target.id] = ast.literal_eval(node.value)
    return Bug(path.stem, path, source, frozenset(declared.get("EXPECTED_LOST", ())),
               declared.get("EXPECTED_DIAGNOSIS"))


def reference_source(loops: bool = False) -> str:
    """The reference package as one module's source (relative imports removed), so that
    its functions call each other through one namespace, like a notebook's solution.

    ``loops``: make ``conv2d`` and ``max_pool2d`` the readable loop versions.
    """
    parts = []
    for name in _REFERENCE_MODULES:
        text = importlib.resources.files("reference").joinpath(f"{name}.py").read_text("utf-8")
        tree = ast.parse(text)
        tree.body = [n for n in tree.body if not (isinstance(n, ast.ImportFrom) and n.level > 0)
                     and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        parts.append(ast.unparse(tree))
    if loops:
        parts.append("conv2d = conv2d_loops\nmax_pool2d = max_pool2d_loops")
    return "\n\n".join(parts)


def solution_source(loops: bool = False) -> str:
    """The model solution students are measured against: ``model_solution.py`` when it
    exists (generated for the notebooks), else the reference flattened into one module."""
    if MODEL_SOLUTION.exists() and not loops:
        return MODEL_SOLUTION.read_text(encoding="utf-8")
    return reference_source(loops)


def student_namespace(*extra_sources: str, loops: bool = False) -> dict[str, Any]:
    """A student's namespace: the model solution, then each extra source run after it."""
    namespace: dict[str, Any] = {"__name__": "student"}
    for i, src in enumerate((solution_source(loops), *extra_sources)):
        exec(compile(src, f"<student part {i}>", "exec"), namespace)
    return namespace
