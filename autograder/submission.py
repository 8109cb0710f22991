"""What a student hands in, read into plain code cells without ever running it.

A submission is a ``.py`` file, a ``.ipynb`` notebook, or a folder of them (for example
nbgrader's ``submitted/<student>/<assignment>/``). :func:`load_submission` never raises:
whatever cannot be read becomes a human-readable entry in ``Submission.problems``.

From a notebook we keep the code cells in order, minus

- cells tagged ``convlab:demo`` or ``convlab:selfcheck`` and nbgrader test cells
  (``grade`` true, ``solution`` not true): they hold self-checks and hidden tests, which
  must not run in the sandbox.

IPython syntax (``%x``, ``%%x``, ``!cmd``, ``x?``) stays in the cells: the worker removes
it inside the sandbox (``autograder/jail/cells.py``), because telling it from
valid Python means compiling, and nothing here compiles or parses student code: a hostile
cell (one huge literal) would cost the grading process gigabytes.

Sizes are bounded before anything is read: each source file at most
``SizeLimits.max_file_bytes``, all of a submission's source files together at most
``SizeLimits.max_total_bytes`` (checked with ``stat``); a file over a limit is not read
and becomes a problem ("big.ipynb: file is 5.2 MB, over the 1.0 MB limit per file").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .i18n import Message, _, layout

SOURCE_SUFFIXES = (".py", ".ipynb")
DATA_SUFFIXES = (".npz", ".npy", ".csv", ".txt", ".json")  # copied beside the code when small
SKIPPED_TAGS = frozenset({"convlab:demo", "convlab:selfcheck"})
SKIPPED_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints"})
#: Files the release ships next to the notebooks, never the student's code: the self-check,
#: and the provided helpers (the sandbox always puts the course's own copy beside the code).
SKIPPED_FILES = frozenset({"selfcheck.py", "convlab_helpers.py"})
MAX_FILE_BYTES = 20 * 1024 * 1024    # default per source file
MAX_TOTAL_BYTES = 50 * 1024 * 1024   # default for all of one submission's source files
MAX_DATA_BYTES = 32 * 1024 * 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class SizeLimits:
    """How large a submission's source files may be: each, and all together (bytes)."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES

    @classmethod
    def from_mb(cls, max_file_mb: float | None = None,
                max_total_mb: float | None = None) -> SizeLimits:
        """Limits in megabytes (MiB); None keeps the default."""
        return cls(MAX_FILE_BYTES if max_file_mb is None else int(max_file_mb * MB),
                   MAX_TOTAL_BYTES if max_total_mb is None else int(max_total_mb * MB))


def megabytes(size: int) -> str:
    """``size`` bytes as "4.8 MB" (MiB, one decimal; "0.001 MB" for tiny limits)."""
    value = size / MB
    return f"{value:.1f} MB" if value >= 0.1 or value == 0 else f"{value:.3g} MB"


@dataclass
class CodeUnit:
    """One file of the submission.

    - name: the file name, e.g. "03_convolution.ipynb" or "conv_layers.py"
    - cells: its code, one string per code cell (a .py file is one cell)
    - numbers: for each cell, its 1-based position in the notebook (for messages)
    """

    name: str
    cells: list[str]
    numbers: list[int] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    @property
    def is_notebook(self) -> bool:
        return self.name.endswith(".ipynb")

    @property
    def source(self) -> str:
        """All cells as one script."""
        return "\n\n".join(self.cells)


