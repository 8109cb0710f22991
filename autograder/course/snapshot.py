"""A checksummed copy of submitted/, taken before any student code runs.

nbgrader's autograde runs each student's notebook in a kernel; outside ``autograder
course`` that kernel has the grader's permissions and could rewrite any submission. So
the sandboxed second grading never reads ``submitted/`` after autograde: it grades this
snapshot, taken right after collect, and :func:`changed_since` tells which submitted files
differ from it afterwards (a kernel, or anyone, touched them).

Layout: ``<dest>/<student>/<file>`` and ``<dest>/manifest.json`` ({student: {file:
sha256}}). Symlinks are not followed: a symlinked entry is recorded, not copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomic

MANIFEST = "manifest.json"


def snapshot_dir(course_dir: Path | str, assignment: str) -> Path:
    """Where the course keeps an assignment's snapshot (a sandboxed kernel cannot see it)."""
    return Path(course_dir) / "snapshots" / assignment


@dataclass
class Snapshot:
    """Where the copy is, and the sha256 of every file copied, per student."""

    root: Path
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    symlinks: dict[str, list[str]] = field(default_factory=dict)

    def folder(self, student: str) -> Path:
        return self.root / student


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_tree(src: Path, dest: Path) -> tuple[dict[str, str], list[str]]:
    """Regular files under ``src`` copied to ``dest``: ({relative path: sha256}, symlinks)."""
    hashes, links = {}, []
    for dirpath, dirnames, filenames in os.walk(src):  # os.walk does not follow symlinks
        here = Path(dirpath)
        for name in sorted(dirnames):
            if (here / name).is_symlink():
                links.append(str((here / name).relative_to(src)))
        for name in sorted(filenames):
            path = here / name
            rel = str(path.relative_to(src))
            if path.is_symlink() or not path.is_file():
                links.append(rel)
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target, follow_symlinks=False)
            hashes[rel] = sha256_of(target)
    return hashes, links


def take_snapshot(submitted: Path, assignment: str, dest: Path) -> Snapshot:
    """Copy every ``submitted/<student>/<assignment>/`` into ``dest/<student>/``.

    ``dest`` is replaced. Returns the Snapshot; its manifest is on disk too."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    snap = Snapshot(dest)
    for folder in sorted(Path(submitted).glob(f"*/{assignment}")):
        if folder.is_symlink() or not folder.is_dir():
            snap.symlinks[folder.parent.name] = [assignment]
            continue
        student = folder.parent.name
        snap.files[student], links = _copy_tree(folder, dest / student)
        if links:
            snap.symlinks[student] = links
    manifest = {"files": snap.files, "symlinks": snap.symlinks}
    write_atomic(dest / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return snap


def load_snapshot(dest: Path) -> Snapshot:
    data = json.loads((dest / MANIFEST).read_text())
    return Snapshot(dest, data["files"], data["symlinks"])


def changed_since(snap: Snapshot, submitted: Path, assignment: str) -> dict[str, list[str]]:
    """student -> what differs in ``submitted/<student>/<assignment>/`` from the snapshot
    (changed, removed or added files), for students whose files differ."""
    found: dict[str, list[str]] = {}
    students = set(snap.files) | {p.parent.name for p in Path(submitted).glob(f"*/{assignment}")}
    for student in sorted(students):
        folder = Path(submitted) / student / assignment
        before = snap.files.get(student, {})
        now = {}
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    now[str(path.relative_to(folder))] = sha256_of(path)
        notes = [f"{name} changed" for name in sorted(before) if name in now
                 and now[name] != before[name]]
        notes += [f"{name} removed" for name in sorted(before) if name not in now]
        notes += [f"{name} added" for name in sorted(now) if name not in before]
        if notes:
            found[student] = notes
    return found
