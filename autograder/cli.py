"""The ``autograder`` command: one argparse tree for every verb; each verb's ``main(args)``
does the work (``autograder.commands``, ``autograder.platforms``,
``autograder.classreport.command``; ``course`` is the nbgrader side's own subtree).

    autograder grade PATH... --out DIR [--workers N] [--timeout S] [--budget S] [--seed N]
                     [--item NAME]... [--force] [--rebuild] [--lang ko|en|ko+en]
                     [--due TIME ...] [--received CSV] [--inbound DIR] [--visibility ...]
        Grade submissions (files, student folders or class folders; see
        ``autograder.grading``) and write DIR/grades.csv, per student
        DIR/<student>/results.json (Gradescope) and DIR/<student>/feedback.html, and the
        class report DIR/class.html and class.json. Every record is kept in
        DIR/grading.sqlite the moment it is graded; the same command again grades only
        what changed (``autograder.incremental``). With --scheduler tcp://HOST:8786 each
        submission is graded on that Dask cluster instead (docs/cluster.md).
    autograder grade /autograder/submission --gradescope --out /autograder/results
        One submission, its reports straight into DIR.
    autograder report DIR [PATH...] [--at-risk 50]
        Write DIR/class.html and DIR/class.json again: what the class got wrong.
    autograder history DIR
        The runs that graded into DIR, as a table.
    autograder replay DIR STUDENT [--item NAME]
        Grade a stored submission again with its stored options; say per item whether the
        result is identical, and show any difference.
    autograder check FILE
        For students: run the public checks on your file. Exit code 0 iff all pass.
    autograder demo [--out DIR]
        Grade the bundled example class and print who got what, and why.
    autograder gradescope-bundle OUT.zip | gradescope-run | gradescope-check
        Gradescope's autograder zip, and what its scripts run in Gradescope's container
        (docs/gradescope.md).
    autograder export OUT --roster R --to canvas|moodle|csv --file FILE
        The LMS gradebook import (docs/lms.md).
    autograder course cycle|release|grade|zip-collect|export|snapshot|audit ...
        The nbgrader cycle (needs the nbgrader extra); ``autograder course --help``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import rubric
from .i18n import DEFAULT_LANG, LANGS
from .options import SANDBOXES

PATH_RULES = """\
what a PATH means:
  file.py / file.ipynb      one submission, named after the file
  folder with part files    one student's submission (conv_layers.py or a part notebook
                            such as 03_convolution.ipynb directly inside), named after it
  any other folder          a class: each .py/.ipynb in it and each subfolder is one
                            submission (nbgrader's submitted/<student>/<assignment>/ works)
  Same names get -2, -3... and a note; a missing or unreadable submission still gets a
  record (score 0 and the reason); so do dot-named .py/.ipynb files and symbolic links
  (links are never followed, except a PATH given here). Reports: DIR/grades.csv,
  DIR/<student>/results.json (Gradescope format) and DIR/<student>/feedback.html.
"""


# --------------------------------------------------------------------------- value types


def _positive(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of {unit}, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of {unit} above 0, got {text}")
    return value


def positive_megabytes(text: str) -> float:
    """argparse type for --max-file-mb / --max-total-mb: a number of MB above 0."""
    return _positive(text, "MB")


def positive_seconds(text: str) -> float:
    """argparse type for --timeout and --budget: a number of seconds above 0."""
    return _positive(text, "seconds")


def percentage(text: str) -> float:
    """argparse type for --at-risk: a number from 0 to 100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text}")
    return value


# --------------------------------------------------------------------------- the tree


