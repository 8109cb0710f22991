"""AST fingerprints of the graded functions in a submission, to find identical code.

Two functions get the same fingerprint when they differ only in names the function
chooses itself (arguments, local variables, nested functions: renamed in order of first
appearance), whitespace, comments, docstrings, type annotations and arithmetic on
literals (``0.0 + 0.0`` is ``0.0``, ``-(1)`` is ``-1``: small numbers folded as Python
would). Global names (``np``, helper functions) and attributes keep their names:
``np.sum`` is not ``np.max``.

Each file is read once per content (the store keeps its prints by content hash,
:func:`prints_to_json`), in time linear in its size: one parse, one walk per function.

Student code is untrusted: it is read with ``ast.parse`` only (never compiled or run),
and only files up to :data:`MAX_SOURCE_BYTES`; larger ones are skipped with a note.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import operator
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import rubric

#: Code over this size is not parsed on the trusted side (a note says so).
MAX_SOURCE_BYTES = 1_000_000
#: Functions with fewer AST nodes than this are too short to tell copying from coincidence.
MIN_NODES = 40
#: Characters of a function's source kept as evidence.
MAX_EVIDENCE_CHARS = 4000
#: Literals folded only while their magnitude stays under this (no huge integers built).
MAX_FOLDED = 1e15


@functools.cache
def prints_version() -> str:
    """A hash of this file: stored prints made by other code are made again."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


@dataclass(frozen=True)
class FunctionPrint:
    """One graded function of one submission: its fingerprint, size and source."""

    function: str
    digest: str
    nodes: int
    source: str


@dataclass
class SubmissionPrints:
    """Every graded function found in one submission, and anything skipped (``notes``)."""

    functions: dict[str, FunctionPrint] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _number(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and math.isfinite(node.value) and abs(node.value) < MAX_FOLDED)


def _folded(value: object, like: ast.AST) -> ast.AST | None:
    """``value`` as a Constant in place of ``like``; None when it is not a small number."""
    if type(value) not in (int, float) or not math.isfinite(value) or abs(value) >= MAX_FOLDED:
        return None
    return ast.copy_location(ast.Constant(value), like)


