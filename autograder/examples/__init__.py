"""A small example class, built on demand from the model solution and short override files.

Every student but one is ``model_solution.py`` with a few lines appended that redefine
some functions (Python keeps the last definition), so the repository holds one copy of the
model solution and the class is made fresh in a temporary folder:

- ``loops``      the model solution as it is (readable loops): full marks
- ``vectorized`` the model solution with numpy-vectorized conv/pool: full marks
- ``stub``       the model solution with every graded function's body replaced by
                 ``raise NotImplementedError`` (what students start from): 0
- ``bug_<name>`` one per file in ``bugs/``: a classic mistake; each file says which items
                 it loses (``EXPECTED_LOST``) and what the diagnosis is (``EXPECTED_DIAGNOSIS``)
- ``truncated_upload``: the model solution cut off in the middle of a line (a syntax error)
- the files in ``students/``: a crash at import, ``sys.exit`` at import, a function that
  never returns, and a student who patches numpy's comparisons

``mistakes/`` holds more single mistakes, not in the class (:func:`single_mistakes`): the
tests check that the grader charges each to its own function and that the self-check
blames exactly the functions the grader charges.

``autograder demo`` grades this class (and ``autograder demo --class DIR`` writes it as files,
:func:`write_example_class`); the tests and ``benchmarks/bench_grading.py`` use it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import rubric

EXAMPLES = resources.files(__name__)
FUTURE = "from __future__ import annotations\n"


@dataclass(frozen=True)
class ExampleStudent:
    """One student of the example class: a name, and how to make their file."""

    name: str
    what: str
    base: str  # "model" (model_solution.py) or "stub" (its bodies removed)
    override: str | None = None  # file under examples/, appended (or, with
    # ``PLACEMENT = "start"`` in it, prepended) to the base
    cut_after: str | None = None  # the upload stops right after this text (a syntax error)
    expected: tuple[tuple[str, Any], ...] = ()  # EXPECTED_* facts not in an override file

    def source(self) -> str:
        """The student's whole file."""
        base = read("model_solution.py")
        if self.base == "stub":
            base = stub_source(base)
        if self.cut_after is not None:
            base = base[: base.index(self.cut_after) + len(self.cut_after)]
        if self.override is None:
            return base
        extra = read(self.override)
        if _constants(extra, "PLACEMENT").get("PLACEMENT") == "start":
            # first statement after the docstring and ``from __future__`` (which must lead)
            head, sep, rest = base.partition(FUTURE)
            if not sep:
                head, rest = "", base
            return head + sep + "\n" + extra.strip("\n") + "\n\n" + rest
        return base.rstrip("\n") + "\n" + extra

    def expectations(self) -> dict[str, Any]:
        """The override's top-level ``EXPECTED_*`` constants (literals only; never executed)."""
        found = dict(self.expected)
        if self.override is not None:
            found.update(_constants(read(self.override), "EXPECTED_"))
        return found


def _constants(source: str, prefix: str) -> dict[str, Any]:
    """Top-level ``NAME = <literal>`` assignments whose name starts with ``prefix``."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id.startswith(prefix):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return found


def read(relative: str) -> str:
    """A file shipped under ``autograder/examples/``."""
    return EXAMPLES.joinpath(relative).read_text(encoding="utf-8")


def _listing(folder: str) -> list[str]:
    entry = EXAMPLES.joinpath(folder)
    if not entry.is_dir():
        return []
    return sorted(f"{folder}/{p.name}" for p in entry.iterdir()
                  if p.name.endswith(".py") and not p.name.startswith("_"))


def _first_line(relative: str) -> str:
    """What an override is about: the first sentence of its first comment (or docstring)."""
    text = []
    for line in read(relative).splitlines():
        stripped = line.strip()
        if stripped.startswith("# ruff:") or (not stripped and not text):
            continue
        if stripped.startswith("#") or (stripped.startswith('"""') and not text):
            text.append(stripped.lstrip("#").strip().strip('"').strip())
        elif text:
            break
    sentence = re.sub(r"^(---\s*)?[\w-]+:\s*", "", " ".join(text))
    return re.split(r"(?<=\.)\s", sentence, maxsplit=1)[0].rstrip(".")


