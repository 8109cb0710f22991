"""``autograder course``: real argparse subcommands, each with only its own options, and the
nbgrader extra kept off the grading path.

The commands themselves run in test_nbgrader_cycle.py; here only what happens before any
nbgrader step: usage errors, the missing-extra message, and which modules get imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import build_parser, main
from autograder.course.cli import missing_extra

ROOT = Path(__file__).resolve().parents[1]

#: modules of the nbgrader extra that the grading path must not import
NBGRADER_SIDE = ("nbgrader", "nbformat", "traitlets")


@pytest.mark.parametrize("argv, named", [
    # options another subcommand has, and this one does not use
    (["course", "release", "--grades", "g.csv"], "--grades"),
    (["course", "release", "--sandboxed"], "--sandboxed"),
    (["course", "release", "--timeout", "5"], "--timeout"),
    (["course", "export", "--assignment", "a"], "--assignment"),
    (["course", "export", "--work", "w"], "--work"),
    (["course", "export", "--exchange", "e"], "--exchange"),
    (["course", "audit", "--sandboxed"], "--sandboxed"),
    (["course", "audit", "--exchange", "e"], "--exchange"),
    (["course", "audit", "--grades", "g.csv"], "--grades"),
    (["course", "zip-collect", "downloads", "--exchange", "e"], "--exchange"),
    (["course", "zip-collect", "downloads", "--no-feedback"], "--no-feedback"),
    (["course", "grade", "--students", "a,b"], "--students"),
    (["course", "snapshot", "--workers", "2"], "--workers"),
    (["course", "snapshot", "--exchange", "e"], "--exchange"),
    # missing or contradictory
    (["course"], "COMMAND"),
    (["course", "collect-all"], "collect-all"),
    (["course", "zip-collect"], "downloads"),
    (["course", "cycle"], "--exchange"),
    (["course", "cycle", "--lms", "d", "--students", "a"], "--students"),
    (["course", "grade", "--reports", "r"], "--sandboxed"),
    (["course", "cycle", "--exchange", "e", "--reports", "r"], "--sandboxed"),
    # bad values
    (["course", "grade", "--timeout", "0"], "--timeout"),
    (["course", "grade", "--timeout", "soon"], "--timeout"),
    (["course", "audit", "--workers", "0"], "--workers"),
    (["course", "grade", "--seed", "spring"], "--seed"),
    (["course", "release", "--seed", "2027"], "--seed"),  # release draws no cases
])
def test_course_usage_errors_exit_2_and_name_the_option(argv, named, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and named in err, err


@pytest.mark.parametrize("argv, command", [
    (["course", "release", "--exchange", "x"], "release"),
    (["course", "export", "--grades", "g.csv", "--course-id", "c"], "export"),
    (["course", "audit", "--workers", "2", "--no-write", "--reports", "r"], "audit"),
    (["course", "zip-collect", "d", "--work", "w"], "zip-collect"),
    (["course", "snapshot", "--course", "c", "--assignment", "a"], "snapshot"),
    (["course", "grade", "--lms", "d", "--sandboxed", "--reports", "r", "--seed", "2027"],
     "grade"),
    (["course", "cycle", "--exchange", "e", "--students", "a,b", "--timeout", "30",
      "--verbose", "--seed", "2027"], "cycle"),
    (["course", "audit", "--seed", "2027", "--verbose"], "audit"),
])
def test_each_subcommand_accepts_its_own_options(argv, command):
    args = build_parser().parse_args(argv)
    assert args.command == "course" and args.course_command == command
    assert callable(args.run)


def test_python_m_autograder_course_has_the_same_subcommands():
    proc = subprocess.run([sys.executable, "-m", "autograder.course", "release", "--grades",
                           "g.csv"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "--grades" in proc.stderr
    helped = subprocess.run([sys.executable, "-m", "autograder.course", "--help"],
                            capture_output=True, text=True, cwd=ROOT)
    assert helped.returncode == 0
    for command in ("cycle", "release", "grade", "zip-collect", "export", "snapshot", "audit"):
        assert command in helped.stdout


def test_the_grading_path_imports_no_nbgrader():
    """A fresh interpreter: the grading modules and the whole CLI parser, course
    subcommands included, leave nbgrader, nbformat and traitlets unimported."""
    code = (
        "import json, sys\n"
        "import autograder.cli, autograder.grading, autograder.engine\n"
        "import autograder.reports, autograder.reports.feedback\n"
        "autograder.cli.build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    modules = set(json.loads(proc.stdout))
    assert "autograder.course.cli" in modules  # the course parser was built
    loaded = sorted(m for m in modules if m.split(".")[0] in NBGRADER_SIDE)
    assert loaded == []


def _interpreter_without_nbgrader(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """This Python with site-packages off (``-S``) and on its path only this repository and
    the core dependencies the command line needs (symlinked): an environment where nbgrader
    is really not installed."""
    import numpy

    site = Path(numpy.__file__).resolve().parents[1]
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("numpy", "numpy.libs", "jinja2", "markupsafe", "tqdm"):
        if (site / name).exists():
            (lib / name).symlink_to(site / name)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(lib)])}
    check = subprocess.run([sys.executable, "-S", "-c", "import nbgrader"],
                           capture_output=True, text=True, env=env)
    assert check.returncode != 0, "nbgrader is still importable; the setup is wrong"
    return [sys.executable, "-S", "-m", "autograder.cli"], env


def test_without_nbgrader_course_says_what_to_install(tmp_path):
    command, env = _interpreter_without_nbgrader(tmp_path)
    proc = subprocess.run([*command, "course", "export", "--course", str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "nbgrader" in proc.stderr and "pip install 'conv-lab[nbgrader]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the rest of the CLI, course usage errors included, works without the extra
    helped = subprocess.run([*command, "grade", "--help"], capture_output=True, text=True,
                            env=env, cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    usage = subprocess.run([*command, "course", "release", "--grades", "g.csv"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert usage.returncode == 2 and "--grades" in usage.stderr


def test_a_missing_module_outside_the_extra_is_not_called_a_missing_extra():
    assert missing_extra(ModuleNotFoundError("x", name="nbgrader.apps")) is not None
    assert missing_extra(ModuleNotFoundError("x", name="traitlets")) is not None
    # a typo or a broken install of our own must surface as the error it is
    assert missing_extra(ModuleNotFoundError("x", name="autograder.course.stepz")) is None
    assert missing_extra(ModuleNotFoundError("x", name=None)) is None
