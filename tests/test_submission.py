"""Reading submissions: .py files, notebooks with IPython syntax, folders; never crashing.

Also the worker's rule for which notebook a function is taken from (``pick_functions``),
which needs only names and namespaces, so it is tested here without a sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.jail.cells import python_only
from autograder.jail.worker import pick_functions
from autograder.submission import load_submission


def notebook(*cells: dict | str) -> str:
    """nbformat-4 JSON; a plain string is a code cell with no metadata."""
    def as_cell(c: dict | str) -> dict:
        c = {"source": c} if isinstance(c, str) else c
        return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, **c}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [as_cell(c) for c in cells]})


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<test>", "exec"), namespace)
    return namespace


# --------------------------------------------------------------------------- single files


def test_a_py_file_is_one_cell_named_after_the_file(tmp_path):
    sub = load_submission(write(tmp_path / "kim_minsu.py", "def relu(x):\n    return x\n"))
    assert (sub.student, sub.problems) == ("kim_minsu", [])
    assert [(u.name, u.cells) for u in sub.units] == [
        ("kim_minsu.py", ["def relu(x):\n    return x\n"])]


def test_notebook_code_cells_in_order_without_markdown(tmp_path):
    text = json.loads(notebook("a = 1", "b = a + 1"))
    text["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": "# title"})
    text["cells"][2]["source"] = ["b = a", " + 1\n"]  # nbformat also stores lists of lines
    sub = load_submission(write(tmp_path / "nb.ipynb", json.dumps(text)))
    assert sub.problems == []
    assert sub.units[0].cells == ["a = 1", "b = a + 1\n"]
    assert sub.units[0].numbers == [1, 3]


def test_ipython_syntax_is_removed_and_the_rest_runs(tmp_path):
    cells = [
        "%matplotlib inline\nimport math\nx = 2",
        "%%time\nthis cell is timed: not Python",
        "!pip install numpy\nfiles = !ls\nif x:\n    !echo hi\n    y = x * 3",
        "math.sqrt?\n?math\nz = y + 1",
        'def f():\n    """What does this return?"""\n    return z\n%time f()',
    ]
    sub = load_submission(write(tmp_path / "nb.ipynb", notebook(*cells)))
    assert sub.units[0].cells == cells  # kept as they are: the worker converts them
    python = [python_only(c) for c in sub.units[0].cells]  # as the worker does, in the jail
    namespace = run("\n".join(python))
    assert (namespace["y"], namespace["z"], namespace["f"]()) == (6, 7, 7)
    assert namespace["f"].__doc__ == "What does this return?"
    assert len([p for p in python if p.strip()]) == 4  # the %%time cell is skipped


@given(st.lists(st.sampled_from(["x = 1", "y = [1,\n 2]", "s = '''a?\n%b\n!c'''",
                                 "if True:\n    pass", "# comment?"]), max_size=5))
def test_valid_python_is_never_changed(lines):
    source = "\n".join(lines)
    assert python_only(source) == source


def test_hidden_test_and_self_check_cells_are_skipped(tmp_path):
    cells = [
        {"source": "answer = 1", "metadata": {"nbgrader": {"solution": True, "grade": False}}},
        {"source": "assert answer == 1", "metadata": {"nbgrader": {"grade": True,
                                                                   "solution": False}}},
        {"source": "hidden = 1", "metadata": {"nbgrader": {"grade": True}}},
        {"source": "graded_answer = 2", "metadata": {"nbgrader": {"grade": True,
                                                                  "solution": True}}},
        {"source": "selfcheck = 1", "metadata": {"tags": ["convlab:selfcheck"]}},
        {"source": "demo = 1", "metadata": {"tags": ["x", "convlab:demo"]}},
        {"source": "mine = 3", "metadata": {"tags": ["student"]}},
    ]
    sub = load_submission(write(tmp_path / "nb.ipynb", notebook(*cells)))
    assert sub.units[0].cells == ["answer = 1", "graded_answer = 2", "mine = 3"]


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("nb.ipynb", "{not json", "not valid notebook JSON"),
    ("nb.ipynb", "[1, 2]", "not valid notebook JSON"),
    ("nb.ipynb", '{"nbformat": 3, "worksheets": []}', "not an nbformat-4 notebook"),
    ("nb.ipynb", json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}),
     "'source' must be a string"),
    ("code.py", b"x = '\xff\xfe'", "not UTF-8 text"),
    ("code.py", b"", "empty file"),
    ("code.py", b"  \n\n", "empty file"),
    ("notes.txt", "def relu(x): return x", "expected a .py file, a .ipynb notebook"),
])
def test_unusable_files_become_clear_problems(tmp_path, name, content, reason):
    sub = load_submission(write(tmp_path / name, content))
    assert sub.units == []
    assert len(sub.problems) == 1 and reason in sub.problems[0] and name in sub.problems[0]


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path):
    sub = load_submission(tmp_path / "nobody.py")
    assert sub.units == [] and "no such file" in sub.problems[0]


def test_a_python_syntax_error_is_kept_for_the_worker_to_report(tmp_path):
    sub = load_submission(write(tmp_path / "broken.py", "def relu(x)\n    return x\n"))
    assert sub.problems == [] and sub.units[0].cells == ["def relu(x)\n    return x\n"]


# --------------------------------------------------------------------------- folders


def test_a_folder_holds_notebooks_and_py_files_sorted_by_name(tmp_path):
    folder = tmp_path / "submitted" / "lee" / "conv_lab"
    write(folder / "03_convolution.ipynb", notebook("c = 3"))
    write(folder / "01_feature_map_size.ipynb", notebook("a = 1"))
    write(folder / "helpers" / "02_extra.py", "b = 2")
    write(folder / "selfcheck.py", "raise SystemExit('shipped helper')")
    write(folder / ".ipynb_checkpoints" / "03_convolution-checkpoint.ipynb", notebook("old"))
    write(folder / "__pycache__" / "x.py", "cached")
    write(folder / ".hidden.py", "hidden")
    write(folder / "timestamp.txt", "2026-01-01")
    sub = load_submission(tmp_path / "submitted" / "lee")
    assert sub.student == "lee"
    assert [u.name for u in sub.units] == ["01_feature_map_size.ipynb", "02_extra.py",
                                          "03_convolution.ipynb"]
    assert sub.problems == []


def test_a_bad_notebook_in_a_folder_does_not_hide_the_others(tmp_path):
    write(tmp_path / "s" / "01_a.ipynb", "{broken")
    write(tmp_path / "s" / "02_b.ipynb", notebook("b = 2"))
    sub = load_submission(tmp_path / "s")
    assert [u.name for u in sub.units] == ["02_b.ipynb"]
    assert len(sub.problems) == 1 and sub.problems[0].startswith("01_a.ipynb: not valid")


def test_an_empty_folder_is_a_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no .py or .ipynb files" in load_submission(tmp_path / "empty").problems[0]


# --------------------------------------------------------------------------- which function


def _fn(tag):
    return lambda: tag


def test_a_function_comes_from_its_own_notebook_not_a_later_provided_copy():
    units = [("03_convolution", {"conv2d": _fn("student 03"), "helper": _fn("03")}),
             ("04_pooling_and_tiny_cnn", {"conv2d": _fn("provided in 04"), "helper": _fn("04"),
                                          "relu": _fn("student 04")})]
    home = {"conv2d": "03_convolution", "relu": "04_pooling_and_tiny_cnn"}
    found = pick_functions(units, home)
    assert {name: f() for name, f in found.items()} == {
        "conv2d": "student 03", "relu": "student 04", "helper": "04"}


def test_missing_in_its_own_notebook_means_missing():
    units = [("03_convolution", {}), ("04_pooling_and_tiny_cnn", {"conv2d": _fn("provided")})]
    assert "conv2d" not in pick_functions(units, {"conv2d": "03_convolution"})


def test_a_part_notebook_not_handed_in_is_not_replaced_by_a_later_provided_copy():
    # Only notebook 04 was uploaded: its provided copy of conv2d must not earn 03's points.
    units = [("04_pooling_and_tiny_cnn", {"conv2d": _fn("provided"), "relu": _fn("student")})]
    home = {"conv2d": "03_convolution", "relu": "04_pooling_and_tiny_cnn"}
    found = pick_functions(units, home)
    assert "conv2d" not in found and found["relu"]() == "student"


def test_without_its_notebook_the_last_definition_wins():
    units = [("conv_a", {"conv2d": _fn("a")}), ("conv_b", {"conv2d": _fn("b")}),
             ("conv_c", {"np": json, "Thing": int})]
    found = pick_functions(units, {"conv2d": "03_convolution"})
    assert found["conv2d"]() == "b" and "np" not in found and "Thing" not in found


def test_the_in_process_fallback_of_autograder_check_removes_ipython_syntax_too(tmp_path):
    # Without a sandbox, `autograder check` runs the student's own file in-process.
    from autograder.commands.check import submission_source

    cells = ["%matplotlib inline\nx = 2", "%%time\nnot Python", "y = x * 3\n!ls"]
    sub = load_submission(write(tmp_path / "nb.ipynb", notebook(*cells)))
    assert run(submission_source(sub))["y"] == 6
