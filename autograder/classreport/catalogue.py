"""The one place the class report reads the misconception catalogue.

Failures name a mistake by its plain-words name (``Failure.diagnosis``); the catalogue
(``autograder.misconceptions``) holds its hint and the functions it is looked for in.
Only :func:`misconception_info` and :func:`misconception_functions` touch the catalogue,
so a change in how it is organised is a change here only.
"""

from __future__ import annotations

import functools


@functools.cache
def _by_name() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """name -> (explanation, hint, functions), first entry of a name wins for the texts."""
    from ..misconceptions import MISCONCEPTIONS

    table: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for m in MISCONCEPTIONS:
        explanation, hint, functions = table.get(m.name, (m.name, m.hint, ()))
        merged = tuple(dict.fromkeys((*functions, *m.functions)))
        table[m.name] = (explanation, hint, merged)
    return table


def misconception_info(name: str) -> tuple[str, str]:
    """(explanation in plain words, hint) for the misconception named ``name``.

    A name the catalogue does not know (an older record) comes back as itself, no hint.
    """
    explanation, hint, _ = _by_name().get(name, (name, "", ()))
    return explanation, hint


def misconception_functions(name: str) -> tuple[str, ...]:
    """The student functions the misconception ``name`` is looked for in (may be empty)."""
    return _by_name().get(name, (name, "", ()))[2]
