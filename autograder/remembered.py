"""Hypothesis runs remembered as trees, so that a later submission skips the search.

Hypothesis runs the grader's checks seeded, derandomized and without a database: what it
does next depends only on what the check did on each case so far (passed, or raised which
exception from where). A run is therefore a path in a tree:

- each node is a case: the arguments hypothesis passed the check;
- each edge is an outcome (:func:`outcome_of`);
- a path ends where hypothesis returned, or raised the last case's exception.

A later submission walks the tree (:func:`walk`): it runs the check on each node's case,
follows the edge of its outcome, and ends where hypothesis would have ended: the same
cases in the same order, the same final exception, made by this submission. Hypothesis
does not draw or shrink again, and that machinery costs more than the check itself on
the small cases a shrink tries. An outcome the tree has not seen leaves the walk
(:data:`MISSED`); hypothesis then runs from the start, and :meth:`Trees.remember` adds
its path.

An outcome is the exception's type and every frame it passed through below the check's
caller, with its context's outcome: finer than the "interesting origin" hypothesis tells
failures apart by, so an outcome the tree knows is one hypothesis would have treated
the same way.
"""

from __future__ import annotations

import contextlib
import copy
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from hypothesis.internal.entropy import deterministic_PRNG

try:  # hypothesis gives each case room on the stack; a walk gives it the same
    from hypothesis.internal.conjecture.junkdrawer import ensure_free_stackframes
except ImportError:  # a hypothesis that keeps it elsewhere: the stack as it is
    ensure_free_stackframes = contextlib.nullcontext  # type: ignore[assignment,misc]

Case = tuple[tuple, dict]
Outcome = tuple
#: The outcome of a case the check passed.
PASSED: Outcome = ()

#: Cases kept over all trees of this process: about 2 KB each (the example class's 22
#: kinds leave 866), so at most about 40 MB.
MAX_CASES = 20_000
#: A run slower than this is not kept: hypothesis stops shrinking after five minutes,
#: so a run near that limit may not be what hypothesis does next time.
MAX_RUN_SECONDS = 60.0

#: How walks ended in this process ("ended", "missed"): for benchmarks and tests.
WALKS: Counter[str] = Counter()


class _End:
    """How a path ends: hypothesis "returned", or "raised" the last case's exception."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __repr__(self) -> str:
        return f"<{self.how}>"


RETURNED, RAISED = _End("returned"), _End("raised")
#: What :func:`walk` gives when the submission did something the tree has not seen.
MISSED = _End("missed")


@dataclass
class Node:
    """A case, and what came after each outcome of it."""

    case: Case
    after: dict[Outcome, Node | _End] = field(default_factory=dict)


def _frames(tb: TracebackType | None) -> tuple[tuple[str, int], ...]:
    return tuple((frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(tb))


def _outcome(exc: BaseException, tb: TracebackType | None,
             seen: tuple[BaseException, ...]) -> Outcome:
    seen = (*seen, exc)
    context = exc.__context__
    before = (_outcome(context, context.__traceback__, seen)
              if context is not None and context not in seen else ())
    members = (tuple(_outcome(e, e.__traceback__, seen) for e in exc.exceptions)
               if isinstance(exc, BaseExceptionGroup) else ())
    return (type(exc), _frames(tb), before, members)


def outcome_of(exc: BaseException | None) -> Outcome:
    """The outcome of a case whose check raised ``exc`` (None: passed), caught in the
    frame that called the check: that frame is left out, so the same exception caught by
    another caller has the same outcome."""
    if exc is None:
        return PASSED
    tb = exc.__traceback__
    return _outcome(exc, tb.tb_next if tb is not None else None, ())


@dataclass
class Walked:
    """Where a walk ended: ``end`` (RETURNED, RAISED or MISSED) and, when RAISED, the
    exception the last case raised."""

    end: _End
    exc: BaseException | None = None


def walk(root: Node, check: Callable[..., None], first: object) -> Walked:
    """Run ``check(first, *case)`` on the cases of ``root``'s tree, each as hypothesis
    runs a case, following each outcome, to the end of a path or off the tree."""
    node = root
    while True:
        args, kwargs = copy.deepcopy(node.case)
        exc: BaseException | None = None
        try:
            with deterministic_PRNG(), ensure_free_stackframes():
                check(first, *args, **kwargs)
        except KeyboardInterrupt:
            raise
        except BaseException as raised:
            exc = raised
        after = node.after.get(outcome_of(exc))
        if after is None:
            WALKS["missed"] += 1
            return Walked(MISSED)
        if isinstance(after, _End):
            WALKS["ended"] += 1
            return Walked(after, exc if after is RAISED else None)
        node = after


class Recorder:
    """Keeps each case hypothesis runs ``check`` on, and its outcome: hypothesis is given
    :attr:`test` in place of ``check``, a plain function whose first parameter is named as
    every check's is (hypothesis passes it by name)."""

    def __init__(self, check: Callable[..., None]) -> None:
        self.path: list[tuple[Case, Outcome]] = []
        self.last: BaseException | None = None

        def test(student: object, *args: object, **kwargs: object) -> None:
            case = copy.deepcopy((args, kwargs))
            self.last = None
            try:
                check(student, *args, **kwargs)
            except BaseException as exc:
                self.last = exc
                self.path.append((case, outcome_of(exc)))
                raise
            self.path.append((case, PASSED))

        self.test = test


class Trees:
    """The trees of this process, by key (an item and its hypothesis seed), holding at
    most ``max_cases`` cases in all."""

    def __init__(self, max_cases: int = MAX_CASES) -> None:
        self.max_cases = max_cases
        self.roots: dict[object, Node] = {}
        self.cases = 0

    def __len__(self) -> int:
        return len(self.roots)

    def get(self, key: object) -> Node | None:
        return self.roots.get(key)

    def clear(self) -> None:
        self.roots.clear()
        self.cases = 0

    def _node(self, case: Case) -> Node | None:
        if self.cases >= self.max_cases:
            return None
        self.cases += 1
        return Node(case)

    def remember(self, key: object, recorder: Recorder, raised: BaseException | None,
                 seconds: float) -> None:
        """Add the path ``recorder`` kept to the tree of ``key``: a run that returned
        (``raised`` None) or raised its last case's exception. A run that raised anything
        else (hypothesis' report of a flaky check, an interruption) or took longer than
        :data:`MAX_RUN_SECONDS` is not kept, nor any case beyond ``max_cases``."""
        path = recorder.path
        if not path or seconds > MAX_RUN_SECONDS:
            return
        if raised is None:
            end = RETURNED
        elif raised is recorder.last and isinstance(raised, Exception):
            end = RAISED
        else:
            return
        node = self.roots.get(key)
        if node is None:
            node = self._node(path[0][0])
            if node is None:
                return
            self.roots[key] = node
        for i, (_case, outcome) in enumerate(path):
            after = node.after.get(outcome)
            if i == len(path) - 1:
                if after is None:
                    node.after[outcome] = end
                return
            if after is None:
                after = self._node(path[i + 1][0])
                if after is None:
                    return
                node.after[outcome] = after
            elif isinstance(after, _End):
                return  # hypothesis ended here before, so no path goes on from here
            node = after
