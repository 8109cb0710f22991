"""The reference's docstrings are what students read in their stubs and notebooks.

Each student function's docstring must name its inputs and what it returns with their
shapes, and carry a small example; the examples must hold for the reference.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

import reference
from autograder import rubric

#: Every module of the reference package (the build cuts the stubs from all of them).
MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(reference.__path__)))

#: Functions that take no arrays (plain ints, or a seed), so there is no input shape to give.
NO_ARRAY_INPUT = frozenset({"output_size", "same_padding", "init_tiny_cnn"})

#: An array shape as the docstrings write it: "(N, C, H, W)", "(H, W)", "(K,)", "(..., H, W)",
#: "(N, 1, 8, 8)": dimensions named by capitals (at least one), numbers or "...".
_DIM = r"(?:[A-Z]{1,2}|\.\.\.|\d+)"
_TUPLE = re.compile(rf"\({_DIM}(?:,\s*{_DIM})*,?\)")


def has_shape(text: str) -> bool:
    return any(re.search(r"[A-Z]", m.group()) for m in _TUPLE.finditer(text))


def student_docstring(name: str) -> str:
    """The docstring students see for ``name``: the reference function's own (the build
    copies it into stubs and notebooks, also where the body is a loop version's; the
    assignments' tests check the copies are equal)."""
    return inspect.getdoc(getattr(reference, name)) or ""


def missing_parts(doc: str, needs_shape: bool) -> list[str]:
    """What a student docstring lacks, by the project's rule; empty when it is complete."""
    missing = []
    if ">>>" not in doc:
        missing.append("a >>> example")
    if not re.search(r"\bReturns?\b", doc):
        missing.append('"Returns"')
    if needs_shape and not has_shape(doc):
        missing.append("a shape like (N, C, H, W)")
    return missing


@pytest.mark.parametrize("name", rubric.FUNCTIONS)
def test_student_docstring_has_example_returns_and_shapes(name):
    missing = missing_parts(student_docstring(name), needs_shape=name not in NO_ARRAY_INPUT)
    assert not missing, f"{name}'s docstring lacks {', '.join(missing)}"


@pytest.mark.parametrize("doc, needs_shape, lacks", [
    ('"""Rectified values."""', True, ['a >>> example', '"Returns"', "a shape like (N, C, H, W)"]),
    ('"""Returns (N, K).\n\n>>> f(1)\n1\n"""', True, []),
    ('"""Returns the size.\n\n>>> f(1)\n1\n"""', True, ["a shape like (N, C, H, W)"]),
    ('"""Returns the size.\n\n>>> f(1)\n1\n"""', False, []),
    ('"""Return (H, W), see (stride)."""', True, ["a >>> example"]),
])
def test_the_rule_rejects_incomplete_docstrings(doc, needs_shape, lacks):
    assert missing_parts(doc, needs_shape) == lacks


def test_shape_pattern_knows_shapes_from_words():
    for shape in ("(N, C, H, W)", "(H, W)", "(K,)", "(..., H, W)", "(N, 1, 8, 8)", "(N, ...)"):
        assert has_shape(shape), shape
    for text in ("(stride)", "(before, after)", "(a float in [0, 1])", "(TensorFlow)",
                 "(5, 10)", "((1, 1), (0, 1))"):
        assert not has_shape(text), text


def test_every_student_function_is_in_a_reference_module():
    modules = {getattr(reference, name).__module__ for name in rubric.FUNCTIONS}
    assert modules <= {f"reference.{m}" for m in MODULES}


@pytest.mark.parametrize("module", MODULES)
def test_reference_docstring_examples_hold(module):
    mod = importlib.import_module(f"reference.{module}")
    result = doctest.testmod(mod, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) of reference.{module} fail"


def test_every_student_function_has_a_doctest_that_runs():
    """The examples are real doctests (found and run by doctest), not just ">>>" text."""
    finder = doctest.DocTestFinder()
    counted = {}
    for name in rubric.FUNCTIONS:
        module = importlib.import_module(getattr(reference, name).__module__)
        tests = finder.find(getattr(module, name), name, module=module,
                            globs=vars(module).copy())
        counted[name] = sum(len(t.examples) for t in tests)
    assert all(counted.values()), {n: c for n, c in counted.items() if not c}


def test_a_wrong_example_is_caught():
    """The doctest run above would notice an example that no longer holds."""
    import numpy as np

    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(verbose=False)
    wrong = parser.get_doctest(">>> relu(np.array([-1.0])).tolist()\n[-1.0]\n",
                               {"np": np, "relu": importlib.import_module("reference").relu},
                               "wrong", None, 0)
    runner.run(wrong, out=lambda _: None)
    assert runner.summarize(verbose=False).failed == 1
