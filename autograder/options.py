"""How a class is graded: one frozen :class:`GradeOptions`, from the command line to the
grading call, the store's key and ``autograder replay``.

Every field that decides a submission's result, besides the seed (a key column of its
own), is part of :meth:`GradeOptions.rubric_hash`: a field marked ``KEYED`` enters it
when it differs from its default, so a new option is one line here and stores made
before it stay valid. The record's row keeps :meth:`GradeOptions.stored` (what replay
grades with).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rubric
from .sandbox.bubblewrap import REQUESTS as SANDBOXES

#: Marks a field that decides results and so enters the rubric hash (when not at its default).
KEYED: Mapping[str, bool] = {"keyed": True}


@dataclass(frozen=True)
class GradeOptions:
    """The choices that decide a submission's record.

    - seed: hypothesis seed; the same submission and seed give the same record
    - call_timeout: seconds each call of a student function may take (None: the default)
    - items: rubric item names to grade, in any order (None: all)
    - sandbox: "auto" (bubblewrap if it works, else rlimits), "bubblewrap", "rlimit" (as
      another user when the grader is root, else as the grader's own), or one of those two
      by name ("rlimit-as-other-user", "rlimit-as-self")
    - per_student_cases: mix the student's name into each item's seed (own hidden cases)
    - budget: seconds the whole submission may take (None: ``grading.DEFAULT_BUDGET``)
    - max_file_mb, max_total_mb: how large its files may be, each and in all (None: the
      defaults of :class:`autograder.submission.SizeLimits`)
    - items_file, items_hash: an instructor's extra items (``--items``, pytest tests,
      :mod:`autograder.extra_items`), graded after the rubric's: the file's path, and the
      sha256 of its bytes, which is what enters the key (moving the file changes nothing,
      editing it regrades)
    """

    seed: int = 0
    call_timeout: float | None = field(default=None, metadata=KEYED)
    items: tuple[str, ...] | None = None  # hashed as the graded items' names and points
    sandbox: str = "auto"
    per_student_cases: bool = field(default=False, metadata=KEYED)
    budget: float | None = field(default=None, metadata=KEYED)
    max_file_mb: float | None = field(default=None, metadata=KEYED)
    max_total_mb: float | None = field(default=None, metadata=KEYED)
    items_file: str | None = None
    items_hash: str | None = field(default=None, metadata=KEYED)

    def __post_init__(self) -> None:
        if self.items is not None and not isinstance(self.items, tuple):
            object.__setattr__(self, "items", tuple(self.items))
        if self.sandbox not in SANDBOXES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOXES)}, "
                             f"got {self.sandbox!r}")

    def replace(self, **changes: Any) -> GradeOptions:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def rubric_hash(self, sandbox_kind: str | None = None) -> str:
        """sha256 of the items graded (names and points, rubric order), the call timeout
        and every other KEYED field that differs from its default: everything besides the
        seed that decides the results. ``sandbox_kind``: the kind of sandbox the code
        actually runs in ("bubblewrap", "rlimit-as-other-user", "rlimit-as-self"), for the
        store's key, so a record graded without bubblewrap is not reused once it works."""
        wanted = None if self.items is None else set(self.items)
        graded = [(it.name, it.points) for it in rubric.ITEMS
                  if wanted is None or it.name in wanted]
        settings: dict[str, Any] = {"items": graded, "call_timeout": self.call_timeout}
        if sandbox_kind is not None:
            settings["sandbox"] = sandbox_kind
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("keyed") and f.name not in settings and value != f.default:
                settings[f.name] = value
        return hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:16]

    def stored(self) -> dict[str, Any]:
        """The options as JSON data kept with each record (``options`` of the store's row);
        fields at their default are left out, except the few every row has always had."""
        always = ("seed", "call_timeout", "items", "sandbox", "per_student_cases")
        data = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in always or value != f.default:
                data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_stored(cls, data: Mapping[str, Any], **changes: Any) -> GradeOptions:
        """The options a row was graded with (unknown keys ignored), with ``changes``."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**{**values, **changes})

    def only(self, items: Iterable[str]) -> GradeOptions:
        """The same options, grading ``items`` only."""
        return self.replace(items=tuple(items))


#: The options of a plain ``autograder grade`` (frozen, so safe as a default argument).
DEFAULT_OPTIONS = GradeOptions()
