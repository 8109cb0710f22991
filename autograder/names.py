"""Student names as folder names, and any name as terminal text.

A name comes from a file or folder a student (or an unzip) made, so it can be anything
the filesystem allows: 255 bytes of Korean, ``grades.csv.py``, escape sequences.

- :func:`safe_name` makes it a folder name inside the output folder that cannot fail:
  letters, digits and ``._-`` only, never one of the output folder's own files
  (:data:`OUTPUT_NAMES`: ``grades.csv``, ``grading.sqlite`` and its ``-wal``/``-shm``,
  ``class.html`` …, or their temporary ``.tmp`` copies), and at most
  :data:`MAX_NAME_BYTES` bytes, so that a ``-2`` suffix still fits the filesystem's
  255-byte limit. A cut name ends in a hash of the whole name, so two long names that
  share a beginning stay apart. ``safe_name(safe_name(x)) == safe_name(x)``.
- :func:`valid_text` makes a text holding a name that is not UTF-8 storable;
- :func:`printable` escapes what a terminal would act on (escape sequences, carriage
  returns, bidi overrides) before a name or a student's text is printed.
"""

from __future__ import annotations

import hashlib

#: The files ``autograder grade`` and ``autograder report`` keep in the output folder.
#: A student folder never takes one of these names, nor one of them followed by ``.`` or
#: ``-`` (``grades.csv.tmp``, ``grading.sqlite-wal``, ``grading.sqlite.damaged-…``).
OUTPUT_NAMES = ("grades.csv", "grading.sqlite", ".grading.lock", "class.html", "class.json",
                "results.json", "feedback.html")
#: Folder names are cut to this many bytes (UTF-8): the filesystem allows 255, and the
#: ``-2``, ``-3`` … of a repeated name and ``.tmp`` of a write in progress must still fit.
MAX_NAME_BYTES = 200
HASH_CHARS = 10


def is_output_name(name: str) -> bool:
    """True if ``name`` is, or could be mistaken for, one of the output folder's files
    (compared case-insensitively: the output folder may be on a case-insensitive disk)."""
    lower = name.lower()
    return any(lower == own or lower.startswith((own + ".", own + "-"))
               for own in OUTPUT_NAMES)


def _cut(name: str, limit: int) -> str:
    """The longest prefix of ``name`` within ``limit`` UTF-8 bytes."""
    data = name.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def safe_name(student: str) -> str:
    """``student`` as a folder name (module docstring): letters, digits, ``._-`` kept,
    anything else ``_``; no leading or trailing dot; an output file's name gets a
    ``_`` in front; a name over MAX_NAME_BYTES is cut and ends in ``-<hash>``."""
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in student).strip(".")
    name = name or "_"
    if is_output_name(name):
        name = "_" + name
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()
        name = _cut(name, MAX_NAME_BYTES - HASH_CHARS - 1).rstrip(".") + "-" + \
            digest[:HASH_CHARS]
    return name


def valid_text(text: str) -> str:
    """``text`` as valid Unicode: a file name that is not UTF-8 comes with lone surrogates
    (``\udcff``), which cannot be stored or written as UTF-8; they become their escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` safe to print on a terminal: every character a terminal would act on
    (ESC, CR, BEL, backspace, C1 controls, bidi overrides, other non-printing ones) is
    shown as its Python escape (``\\x1b``, ``\\u202e``). ``multiline`` keeps newlines."""
    out = []
    for c in str(text):
        if c.isprintable() or c == " " or (multiline and c == "\n"):
            out.append(c)
        else:
            out.append(repr(c)[1:-1] if c != "\\" else c)
    return "".join(out)
