"""CSV cells a spreadsheet reads as data, never as a formula.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is taken
as a formula by Excel, LibreOffice and Google Sheets, and a student controls names
(``-cmd|…``, ``=HYPERLINK(…)``). :func:`csv_cell` puts a ``'`` in front of such a cell,
which the spreadsheet shows without it; numbers (``-1.5``) and every other text are
written as they are. :func:`from_csv_cell` reads a cell back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from ..atomic import write_atomic

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
#: A plain number as a spreadsheet reads one (``-1.5``, ``+2e3``); nothing else passes as is.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _is_number(text: str) -> bool:
    return NUMBER.fullmatch(text) is not None


def _needs_quote(text: str) -> bool:
    """A formula start, maybe behind quotes (so that :func:`from_csv_cell` is exact)."""
    bare = text.lstrip(QUOTE)
    return bare.startswith(FORMULA_STARTS) and not _is_number(bare)


def csv_cell(value: object) -> str:
    """``value`` as a cell no spreadsheet evaluates (see the module doc)."""
    text = str(value)
    return QUOTE + text if _needs_quote(text) else text


def csv_row(values: Iterable[object]) -> list[str]:
    return [csv_cell(v) for v in values]


def from_csv_cell(text: str) -> str:
    """The value :func:`csv_cell` was given (a cell it did not change comes back as it is)."""
    return text[1:] if text.startswith(QUOTE) and _needs_quote(text[1:]) else text


def defuse_csv_file(path: str | Path) -> bool:
    """Rewrite the CSV file at ``path`` (another tool's, e.g. nbgrader's export) with every
    cell a :func:`csv_cell`; a file with no such cell is left byte for byte as it is.
    Returns True if it was rewritten."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    safe = [csv_row(row) for row in rows]
    if safe == rows:
        return False
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(safe)
    write_atomic(path, buf.getvalue())
    return True
