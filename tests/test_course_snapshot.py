"""The snapshot of submitted/ the sandboxed grading uses, and the check that finds what
changed in submitted/ after it was taken."""

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("nbgrader")
from nbgrader.converters.autograde import Autograde

from autograder.course.config import AUTOGRADE
from autograder.course.snapshot import (
    changed_since,
    load_snapshot,
    take_snapshot,
)

A = "conv_layers"
FILES = ("01_feature_map_size.ipynb", "03_convolution.ipynb", "data/digits.npz")


def make_class(root: Path, students: dict[str, dict[str, bytes]]) -> Path:
    submitted = root / "submitted"
    for student, files in students.items():
        for name, data in files.items():
            path = submitted / student / A / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return submitted


def test_a_snapshot_copies_every_file_and_reads_back(tmp_path):
    submitted = make_class(tmp_path, {"alice": {n: n.encode() for n in FILES},
                                      "bob": {FILES[0]: b"bob"}})
    snap = take_snapshot(submitted, A, tmp_path / "snap")
    assert sorted(snap.files) == ["alice", "bob"] and sorted(snap.files["alice"]) == sorted(FILES)
    assert (snap.folder("alice") / "data" / "digits.npz").read_bytes() == b"data/digits.npz"
    assert load_snapshot(tmp_path / "snap").files == snap.files
    assert changed_since(snap, submitted, A) == {}


edits = st.dictionaries(st.sampled_from(FILES), st.sampled_from(["change", "remove"]),
                        max_size=len(FILES))


@given(alice=edits, bob=edits, added=st.booleans())
def test_changed_since_names_exactly_what_changed(tmp_path_factory, alice, bob, added):
    root = tmp_path_factory.mktemp("c")
    submitted = make_class(root, {s: {n: f"{s}:{n}".encode() for n in FILES}
                                  for s in ("alice", "bob")})
    snap = take_snapshot(submitted, A, root / "snap")
    for student, plan in (("alice", alice), ("bob", bob)):
        for name, what in plan.items():
            path = submitted / student / A / name
            if what == "change":
                path.write_bytes(b"tampered")
            else:
                path.unlink()
    if added:
        (submitted / "bob" / A / "extra.py").write_text("x = 1\n")
    want = {}
    for student, plan in (("alice", alice), ("bob", bob)):
        notes = [f"{n} changed" for n in sorted(plan) if plan[n] == "change"]
        notes += [f"{n} removed" for n in sorted(plan) if plan[n] == "remove"]
        if student == "bob" and added:
            notes.append("extra.py added")
        if notes:
            want[student] = notes
    assert changed_since(snap, submitted, A) == want
    # the snapshot itself still holds the originals
    assert all((snap.folder(s) / n).read_bytes() == f"{s}:{n}".encode()
               for s in ("alice", "bob") for n in FILES)


def test_symlinks_are_recorded_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the model solution")
    submitted = make_class(tmp_path, {"mallory": {FILES[0]: b"x"}})
    os.symlink(secret, submitted / "mallory" / A / "03_convolution.ipynb")
    snap = take_snapshot(submitted, A, tmp_path / "snap")
    assert snap.symlinks == {"mallory": ["03_convolution.ipynb"]}
    assert not (snap.folder("mallory") / "03_convolution.ipynb").exists()


def test_autograde_steps_are_nbgraders_own_with_the_sandboxed_execute():
    """If nbgrader changes its autograde steps, this fails before a course silently loses one."""
    default = Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()
    names = [p.__name__ for p in default]
    assert names[0] == "Execute"
    assert AUTOGRADE[0] == "autograder.course.preprocessors.SandboxedExecute"
    assert [n.rsplit(".", 1)[1] for n in AUTOGRADE[1:]] == names[1:]


def test_the_snapshot_command_copies_submitted_and_names_symlinks(tmp_path):
    import subprocess
    import sys

    submitted = make_class(tmp_path, {"alice": {FILES[0]: b"a"}, "bob": {FILES[0]: b"b"}})
    os.symlink("/etc/passwd", submitted / "bob" / A / "03_convolution.ipynb")
    run = subprocess.run([sys.executable, "-m", "autograder.course", "snapshot", "--course",
                          str(tmp_path), "--assignment", A], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "snapshot of 2 submission(s)" in run.stdout
    assert "bob: symlinks not copied: 03_convolution.ipynb" in run.stdout
    snap = load_snapshot(tmp_path / "snapshots" / A)
    assert snap.files == {"alice": {FILES[0]: snap.files["alice"][FILES[0]]},
                          "bob": {FILES[0]: snap.files["bob"][FILES[0]]}}
    assert (snap.folder("bob") / FILES[0]).read_bytes() == b"b"