class _Canonical(ast.NodeTransformer):
    """Renames a function's own names to v0, v1, ... drops docstrings and annotations, and
    folds arithmetic on small numeric literals."""

    def __init__(self, local: set[str]) -> None:
        self.local = local
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name not in self.local:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def _function(self, node):
        node.returns = None
        if node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self._new(node.name)
        return self._function(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = _function

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        target = self.visit(node.target)
        if node.value is None:
            return ast.Pass()
        return ast.Assign(targets=[target], value=self.visit(node.value))

    def visit_Global(self, node: ast.Global) -> ast.Global:
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _BINARY.get(type(node.op))
        if op is None or not (_number(node.left) and _number(node.right)):
            return node
        try:
            return _folded(op(node.left.value, node.right.value), node) or node
        except ArithmeticError:  # 1 / 0 stays as written
            return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        op = _UNARY.get(type(node.op))
        if op is None or not _number(node.operand):
            return node
        return _folded(op(node.operand.value), node) or node


def _own_names(fn: ast.FunctionDef) -> set[str]:
    """Names the function binds itself: arguments, assignment targets, loop and
    comprehension variables, nested definitions (minus ``global``/``nonlocal`` ones)."""
    names: set[str] = set()
    shared: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node is not fn:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            shared.update(node.names)
    return names - shared


#: One line with its end (``\r\n``, ``\r`` or ``\n``), as the parser counts lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def source_lines(source: str) -> list[str]:
    """``source`` split as :func:`ast.get_source_segment` splits it, once per file (it
    splits again on every call, in Python: a file's functions cost its length each)."""
    return _LINE.findall(source)


def _segment(lines: list[str], node: ast.AST) -> str:
    """The text of ``node`` (what :func:`ast.get_source_segment` gives), from ``lines``."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if last >= len(lines):
        return ""
    start, end = node.col_offset, node.end_col_offset
    if first == last:
        return lines[first].encode()[start:end].decode()
    return (lines[first].encode()[start:].decode() + "".join(lines[first + 1:last])
            + lines[last].encode()[:end].decode())


def fingerprint(fn: ast.FunctionDef, source: str,
                lines: list[str] | None = None) -> FunctionPrint:
    """The fingerprint of one function definition (``source``: the text it came from;
    ``lines``: its :func:`source_lines`, when already split)."""
    text = _segment(lines if lines is not None else source_lines(source), fn)
    name = fn.name
    tree = _Canonical(_own_names(fn)).visit(fn)  # changes ``fn``: its text is taken above
    tree.name = name  # the graded name stays
    tree.decorator_list = []
    dumped = ast.dump(tree, annotate_fields=False, include_attributes=False)
    nodes = sum(1 for _ in ast.walk(tree))
    digest = hashlib.sha256(dumped.encode()).hexdigest()[:16]
    return FunctionPrint(name, digest, nodes, text[:MAX_EVIDENCE_CHARS])


def source_prints(units: list[tuple[str, str]]) -> SubmissionPrints:
    """Fingerprints of the graded functions in ``units`` ((file name, code) pairs; a
    notebook's cells are named ``<file>#<cell>``).

    A function defined more than once counts as Python would run it: the last definition,
    taken from the notebook that teaches it when there is one.
    """
    found = SubmissionPrints()
    teaching = {f: rubric.part_of(f).stem for f in rubric.FUNCTIONS}
    chosen: dict[str, tuple[bool, FunctionPrint]] = {}
    for name, code in units:
        size = len(code.encode("utf-8", "surrogatepass"))
        if size > MAX_SOURCE_BYTES:
            found.notes.append(f"{name}: {size} bytes of code, over {MAX_SOURCE_BYTES}; "
                               "not compared")
            continue
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            found.notes.append(f"{name}: not parsed ({type(exc).__name__}); not compared")
            continue
        lines = source_lines(code)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in teaching:
                try:
                    printed = fingerprint(node, code, lines)
                except (RecursionError, ValueError, MemoryError) as exc:
                    found.notes.append(f"{name}: {node.name} not fingerprinted "
                                       f"({type(exc).__name__}); not compared")
                    continue
                home = Path(name.split("#", 1)[0]).stem == teaching[node.name]
                if node.name in chosen and chosen[node.name][0] and not home:
                    continue
                chosen[node.name] = (home, printed)
    found.functions = {f: p for f, (_, p) in chosen.items()}
    return found


def submission_prints(path: str | Path) -> SubmissionPrints:
    """Fingerprints of a submission on disk (a .py, .ipynb or folder), read, never run."""
    from ..submission import load_submission

    sub = load_submission(path)
    units = []
    for unit in sub.units:
        for i, cell in enumerate(unit.cells):
            units.append((unit.name if len(unit.cells) == 1 else f"{unit.name}#{i}", cell))
    return source_prints(units)


def model_prints() -> dict[str, str]:
    """function -> fingerprint of the bundled model solution (autograder/examples)."""
    from ..examples import read

    prints = source_prints([("model_solution.py", read("model_solution.py"))])
    return {f: p.digest for f, p in prints.functions.items()}


def prints_to_json(prints: SubmissionPrints) -> bytes:
    """``prints`` as compressed JSON for the store (:func:`prints_from_json` reads it back;
    the functions' source, kept as evidence, is most of it and compresses well)."""
    text = json.dumps({"functions": [[p.function, p.digest, p.nodes, p.source]
                                     for p in prints.functions.values()],
                       "notes": prints.notes}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def prints_from_json(data: bytes) -> SubmissionPrints:
    data = json.loads(zlib.decompress(data))
    return SubmissionPrints({f: FunctionPrint(f, d, n, s) for f, d, n, s in data["functions"]},
                            list(data["notes"]))
