"""The worker's private folder: the jail's code, the job to load, the files it may read."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

from .. import rubric
from ..submission import Submission
from .bubblewrap import write_covers
from .leftovers import temp_folder
from .pipes import MAX_REPLY_BYTES

JAIL = Path(__file__).resolve().parent.parent / "jail"


def stage_worker(submission: Submission, sys_path: list[str], seen_as: str | None = None,
                 parent: Path | None = None, group: int | None = None) -> Path:
    """A private directory with ``jail/`` (a copy of the jail folder), job.json (the code
    to load), files/ (the .py sources and data files, for the worker's working directory)
    and covers/, named after its owner (``leftovers.temp_folder``).

    ``seen_as``: where the worker will see this directory (inside bubblewrap, or in the
    rlimit sandbox's chroot: ``{name}`` stands for the directory's name); ``parent``: where
    to make it (default: the temporary folder); ``group``: a sandbox user's group, which
    may then read it (and no other user but root)."""
    stage = temp_folder("convlab-worker-", parent)
    seen_as = seen_as.format(name=stage.name) if seen_as else None
    stage_files(submission, stage / "files")
    write_covers(stage / "covers")
    copy_jail(stage / "jail")
    job = {
        "units": [{"name": u.name, "cells": u.cells, "numbers": u.numbers}
                  for u in submission.units],
        "home": {fn: rubric.part_of(fn).stem for fn in rubric.FUNCTIONS},
        "sys_path": sys_path,
        "files_dir": f"{seen_as or stage}/files",
        "max_reply_bytes": MAX_REPLY_BYTES,
    }
    (stage / "job.json").write_text(json.dumps(job))
    # mkdtemp's 0700 is enough inside bubblewrap (its uid 65534 is the grader's own uid
    # outside); a sandbox user gets read access through its group.
    if group is not None:
        readable_by_group(stage, group)
    return stage


def readable_by_group(folder: Path, group: int) -> None:
    """``folder`` and everything in it owned by root and ``group``: folders 0750, files
    0640 (the group reads, nobody else but root; nobody writes but root)."""
    for path, _dirs, files in os.walk(folder):
        os.chown(path, 0, group)
        os.chmod(path, 0o750)
        for name in files:
            os.chown(os.path.join(path, name), 0, group)
            os.chmod(os.path.join(path, name), 0o640)


def stage_files(submission: Submission, folder: Path) -> None:
    """The .py units as files (their ``__file__``), the submission's data files, and the
    course data files the release ships beside the notebooks (not secret)."""
    folder.mkdir()
    for unit in submission.units:
        if not unit.is_notebook:
            (folder / unit.name).write_text(unit.source)
    for data in [*submission.data_files, *course_data_files()]:
        target = folder / data.name
        if not target.exists():
            try:
                shutil.copyfile(data, target)
            except OSError:
                pass  # a file that cannot be read now is missing for the student too


#: The provided helpers the notebooks import (``from convlab_helpers import *``): always the
#: course's copy, as nbgrader's autograde restores it (a student's own copy is not read).
COURSE_HELPERS = Path(__file__).resolve().parents[1] / "examples" / "convlab_helpers.py"


def course_data_files() -> list[Path]:
    """digits.npz and friends, from the reference package (found without importing it), and
    the course's provided helpers module."""
    spec = importlib.util.find_spec("reference")
    data = [] if spec is None or not spec.origin else sorted(
        (Path(spec.origin).parent / "data").glob("*.npz"))
    return [*data, *([COURSE_HELPERS] if COURSE_HELPERS.is_file() else [])]


def copy_jail(target: Path) -> None:
    """The jail's modules, as one package folder (its sources only, no caches)."""
    target.mkdir()
    for module in sorted(JAIL.glob("*.py")):
        shutil.copyfile(module, target / module.name)
