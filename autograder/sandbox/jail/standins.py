"""Stand-ins for earlier graded functions while a later one is graded.

During one call of a student's function, the names of the graded functions taught before
it are bound, in the student's namespaces, to stand-ins, and put back afterwards. A
stand-in asks the grader (``autograder.provided``) and gets one of three replies:

- ``{"ok": value}``: the call is one a correct version of the graded function makes on the
  case at hand, and this is the reference's answer;
- ``{"error": {...}}``: such a call, which the reference refuses: raised as the same type;
- ``{"own": true}``: any other call: the student's own function runs (a NameError, as
  Python would raise, if there is none).

The worker's stand-ins ask over the protocol; ``autograder.student.InProcessStudent``'s
ask directly. Both behave alike: plain data in and out, an error raised as the same
built-in type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_ABSENT = object()
#: Errors from the grader's answers that student code sees as themselves (``except
#: ValueError`` works); any other as RuntimeError.
ERRORS: dict[str, type[Exception]] = {
    e.__name__: e for e in (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                            NameError)}

Saved = list[tuple[dict[str, Any], str, Any]]


def stand_in(name: str, reply_for: Callable[[tuple, dict], Any],
             own: Callable[..., Any] | None) -> Callable[..., Any]:
    """A function called ``name``: the ``{"ok": value}`` that ``reply_for(args, kwargs)``
    gives, its ``{"error": ...}`` raised, or, for ``{"own": true}``, ``own(*args,
    **kwargs)`` (the student's own ``name``; None if the student has none)."""
    def provided(*args: Any, **kwargs: Any) -> Any:
        reply = reply_for(args, kwargs)
        if not isinstance(reply, dict) or reply.get("own") is True:
            if own is None:
                raise NameError(f"name {name!r} is not defined")
            return own(*args, **kwargs)
        if "ok" in reply:
            return reply["ok"]
        error = reply.get("error")
        error = error if isinstance(error, dict) else {}
        raise ERRORS.get(str(error.get("type")), RuntimeError)(str(error.get("message", "")))

    provided.__name__ = provided.__qualname__ = name
    provided.__doc__ = (f"{name} while a later function is graded: the grader's answer for "
                        "a call a correct version makes on the case at hand, else your own.")
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
