"""Stand-ins for earlier graded functions while a later one is graded.

During one call of a student's function, the names of the graded functions taught before
it are bound, in the student's namespaces, to stand-ins that give correct answers (the
grader's, ``autograder.provided``), and put back afterwards. The worker's stand-ins ask the
grader over the protocol; ``autograder.student.InProcessStudent``'s call it directly. Both
behave alike: plain data in and out, an error raised as the same built-in type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import protocol

_ABSENT = object()
#: Errors from the grader's answers that student code sees as themselves (``except
#: ValueError`` works); any other as RuntimeError.
ERRORS: dict[str, type[Exception]] = {
    e.__name__: e for e in (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                            NameError)}

Saved = list[tuple[dict[str, Any], str, Any]]


def stand_in(name: str, reply_for: Callable[[tuple, dict], Any]) -> Callable[..., Any]:
    """A function called ``name`` whose result is the ``{"ok": value}`` reply that
    ``reply_for(args, kwargs)`` gives, or whose ``{"error": ...}`` reply it raises.
    ``reply_for`` raises ProtocolError for arguments that are not plain data."""
    def provided(*args: Any, **kwargs: Any) -> Any:
        try:
            reply = reply_for(args, kwargs)
        except protocol.ProtocolError as exc:
            raise TypeError(f"{name} takes numbers and numpy arrays here: {exc}") from None
        if isinstance(reply, dict) and set(reply) == {"ok"}:
            return reply["ok"]
        error = reply.get("error", {}) if isinstance(reply, dict) else {}
        error = error if isinstance(error, dict) else {}
        raise ERRORS.get(str(error.get("type")), RuntimeError)(str(error.get("message", "")))

    provided.__name__ = provided.__qualname__ = name
    provided.__doc__ = (f"{name}, answered by the grader (a correct version) while a later "
                        "function is graded.")
    return provided


def bind(namespaces: Iterable[dict[str, Any]], stand_ins: dict[str, Callable[..., Any]]) -> Saved:
    """Bind each stand-in under its name in every namespace; returns what to put back."""
    saved: Saved = []
    for namespace in namespaces:
        for name, function in stand_ins.items():
            saved.append((namespace, name, namespace.get(name, _ABSENT)))
            namespace[name] = function
    return saved


def restore(saved: Saved) -> None:
    """Undo :func:`bind`, last binding first."""
    for namespace, name, value in reversed(saved):
        if value is _ABSENT:
            namespace.pop(name, None)
        else:
            namespace[name] = value
