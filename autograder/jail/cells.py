"""Notebook cells to Python, inside the sandbox: IPython syntax out, valid Python untouched.

This runs in the worker, never on the trusted side: telling valid Python from IPython
syntax means compiling the student's code, and compiling is where a hostile cell (a
megabyte-long literal, deep nesting) costs gigabytes of memory. Inside the sandbox that
cost meets the sandbox's memory limit; the grader itself never compiles student code.

Removed: line magics ``%x``, cell magics ``%%x`` (the whole cell), shell escapes
``!cmd`` and ``x = !cmd``, and ``x?`` help lines; each such line becomes ``pass`` at its
own indentation, so the blocks around it stay valid.
"""

from __future__ import annotations

import re

_MAGIC = re.compile(r"[%!]")                                   # %time f(), !pip install
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.,\s\[\]()]*=\s*[%!]")  # files = !ls
_HELP = re.compile(r"(\?\??\s*[\w.]+|[\w.()\[\]]+\s*\?\??)$")   # ?np.pad, np.pad?, np.pad??


def python_only(source: str) -> str:
    """``source`` without IPython syntax; valid Python is returned unchanged.
    Compiles ``source`` once to tell (so call it inside the sandbox only)."""
    if _compiles(source):
        return source
    return without_ipython(source)


def without_ipython(source: str) -> str:
    """``source`` with every IPython-only line replaced by ``pass`` ("" for a cell magic).
    Does not compile: use it only on a cell that did not compile as it is."""
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
