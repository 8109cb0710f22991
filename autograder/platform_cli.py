"""The ``autograder`` subcommands that take grades where courses run them.

    autograder gradescope-bundle OUT.zip [--seed N] [--lang ko+en|ko|en] [--timeout S]
                     [--visibility visible|after_due_date|after_published]
                     [--expected-visibility visible|after_due_date|after_published|hidden]
                     [--wheel FILE]
        Gradescope's autograder zip (``autograder.gradescope``; docs/gradescope.md).
    autograder export OUT --roster ROSTER.csv --to canvas|moodle|csv --file FILE
                     [--column NAME] [--match login|sis|email|id|name|auto]
        The gradebook import file for the LMS, from OUT's grades (``autograder.lms``;
        docs/lms.md).
"""

from __future__ import annotations

import argparse
import sys

from .visibility import LANGS, TEST_VISIBILITIES, VISIBILITIES


def _cmd_bundle(args: argparse.Namespace) -> int:
    from .gradescope import build_bundle

    try:
        path = build_bundle(args.out_zip, seed=args.seed, lang=args.lang,
                            visibility=args.visibility,
                            expected_visibility=args.expected_visibility,
                            call_timeout=args.timeout, wheel=args.wheel)
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment "
          "(docs/gradescope.md)")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .lms import ExportError, export_grades

    try:
        result = export_grades(args.out, args.roster, to=args.to, file=args.file,
                               column=args.column, match=args.match)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.file}: {result.matched} graded, {result.ungraded} roster row(s) "
          f"without a grade (left empty) for the {args.to} import")
    if result.unmatched:
        print(f"{len(result.unmatched)} graded name(s) match no roster row (not in the file; "
              "add them to the roster or fix the name):", file=sys.stderr)
        for name in result.unmatched:
            print(f"  {name}", file=sys.stderr)
        return 1
    return 0


def add_platform_commands(sub: argparse._SubParsersAction, seconds_type=float) -> None:
    """Add ``gradescope-bundle`` and ``export`` to the ``autograder`` command's subparsers."""
    bundle = sub.add_parser("gradescope-bundle", help="write Gradescope's autograder zip",
                            description="Write the autograder zip Gradescope expects: "
                            "setup.sh, run_autograder, this package's wheel and its pinned "
                            "dependencies, grading with the choices below (docs/gradescope.md).")
    bundle.add_argument("out_zip", metavar="OUT.zip", help="the zip to write")
    bundle.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
    bundle.add_argument("--lang", choices=LANGS, default="ko+en",
                        help="language of the students' feedback (default: both)")
    bundle.add_argument("--timeout", type=seconds_type, default=None,
                        help="seconds each call of a student function may take")
    bundle.add_argument("--visibility", choices=TEST_VISIBILITIES, default="visible",
                        help="when students see each item's test (Gradescope's setting)")
    bundle.add_argument("--expected-visibility", choices=VISIBILITIES, default="visible",
                        help="when students see the expected values of the items they lost "
                        "(anything but 'visible' moves them to a separate 0-point test)")
    bundle.add_argument("--wheel", default=None, metavar="FILE",
                        help="bundle this conv_lab wheel instead of building one")
    bundle.set_defaults(run=_cmd_bundle)

    export = sub.add_parser("export", help="write the LMS gradebook import file",
                            description="Match OUT's grades to the roster the LMS exported "
                            "and write its import file (docs/lms.md). Every roster row is "
                            "kept; ungraded students get an empty cell; graded names that "
                            "match no row are listed (exit 1).")
    export.add_argument("out", metavar="OUT", help="an output folder of autograder grade")
    export.add_argument("--roster", required=True, metavar="ROSTER.csv",
                        help="the gradebook CSV exported from Canvas or Moodle (or a CSV "
                        "with a student column)")
    export.add_argument("--to", required=True, choices=("canvas", "moodle", "csv"))
    export.add_argument("--file", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--column", default="conv-lab",
                        help="the assignment column's name (Canvas: as the assignment is "
                        "titled in the gradebook, with its ID in parentheses, to update it)")
    export.add_argument("--match", default="auto",
                        choices=("auto", "login", "sis", "email", "id", "name"),
                        help="which roster field the graded names are (default: any)")
    export.set_defaults(run=_cmd_export)


# --------------------------------------------------------------------------- grade's rules


def add_grade_rule_options(grade: argparse.ArgumentParser) -> None:
    """``autograder grade``'s options for lateness and visibility (``autograder.course_rules``)."""
    rules = grade.add_argument_group(
        "course rules", "lateness and visibility in grades.csv, results.json and feedback.html "
        "(docs/lms.md); without them the reports are as before")
    rules.add_argument("--due", default=None, metavar="TIME",
                       help="deadline, ISO 8601 (e.g. 2026-12-01T23:59+09:00; UTC if no zone)")
    rules.add_argument("--extensions", default=None, metavar="CSV",
                       help="student,due: students with their own deadline")
    rules.add_argument("--late-mode", choices=("penalty", "budget"), default="penalty",
                       help="penalty: each late day costs --late-penalty; budget: "
                       "--late-days free days first")
    rules.add_argument("--late-penalty", type=float, default=None, metavar="PERCENT",
                       help="percent of the raw score lost per started day late (default 10; "
                       "100 past a budget)")
    rules.add_argument("--late-floor", type=float, default=0.0, metavar="PERCENT",
                       help="never keep less than this percent of the raw score")
    rules.add_argument("--late-days", type=int, default=0, metavar="N",
                       help="budget mode: late days each student may use")
    rules.add_argument("--late-days-used", default=None, metavar="CSV",
                       help="budget mode: student,used (days used on earlier assignments)")
    rules.add_argument("--visibility", choices=TEST_VISIBILITIES, default="visible",
                       help="results.json: when students see each item's test")
    rules.add_argument("--expected-visibility", choices=VISIBILITIES, default="visible",
                       help="results.json: when students see the expected values")


def late_policy_from_args(args: argparse.Namespace):
    """The LatePolicy the options describe, or None without --due. Raises LatePolicyError."""
    from .late import LatePolicy, parse_time, read_extensions, read_used_days

    if args.due is None:
        if args.extensions or args.late_days or args.late_days_used or args.late_mode != "penalty":
            from .late import LatePolicyError

            raise LatePolicyError("the late options need --due (the deadline)")
        return None
    default_penalty = 100.0 if args.late_mode == "budget" else 10.0
    return LatePolicy(
        due=parse_time(args.due, "--due"), mode=args.late_mode,
        percent_per_day=default_penalty if args.late_penalty is None else args.late_penalty,
        floor=args.late_floor, budget_days=args.late_days,
        extensions=read_extensions(args.extensions) if args.extensions else {},
        used_days=read_used_days(args.late_days_used) if args.late_days_used else {})


def check_grade_rules(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Read the late rule's files before grading; a bad one is a usage error (exit 2)."""
    from .late import LatePolicyError

    try:
        args.late_policy = late_policy_from_args(args)
    except LatePolicyError as exc:
        parser.error(str(exc))


def apply_grade_rules(args: argparse.Namespace, records) -> None:
    """After ``autograder grade``: rewrite the reports with the rules given, if any.

    ``records``: the graded records, or a run object holding them as ``.records``.
    """
    from .course_rules import finish_reports

    records = getattr(records, "records", records)

    policy = getattr(args, "late_policy", None) or late_policy_from_args(args)
    if policy is None and args.visibility == "visible" and args.expected_visibility == "visible":
        return
    finish_reports(records, args.paths, args.out, policy=policy, visibility=args.visibility,
                   expected_visibility=args.expected_visibility, flat=args.gradescope)
