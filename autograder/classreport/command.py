"""``autograder report OUT [PATH...] [--at-risk 50]``: the class report written again from
what is in OUT (``autograder grade`` writes it at the end of every run); the submissions'
PATHs, as given to ``autograder grade``, add the identical-code signal. Its options are
part of the one ``autograder`` command line (:mod:`autograder.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ..names import printable
from ..store import STORE_NAME, Store, StoreError
from . import HTML_NAME, JSON_NAME, load_records, summary_text, write_class_report


def sources_of(paths: Sequence[str | Path]) -> dict[str, Path]:
    """student -> submission path, found as ``autograder grade`` finds them."""
    from ..grading import find_submissions

    subs, _ = find_submissions(paths)
    return {s.student: s.path for s in subs}


def main_report(args: argparse.Namespace) -> int:
    """``autograder report OUT [PATH...]``."""
    try:
        records = load_records(args.out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sources = sources_of(args.paths) if args.paths else None
    with contextlib.ExitStack() as stack:
        store = None
        if sources and (Path(args.out) / STORE_NAME).is_file():
            # the fingerprints grading kept; new ones are kept for the next report
            with contextlib.suppress(StoreError):
                store = stack.enter_context(Store.open(args.out, create=False))
        report = write_class_report(records, args.out, at_risk=args.at_risk, sources=sources,
                                    store=store)
    print(printable(summary_text(report), multiline=True))
    print(f"wrote {Path(args.out) / HTML_NAME} and {Path(args.out) / JSON_NAME}")
    return 0
