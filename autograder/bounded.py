"""Records keep only what a report shows: a bound on every value a failure carries.

A failed item's record holds the shrunk case, the expected value and what the student's
function returned. The last is the student's to choose: a function may return a 60 MB
array on every item, and a record holding them all would be gigabytes in the grader.
So each failure is bounded where it is made, in the grading worker process:

- an array over ``MAX_KEPT_ARRAY_BYTES`` (in all, per field) becomes the line the reports
  print for it (``array of shape (4000, 4000), float32 (values from 0 to 1)``): reports
  print arrays over 100 values as that line anyway, and draw heat maps of small ones only;
- a string is made valid Unicode (a file name that is not UTF-8 holds surrogates);
- a string over ``MAX_KEPT_CHARS`` and a list, tuple or dict of more than
  ``MAX_KEPT_ITEMS`` elements are cut to what the reports print of them;
- text the student's code chooses is cut to ``MAX_STUDENT_TEXT`` characters: an
  exception's message (in the summary and the traceback, :func:`student_text`) and every
  string the code returned (``got``). Feedback is for the student's code to be understood,
  not for the code to write its own report: what it saw while graded (this submission's
  cases, the answers it was given for them) is of no use to any other submission (their
  arrays are their own), and this bounds how much of it a report carries;
- then the whole record goes through the results store's encoding
  (:func:`as_stored`), so the record the reports are written from is exactly the one the
  store keeps (the store's own limits included), whichever of the two writes them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .i18n import Message
from .names import valid_text
from .results import Failure, GradeRecord
from .store import MAX_STORED_ARRAY_BYTES, StoredRepr, record_from_json, record_to_json

#: Array bytes kept per failure field (case, expected, got); the rest are described.
MAX_KEPT_ARRAY_BYTES = MAX_STORED_ARRAY_BYTES
#: Characters kept of a string (reports print at most 2000 of a value's repr).
MAX_KEPT_CHARS = 20_000
#: Elements kept of a list, tuple or dict; a longer one is kept as its cut repr.
MAX_KEPT_ITEMS = 10_000
MAX_REPR_CHARS = 2000  # what feedback.format_value prints of a repr
#: Characters kept of a text the student's code chose (an exception's message, a string
#: returned): enough for any message worth reading.
MAX_STUDENT_TEXT = 300


def student_text(text: str) -> str:
    """``text`` (the student's code chose it) cut to MAX_STUDENT_TEXT characters."""
    return text if len(text) <= MAX_STUDENT_TEXT else text[:MAX_STUDENT_TEXT] + "…"


def bounded_value(value: Any, budget: list[int], max_chars: int = MAX_KEPT_CHARS) -> Any:
    """``value`` with arrays beyond ``budget[0]`` bytes (spent as arrays are kept) replaced
    by their one-line description, strings cut to ``max_chars``, long containers as their
    repr."""
    from .reports.feedback import format_value

    if isinstance(value, np.ndarray):
        if value.nbytes > budget[0]:
            return format_value(value)  # as the reports print it (a str prints as is)
        budget[0] -= value.nbytes
        return value
    if isinstance(value, Message) and len(value) <= MAX_KEPT_CHARS:
        return value  # kept as msgid and parameters, so the reports can render it in Korean
    if isinstance(value, str):
        value = valid_text(value)
        return value if len(value) <= max_chars else value[:max_chars] + " …"
    if type(value) in (list, tuple, dict):
        if len(value) > MAX_KEPT_ITEMS:
            return _repr_of(value)
        if type(value) is dict:
            return {bounded_value(k, budget, max_chars): bounded_value(v, budget, max_chars)
                    for k, v in value.items()}
        return type(value)(bounded_value(v, budget, max_chars) for v in value)
    return value


def _repr_of(value: Any) -> StoredRepr:
    """What the reports print of a value too big to keep: its repr, cut as they cut it."""
    text = repr(value)
    return StoredRepr(text if len(text) <= MAX_REPR_CHARS else text[:MAX_REPR_CHARS] + " …")


def bounded_failure(failure: Failure) -> Failure:
    """``failure`` with its case, expected and got values bounded (module docstring) and
    every text cut to MAX_KEPT_CHARS; the same object, changed in place."""
    for f in dataclasses.fields(Failure):
        value = getattr(failure, f.name)
        if f.name in ("case", "expected"):
            setattr(failure, f.name, bounded_value(value, [MAX_KEPT_ARRAY_BYTES]))
        elif f.name == "got":  # the student's code chose it
            got = bounded_value(value, [MAX_KEPT_ARRAY_BYTES], MAX_STUDENT_TEXT)
            setattr(failure, f.name, got)
        elif isinstance(value, str):
            setattr(failure, f.name, bounded_value(value, [0]))
    return failure


def as_stored(record: GradeRecord) -> GradeRecord:
    """The record exactly as the results store keeps it (encoded and decoded again)."""
    return record_from_json(record_to_json(record))
