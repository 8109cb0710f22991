"""nbgrader's configuration for a course: the settings this cycle relies on (``SAFETY``),
merged with the course's own nbgrader_config.py.

``SAFETY`` (see docs/nbgrader.md): test cells are restored from the source (locked-cell
checksums), deleted test cells are added back, every cell has a time limit, output is
capped, and LMS downloads are matched by Canvas file names.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from traitlets.config import Config, PyFileConfigLoader

from . import DEFAULT_ASSIGNMENT, DEFAULT_COURSE_ID

__all__ = ["CANVAS_REGEXP", "DEFAULT_ASSIGNMENT", "DEFAULT_COURSE_ID", "SAFETY", "SANITIZE",
           "apply_safety", "autograde_preprocessors", "course_config", "kernel_sandbox_status",
           "nbgrader_api", "prepare_workdir"]

#: How Canvas names files in "Download Submissions":
#: ``<login>[_LATE]_<user id>_<submission id>_<file name>[-<n>].ipynb``
#: (``-<n>`` when a student uploaded the same file name again).
CANVAS_REGEXP = (
    r".*/(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)

#: nbgrader's sanitizing steps before autograde runs a notebook, with OverwriteCellsSafely
SANITIZE = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.course.preprocessors.OverwriteCellsSafely",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: nbgrader's autograde steps (0.9), with each kernel in bubblewrap (SandboxedExecute)
AUTOGRADE = [
    "autograder.course.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def kernel_sandbox_status() -> tuple[bool, str]:
    """(student kernels can run in bubblewrap here, why not)."""
    from ..sandbox import bubblewrap_status

    usable, _, why = bubblewrap_status()
    return usable, why


def autograde_preprocessors() -> list[str]:
    """nbgrader's autograde steps for this host: kernels in bubblewrap where it works, else
    nbgrader's own (unsandboxed) Execute. nbgrader_config.py may use this too, so that a
    plain ``nbgrader autograde`` sandboxes the kernels as well."""
    if kernel_sandbox_status()[0]:
        return list(AUTOGRADE)
    return ["nbgrader.preprocessors.Execute", *AUTOGRADE[1:]]


#: nbgrader settings this cycle relies on. The course's nbgrader_config.py wins where it sets
#: the same option; explicit arguments (``timeout=``) win over both.
SAFETY: dict[str, dict[str, object]] = {
    # a deleted hidden-test cell is put back (and scored) instead of silently missing
    "OverwriteCells": {"add_missing_cells": True},
    "Autograde": {"sanitize_preprocessors": SANITIZE},
    # per-cell limit; an endless loop is interrupted, the cell scores 0, grading goes on
    "Execute": {"timeout": 120, "interrupt_on_timeout": True},
    # a flood of prints is cut before it lands in the notebook and the feedback
    "LimitOutput": {"max_lines": 1000, "max_traceback": 100},
    # LMS downloads: Canvas file names; files that match no released notebook are skipped;
    # archives unpacked within bounds (size, files, nesting), the rest refused by name
    "FileNameCollectorPlugin": {"named_regexp": CANVAS_REGEXP},
    "ZipCollectApp": {"strict": True,
                      "extractor_plugin": "autograder.course.unzip.BoundedExtractor"},
}


def apply_safety(c: Config) -> None:
    """Put SAFETY and the sandboxed kernels into ``c``, an nbgrader_config.py's config, so
    that plain ``nbgrader autograde`` runs as ``autograder course`` does (the course's own
    nbgrader_config.py calls it first; what the file sets after the call wins)."""
    for section, values in SAFETY.items():
        for key, value in values.items():
            c[section][key] = list(value) if isinstance(value, list) else value
    c.Autograde.autograde_preprocessors = autograde_preprocessors()


def course_config(course_dir: Path | str, exchange: Path | str | None = None,
                  course_id: str | None = None, timeout: int | None = None) -> Config:
    """nbgrader Config for ``course_dir``: SAFETY, then the course's nbgrader_config.py,
    then the paths and explicit arguments.

    Inputs:
    - course_dir: folder with nbgrader_config.py (optional) and source/<assignment>/
    - exchange: root of nbgrader's filesystem exchange (created if missing)
    - course_id: the exchange's course name; default: the config's, else "conv_lab"
    - timeout: seconds per cell during autograde
    """
    course_dir = Path(course_dir).resolve()
    cfg = Config({section: dict(values) for section, values in SAFETY.items()})
    cfg.Autograde.autograde_preprocessors = autograde_preprocessors()
    config_file = course_dir / "nbgrader_config.py"
    if config_file.exists():
        cfg.merge(PyFileConfigLoader(config_file.name, path=str(course_dir)).load_config())
    cfg.CourseDirectory.root = str(course_dir)
    if course_id is not None or not cfg.CourseDirectory.get("course_id"):
        cfg.CourseDirectory.course_id = course_id or DEFAULT_COURSE_ID
    if exchange is not None:
        Path(exchange).mkdir(parents=True, exist_ok=True)
        cfg.Exchange.root = str(Path(exchange).resolve())
    if timeout is not None:
        cfg.Execute.timeout = timeout
    return cfg


def nbgrader_api(cfg: Config) -> NbGraderAPI:
    """nbgrader's own Python API (the one formgrader uses), configured by ``cfg``."""
    _venv_on_path()
    return NbGraderAPI(config=cfg)


def _venv_on_path() -> None:
    """nbgrader runs ``alembic`` (gradebook migrations) by name from PATH: make this
    interpreter's scripts folder findable when the venv is used without activating it."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def prepare_workdir(course: Path | str, work: Path | str) -> Path:
    """Copy a course's nbgrader_config.py and source/ into ``work`` (a fresh course
    directory), so a demo or test run leaves the repository untouched."""
    course, work = Path(course), Path(work)
    work.mkdir(parents=True, exist_ok=True)
    if (course / "nbgrader_config.py").exists():
        shutil.copy(course / "nbgrader_config.py", work / "nbgrader_config.py")
    if (work / "source").exists():
        shutil.rmtree(work / "source")
    shutil.copytree(course / "source", work / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return work

