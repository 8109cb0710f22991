"""The ``autograder`` command: one argparse tree for every verb; each verb's ``main(args)``
does the work, this module only parses and checks what argparse cannot (``_checked``):

- ``grade``, ``demo``: :mod:`autograder.commands.grade`
- ``history``, ``replay``: :mod:`autograder.commands.history`; ``check``:
  :mod:`autograder.commands.check`
- ``report``: :mod:`autograder.classreport.command`
- ``gradescope-*``, ``export``: :mod:`autograder.platforms`
- ``course``: the nbgrader side's own subtree, :mod:`autograder.course.cli`

What users read (``--help``) is ``DESCRIPTION``, each subcommand's description and its
examples; it names no module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import rubric
from .i18n import DEFAULT_LANG, LANGS
from .options import SANDBOXES

DESCRIPTION = """\
Grade the conv-lab exercises (students' .py files and notebooks) in a sandbox, with
feedback in Korean and English for each student and reports for the instructor.

  autograder demo                       try it: grade the bundled example class
  autograder grade PATH... --out DIR    grade submissions; reports in DIR
  autograder check FILE                 the public checks on one student's file
  autograder export DIR --roster R ...  grades into a Canvas or Moodle import file
  autograder course release|grade ...   the same through nbgrader

Each command's options and examples: autograder COMMAND --help. The guides: README.md
and docs/ (nbgrader.md, lms.md, gradescope.md, cluster.md).
"""

PATH_RULES = """\
what a PATH means:
  file.py / file.ipynb      one submission, named after the file
  folder with part files    one student's submission (conv_layers.py or a part notebook
                            such as 03_convolution.ipynb directly inside), named after it
  any other folder          a class: each .py/.ipynb in it and each subfolder is one
                            submission (nbgrader's submitted/<student>/<assignment>/ works)
  A PATH that does not exist, or a file other than .py/.ipynb, stops the command
  before anything is graded; other files in a class folder are skipped and named once.
  Same names get -2, -3... and a note; an unreadable submission still gets a record
  (score 0 and the reason); so do dot-named .py/.ipynb files and symbolic links (links
  are never followed, except a PATH given here). Reports: DIR/grades.csv,
  DIR/<student>/results.json (Gradescope format), DIR/<student>/feedback.html, and
  the class report DIR/class.html (numbers in DIR/class.json).

examples:
  autograder grade submissions/ --out reports/
  autograder grade submissions/ --out reports/ --seed 2027 --workers 4 --timeout 10
  autograder grade submissions/ --out reports/ --student alice --force
        regrade alice in place: grades.csv and the class report still cover the class
  autograder grade submissions/ --out reports/ --items my_items.py
        count your own pytest items too (README: "Add an item")
  autograder grade submissions/ --out reports/ --due 2026-12-01T23:59+09:00
        with the late rule (docs/lms.md)
  autograder grade /autograder/submission --gradescope --out /autograder/results
"""


def examples(*lines: str) -> str:
    """An epilog listing example command lines (a line starting with two more spaces
    explains the one above it)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


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
                           description="Grade submissions in a sandbox and write the "
                           "reports into DIR: grades.csv, each student's feedback.html and "
                           "results.json, and the class report. The same command again "
                           "grades only what changed.",
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
    grade.add_argument("--items", default=None, metavar="FILE",
                       help="also grade the pytest tests marked @pytest.mark.points(N) in "
                       "FILE (README: 'Add an item'); they count in every report")
    grade.add_argument("--student", action="append", default=None, metavar="NAME",
                       help="grade only this student of the PATHs (repeat for more); "
                       "grades.csv and the class report still cover every submission")
    grade.add_argument("--replace-class", action="store_true",
                       help="let single files given as PATHs replace the class that DIR "
                       "reports (without it, that is refused: use --student instead)")
    grade.add_argument("--force", action="store_true",
                       help="grade everything again (with --student: those students), "
                       "even what the store already holds")
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


def _parser(sub: argparse._SubParsersAction, name: str, help: str, description: str,
            *example_lines: str) -> argparse.ArgumentParser:
    """A subcommand with its help line, its description and examples below its options."""
    return sub.add_parser(name, help=help, description=description,
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog=examples(*example_lines) if example_lines else None)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``autograder`` command line."""
    from .course.cli import add_course_commands  # imports no nbgrader until a verb runs

    parser = argparse.ArgumentParser(prog="autograder", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_grade(sub)

    from .classreport.stats import DEFAULT_AT_RISK

    report = _parser(sub, "report", "write the class report (class.html, class.json) again",
                     "Write OUT/class.html and OUT/class.json again from what OUT's store "
                     "holds (autograder grade writes them at the end of every run); the "
                     "submissions' PATHs, as given to autograder grade, add the "
                     "identical-code signal.",
                     "autograder report reports/",
                     "autograder report reports/ submissions/ --at-risk 60")
    report.add_argument("out", metavar="OUT", help="the folder `autograder grade --out` wrote")
    report.add_argument("paths", nargs="*", metavar="PATH",
                        help="the submissions, to compare their code (optional)")
    report.add_argument("--at-risk", type=percentage, default=DEFAULT_AT_RISK, metavar="PCT",
                        help=f"list students below this percentage (default {DEFAULT_AT_RISK:g})")
    report.set_defaults(run=_verb("autograder.classreport.command", "main_report"))

    history = _parser(sub, "history", "the runs that graded into DIR, as a table",
                      "Every run of autograder grade into DIR: when, how long, what it "
                      "graded or found cached, its seed, rubric, grader version, sandbox, "
                      "host and arguments.",
                      "autograder history reports/")
    history.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    history.set_defaults(run=_verb("autograder.commands.history", "main_history"))

    replay = _parser(sub, "replay", "grade a stored submission again and compare",
                     "For a regrade dispute: grade STUDENT's stored submission again with "
                     "its stored seed and options, and say per item whether the result is "
                     "identical (exit 0 iff all are).",
                     "autograder replay reports/ alice",
                     "autograder replay reports/ alice --item 'conv2d: bias'")
    replay.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    replay.add_argument("student", metavar="STUDENT", help="the student's name in grades.csv")
    replay.add_argument("--item", default=None, metavar="NAME",
                        help="replay only this rubric item")
    replay.set_defaults(run=_verb("autograder.commands.history", "main_replay"))

    check = _parser(sub, "check", "run the public checks on one student's file",
                    "The self-checks students run (selfcheck.py), run on FILE in the "
                    "grader's sandbox: PASS, FAIL or WAIT per function. Exit 0 iff all pass.",
                    "autograder check conv_layers.py",
                    "autograder check 03_convolution.ipynb --lang en")
    check.add_argument("file", metavar="FILE", help="your .py or .ipynb file")
    check.add_argument("--timeout", type=positive_seconds, default=None,
                       help="seconds each call of a function may take")
    _lang(check)
    check.set_defaults(run=_verb("autograder.commands.check", "main_check"))

    demo = _parser(sub, "demo", "grade the bundled example class",
                   "Grade the bundled example class (29 submissions: correct ones, classic "
                   "mistakes, broken uploads, hostile code), print who got what and why, and "
                   "keep the class and its reports in a folder named at the end: open its "
                   "class report and a student's feedback. With --class DIR, only write the "
                   "example class into DIR, to try the other commands on.",
                   "autograder demo",
                   "autograder demo --out demo/          the class in demo/class, reports "
                   "in demo/reports",
                   "autograder demo --class example-class/",
                   "  then: autograder grade example-class/ --out example-reports/")
    demo.add_argument("--out", default=None, metavar="DIR",
                      help="the demo's folder: the class in DIR/class, the reports in "
                      "DIR/reports (default: a new folder in the temporary folder)")
    demo.add_argument("--class", dest="class_dir", default=None, metavar="DIR",
                      help="write the example class into DIR (one .py per student) and stop")
    _grading(demo)
    demo.set_defaults(run=_verb("autograder.commands.grade", "main_demo"))

    course = _parser(sub, "course", "the nbgrader cycle (needs the nbgrader extra)",
                     "The nbgrader cycle, through nbgrader's own Python API, with the "
                     "sandboxed second opinion and the audit; the plain nbgrader commands are "
                     "in docs/nbgrader.md.",
                     "autograder course release --course assignments --exchange "
                     "/srv/nbgrader/exchange",
                     "autograder course grade --course assignments --exchange "
                     "/srv/nbgrader/exchange --sandboxed",
                     "autograder course COMMAND --help")
    add_course_commands(course)

    bundle = _parser(sub, "gradescope-bundle", "write Gradescope's autograder zip",
                     "Write the autograder zip Gradescope expects: setup.sh, run_autograder, "
                     "this package's wheel and its pinned dependencies, grading with the "
                     "choices below (docs/gradescope.md).",
                     "autograder gradescope-bundle autograder.zip --seed 2027",
                     "autograder gradescope-bundle autograder.zip --lang ko "
                     "--expected-visibility after_due_date")
    bundle.add_argument("out_zip", metavar="OUT.zip", help="the zip to write")
    bundle.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
    _lang(bundle)
    bundle.add_argument("--timeout", type=positive_seconds, default=None,
                        help="seconds each call of a student function may take")
    _visibility(bundle, "on Gradescope")
    bundle.add_argument("--wheel", default=None, metavar="FILE",
                        help="bundle this conv_lab wheel instead of building one")
    bundle.set_defaults(run=_verb("autograder.platforms.gradescope", "main_bundle"))

    gs_run = _parser(sub, "gradescope-run", "in Gradescope's container: grade "
                     "ROOT/submission into ROOT/results/results.json (run_autograder calls it)",
                     "What the bundle's run_autograder runs in Gradescope's container: grade "
                     "ROOT/submission with the bundle's choices into ROOT/results.",
                     "autograder gradescope-run --root /autograder")
    gs_run.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    gs_run.add_argument("--config", default=None, help="the bundle's choices (default: "
                        "ROOT/source/conv_lab_gradescope.json)")
    gs_run.set_defaults(run=_verb("autograder.platforms.gradescope", "main_run"))

    gs_check = _parser(sub, "gradescope-check", "in Gradescope's container: the bundle's "
                       "config reads and the grader imports (setup.sh calls it)",
                       "What the bundle's setup.sh runs while Gradescope builds the image: "
                       "the bundle's choices can be read and the grader imports.",
                       "autograder gradescope-check --config "
                       "/autograder/source/conv_lab_gradescope.json")
    gs_check.add_argument("--config", required=True)
    gs_check.set_defaults(run=_verb("autograder.platforms.gradescope", "main_check"))

    export = _parser(sub, "export", "write the LMS gradebook import file",
                     "Match OUT's grades to the roster the LMS exported and write its import "
                     "file (docs/lms.md). Every roster row is kept; ungraded students get an "
                     "empty cell; graded names that match no row are listed (exit 1): map "
                     "them with --map.",
                     "autograder export reports/ --roster gradebook.csv --to canvas "
                     "--column 'conv-lab (5521)' --file canvas-import.csv",
                     "autograder export reports/ --roster moodle-grades.csv --to moodle "
                     "--file moodle-import.csv --map names.csv",
                     "  names.csv: graded name,roster key (login, SIS id, email or ID)")
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
    export.add_argument("--map", default=None, metavar="CSV",
                        help="graded name,roster key per line, for names that differ from "
                        "the roster (the key: a login, SIS id, email or Canvas ID)")
    export.set_defaults(run=_verb("autograder.platforms.lms", "main_export"))
    return parser


def usage_error(command: str, message: str) -> SystemExit:
    """One line on stderr, ``autograder COMMAND: error: MESSAGE``; raise what it returns
    (exit 2), as argparse does for what it checks itself."""
    from .names import printable

    print(f"autograder {command}: error: {printable(message)}", file=sys.stderr)
    return SystemExit(2)


def _checked(args: argparse.Namespace) -> None:
    """What argparse alone cannot check, as usage errors (exit 2, one line) before anything
    runs: for ``grade``, the options, the late rule, the extra items and every PATH."""
    if args.command != "grade":
        return
    if args.gradescope and len(args.paths) != 1:
        raise usage_error("grade", "--gradescope grades exactly one submission, got "
                          f"{len(args.paths)} paths")
    if args.item:
        unknown = [name for name in args.item if name not in {it.name for it in rubric.ITEMS}]
        if unknown:
            raise usage_error("grade", f"--item: no rubric item named {unknown[0]!r} (see the "
                              "README's rubric table for the names)")
    if args.student and args.gradescope:
        raise usage_error("grade", "--student picks students of a class; --gradescope grades "
                          "one submission")
    if args.items and args.scheduler:
        raise usage_error("grade", "--items is not sent to cluster workers; grade with local "
                          "workers (leave out --scheduler)")
    from .commands.grade import report_settings
    from .reports.late import LatePolicyError

    try:  # a bad late rule stops before grading
        args.settings = report_settings(args)
    except LatePolicyError as exc:
        raise usage_error("grade", str(exc)) from None
    args.extra_items = None
    if args.items:
        from .extra_items import ExtraItemsError, load_extra_items

        try:
            args.extra_items = load_extra_items(args.items)
        except ExtraItemsError as exc:
            raise usage_error("grade", str(exc)) from None
    if not args.gradescope:  # Gradescope's one folder gets its record whatever it holds
        from .grading import path_problem

        for path in args.paths:
            problem = path_problem(path)
            if problem:
                raise usage_error("grade", problem)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    _checked(args)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
