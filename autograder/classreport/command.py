"""The class report's part of the ``autograder`` command line.

    autograder report OUT [PATH...] [--at-risk 50]
        Rebuild OUT/class.json and OUT/class.html from what is in OUT; the submissions'
        PATHs (as given to ``autograder grade``) add the identical-code signal.
    autograder grade ... [--at-risk 50] [--per-student-cases]
        Grading writes the class report at the end and prints the five findings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..names import printable
from ..results import GradeRecord
from . import HTML_NAME, JSON_NAME, load_records, summary_text, write_class_report
from .stats import DEFAULT_AT_RISK


def percentage(text: str) -> float:
    """argparse type for --at-risk: a number from 0 to 100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text}")
    return value


def add_grade_options(grade: argparse.ArgumentParser) -> None:
    """``--at-risk`` and ``--per-student-cases`` for ``autograder grade``."""
    grade.add_argument("--at-risk", type=percentage, default=DEFAULT_AT_RISK, metavar="PCT",
                       help="list students below this percentage in class.html "
                       f"(default {DEFAULT_AT_RISK:g})")
    grade.add_argument("--per-student-cases", action="store_true",
                       help="mix each student's name into the seed: everyone gets their own "
                       "hidden cases (the same name, file and seed still replay exactly)")


def sources_of(paths: Sequence[str | Path]) -> dict[str, Path]:
    """student -> submission path, found as ``autograder grade`` finds them."""
    from ..grading import find_submissions

    subs, _ = find_submissions(paths)
    return {s.student: s.path for s in subs}


def after_grading(records: list[GradeRecord], out: str | Path, *, paths: Sequence[str | Path],
                  at_risk: float = DEFAULT_AT_RISK, stream: TextIO | None = None) -> None:
    """Write the class report for a graded class and print its summary to ``stream``."""
    stream = stream if stream is not None else sys.stdout
    try:
        report = write_class_report(records, out, at_risk=at_risk, sources=sources_of(paths))
    except Exception as exc:  # the grades are written already; the report is extra
        print(f"warning: the class report could not be written ({type(exc).__name__}: {exc});"
              f" try `autograder report {out}`", file=sys.stderr)
        return
    print(printable(summary_text(report), multiline=True), file=stream)
    print(f"class report: {Path(out) / HTML_NAME} (numbers in {JSON_NAME})", file=stream)


def run_report(args: argparse.Namespace) -> int:
    """``autograder report OUT [PATH...]``."""
    try:
        records = load_records(args.out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sources = sources_of(args.paths) if args.paths else None
    report = write_class_report(records, args.out, at_risk=args.at_risk, sources=sources)
    print(printable(summary_text(report), multiline=True))
    print(f"wrote {Path(args.out) / HTML_NAME} and {Path(args.out) / JSON_NAME}")
    return 0


def add_report_command(sub: argparse._SubParsersAction) -> None:
    """The ``report`` subcommand."""
    report = sub.add_parser("report", help="write the class report (class.html, class.json)",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("out", metavar="OUT", help="the folder `autograder grade --out` wrote")
    report.add_argument("paths", nargs="*", metavar="PATH",
                        help="the submissions, to compare their code (optional)")
    report.add_argument("--at-risk", type=percentage, default=DEFAULT_AT_RISK, metavar="PCT",
                        help=f"list students below this percentage (default {DEFAULT_AT_RISK:g})")
    report.set_defaults(run=run_report)
