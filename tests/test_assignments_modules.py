"""The standalone files: the model solution computes what the reference does, the stub
module holds no answer, and the self-check runs from the stubs' folder.

- the standalone model solution imports only numpy and the standard library and computes
  what ``reference`` computes; the stubs keep its signatures and raise NotImplementedError;
- ``assignments/stubs/conv_layers.py`` holds no line of an answer and no helper that
  reduces a graded function to a call.
"""

from __future__ import annotations

import ast
import inspect
import shutil
import sys

import numpy as np
import pytest
from assignments_support import (
    MODEL,
    STUBS,
    answer_definitions,
    assert_no_answer_lines,
    load_module,
    run,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from autograder import rubric

# ---------------------------------------------------------------------- model solution, stubs

ALLOWED_IMPORTS = {"__future__", "math", "numbers", "collections", "pathlib", "numpy"}


@pytest.mark.parametrize("path", [MODEL, STUBS], ids=["model_solution", "stubs"])
def test_standalone_modules_import_only_numpy_and_the_standard_library(path, tmp_path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {(n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
                for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for a in n.names}
    assert imported <= ALLOWED_IMPORTS
    copy = tmp_path / path.name  # alone in a folder, with the repository off sys.path
    shutil.copy(path, copy)
    probe = (f"import importlib.util, sys; s = importlib.util.spec_from_file_location('m', "
             f"{str(copy)!r}); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
             "print(sorted(k for k in sys.modules if k.split('.')[0] in "
             "('reference', 'autograder', 'assignments')))")
    result = run([sys.executable, "-I", "-c", probe], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def model():
    return load_module(MODEL, "convlab_model_solution")


@pytest.fixture(scope="module")
def stubs():
    return load_module(STUBS, "convlab_stubs")


def output_shape(layer, *args, **kwargs) -> tuple[int, ...]:
    """The shape ``layer`` gives, or a stand-in when the geometry is invalid (the backward
    pass must then reject it the same way)."""
    try:
        return layer(*args, **kwargs).shape
    except ValueError:
        return (1, 1, 1, 1)


def calls(rng: np.random.Generator) -> dict[str, tuple[tuple, dict]]:
    """One call (args, kwargs) of every student function, drawn from ``rng``."""
    normal = rng.normal
    x = normal(size=(2, 3, int(rng.integers(4, 8)), int(rng.integers(4, 8))))
    w = normal(size=(int(rng.integers(1, 4)), 3, int(rng.integers(1, 4)), int(rng.integers(1, 4))))
    stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    padding = [0, 1, (1, 0), ((0, 1), (2, 1)), "valid", "same"][rng.integers(6)]
    conv_args = (x, w, normal(size=w.shape[0]), stride, padding)
    dout_conv = normal(size=output_shape(reference.conv2d, *conv_args))
    pool = {"size": int(rng.integers(1, 4)), "stride": [None, 1, 2][rng.integers(3)]}
    dout_pool = normal(size=output_shape(reference.max_pool2d, x, **pool))
    d, k = int(rng.integers(1, 6)), int(rng.integers(2, 6))
    flat, wd, logits = normal(size=(4, d)), normal(size=(d, k)), 30 * normal(size=(4, k))
    params = reference.init_tiny_cnn(int(rng.integers(100)))
    digits = rng.random((5, 1, 8, 8))
    labels = rng.integers(0, 10, 5)
    n, f = int(rng.integers(1, 12)), int(rng.integers(1, 6))
    return {
        "output_size": ((n, f, int(rng.integers(1, 4)), int(rng.integers(0, 3))), {}),
        "same_padding": ((n, f, int(rng.integers(1, 4))), {}),
        "zero_pad": ((x, padding if not isinstance(padding, str) else 2), {}),
        "conv2d_single": ((x[0, 0], w[0, 0], 0.5, stride, padding), {}),
        "conv2d": (conv_args, {}),
        "max_pool2d": ((x,), {**pool, "padding": int(rng.integers(0, pool["size"] // 2 + 1))}),
        "avg_pool2d": ((x,), pool),
        "relu": ((x,), {}),
        "flatten": ((x,), {}),
        "dense": ((flat, wd, normal(size=k)), {}),
        "softmax": ((logits,), {}),
        "cross_entropy": ((logits, rng.integers(0, k, 4)), {}),
        "init_tiny_cnn": ((int(rng.integers(1000)),), {}),
        "tiny_cnn_forward": ((digits, params), {}),
        "relu_backward": ((normal(size=x.shape), x), {}),
        "dense_backward": ((normal(size=(4, k)), flat, wd), {}),
        "conv2d_backward": ((dout_conv, x, w, stride, padding), {}),
        "max_pool2d_backward": ((dout_pool, x), pool),
        "numerical_gradient": ((lambda a: float(np.sum(np.sin(a))), normal(size=(3, 4))), {}),
        "tiny_cnn_loss_and_grads": ((digits, labels, params), {}),
        "train_tiny_cnn": ((digits, labels, digits, labels), {"epochs": 2, "batch_size": 2}),
    }


def outcome(fn, args, kwargs):
    """What a call gives: its value, or the type of the error it raised."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        return fn(*copies, **kwargs)
    except (ValueError, TypeError) as error:
        return type(error)


def assert_same(got, want, where=""):
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            assert_same(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, tuple | list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray) and got.shape == want.shape, where
        assert got.dtype == want.dtype, where
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=where)
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), where
    else:
        assert got == want, where


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_model_solution_computes_what_the_reference_computes(model, seed):
    for name, (args, kwargs) in calls(np.random.default_rng(seed)).items():
        want = outcome(getattr(reference, name), args, kwargs)
        assert_same(outcome(getattr(model, name), args, kwargs), want, name)


def test_model_solution_gives_the_lectures_answers(model):
    assert [model.output_size(7, 3, s) for s in (1, 2)] == [5, 3]
    with pytest.raises(ValueError, match=r"2\.33"):
        model.output_size(7, 3, 3)
    assert model.output_size(7, 3, 1, padding=1) == 7
    assert model.conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5))).shape == (1, 6, 28, 28)
    assert model.conv2d(np.zeros((1, 6, 28, 28)), np.zeros((10, 6, 5, 5))).shape == (1, 10, 24, 24)
    # 4×4 input, 3×3 filter of ones: top-left window 0+1+2+4+5+6+8+9+10 = 45
    assert model.conv2d_single(np.arange(16.0).reshape(4, 4), np.ones((3, 3)))[0, 0] == 45


def test_stubs_raise_not_implemented_for_every_student_function(stubs):
    for name, (args, kwargs) in calls(np.random.default_rng(0)).items():
        with pytest.raises(NotImplementedError):
            getattr(stubs, name)(*args, **kwargs)


@pytest.mark.parametrize("module", ["model", "stubs"])
def test_student_functions_keep_the_references_signature_and_docstring(module, request):
    mod = request.getfixturevalue(module)
    for name in rubric.FUNCTIONS:
        ours, theirs = getattr(mod, name), getattr(reference, name)
        assert str(inspect.signature(ours)) == str(inspect.signature(theirs)), name
        assert inspect.getdoc(ours) == inspect.getdoc(theirs), name


def test_stub_helpers_are_the_model_solutions_helpers(model, stubs):
    helpers = [n for n, v in vars(stubs).items() if inspect.isfunction(v)
               and v.__module__ == stubs.__name__ and n not in rubric.FUNCTIONS]
    assert {"as_float_array", "padding_pairs", "load_digits_split"} <= set(helpers)
    # geometry is the student's own: no helper works out sizes or padding for them
    assert not {"conv_geometry", "output_shape", "resolve_padding", "_pool_setup"} & set(helpers)
    for name in helpers:
        assert inspect.getsource(getattr(stubs, name)) == inspect.getsource(getattr(model, name))
    assert not hasattr(stubs, "_forward"), "the stubs must not hand out the forward pass"


def test_generated_loader_gives_the_references_digits_split(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    for name in ("conv_layers.py", "digits.npz"):
        shutil.copy(STUBS.parent / name, folder / name)
    mod = load_module(folder / "conv_layers.py", "convlab_stubs_copy")
    for got, want in zip(mod.load_digits_split(), reference.load_digits_split(), strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_stub_module_holds_no_answer():
    text = STUBS.read_text(encoding="utf-8")
    tree = ast.parse(text)
    students = [n for n in tree.body
                if isinstance(n, ast.FunctionDef) and n.name in rubric.FUNCTIONS]
    assert sorted(n.name for n in students) == sorted(rubric.FUNCTIONS)
    stub_body = ast.dump(ast.parse("raise NotImplementedError()").body[0])
    for node in students:
        assert [ast.dump(s) for s in node.body[1:]] == [stub_body], node.name
    helpers = "\n".join(ast.get_source_segment(text, n) for n in tree.body
                        if not (isinstance(n, ast.FunctionDef) and n.name in rubric.FUNCTIONS))
    assert_no_answer_lines(text, rubric.FUNCTIONS, helpers, "conv_layers.py")




def test_stub_module_defines_no_answer_or_answer_helper():
    text = STUBS.read_text(encoding="utf-8")
    assert answer_definitions(text, frozenset(rubric.FUNCTIONS)) == []
    # and the check sees a copied answer, whatever its name
    leaked = text + "\n\n" + inspect.getsource(reference.conv2d_loops).replace(
        "conv2d_loops", "my_helper")
    assert answer_definitions(leaked, frozenset(rubric.FUNCTIONS)) == [
        "my_helper has the body of the reference's conv2d_loops"]


# ------------------------------------------------------------------------------- self-check

def test_students_self_check_the_stub_module_from_its_folder(tmp_path):
    """`python selfcheck.py conv_layers.py` in a copy of assignments/stubs: every check
    reports the stub; the same command passes on the model solution."""
    folder = tmp_path / "student"
    shutil.copytree(STUBS.parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    stub_run = run([sys.executable, "selfcheck.py", "conv_layers.py"], folder)
    assert stub_run.returncode != 0
    assert f"0 of {len(rubric.FUNCTIONS)} self-checks pass" in stub_run.stdout
    shutil.copy(MODEL, folder / "model_solution.py")
    model_run = run([sys.executable, "selfcheck.py", "model_solution.py"], folder)
    assert model_run.returncode == 0, model_run.stdout[-2000:]
    n = len(rubric.FUNCTIONS)
    assert f"{n} of {n} self-checks pass" in model_run.stdout


def test_docstring_examples_hold_for_the_model_solution(model):
    import doctest

    result = doctest.testmod(model, extraglobs={"np": np}, verbose=False)
    assert result.attempted >= 6 and result.failed == 0
