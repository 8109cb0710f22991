"""The student assignments: generated from one source, free of answers, working in nbgrader.

- the build (``python -m assignments.build``) reproduces every committed file byte for byte,
  and the source notebooks store no outputs or dates;
- the standalone model solution imports only numpy and the standard library and computes
  what ``reference`` computes; the stubs keep its signatures and raise NotImplementedError;
- nothing students get (released notebooks, ``assignments/stubs/conv_layers.py``) holds a
  line of an answer;
- real nbgrader: ``validate`` gives the source notebooks full marks, ``generate_assignment``
  works, ``validate --invert`` finds no passing graded cell in the release; real kernels:
  source notebooks run cleanly with their figures, released ones fail only with
  NotImplementedError, and a half-right answer earns partial credit.

The slow tests share one temporary copy of the course and batch the nbgrader calls.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
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
    "tiny_cnn_forward": (reference.tiny_cnn_forward, reference.tiny_cnn._forward),
}
MIN_SECRET_LINE = 12  # shorter lines ("return out", "else:") say nothing about an answer


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


# ------------------------------------------------------------------------------------ build

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = run([sys.executable, "-m", "assignments.build", "--out", str(out)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def generated_files(root: Path) -> set[str]:
    found = {str(p.relative_to(root)) for d in GENERATED_DIRS for p in (root / d).rglob("*")
             if p.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts)}
    return found | ({str(MODEL.relative_to(ROOT))} if (root / MODEL.relative_to(ROOT)).exists()
                    else set())


def test_build_reproduces_the_committed_files_byte_for_byte(built):
    expected = generated_files(built)
    assert str(MODEL.relative_to(ROOT)) in expected
    assert {f"assignments/source/conv_layers/{stem}.ipynb" for stem in STEMS} <= expected
    assert generated_files(ROOT) == expected, "stray or missing files; rerun the build"
    stale = [rel for rel in sorted(expected)
             if (ROOT / rel).read_bytes() != (built / rel).read_bytes()]
    assert not stale, f"out of date (run `python -m assignments.build`): {stale}"


def test_build_is_deterministic_and_runs_as_a_script(built, tmp_path):
    result = run([sys.executable, "assignments/build.py", "--out", str(tmp_path)], ROOT)
    assert result.returncode == 0, result.stderr
    for rel in generated_files(built):
        assert (tmp_path / rel).read_bytes() == (built / rel).read_bytes(), rel
    (tmp_path / STUBS.relative_to(ROOT)).write_text("# edited\n")  # --check must notice
    check = run([sys.executable, "-m", "assignments.build", "--check", "--out", str(tmp_path)],
                ROOT)
    assert check.returncode == 1, check.stdout
    assert check.stdout.splitlines()[0] == "out of date: assignments/stubs/conv_layers.py"


@pytest.mark.parametrize("stem", STEMS)
def test_source_notebooks_store_no_outputs_ids_or_dates(stem):
    path = COURSE_SOURCE / f"{stem}.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = read_nb(path)
    nbformat.validate(nb)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert "checksum" not in cell.metadata.get("nbgrader", {})
    assert not re.search(r"20\d\d-\d\d-\d\d", text), "a date in a source notebook"
    # nbformat's own stable formatting: sorted keys, one-space indent, trailing newline
    assert text == nbformat.writes(nb) + "\n"


@pytest.mark.parametrize("part", rubric.PARTS, ids=STEMS)
def test_each_function_is_taught_checked_and_graded_with_rubric_points(part):
    nb = read_nb(COURSE_SOURCE / f"{part.stem}.ipynb")
    graded = graded_cells(nb)
    assert sorted(graded) == sorted(part.functions)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for fn, cell in graded.items():
        assert cell.metadata["nbgrader"]["points"] == rubric.points_for(fn)
        assert "convlab:tests" in tags(cell) and cell.metadata["nbgrader"]["locked"]
        assert f'score("{fn}", globals())' in cell.source and "BEGIN HIDDEN TESTS" in cell.source
        for item in rubric.items_for(fn):  # the points table states every item
            assert f"| `{fn}` | {item.name.split(': ', 1)[1]} | {item.points} |" in markdown
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == [
        f"{fn}-answer" for fn in part.functions]
    selfchecks = [c.source for c in nb.cells if "convlab:selfcheck" in tags(c)]
    assert selfchecks == [f"from selfcheck import check_{fn}\ncheck_{fn}({fn})"
                          for fn in part.functions]
    assert any("convlab:demo" in tags(c) and "plt." in c.source for c in nb.cells)


def test_graded_points_add_up_to_the_rubric_total():
    points = {fn: cell.metadata["nbgrader"]["points"] for stem in STEMS
              for fn, cell in graded_cells(read_nb(COURSE_SOURCE / f"{stem}.ipynb")).items()}
    assert set(points) == set(rubric.FUNCTIONS)
    assert sum(points.values()) == rubric.TOTAL_POINTS == 100


HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.parametrize("stem", STEMS)
def test_every_explanation_is_in_korean_and_english(stem):
    for cell in read_nb(COURSE_SOURCE / f"{stem}.ipynb").cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`|\|.*\||\$[^$]*\$", "", cell.source)  # code, tables
            assert HANGUL.search(prose), f"no Korean in: {cell.source[:80]}"
            english = re.findall(r"\b[A-Za-z]{3,}\b", prose)
            assert len(english) >= 3, f"no English in: {cell.source[:80]}"


def test_notebook_one_corrects_the_lectures_width_formula():
    text = "\n".join(c.source for c in read_nb(COURSE_SOURCE / f"{STEMS[0]}.ipynb").cells)
    assert "OW = (W + 2P − FW) / S + 1" in text
    assert "OW = (H + 2P + FW)/S + 1" in text and "typo" in text and "오타" in text
    for fact in ("(7 − 3)/1 + 1 = **5**", "(7 − 3)/2 + 1 = **3**", "2.33", "**7**"):
        assert fact in text


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
    assert {"as_float_array", "conv_geometry", "padding_pairs", "load_digits_split"} <= set(helpers)
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
    out anyway (``visible``: provided helpers and earlier answers)."""
    handed_out = {line.strip() for line in visible.splitlines()}
    present = {line.strip() for line in text.splitlines()}
    for fn in functions:
        leaked = (secret_lines(fn) - handed_out) & present
        assert not leaked, f"{where}: answer lines of {fn} in a student file: {sorted(leaked)}"


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


