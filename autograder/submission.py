"""What a student hands in, read into plain code cells without ever running it.

A submission is a ``.py`` file, a ``.ipynb`` notebook, or a folder of them (for example
nbgrader's ``submitted/<student>/<assignment>/``). :func:`load_submission` never raises:
whatever cannot be read becomes a human-readable entry in ``Submission.problems``.

From a notebook we keep the code cells in order, minus

- cells tagged ``convlab:demo`` or ``convlab:selfcheck`` and nbgrader test cells
  (``grade`` true, ``solution`` not true): they hold self-checks and hidden tests, which
  must not run in the sandbox;
- IPython syntax that is not Python: line magics ``%x``, cell magics ``%%x`` (the whole
  cell), shell escapes ``!cmd`` and ``x = !cmd``, and ``x?`` help lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE_SUFFIXES = (".py", ".ipynb")
DATA_SUFFIXES = (".npz", ".npy", ".csv", ".txt", ".json")  # copied beside the code when small
SKIPPED_TAGS = frozenset({"convlab:demo", "convlab:selfcheck"})
SKIPPED_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints"})
SKIPPED_FILES = frozenset({"selfcheck.py"})  # the release's helper, shipped next to the notebooks
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DATA_BYTES = 32 * 1024 * 1024


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
    problems: list[str] = field(default_factory=list)
    data_files: list[Path] = field(default_factory=list)


def load_submission(path: str | Path) -> Submission:
    """Read a .py file, a .ipynb notebook or a folder of them; never raises."""
    path = Path(path)
    student = path.name if path.is_dir() else path.stem
    sub = Submission(student, path)
    if path.is_dir():
        files = source_files(path)
        sub.data_files = data_files(path)
        if not files:
            sub.problems.append(f"{path.name}/: no .py or .ipynb files in the folder")
        for file in files:
            _add_unit(sub, file)
    elif not path.exists():
        sub.problems.append(f"{path}: no such file or folder")
    elif path.suffix not in SOURCE_SUFFIXES:
        sub.problems.append(f"{path.name}: expected a .py file, a .ipynb notebook or a "
                            f"folder, got a {path.suffix or 'suffix-less'} file")
    else:
        _add_unit(sub, path)
    return sub


def source_files(folder: Path) -> list[Path]:
    """Every .py and .ipynb file under ``folder``, by file name, minus hidden files,
    checkpoints, caches and the shipped ``selfcheck.py``."""
    found = [f for f in visible_files(folder)
             if f.suffix in SOURCE_SUFFIXES and f.name not in SKIPPED_FILES]
    return sorted(found, key=lambda f: (f.name, str(f)))


def data_files(folder: Path) -> list[Path]:
    """The folder's data files, smallest first, up to MAX_DATA_BYTES in all."""
    found = sorted((f.stat().st_size, f.name, f) for f in visible_files(folder)
                   if f.suffix in DATA_SUFFIXES)
    kept, total = [], 0
    for size, _, file in found:
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


def _add_unit(sub: Submission, file: Path) -> None:
    text, problem = read_text(file)
    if problem:
        sub.problems.append(f"{file.name}: {problem}")
        return
    if file.suffix == ".py":
        sub.units.append(CodeUnit(file.name, [text], [1]))
        return
    try:
        numbered = notebook_code_cells(text)
    except ValueError as exc:
        sub.problems.append(f"{file.name}: {exc}")
        return
    sub.units.append(CodeUnit(file.name, [c for _, c in numbered], [n for n, _ in numbered]))


def read_text(file: Path) -> tuple[str, str | None]:
    """The file's text, or ("", why it cannot be used)."""
    if file.is_symlink():  # never followed: it may point at another student's file or /etc
        return "", "is a symbolic link; not read"
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return "", f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
        data = file.read_bytes()
    except OSError as exc:
        return "", f"cannot be read ({exc.strerror or exc})"
    if not data.strip():
        return "", "empty file"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", f"not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})"


# --------------------------------------------------------------------------- notebooks


def notebook_code_cells(text: str) -> list[tuple[int, str]]:
    """(1-based cell position, Python code) of every code cell that should run.

    Raises ValueError naming what is wrong when ``text`` is not an nbformat-4 notebook.
    """
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not valid notebook JSON: {exc}") from None
    if not isinstance(nb, dict):
        raise ValueError(f"not valid notebook JSON: expected an object, got {type(nb).__name__}")
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError(f"not an nbformat-4 notebook (nbformat={nb.get('nbformat')!r}, "
                         "expected 4 with a 'cells' list)")
    cells = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or not runs_as_code(cell) or is_hidden_cell(cell):
            continue
        source = cell_source(cell)
        if source is None:
            raise ValueError(f"cell {number}: 'source' must be a string or a list of strings")
        code = python_only(source)
        if code.strip():
            cells.append((number, code))
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


# IPython-only lines, each replaced by ``pass`` at its own indentation so blocks stay valid.
_MAGIC = re.compile(r"[%!]")                                   # %time f(), !pip install
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.,\s\[\]()]*=\s*[%!]")  # files = !ls
_HELP = re.compile(r"(\?\??\s*[\w.]+|[\w.()\[\]]+\s*\?\??)$")   # ?np.pad, np.pad?, np.pad??


def python_only(source: str) -> str:
    """``source`` without IPython syntax; valid Python is returned unchanged."""
    if _compiles(source):
        return source
    lines = source.splitlines()
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if first.startswith("%%"):
        return ""  # a cell magic (%%time, %%bash, %%writefile ...): not Python at all
    out, in_string = [], None
    for line in lines:
        stripped = line.strip()
        if in_string is None and _is_ipython_line(stripped):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass")
        else:
            out.append(line)
        in_string = _triple_quote_state(line, in_string)
    return "\n".join(out) + "\n"


def _is_ipython_line(stripped: str) -> bool:
    if not stripped or stripped.startswith("#"):
        return False
    return bool(_MAGIC.match(stripped) or _ASSIGNED_MAGIC.match(stripped)
                or _HELP.fullmatch(stripped))


def _triple_quote_state(line: str, in_string: str | None) -> str | None:
    """Whether a triple-quoted string is open after ``line`` (and which quote opened it);
    good enough to leave docstrings ending in '?' alone."""
    pos = 0
    while True:
        if in_string:
            end = line.find(in_string, pos)
            if end < 0:
                return in_string
            pos, in_string = end + 3, None
        else:
            starts = [(line.find(q, pos), q) for q in ('"""', "'''") if line.find(q, pos) >= 0]
            if not starts:
                return None
            start, in_string = min(starts)
            pos = start + 3


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
