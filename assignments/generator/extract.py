"""Reading the reference's source: every top-level definition, its parts, what it uses.

The model solution exists once, in ``reference/``. Everything students see is cut from
that source text here (never copied by hand), so a change in the reference shows up in
every generated file, and the regeneration test notices when someone forgot to rebuild.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from autograder import rubric

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference"

#: Reference modules in reading order (each uses only the ones before it).
MODULES = ("arrays", "geometry", "pad", "conv", "pool", "layers", "gradcheck", "tiny_cnn",
           "data", "train")

#: Student functions whose readable model solution is a loop version in the reference.
MODEL_BODY = {"conv2d": "conv2d_loops", "max_pool2d": "max_pool2d_loops",
              "avg_pool2d": "avg_pool2d_loops", "conv2d_backward": "conv2d_backward_loops",
              "max_pool2d_backward": "max_pool2d_backward_loops"}

#: Reference helpers that reduce a student function to a call or a one-liner (GEMM-ready
#: im2col columns, window views, the window maximum, log-softmax, the forward pass, the
#: fast or loop versions themselves). No student file may hold them; the build stops if
#: one would be handed out.
ANSWER_HELPERS = frozenset({
    "_im2col_batches", "_windows", "_offset_views", "_max_over_windows", "log_softmax",
    "_forward", *MODEL_BODY.values(),
})

#: Names that only the reference's packaging needs; the generated files replace them.
LOADER_EXPR = 'resources.files("reference").joinpath("data/digits.npz").open("rb")'
LOADER_REPLACEMENT = 'open(DIGITS_FILE, "rb")'


@dataclass(frozen=True)
class Definition:
    """One top-level function or assignment of a reference module."""

    name: str
    module: str
    order: int  # position across all modules, for reading order
    kind: str  # "function" or "constant"
    source: str  # the whole definition, dedented
    header: str  # "def f(...) -> T:" (functions only)
    docstring: str  # the docstring statement as written, indented (functions only)
    body: str  # the statements after the docstring, indented (functions only)
    uses: frozenset[str]  # names it refers to (calls, annotations, globals)

    @property
    def is_private(self) -> bool:
        return self.name.startswith("_")


def _lines(text: str, first: int, last: int) -> str:
    """Lines ``first``..``last`` (1-based, inclusive) of ``text``."""
    return "\n".join(text.splitlines()[first - 1 : last])


def _names_used(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _function(name, module, order, text, node: ast.FunctionDef) -> Definition:
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    doc = node.body[0]
    has_doc = (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
               and isinstance(doc.value.value, str))
    if name in rubric.FUNCTIONS and not has_doc:
        raise ValueError(f"reference.{module}.{name} has no docstring")
    first_body = doc.end_lineno + 1 if has_doc else doc.lineno
    body = _lines(text, first_body, node.end_lineno)
    source = _lines(text, first, node.end_lineno)
    uses = _names_used(node) - {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    if LOADER_EXPR in body:  # the standalone files read digits.npz beside them
        body = body.replace(LOADER_EXPR, LOADER_REPLACEMENT)
        source = source.replace(LOADER_EXPR, LOADER_REPLACEMENT)
        uses = (uses - {"resources"}) | {"DIGITS_FILE"}
    return Definition(
        name=name, module=module, order=order, kind="function",
        source=source,
        header=_lines(text, first, doc.lineno - 1),
        docstring=_lines(text, doc.lineno, doc.end_lineno) if has_doc else "",
        body=body.strip("\n"),
        uses=frozenset(uses),
    )


@cache
def definitions() -> dict[str, Definition]:
    """Every top-level function and constant of the reference, by name."""
    found: dict[str, Definition] = {}
    for module in MODULES:
        text = (REFERENCE / f"{module}.py").read_text(encoding="utf-8")
        for node in ast.parse(text).body:
            order = len(found)
            if isinstance(node, ast.FunctionDef):
                found[node.name] = _function(node.name, module, order, text, node)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    src = textwrap.dedent(_lines(text, node.lineno, node.end_lineno))
                    found[target.id] = Definition(
                        target.id, module, order, "constant", src, "", "", "",
                        _names_used(node.value) if node.value else frozenset())
    return found


@cache
def imports() -> dict[str, str]:
    """Import statement for every absolute name the reference imports, by bound name."""
    found: dict[str, str] = {}
    for module in MODULES:
        tree = ast.parse((REFERENCE / f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name
                    stmt = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                    found[bound] = stmt
            elif (isinstance(node, ast.ImportFrom) and node.level == 0
                  and node.module != "__future__"):
                for alias in node.names:
                    found[alias.asname or alias.name] = f"from {node.module} import {alias.name}"
    return found


def _inlined_forward() -> Definition:
    """``tiny_cnn_forward`` with ``_forward`` written out, so its answer reads on its own.

    The reference's body is one call, ``_forward(...)[0]``; students should see the
    layers. The build stops here if the reference's shape of these two ever changes.
    """
    defs = definitions()
    own, helper = defs["tiny_cnn_forward"], defs["_forward"]
    call = "    return _forward(_check_images(x), _check_params(params))[0]"
    *steps, last = helper.body.split("\n")
    if own.body != call or not last.strip().startswith("return logits,"):
        raise ValueError("reference tiny_cnn_forward/_forward changed; update _inlined_forward")
    body = "\n".join(["    x, p = _check_images(x), _check_params(params)", *steps,
                      "    return logits"])
    uses = (helper.uses | own.uses) - {"_forward"}
    return Definition(own.name, own.module, own.order, "function", "", own.header,
                      own.docstring, body, uses)


def _inlined_loss_and_grads() -> Definition:
    """``tiny_cnn_loss_and_grads`` with the forward pass written out (``_forward`` would
    hand out ``tiny_cnn_forward``'s answer)."""
    defs = definitions()
    own, helper = defs["tiny_cnn_loss_and_grads"], defs["_forward"]
    call = "    logits, (a1, h1, a2, h2, flat) = _forward(x, p)"
    *steps, last = helper.body.split("\n")
    if call not in own.body.split("\n") or last.strip() != "return logits, (a1, h1, a2, h2, flat)":
        raise ValueError("reference tiny_cnn_loss_and_grads/_forward changed; "
                         "update _inlined_loss_and_grads")
    body = own.body.replace(call, "\n".join(steps))
    uses = (helper.uses | own.uses) - {"_forward"}
    return Definition(own.name, own.module, own.order, "function", "", own.header,
                      own.docstring, body, uses)


def _signature(d: Definition) -> str:
    return ast.dump(ast.parse(textwrap.dedent(d.header) + "\n    pass").body[0].args)


def model(function: str) -> Definition:
    """The model solution of a student function: its own header and docstring, readable body."""
    defs = definitions()
    own = defs[function]
    if function == "tiny_cnn_forward":
        impl = _inlined_forward()
    elif function == "tiny_cnn_loss_and_grads":
        impl = _inlined_loss_and_grads()
    else:
        impl = defs[MODEL_BODY.get(function, function)]
    if _signature(own) != _signature(impl):
        raise ValueError(f"reference {impl.name} and {function} have different signatures")
    source = "\n".join([own.header, own.docstring, impl.body])
    return Definition(own.name, own.module, own.order, "function", source, own.header,
                      own.docstring, impl.body, impl.uses)


def student_functions() -> tuple[str, ...]:
    return rubric.FUNCTIONS


def used_definition(name: str) -> Definition:
    """What a generated file contains for ``name``: the model for student functions, else
    the reference's own definition."""
    return model(name) if name in rubric.FUNCTIONS else definitions()[name]


def closure(roots) -> list[str]:
    """Names of the definitions ``roots`` need, roots included, in reference order."""
    defs = definitions()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        todo.extend(sorted(used_definition(name).uses - seen))
    leaks = sorted(seen & ANSWER_HELPERS)
    if leaks:
        raise ValueError(f"the model solution of {sorted(roots)} needs answer helpers {leaks}")
    return sorted(seen, key=lambda n: defs[n].order)


def imports_for(names) -> list[str]:
    """Import lines for the definitions ``names``: stdlib, a blank line, numpy (isort order)."""
    table = imports()
    used: set[str] = set()
    for name in names:
        used |= used_definition(name).uses
    stmts = {table[n] for n in used if n in table}
    if any("DIGITS_FILE" in used_definition(n).uses for n in names):
        stmts.add("from pathlib import Path")

    def isort(group):  # plain "import x" lines first, then "from x import y"
        return sorted(s for s in group if s.startswith("import ")) + sorted(
            s for s in group if s.startswith("from "))

    numpy = {s for s in stmts if s.split()[1].startswith("numpy")}
    stdlib = stmts - numpy
    return [*isort(stdlib), *([""] if stdlib and numpy else []), *isort(numpy)]