@dataclass
class Submission:
    """One student's code: ``student`` is the file stem or the folder name.

    ``data_files`` are the small data files of a folder submission (e.g. ``digits.npz``
    next to the notebooks), which the code may read from its working directory."""

    student: str
    path: Path
    units: list[CodeUnit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Messages: Korean and English
    data_files: list[Path] = field(default_factory=list)


def load_submission(path: str | Path, limits: SizeLimits | None = None) -> Submission:
    """Read a .py file, a .ipynb notebook or a folder of them; never raises.

    ``limits``: the size limits (default :class:`SizeLimits`()); files over them are not
    read, and the submission's ``problems`` say which and by how much."""
    path = Path(path)
    limits = limits or SizeLimits()
    student = path.name if path.is_dir() else path.stem
    sub = Submission(student, path)
    if path.is_dir():
        files = source_files(path)
        sub.data_files = data_files(path)
        if not files:
            sub.problems.append(_("{folder}/: no .py or .ipynb files in the folder",
                                  folder=path.name))
        total = 0
        for file in files:
            total = _add_unit(sub, file, limits, total)
    elif not path.exists():
        sub.problems.append(_("{path}: no such file or folder", path=str(path)))
    elif path.suffix not in SOURCE_SUFFIXES:
        sub.problems.append(
            _("{file}: expected a .py file, a .ipynb notebook or a folder, got a {suffix} file",
              file=path.name, suffix=path.suffix) if path.suffix else
            _("{file}: expected a .py file, a .ipynb notebook or a folder, got a suffix-less "
              "file", file=path.name))
    else:
        _add_unit(sub, path, limits)
    return sub


def source_files(folder: Path) -> list[Path]:
    """Every .py and .ipynb file under ``folder``, by file name, minus hidden files,
    checkpoints, caches and the files the release ships (``SKIPPED_FILES``)."""
    found = [f for f in visible_files(folder)
             if f.suffix in SOURCE_SUFFIXES and f.name not in SKIPPED_FILES]
    return sorted(found, key=lambda f: (f.name, str(f)))


def data_files(folder: Path) -> list[Path]:
    """The folder's data files, smallest first, up to MAX_DATA_BYTES in all."""
    found = sorted((f.stat().st_size, f.name, f) for f in visible_files(folder)
                   if f.suffix in DATA_SUFFIXES)
    kept, total = [], 0
    for size, _name, file in found:
        if total + size <= MAX_DATA_BYTES:
            kept.append(file)
            total += size
    return kept


def visible_files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, minus hidden ones, checkpoints and caches."""
    found = []
    for file in folder.rglob("*"):
        parts = file.relative_to(folder).parts
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts):
            continue
        if file.is_file() and not file.is_symlink():
            found.append(file)
    return found


def _add_unit(sub: Submission, file: Path, limits: SizeLimits, total: int = 0) -> int:
    """Read ``file`` into a unit of ``sub`` (or a problem); returns the bytes read so far,
    ``total`` being what the submission's earlier files took."""
    text, problem, size = read_text(file, limits, total)
    if problem:
        sub.problems.append(layout("{file}: {problem}", file=file.name, problem=problem))
        return total
    total += size
    if file.suffix == ".py":
        sub.units.append(CodeUnit(file.name, [text], [1]))
        return total
    try:
        numbered = notebook_code_cells(text)
    except ValueError as exc:
        sub.problems.append(layout("{file}: {problem}", file=file.name, problem=exc.args[0]))
        return total
    sub.units.append(CodeUnit(file.name, [c for _, c in numbered], [n for n, _ in numbered]))
    return total


def size_problem(size: int, limits: SizeLimits, total: int = 0) -> Message | None:
    """Why a file of ``size`` bytes may not be read after ``total`` bytes of others, or None
    (the caller puts the file's name in front)."""
    if size > limits.max_file_bytes:
        return _("file is {size}, over the {limit} limit per file (not read)",
                 size=megabytes(size), limit=megabytes(limits.max_file_bytes))
    if total + size > limits.max_total_bytes:
        return _("file is {size}, which takes the submission over the {limit} limit for "
                 "all its files ({before} read before it; not read)", size=megabytes(size),
                 limit=megabytes(limits.max_total_bytes), before=megabytes(total))
    return None


def read_text(file: Path, limits: SizeLimits | None = None,
              total: int = 0) -> tuple[str, Message | None, int]:
    """(the file's text, None, its size) or ("", why it cannot be used, 0). The size is
    checked before the file is read, and the read stops at the limit (a file growing
    meanwhile is not read whole)."""
    limits = limits or SizeLimits()
    if file.is_symlink():  # never followed: it may point at another student's file or /etc
        return "", _("is a symbolic link; not read"), 0
    try:
        problem = size_problem(file.stat().st_size, limits, total)
        if problem:
            return "", problem, 0
        cap = min(limits.max_file_bytes, limits.max_total_bytes - total)
        with open(file, "rb") as f:
            data = f.read(cap + 1)
    except OSError as exc:
        return "", _("cannot be read ({why})", why=exc.strerror or str(exc)), 0
    if len(data) > cap:
        return "", size_problem(cap + 1, limits, total), 0
    if not data.strip():
        return "", _("empty file"), 0
    try:
        return data.decode("utf-8-sig"), None, len(data)
    except UnicodeDecodeError as exc:
        return "", _("not UTF-8 text (byte {position} is {byte})", position=exc.start,
                     byte=f"{data[exc.start]:#04x}"), 0


# --------------------------------------------------------------------------- notebooks


def notebook_code_cells(text: str) -> list[tuple[int, str]]:
    """(1-based cell position, Python code) of every code cell that should run.

    Raises ValueError naming what is wrong when ``text`` is not an nbformat-4 notebook
    (its argument a Message, in Korean and English).
    """
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(_("not valid notebook JSON: {error}", error=str(exc))) from None
    if not isinstance(nb, dict):
        raise ValueError(_("not valid notebook JSON: expected an object, got {type}",
                           type=type(nb).__name__))
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError(_("not an nbformat-4 notebook (nbformat={nbformat}, expected 4 with "
                           "a 'cells' list)", nbformat=repr(nb.get("nbformat"))))
    cells = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or not runs_as_code(cell) or is_hidden_cell(cell):
            continue
        source = cell_source(cell)
        if source is None:
            raise ValueError(_("cell {number}: 'source' must be a string or a list of strings",
                               number=number))
        if source.strip():
            cells.append((number, source))
    return cells


def cell_source(cell: dict[str, Any]) -> str | None:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def runs_as_code(cell: dict[str, Any]) -> bool:
    """A code cell, or one nbgrader's autograde turns back into code before running it (it
    restores cell types from the source): an autograded answer (``solution`` without
    ``grade``, always code in nbgrader) or provided code, whose type a student changed.
    Without this, such a cell would count in nbgrader's run and not here."""
    if cell.get("cell_type") == "code":
        return True
    meta = cell.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    nbgrader = meta.get("nbgrader")
    tags = meta.get("tags")
    answer = (isinstance(nbgrader, dict) and nbgrader.get("solution") is True
              and nbgrader.get("grade") is not True)
    provided = isinstance(tags, list) and "convlab:provided" in tags
    return answer or provided


def is_hidden_cell(cell: dict[str, Any]) -> bool:
    """A self-check/demo cell, or an nbgrader test cell (its hidden tests)."""
    meta = cell.get("metadata")
    if not isinstance(meta, dict):
        return False
    tags = meta.get("tags")
    if isinstance(tags, list) and SKIPPED_TAGS.intersection(t for t in tags if isinstance(t, str)):
        return True
    nbgrader = meta.get("nbgrader")
    return (isinstance(nbgrader, dict) and nbgrader.get("grade") is True
            and nbgrader.get("solution") is not True)
