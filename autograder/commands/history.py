"""``autograder history`` and ``autograder replay``: what the store in an output folder
says about past runs, and a stored submission graded again for a regrade dispute."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from ..names import printable
from ..reports.numbers import points_phrase, points_text
from .grade import duration


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "-"


def history_table(runs: Sequence[dict[str, Any]]) -> str:
    """The run log as a plain-text table, oldest first."""
    head = ["run", "started", "took", "status", "graded", "cached", "failed", "vanished",
            "of", "seed", "rubric", "grader", "sandbox", "host", "arguments"]
    rows = []
    for r in runs:
        took = duration(r["ended"] - r["started"]) if r["ended"] else "-"
        # a run killed with SIGKILL never wrote its end
        status = "running or killed" if r["ended"] is None else r["status"]
        args = " ".join(json.loads(r["argv"]))
        rows.append([printable(c) for c in (
            str(r["id"]), _when(r["started"]), took, status, str(r["graded"]),
            str(r["cached"]), str(r["failed"]), str(r["vanished"]), str(r["total"]),
            str(r["seed"]), r["rubric_hash"][:8], r["grader_version"], r["sandbox"],
            r["host"], args)])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines)


def main_history(args: argparse.Namespace) -> int:
    """``autograder history DIR``."""
    from ..store import Store, StoreError

    try:
        with Store.open(args.out, create=False) as store:
            runs = store.runs()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(history_table(runs) if runs else f"no runs logged in {args.out}")
    return 0


def main_replay(args: argparse.Namespace) -> int:
    """``autograder replay DIR STUDENT [--item NAME]``."""
    from ..incremental import replay
    from ..store import StoreError

    try:
        result = replay(args.out, args.student, args.item)
    except StoreError as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    print(f"replaying {printable(result.student)} from {printable(result.source)}")
    for note in result.notes:
        print(f"note: {printable(note)}")
    for item in result.items:
        if item.identical:
            print(f"  identical  {item.name}  ({points_phrase(item.new_points)})")
        else:
            print(f"  DIFFERENT  {item.name}  (stored {points_text(item.stored_points)}, "
                  f"now {points_text(item.new_points)})")
            print("\n".join("      " + printable(line) for line in item.diff.splitlines()))
    same = sum(i.identical for i in result.items)
    print(f"{same} of {len(result.items)} item(s) identical to the stored result")
    return 0 if same == len(result.items) else 1
