"""Situations a user of ``autograder course`` (and ``autograder grade``) can run into that
the program can name: each stops with one line saying what was expected, what was found and
what to do, and exit status 2 -- never a traceback.

Real folders, real nbgrader (release, collect), real PATH lookups; nothing mocked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
ASSIGNMENT = "conv_layers"


def course(tmp: Path) -> Path:
    """A course folder: the repository's nbgrader_config.py and its first notebook."""
    if not (COURSE / "source" / ASSIGNMENT / "01_feature_map_size.ipynb").exists():
        pytest.skip("the nbgrader course is not built yet")
    dest = tmp / "course"
    (dest / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", dest)
    shutil.copy(COURSE / "source" / ASSIGNMENT / "01_feature_map_size.ipynb",
                dest / "source" / ASSIGNMENT)
    return dest


def run(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(cwd)}
    env.pop("CONVLAB_EXCHANGE", None)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    """The one error line of a refused command, after checking it is one."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


def unwritable_folder(tmp: Path) -> Path:
    """A folder this user cannot write: mode 0555, or for root (whom modes do not stop) a
    folder of the read-only part of /proc."""
    folder = tmp / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        folder = Path("/proc/sys/kernel")
        if not folder.is_dir() or os.access(folder, os.W_OK):
            pytest.skip("no folder this user cannot write")
    return folder


def test_cycle_without_students_or_download_refuses_before_releasing(tmp_path):
    c = course(tmp_path)
    proc = run("autograder.cli", "course", "cycle", "--course", str(c), "--exchange",
               str(tmp_path / "exchange"), cwd=tmp_path)
    line = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 2 and "usage:" in proc.stderr, proc.stderr
    for word in ("--students", "--lms", "autograder course release",
                 "autograder course grade", "after the deadline"):
        assert word in line, (word, line)
    assert not (c / "release").exists() and not (tmp_path / "exchange").exists()


def test_a_folder_without_nbgrader_config_is_not_a_course(tmp_path):
    (tmp_path / "notes" / "source" / ASSIGNMENT).mkdir(parents=True)
    for command in (["release", "--exchange", str(tmp_path / "ex")], ["grade"], ["export"],
                    ["audit"]):
        proc = run("autograder.cli", "course", *command, "--course", str(tmp_path / "notes"),
                   cwd=tmp_path)
        refused(proc, "no nbgrader_config.py", "--course")
    refused(run("autograder.cli", "course", "grade", "--course", str(tmp_path / "gone"),
                cwd=tmp_path), "no such folder", "--course")


def test_an_assignment_that_does_not_exist_is_named_with_those_that_do(tmp_path):
    c = course(tmp_path)
    proc = run("autograder.cli", "course", "release", "--course", str(c), "--assignment",
               "conv_layer", "--exchange", str(tmp_path / "ex"), cwd=tmp_path)
    refused(proc, "--assignment conv_layer", "conv_layers")
    assert not (c / "release").exists()


def test_an_exchange_that_is_missing_or_not_writable(tmp_path):
    c = course(tmp_path)
    refused(run("autograder.cli", "course", "grade", "--course", str(c), "--exchange",
                str(tmp_path / "nowhere"), cwd=tmp_path), "nowhere", "no such folder",
            "release")
    (tmp_path / "empty").mkdir()
    refused(run("autograder.cli", "course", "grade", "--course", str(c), "--exchange",
                str(tmp_path / "empty"), cwd=tmp_path), "no course 'conv_lab'", "release")
    locked = unwritable_folder(tmp_path)
    refused(run("autograder.cli", "course", "release", "--course", str(c), "--exchange",
                str(locked), cwd=tmp_path), "not writable")
    refused(run("autograder.cli", "course", "release", "--course", str(c), "--exchange",
                str(locked / "exchange"), cwd=tmp_path), "not writable", "create")
    (tmp_path / "file").write_text("")
    refused(run("autograder.cli", "course", "release", "--course", str(c), "--exchange",
                str(tmp_path / "file"), cwd=tmp_path), "not a folder")
    assert not (c / "release").exists()


def test_nothing_submitted_stops_after_collect_with_one_line(tmp_path):
    c = course(tmp_path)
    exchange = tmp_path / "exchange"
    released = run("autograder.cli", "course", "release", "--course", str(c), "--exchange",
                   str(exchange), cwd=tmp_path)
    assert released.returncode == 0, released.stderr
    assert (exchange / "conv_lab" / "outbound" / ASSIGNMENT).is_dir()
    proc = run("autograder.cli", "course", "grade", "--course", str(c), "--exchange",
               str(exchange), cwd=tmp_path)
    refused(proc, "nothing submitted", "collect", "nbgrader submit")
    assert not (tmp_path / "grades.csv").exists()
    # an LMS download with nothing of the assignment in it
    (tmp_path / "download").mkdir()
    (tmp_path / "download" / "readme.txt").write_text("no notebooks here")
    refused(run("autograder.cli", "course", "grade", "--course", str(c), "--lms",
                str(tmp_path / "download"), cwd=tmp_path), "nothing submitted", "zip_collect")
    refused(run("autograder.cli", "course", "grade", "--course", str(c), "--lms",
                str(tmp_path / "no-download"), cwd=tmp_path), "no such folder", "LMS")
    for command in ("snapshot", "audit"):
        refused(run("autograder.cli", "course", command, "--course", str(c), cwd=tmp_path),
                "nothing submitted", "nbgrader collect")


def test_audit_before_autograde_says_to_autograde_first(tmp_path):
    c = course(tmp_path)
    (c / "submitted" / "alice" / ASSIGNMENT).mkdir(parents=True)
    refused(run("autograder.cli", "course", "audit", "--course", str(c), cwd=tmp_path),
            "nothing autograded", "nbgrader autograde")


def test_grading_in_bubblewrap_without_bwrap_refuses_at_once(tmp_path):
    from autograder.examples import build_class, example_class

    build_class(tmp_path / "class", example_class()[:1])
    bindir = tmp_path / "bin"  # a PATH with this Python and no bwrap
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    proc = run("autograder.cli", "grade", str(tmp_path / "class"), "--out",
               str(tmp_path / "out"), "--sandbox", "bubblewrap", cwd=tmp_path,
               path=str(bindir))
    refused(proc, "bwrap is not installed", "apt-get install bubblewrap", "--sandbox auto")
    assert not (tmp_path / "out" / "grades.csv").exists()
