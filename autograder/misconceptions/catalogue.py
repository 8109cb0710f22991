"""The catalogue of known mistakes, and the decorators that fill it.

A mistake is declared once, with the variant that recomputes it, next to that variant's
code (in the topic modules of this package)::

    @variant("kernel_flipped", *CONV, name="kernel flipped (...)", hint="Lay the filter ...",
             kinds=(MismatchKind.VALUE,))
    def kernel_flipped(call, a):
        ...

A variant is told which function it imitates (``call.function``) and gets the call's
arguments by parameter name (``a``). When the mistake cannot show on these inputs (no
bias to forget, stride 1 to ignore) it returns :data:`NOT_APPLICABLE`; it never raises
for that, so an exception from a variant is a bug in the grader and is not swallowed.
The same mistake made in another function registers a second variant under the same key
(without repeating name and hint); declaring a key twice is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ..compare import Call, Mismatch
from ..results import MismatchKind

Args = dict[str, Any]


class NotApplicable:
    """The type of :data:`NOT_APPLICABLE` (one instance)."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


#: What a variant returns when its mistake cannot show on the given inputs.
NOT_APPLICABLE: Final = NotApplicable()

Variant = Callable[[Call, Args], Any]
Matcher = Callable[[Mismatch, Args], bool]


@dataclass(eq=False)
class Misconception:
    """A named mistake: what it is (``name``), how to fix it (``hint``), the mismatch
    ``kinds`` it can explain, and how to recognise it, per student function (``"*"``:
    any): ``variants`` (the mistaken answer for the same inputs) or ``matchers`` (a test
    on the mismatch itself)."""

    key: str
    name: str
    hint: str
    kinds: tuple[MismatchKind, ...]
    variants: dict[str, Variant] = field(default_factory=dict)
    matchers: dict[str, Matcher] = field(default_factory=dict)

    @property
    def functions(self) -> tuple[str, ...]:
        """The student functions this mistake is looked for in ("*": all)."""
        return (*self.variants, *self.matchers)

    def applies_to(self, function: str) -> bool:
        return function in self.functions or "*" in self.functions

    def matcher_for(self, function: str) -> Matcher | None:
        return self.matchers.get(function, self.matchers.get("*"))


#: Every known mistake, in the order they are tried (declaration order).
CATALOGUE: list[Misconception] = []
_BY_KEY: dict[str, Misconception] = {}


def _declare(key: str, name: str | None, hint: str | None,
             kinds: tuple[MismatchKind, ...] | None) -> Misconception:
    """The catalogue's entry for ``key``: new if name, hint and kinds are given, else the
    existing one (a ValueError names what is wrong otherwise)."""
    described = (name, hint, kinds)
    if key in _BY_KEY:
        if described != (None, None, None):
            raise ValueError(f"misconception {key!r} is declared twice; register further "
                             "variants with the key only")
        return _BY_KEY[key]
    if name is None or hint is None or not kinds:
        raise ValueError(f"misconception {key!r}: the first registration needs a name, "
                         "a hint and the mismatch kinds it explains")
    if not all(isinstance(k, MismatchKind) for k in kinds):
        raise TypeError(f"misconception {key!r}: kinds must be MismatchKind, got {kinds!r}")
    entry = Misconception(key, name, hint, tuple(kinds))
    CATALOGUE.append(entry)
    _BY_KEY[key] = entry
    return entry


def variant(key: str, *functions: str, name: str | None = None, hint: str | None = None,
            kinds: tuple[MismatchKind, ...] | None = None) -> Callable[[Variant], Variant]:
    """Register the decorated function as mistake ``key``'s answer for ``functions``.

    Inputs: the key; the student functions it imitates; on the key's first registration
    its ``name``, ``hint`` and ``kinds``. Returns the function unchanged.
    """
    if not functions:
        raise ValueError(f"misconception {key!r}: name the functions the variant imitates")
    entry = _declare(key, name, hint, kinds)

    def register(fn: Variant) -> Variant:
        _add(entry, entry.variants, functions, fn)
        return fn

    return register


def matcher(key: str, *functions: str, name: str, hint: str,
            kinds: tuple[MismatchKind, ...]) -> Callable[[Matcher], Matcher]:
    """Register the decorated test ``(mismatch, args) -> bool`` as mistake ``key`` in
    ``functions`` (``"*"``: every function)."""
    if not functions:
        raise ValueError(f"misconception {key!r}: name the functions (or '*')")
    entry = _declare(key, name, hint, kinds)

    def register(fn: Matcher) -> Matcher:
        _add(entry, entry.matchers, functions, fn)
        return fn

    return register


def _add(entry: Misconception, table: dict, functions: tuple[str, ...], fn: Callable) -> None:
    for function in functions:
        if function in entry.functions:
            raise ValueError(f"misconception {entry.key!r} is already registered for {function}")
        table[function] = fn