# ------------------------------------------------------------------ nbgrader and real kernels

def nbgrader_env(course: Path) -> dict[str, str]:
    env = dict(os.environ)
    # nbgrader starts `alembic` by name; the exchange stays inside the temporary course
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["CONVLAB_EXCHANGE"] = str(course / "exchange")
    return env


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A throwaway copy of the course (config + source), so the repository stays clean."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ASSIGNMENTS / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ASSIGNMENTS / "source", root / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def released(course) -> Path:
    result = run(["nbgrader", "generate_assignment", "conv_layers", "--force"], course,
                 nbgrader_env(course))
    assert result.returncode == 0, result.stderr[-3000:]
    release = course / "release" / "conv_layers"
    assert sorted(p.stem for p in release.glob("*.ipynb")) == STEMS
    return release


def validate(course: Path, paths: list[Path], *flags: str) -> str:
    result = run(["nbgrader", "validate", *flags, *map(str, paths)], course, nbgrader_env(course))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_source_notebooks_validate_with_full_marks(course):
    out = validate(course, [course / "source" / "conv_layers" / f"{s}.ipynb" for s in STEMS])
    assert out.count("Success! Your notebook passes all the tests.") == len(STEMS), out[-3000:]


@pytest.mark.slow
def test_released_notebooks_pass_no_graded_cell(released):
    out = validate(released.parent.parent, [released / f"{s}.ipynb" for s in STEMS], "--invert")
    assert out.count("Success! The notebook does not pass any tests.") == len(STEMS), out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(STEMS)), ids=STEMS)
def test_released_notebooks_hold_no_answer(released, index):
    part = rubric.PARTS[index]
    nb = read_nb(released / f"{part.stem}.ipynb")
    text = "\n".join(c.source for c in nb.cells)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.course.notebook"):
        assert marker not in text
    provided = "\n".join(c.source for c in nb.cells if "convlab:provided" in tags(c))
    for fn in part.functions:
        assert text.count(f"def {fn}(") == 1, fn  # only the student's own stub
        assert f"def {fn}(" not in provided
    later = [f for p in rubric.PARTS[index:] for f in p.functions]
    assert_no_answer_lines(text, later, provided, part.stem)


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, going on after errors."""
    from nbclient import NotebookClient

    nb = read_nb(path)
    NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def errors(nb) -> list[tuple[str, str]]:
    return [(cell.id, out.ename) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "error"]


def stderr(nb) -> list[tuple[str, str]]:
    return [(cell.id, out.text) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]


@pytest.fixture(scope="module")
def headless():
    """Kernels started by these tests see no display (as on a CI machine)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DISPLAY", raising=False)
        yield


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_source_notebooks_run_cleanly_with_figures_and_full_points(course, headless, stem):
    nb = execute(course / "source" / "conv_layers" / f"{stem}.ipynb")
    assert errors(nb) == [] and stderr(nb) == []
    figures = [c for c in nb.cells if "convlab:demo" in tags(c)
               and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures, "no figure drawn"
    for fn, cell in graded_cells(nb).items():
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, fn
        assert float(results[0].data["text/plain"]) == rubric.points_for(fn), fn


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_released_notebooks_fail_only_with_not_implemented_error(released, headless, stem):
    nb = execute(released / f"{stem}.ipynb")
    assert stderr(nb) == []
    found = errors(nb)
    assert found, "a release with nothing left to write"
    assert {ename for _, ename in found} == {"NotImplementedError"}, found
    graded = {c.id for c in graded_cells(nb).values()}
    assert graded <= {cell_id for cell_id, _ in found}, "a graded cell ran without an answer"


@pytest.mark.slow
def test_a_half_right_answer_earns_partial_credit(course, headless, tmp_path):
    """nbgrader 0.9 scores a test cell by its numeric result: some, not all, of the points."""
    from nbgrader.utils import determine_grade

    stem = STEMS[0]
    for f in (course / "source" / "conv_layers").iterdir():
        if f.is_file():  # not the __pycache__ of selfcheck.py
            shutil.copy(f, tmp_path / f.name)
    path = tmp_path / f"{stem}.ipynb"
    nb = read_nb(path)
    answer = next(c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "output_size-answer")
    head = answer.source.split("### BEGIN SOLUTION")[0]
    # right for numeric padding, but no "valid"/"same" strings: one rubric item lost
    answer.source = head + (
        "### BEGIN SOLUTION\n"
        "    if isinstance(padding, str):\n"
        "        raise ValueError('strings are not supported')\n"
        "    span = n + 2 * padding - f\n"
        "    if n < 1 or f < 1 or stride < 1 or span < 0 or span % stride:\n"
        "        raise ValueError(f'({n} + 2·{padding} − {f}) / {stride} + 1 is not an integer')\n"
        "    return span // stride + 1\n"
        "    ### END SOLUTION")
    nbformat.write(nb, path)
    executed = execute(path)
    score, max_score = determine_grade(graded_cells(executed)["output_size"])
    assert max_score == rubric.points_for("output_size")
    assert 0 < score < max_score


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