def _verb(name: str, attribute: str):
    """A function that imports module ``name`` when the verb runs and calls its
    ``attribute`` with the options (so ``autograder --help`` imports nothing heavy)."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(name), attribute)(args)

    return run


def _lang(p: argparse.ArgumentParser, default: str = DEFAULT_LANG) -> None:
    p.add_argument("--lang", choices=LANGS, default=default,
                   help="language of what students read: ko, en or ko+en (Korean, then "
                        "English; the default)")


def _grading(p: argparse.ArgumentParser) -> None:
    """Options of every verb that grades (grade, demo)."""
    p.add_argument("--workers", type=int, default=None,
                   help="submissions graded at once (default: number of cores)")
    p.add_argument("--timeout", type=positive_seconds, default=None,
                   help="seconds each call of a student function may take")
    p.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _lang(p)


def _visibility(p: argparse.ArgumentParser | argparse._ArgumentGroup, what: str) -> None:
    from .reports.visibility import TEST_VISIBILITIES, VISIBILITIES

    p.add_argument("--visibility", choices=TEST_VISIBILITIES, default="visible",
                   help=f"{what}: when students see each item's test (Gradescope's setting)")
    p.add_argument("--expected-visibility", choices=VISIBILITIES, default="visible",
                   help=f"{what}: when students see the expected values of the items they "
                        "lost (anything but 'visible' moves them to a separate 0-point test)")


def _add_grade(sub: argparse._SubParsersAction) -> None:
    from .classreport.stats import DEFAULT_AT_RISK
    from .grading import DEFAULT_BUDGET

    grade = sub.add_parser("grade", help="grade submissions and write reports",
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=PATH_RULES)
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help=".py/.ipynb files, student folders or class folders")
    grade.add_argument("--out", required=True, metavar="DIR", help="folder for the reports")
    grade.add_argument("--gradescope", action="store_true",
                       help="one submission (e.g. /autograder/submission); write results.json "
                       "and feedback.html straight into DIR (e.g. /autograder/results)")
    grade.add_argument("--sandbox", choices=SANDBOXES, default="auto",
                       help="how to contain student code (default: bubblewrap if it works)")
    grade.add_argument("--item", action="append", default=None, metavar="NAME",
                       help="grade only this rubric item (repeat for more; default: all)")
    grade.add_argument("--force", action="store_true",
                       help="grade everything again, even what the store already holds")
    grade.add_argument("--rebuild", action="store_true",
                       help="move a damaged DIR/grading.sqlite aside and grade everything")
    grade.add_argument("--max-file-mb", type=positive_megabytes, default=None, metavar="MB",
                       help="largest .py/.ipynb file read (default 20); larger ones are not "
                       "read and the record says so")
    grade.add_argument("--max-total-mb", type=positive_megabytes, default=None, metavar="MB",
                       help="largest total of one submission's .py/.ipynb files (default 50)")
    grade.add_argument("--budget", type=positive_seconds, default=None, metavar="SECONDS",
                       help="seconds one submission may take in all (default "
                       f"{DEFAULT_BUDGET:g}); the items left then score 0 and say why")
    grade.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on this Dask cluster, e.g. tcp://HOST:8786, instead of "
                       "--workers local processes (needs the cluster extra; docs/cluster.md)")
    grade.add_argument("--allow-rlimit", action="store_true",
                       help="with --scheduler: accept workers that lack bubblewrap")
    grade.add_argument("--at-risk", type=percentage, default=DEFAULT_AT_RISK, metavar="PCT",
                       help="list students below this percentage in class.html "
                       f"(default {DEFAULT_AT_RISK:g})")
    grade.add_argument("--per-student-cases", action="store_true",
                       help="mix each student's name into the seed: everyone gets their own "
                       "hidden cases (the same name, file and seed still replay exactly)")
    _grading(grade)
    rules = grade.add_argument_group(
        "course rules", "lateness and visibility in grades.csv, results.json and feedback.html "
        "(docs/lms.md); without them: no late columns, everything visible at once")
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
    rules.add_argument("--received", default=None, metavar="CSV",
                       help="student,received: when each submission arrived, as your side "
                       "recorded it (an LMS's submission list, a mail log); trusted first")
    rules.add_argument("--inbound", default=None, metavar="DIR",
                       help="nbgrader's exchange inbound folder of the course "
                       "(<exchange>/<course id>/inbound): submission times are read there")
    _visibility(rules, "results.json")
    grade.set_defaults(run=_verb("autograder.commands.grade", "main_grade"))


def build_parser() -> argparse.ArgumentParser:
    """The whole ``autograder`` command line."""
    from .course.cli import add_course_commands  # imports no nbgrader until a verb runs

    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_grade(sub)

    from .classreport.stats import DEFAULT_AT_RISK

    report = sub.add_parser("report", help="write the class report (class.html, class.json)",
                            description="Rebuild OUT/class.json and OUT/class.html from the "
                            "store in OUT; the submissions' PATHs (as given to autograder "
                            "grade) add the identical-code signal.")
    report.add_argument("out", metavar="OUT", help="the folder `autograder grade --out` wrote")
    report.add_argument("paths", nargs="*", metavar="PATH",
                        help="the submissions, to compare their code (optional)")
    report.add_argument("--at-risk", type=percentage, default=DEFAULT_AT_RISK, metavar="PCT",
                        help=f"list students below this percentage (default {DEFAULT_AT_RISK:g})")
    report.set_defaults(run=_verb("autograder.classreport.command", "main_report"))

    history = sub.add_parser("history", help="the runs that graded into DIR, as a table")
    history.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    history.set_defaults(run=_verb("autograder.commands.history", "main_history"))

    replay = sub.add_parser("replay", help="grade a stored submission again and compare")
    replay.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    replay.add_argument("student", metavar="STUDENT", help="the student's name in grades.csv")
    replay.add_argument("--item", default=None, metavar="NAME",
                        help="replay only this rubric item")
    replay.set_defaults(run=_verb("autograder.commands.history", "main_replay"))

    check = sub.add_parser("check", help="run the public checks on your file")
    check.add_argument("file", metavar="FILE", help="your .py or .ipynb file")
    check.add_argument("--timeout", type=positive_seconds, default=None,
                       help="seconds each call of a function may take")
    _lang(check)
    check.set_defaults(run=_verb("autograder.commands.check", "main_check"))

    demo = sub.add_parser("demo", help="grade the bundled example class")
    demo.add_argument("--out", default=None, metavar="DIR", help="keep the reports here")
    _grading(demo)
    demo.set_defaults(run=_verb("autograder.commands.grade", "main_demo"))

    course = sub.add_parser("course", help="the nbgrader cycle (needs the nbgrader extra)",
                            description="The nbgrader cycle, through nbgrader's own Python "
                            "API; the plain nbgrader commands are in docs/nbgrader.md.")
    add_course_commands(course)

    bundle = sub.add_parser("gradescope-bundle", help="write Gradescope's autograder zip",
                            description="Write the autograder zip Gradescope expects: "
                            "setup.sh, run_autograder, this package's wheel and its pinned "
                            "dependencies, grading with the choices below (docs/gradescope.md).")
    bundle.add_argument("out_zip", metavar="OUT.zip", help="the zip to write")
    bundle.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
    _lang(bundle)
    bundle.add_argument("--timeout", type=positive_seconds, default=None,
                        help="seconds each call of a student function may take")
    _visibility(bundle, "on Gradescope")
    bundle.add_argument("--wheel", default=None, metavar="FILE",
                        help="bundle this conv_lab wheel instead of building one")
    bundle.set_defaults(run=_verb("autograder.platforms.gradescope", "main_bundle"))

    gs_run = sub.add_parser("gradescope-run", help="in Gradescope's container: grade "
                            "ROOT/submission into ROOT/results/results.json (run_autograder "
                            "calls it)")
    gs_run.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    gs_run.add_argument("--config", default=None, help="the bundle's choices (default: "
                        "ROOT/source/conv_lab_gradescope.json)")
    gs_run.set_defaults(run=_verb("autograder.platforms.gradescope", "main_run"))

    gs_check = sub.add_parser("gradescope-check", help="in Gradescope's container: the "
                              "bundle's config reads and the grader imports (setup.sh calls it)")
    gs_check.add_argument("--config", required=True)
    gs_check.set_defaults(run=_verb("autograder.platforms.gradescope", "main_check"))

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
    export.set_defaults(run=_verb("autograder.platforms.lms", "main_export"))
    return parser


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What argparse alone cannot check, as usage errors (exit 2) before anything runs."""
    if args.command != "grade":
        return
    if args.gradescope and len(args.paths) != 1:
        parser.error(f"--gradescope grades exactly one submission, got {len(args.paths)} paths")
    if args.item:
        unknown = [name for name in args.item if name not in {it.name for it in rubric.ITEMS}]
        if unknown:
            parser.error(f"--item: no rubric item named {unknown[0]!r} (see the README's "
                         "rubric table for the names)")
    from .commands.grade import report_settings
    from .reports.late import LatePolicyError

    try:  # a bad late rule stops before grading
        args.settings = report_settings(args)
    except LatePolicyError as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    _checked(parser, args)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
