"""How the grader talks to a student's code: one interface, two implementations.

- ``autograder.sandbox.SandboxedStudent`` runs the submission in a separate, sandboxed
  worker process (``autograder grade``); this is the trusted path.
- :class:`InProcessStudent` calls functions from a namespace in this process. It is what
  the notebooks' hidden-test cells use inside nbgrader's kernel, and what the harness's
  own tests use for speed. It round-trips every value through the wire format anyway,
  so both paths hand the checks the same plain data.

Checks call ``student.call("conv2d", x, w, b, stride=2)`` and get back plain data
(see ``autograder.sandbox.jail.protocol``), or one of the exceptions below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Protocol

from . import provided
from .rubric import provided_while_grading
from .sandbox.jail import protocol, standins
from .sandbox.jail.callables import resolve_refs
from .sandbox.jail.canonical import call_key


class StudentError(Exception):
    """The student's function raised. ``exc_type`` is its class name (e.g. "ValueError"),
    ``message`` its text, ``traceback`` the formatted frames of the student's own code."""

    def __init__(self, exc_type: str, message: str, traceback: str = "") -> None:
        super().__init__(f"{exc_type}: {message}")
        self.exc_type = exc_type
        self.message = message
        self.traceback = traceback


class CallTimeout(Exception):
    """The call ran past its time limit (the worker was then restarted). ``seconds`` is
    the limit, when the raiser says it."""

    def __init__(self, message: str = "", seconds: float | None = None) -> None:
        super().__init__(message)
        self.seconds = seconds


class BudgetSpent(CallTimeout):
    """The submission's time budget (``autograder grade --budget``) ran out: this call was
    cut short or not made, and no further call of this submission is made."""


class MissingFunction(Exception):
    """The submission does not define the function (or it is not callable)."""


class WorkerCrashed(Exception):
    """The worker died during the call (memory limit, os._exit, segfault, ...)."""


class Student(Protocol):
    """What the engine needs of a student: call a function by name, say whether it is
    defined, and say whether its code runs in the grader's own process (then the engine
    puts back whatever the code changed in numpy or the reference after each call)."""

    runs_in_process: bool

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any: ...

    def has(self, function: str) -> bool: ...


class InProcessStudent:
    """Calls the student's functions from ``namespace`` in this process (not sandboxed).

    As in the sandbox, while a function is called, the graded functions taught before it
    (``rubric.provided_while_grading``) are stand-ins in ``namespace``: the grader's answer
    for a call a correct version makes on this case (``autograder.provided``), the
    student's own function for any other; put back afterwards."""

    runs_in_process = True

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace

    def has(self, function: str) -> bool:
        return callable(self.namespace.get(function))

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        if not self.has(function):
            raise MissingFunction(f"{function} is not defined")
        data = protocol.encode((args, kwargs))
        asked = _Asked(function, data)  # its own copy: the student's may be changed
        args, kwargs = protocol.decode(data)
        args, kwargs = resolve_refs(args), resolve_refs(kwargs)
        target = self.namespace[function]
        saved = []
        if isinstance(self.namespace, MutableMapping):
            saved = standins.bind([self.namespace], {
                name: standins.stand_in(name, functools.partial(asked.reply, name),
                                        _own(self.namespace.get(name)))
                for name in provided_while_grading(function)})
        try:
            result = target(*args, **kwargs)
        except Exception as exc:
            raise StudentError(type(exc).__name__, str(exc)) from exc
        finally:
            standins.restore(saved)
        try:
            return protocol.decode(protocol.encode(result))
        except protocol.ProtocolError as exc:
            raise StudentError(
                "TypeError", f"{function} returned something that is not plain data: {exc}"
            ) from None


def _own(value: Any) -> Callable[..., Any] | None:
    return value if callable(value) else None


class _Asked:
    """The asks of one in-process call, answered as the sandbox's are: by key (by value for
    training's names), plain data in and out (round-tripped through the protocol)."""

    def __init__(self, function: str, data: bytes) -> None:
        self.function, self.data = function, data  # the call's arguments, encoded
        self.by_value = provided.by_value(function)
        self.answers: provided.Answers | None = None

    def reply(self, name: str, args: tuple, kwargs: dict) -> dict[str, Any]:
        if name in self.by_value:
            try:
                args, kwargs = protocol.decode(protocol.encode((args, kwargs)))
            except protocol.ProtocolError:
                return provided.OWN
            ask: dict[str, Any] = {"fn": name, "args": args, "kwargs": kwargs}
        else:
            key = call_key(name, args, kwargs)
            if key is None:
                return provided.OWN
            ask = {"fn": name, "key": key}
        if self.answers is None:
            self.answers = provided.Answers(self.function, *protocol.decode(self.data))
        reply = self.answers.reply(ask)  # what it tells a worker ahead is of no use here
        reply = {k: v for k, v in reply.items() if k not in ("keys", "answers")}
        return protocol.decode(protocol.encode(reply))