def example_class() -> list[ExampleStudent]:
    """The example class, in a fixed order."""
    students = [
        ExampleStudent("loops", "the model solution (loops)", "model",
                       expected=(("EXPECTED_SCORE", rubric.TOTAL_POINTS),)),
        ExampleStudent("vectorized", "the model solution, vectorized", "model",
                       "overrides/vectorized.py"),
        ExampleStudent("stub", "the unchanged stub", "stub", expected=(("EXPECTED_SCORE", 0),)),
        ExampleStudent("truncated_upload", "the upload was cut off mid-file (syntax error)",
                       "model", cut_after="def conv2d(x: np.ndarray, w",
                       expected=(("EXPECTED_SCORE", 0),)),
    ]
    for rel in _listing("bugs"):
        name = "bug_" + Path(rel).stem
        students.append(ExampleStudent(name, _first_line(rel), "model", rel))
    for rel in _listing("students"):
        students.append(ExampleStudent(Path(rel).stem, _first_line(rel), "model", rel))
    return students


def single_mistakes() -> list[ExampleStudent]:
    """Every example with one mistake in one function and everything else the model's: the
    class's ``bugs/`` and the further ``mistakes/`` (kept out of the class, so the demo and
    the benchmarks grade the same class; each says what it loses, ``EXPECTED_LOST``, and,
    where the grader names the mistake, ``EXPECTED_DIAGNOSIS``)."""
    students = [s for s in example_class() if s.override and s.override.startswith("bugs/")]
    for rel in _listing("mistakes"):
        students.append(ExampleStudent("mistake_" + Path(rel).stem, _first_line(rel), "model",
                                       rel))
    return students


def build_class(dest: str | Path, students: list[ExampleStudent] | None = None) -> list[Path]:
    """Write one ``<name>.py`` per student into ``dest``; returns the paths, in class order."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for student in students if students is not None else example_class():
        path = dest / f"{student.name}.py"
        path.write_text(student.source(), encoding="utf-8")
        paths.append(path)
    return paths


class ExampleClassError(ValueError):
    """The example class cannot be written where asked; the message says why."""


def write_example_class(dest: str | Path) -> list[Path]:
    """Write the example class into ``dest`` (created if needed), for a person to try the
    commands on; returns the paths. ExampleClassError if ``dest`` is a file, or a folder
    holding anything but the class's own files (nothing of someone else's is overwritten);
    writing into the class's own folder again writes the same files."""
    dest = Path(dest)
    students = example_class()
    ours = {f"{s.name}.py" for s in students}
    if dest.exists() and not dest.is_dir():
        raise ExampleClassError(f"{dest} is a file; give a folder for the example class")
    if dest.is_dir():
        others = sorted(p.name for p in dest.iterdir() if p.name not in ours)
        if others:
            shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
            raise ExampleClassError(f"{dest} already holds other files ({shown}); give a new "
                                    "or empty folder for the example class")
    return build_class(dest, students)


# --------------------------------------------------------------------------- the stub


class _StubBodies(ast.NodeTransformer):
    """Replace each graded function's body by its docstring and ``raise NotImplementedError``."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        if node.name not in rubric.FUNCTIONS:
            return node
        body: list[ast.stmt] = []
        if ast.get_docstring(node) is not None:
            body.append(node.body[0])
        body.append(ast.parse(f'raise NotImplementedError("write {node.name}")').body[0])
        node.body = body
        return node


def stub_source(model_source: str) -> str:
    """The stub students start from, made from the model solution (one source for both)."""
    tree = ast.parse(model_source)
    tree.body = [_StubBodies().visit(n) if isinstance(n, ast.FunctionDef) else n
                 for n in tree.body]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
