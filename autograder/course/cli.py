"""``autograder course ...`` (also ``python -m autograder.course ...``): the nbgrader cycle.

    cycle        a dry run in one process: generate, release, simulated students fetch
                 and submit (--students), collect, autograde, feedback, export; or
                 the same from an LMS download (--lms). In a term: release, then grade
    release      generate_assignment + release_assignment
    grade        after the deadline: collect (or zip_collect an LMS download), autograde,
                 feedback, export
    zip-collect  LMS download -> submitted/
    export       gradebook -> grades.csv
    snapshot     right after nbgrader collect: a checksummed copy of submitted/
    audit        after nbgrader autograde: grade the snapshot (else submitted/) in the
                 sandbox, compare, check submitted/ against the snapshot, write the
                 sandboxed scores

Each subcommand takes only the options it uses. This module imports nothing from nbgrader
until a subcommand runs, so ``autograder``'s parser can include these subcommands and
``autograder course`` without the nbgrader extra says what to install. The same steps as
plain ``nbgrader`` commands: docs/nbgrader.md.

Quiet unless something is wrong: nbgrader's log, library warnings and the student kernels'
own output reach the terminal only with ``--verbose``. ``--seed`` (or ``grading.seed`` in
the course's ``conv-lab.toml``) is the term's seed, for the hidden tests in the kernels and
the sandboxed grading alike.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..i18n import LANG_ENV, LANGS
from ..names import printable
from . import DEFAULT_ASSIGNMENT, SEED_ENV, VERBOSE_ENV

#: top-level modules of the ``nbgrader`` extra (and what nbgrader itself pulls in) whose
#: absence means "install the extra", not a bug in this package
EXTRA_MODULES = frozenset({"nbgrader", "nbformat", "nbclient", "nbconvert", "traitlets",
                           "jupyter_client", "jupyter_core", "ipykernel", "sqlalchemy",
                           "alembic"})

INSTALL_HINT = "pip install 'conv-lab[nbgrader]'"


# ---------------------------------------------------------------------------- options

def _positive_int(text: str) -> int:
    """argparse type: a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def _course_options(p: argparse.ArgumentParser, assignment: bool = True,
                    work: bool = True) -> None:
    p.add_argument("--course", default="assignments",
                   help="course directory with nbgrader_config.py and source/ "
                        "(default: assignments)")
    if assignment:
        p.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                       help=f"default: {DEFAULT_ASSIGNMENT}")
    p.add_argument("--course-id", default=None, help="exchange course name")
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="language of the feedback (score() in the notebooks' graded cells "
                        "and the reports): ko, en or ko+en (default: $CONVLAB_LANG, else "
                        "conv-lab.toml, else ko+en)")
    if work:
        p.add_argument("--work", default=None, metavar="DIR",
                       help="run in this fresh directory (a copy of the course's config and "
                            "source/) instead of in the course directory itself")
    p.add_argument("--verbose", action="store_true",
                   help="show nbgrader's log, library warnings and the student kernels' own "
                        "output (default: only what needs attention)")


def _seed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=None,
                   help="the term's seed for the hidden tests' cases, in the kernels and the "
                        "sandboxed grading alike (default: $CONVLAB_SEED, else grading.seed "
                        "in the course's conv-lab.toml, else 0)")


def _exchange_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exchange", default=None, metavar="DIR",
                   help="root of nbgrader's filesystem exchange")


def _grades_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--grades", default="grades.csv", metavar="CSV",
                   help="where to export grades.csv (default: ./grades.csv)")


def _sandboxed_options(p: argparse.ArgumentParser, switch: bool = True) -> None:
    if switch:
        p.add_argument("--sandboxed", action="store_true",
                       help="also grade submitted/ with the sandboxed autograder, audit "
                            "in-kernel vs sandboxed scores, and put the sandboxed scores in "
                            "the gradebook (so feedback and grades.csv show them)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="sandboxed grading processes (default: one per core)")
    p.add_argument("--reports", default=None, metavar="DIR",
                   help="also write autograder grade's reports (grades.csv, "
                        "<student>/feedback.html, results.json) here")


def _autograde_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_positive_int, default=None,
                   help="seconds each cell may run during autograde")
    _grades_option(p)
    p.add_argument("--no-feedback", action="store_true",
                   help="skip generate_feedback and release_feedback")
    _sandboxed_options(p)
    p.add_argument("--lms", default=None, metavar="DIR",
                   help="a folder of LMS-downloaded notebooks (Canvas names) to zip_collect "
                        "instead of collecting from the exchange")


def add_course_commands(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` (``autograder course``, or ``python -m autograder.course``) its
    subcommands, each with its own options and a ``run(args) -> exit code`` default."""
    sub = parser.add_subparsers(dest="course_command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int],
                help: str, *examples: str) -> argparse.ArgumentParser:
        epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
        p = sub.add_parser(name, help=help, description=help, epilog=epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(run=functools.partial(_dispatch, p, handler))
        return p

    exchange = "--exchange /srv/nbgrader/exchange"
    p = command("cycle", _cmd_cycle, "a dry run of the whole cycle: generate, release, "
                                     "simulated students fetch and submit (--students), "
                                     "collect, autograde, feedback, export; or the same from "
                                     "an LMS download (--lms). In a term run release now and "
                                     "grade after the deadline",
                "autograder course cycle --course assignments --work dry-run "
                "--exchange dry-run/exchange --students alice,bob --grades dry-run/grades.csv",
                "autograder course cycle --course assignments --work dry-run "
                "--lms ~/Downloads/submissions")
    _course_options(p)
    _exchange_option(p)
    _autograde_options(p)
    _seed_option(p)
    p.add_argument("--students", default="",
                   help="comma-separated ids of simulated students who submit the released "
                        "notebooks untouched through the exchange")

    p = command("release", _cmd_release, "generate_assignment + release_assignment",
                f"autograder course release --course assignments {exchange}")
    _course_options(p)
    _exchange_option(p)

    p = command("grade", _cmd_grade, "after the deadline: collect (from --exchange, or "
                                     "--lms DIR), autograde, feedback, export; without "
                                     "either, grade what is in submitted/",
                f"autograder course grade --course assignments {exchange} --sandboxed "
                "--grades grades.csv",
                f"autograder course grade --course assignments {exchange} --sandboxed "
                "--seed 2027",
                "autograder course grade --course assignments --lms ~/Downloads/submissions "
                "--sandboxed")
    _course_options(p)
    _exchange_option(p)
    _autograde_options(p)
    _seed_option(p)

    p = command("zip-collect", _cmd_zip_collect, "LMS download -> submitted/",
                "autograder course zip-collect --course assignments ~/Downloads/submissions")
    _course_options(p)
    p.add_argument("downloads", help="folder of downloaded notebooks / zip files")

    p = command("export", _cmd_export, "gradebook -> grades.csv",
                "autograder course export --course assignments --grades grades.csv")
    _course_options(p, assignment=False, work=False)
    _grades_option(p)

    p = command("snapshot", _cmd_snapshot, "right after nbgrader collect: a checksummed copy "
                                           "of submitted/ for audit to grade and verify",
                "autograder course snapshot --course assignments")
    _course_options(p, work=False)

    p = command("audit", _cmd_audit, "after nbgrader autograde: grade the snapshot (else "
                                     "submitted/) in the sandbox, compare, say which locked "
                                     "cells were changed, write the sandboxed scores",
                "autograder course audit --course assignments --workers 2",
                "autograder course audit --course assignments --no-write --reports "
                "audit-reports/")
    _course_options(p, work=False)
    _sandboxed_options(p, switch=False)
    _seed_option(p)
    p.add_argument("--no-write", action="store_true",
                   help="only compare; leave the gradebook as nbgrader wrote it")


#: what to run in a real term, for the messages that refuse a command
TERM_HINT = ("in a real term run `autograder course release --exchange DIR` now and "
             "`autograder course grade --exchange DIR` after the deadline")


def usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with a combination of options argparse alone accepts, or None."""
    command = args.course_command
    if command == "cycle" and args.lms is None and args.exchange is None:
        return "cycle needs --exchange DIR (or --lms DIR for an LMS download)"
    if command == "cycle" and args.lms is None and not args.students:
        # release and collect in one process: nobody can submit in between
        return ("cycle is a dry run: nobody can submit between its release and its collect "
                "unless --students a,b (simulated students) or --lms DIR (an LMS download) "
                f"is given; {TERM_HINT}")
    if command == "cycle" and args.lms is not None and args.students:
        return "--students submit through the exchange; they do not go with --lms"
    if command in ("cycle", "grade") and args.reports is not None and not args.sandboxed:
        return "--reports DIR needs --sandboxed (the reports are the sandboxed grader's)"
    return None


# ---------------------------------------------------------------------------- folders

#: subcommands that read the course's nbgrader_config.py (snapshot reads submitted/ only)
NEEDS_CONFIG = frozenset({"cycle", "release", "grade", "zip-collect", "export", "audit"})
#: subcommands that start from source/<assignment>/
NEEDS_SOURCE = frozenset({"cycle", "release", "grade", "zip-collect"})


def course_problem(args: argparse.Namespace) -> str | None:
    """What the folders the command needs lack (course, assignment, exchange, LMS download,
    submissions), as one line saying what was expected, what was found and what to do; or
    None. Checked before any nbgrader step runs, so these never end in a traceback."""
    command = args.course_command
    course = Path(args.course)
    if not course.is_dir():
        return f"--course {course}: no such folder (expected an nbgrader course folder " \
               "such as assignments/, with nbgrader_config.py and source/)"
    if command in NEEDS_CONFIG and not (course / "nbgrader_config.py").is_file():
        return (f"--course {course}: no nbgrader_config.py there (expected an nbgrader "
                "course folder such as assignments/; run from the repository root or give "
                "--course the folder that holds nbgrader_config.py)")
    assignment = getattr(args, "assignment", None)
    if command in NEEDS_SOURCE and not (course / "source" / assignment).is_dir():
        return _missing_assignment(course, "source", assignment)
    problem = _exchange_problem(args)
    if problem:
        return problem
    lms = getattr(args, "lms", None) or getattr(args, "downloads", None)
    if lms is not None and not Path(lms).is_dir():
        return (f"{lms}: no such folder (expected the LMS download, unzipped or with its "
                ".zip files, e.g. Canvas's Download Submissions)")
    if command in ("snapshot", "audit") and not _submitted(course, assignment):
        return (f"nothing submitted: {course / 'submitted'} holds no <student>/{assignment}/ "
                f"folder (run `nbgrader collect {assignment}` first, from {course})")
    if command == "audit" and not any((course / "autograded").glob(f"*/{assignment}")):
        return (f"nothing autograded: {course / 'autograded'} holds no <student>/"
                f"{assignment}/ folder (run `nbgrader autograde {assignment}` first)")
    return None


def _missing_assignment(course: Path, where: str, assignment: str) -> str:
    found = sorted(p.name for p in (course / where).glob("*") if p.is_dir())
    return (f"--assignment {assignment}: no {course / where / assignment} (assignments "
            f"there: {', '.join(found) or 'none'})")


def _submitted(course: Path, assignment: str) -> bool:
    return any(p.is_dir() for p in (course / "submitted").glob(f"*/{assignment}"))


def _exchange_problem(args: argparse.Namespace) -> str | None:
    """--exchange must be a folder this user can write (release puts the assignment there,
    collect and release_feedback work in it); release and cycle may create it."""
    exchange = getattr(args, "exchange", None)
    if exchange is None:
        return None
    where = Path(exchange).expanduser()
    if where.exists() and not where.is_dir():
        return f"--exchange {exchange}: not a folder"
    if not where.exists():
        if args.course_command == "grade":
            return (f"--exchange {exchange}: no such folder, so nothing was released or "
                    "submitted there (give the exchange `autograder course release` used)")
        parent = next(p for p in where.parents if p.exists())
        if not os.access(parent, os.W_OK | os.X_OK):
            return (f"--exchange {exchange}: no such folder, and {parent} is not writable "
                    "by this user to create it (create it writable for the instructor and "
                    "the students, e.g. `sudo install -d -m 1777 " + exchange + "`)")
        return None
    if not os.access(where, os.W_OK | os.X_OK):
        return (f"--exchange {exchange}: not writable by this user (nbgrader's exchange "
                "must be writable for the instructor and the students, e.g. mode 1777)")
    return None


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The message for a module of the nbgrader extra that is not installed, or None if
    ``exc`` is about some other module (a bug to report, not an extra to install)."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRA_MODULES:
        return None
    return (f"autograder course needs the nbgrader extra (module {top!r} is not installed); "
            f"install it with {INSTALL_HINT}")


def _absent_extra() -> str | None:
    """The missing-extra message if a module of the extra is not installed at all, found
    without importing any (importing nbgrader takes seconds)."""
    for name in sorted(EXTRA_MODULES):
        if importlib.util.find_spec(name) is None:
            return missing_extra(ModuleNotFoundError(name=name))
    return None


def _dispatch(parser: argparse.ArgumentParser,
              handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Usage errors (exit 2), then the missing extra (exit 2), then folders the command
    needs and does not find (exit 2, one line), then the command; nothing submitted exits
    2, an nbgrader step failing for the whole class exits 1."""
    problem = usage_problem(args)
    if problem:
        parser.error(problem)
    if getattr(args, "lang", None):  # read by score() in the kernels nbgrader starts
        os.environ[LANG_ENV] = args.lang
    if getattr(args, "seed", None) is not None:  # score() in the kernels, and the sandbox
        os.environ[SEED_ENV] = str(args.seed)
    if args.verbose:  # the kernels' own output (autograder.course.kernel)
        os.environ[VERBOSE_ENV] = "1"
    absent = _absent_extra()
    if absent:
        print(absent, file=sys.stderr)
        return 2
    problem = course_problem(args)  # before importing nbgrader: says so at once
    if problem:
        print(f"error: {printable(problem)}", file=sys.stderr)
        return 2
    try:
        from .steps import CycleError
    except ModuleNotFoundError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2
    from .cycle import CycleInterrupted
    from .steps import NothingSubmitted

    try:
        with warnings.catch_warnings():
            if not args.verbose:  # e.g. SQLAlchemy's SAWarnings from nbgrader's gradebook
                warnings.simplefilter("ignore")
            return handler(args)
    except CycleInterrupted as exc:
        print(exc)
        return 130
    except NothingSubmitted as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    except CycleError as exc:
        print(exc, file=sys.stderr)
        return 1


# ---------------------------------------------------------------------------- commands

def _config(args: argparse.Namespace) -> Any:
    """The nbgrader Config for the options ``args`` has (``--work`` copies the course)."""
    from .config import course_config, prepare_workdir

    course_dir = Path(args.course)
    if getattr(args, "work", None):
        course_dir = prepare_workdir(course_dir, args.work)
    return course_config(course_dir, exchange=getattr(args, "exchange", None),
                         course_id=args.course_id, timeout=getattr(args, "timeout", None))


def _cmd_cycle(args: argparse.Namespace) -> int:
    from .cycle import cycle

    students = {s: None for s in args.students.split(",") if s}
    result = cycle(_config(args), args.assignment, students, downloads=args.lms,
                   grades_csv=args.grades, feedback=not args.no_feedback,
                   sandboxed=args.sandboxed, workers=args.workers, reports=args.reports)
    return _print_result(args, result)


def _cmd_release(args: argparse.Namespace) -> int:
    from .steps import generate, release

    cfg = _config(args)
    generate(cfg, args.assignment)
    release(cfg, args.assignment)
    print(f"released {args.assignment} to {cfg.Exchange.root}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from .cycle import grade_submitted
    from .steps import collect, zip_collect

    cfg = _config(args)
    skipped = []
    after = "nothing (neither --exchange nor --lms was given)"
    if args.lms is not None:
        skipped = zip_collect(cfg, args.assignment, args.lms)
        after = f"zip_collect of {args.lms}"
    elif args.exchange is not None:
        collect(cfg, args.assignment)
        after = f"collect from {args.exchange}"
    result = grade_submitted(cfg, args.assignment, args.grades, feedback=not args.no_feedback,
                             sandboxed=args.sandboxed, workers=args.workers,
                             release=args.exchange is not None, reports=args.reports,
                             after=after)
    if skipped:
        result.problems["(LMS download)"] = skipped
    status = _print_result(args, result)
    from .unzip import refused_lines

    return 2 if refused_lines(skipped) and status == 0 else status


def _cmd_zip_collect(args: argparse.Namespace) -> int:
    from .steps import submitted_students, zip_collect
    from .unzip import refused_lines

    cfg = _config(args)
    warnings = zip_collect(cfg, args.assignment, args.downloads)
    for warning in warnings:
        print(printable(warning))
    print("\n".join(map(printable, submitted_students(cfg.CourseDirectory.root,
                                                      args.assignment))))
    return 2 if refused_lines(warnings) else 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .steps import export

    print(export(_config(args), args.grades))
    return 0


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .snapshot import snapshot_dir, take_snapshot

    course_dir = Path(args.course)
    snap = take_snapshot(course_dir / "submitted", args.assignment,
                         snapshot_dir(course_dir, args.assignment))
    print(f"snapshot of {len(snap.files)} submission(s) in {snap.root}")
    for student, names in sorted(snap.symlinks.items()):
        print(printable(f"  {student}: symlinks not copied: {', '.join(names)}"))
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit_table, changed_cells, changed_cells_text
    from .cycle import second_opinion
    from .snapshot import changed_since, load_snapshot, snapshot_dir
    from .steps import submitted_students

    course_dir = Path(args.course)
    where = snapshot_dir(course_dir, args.assignment)
    snap, tampered = None, {}
    if where.is_dir():
        snap = load_snapshot(where)
        tampered = changed_since(snap, course_dir / "submitted", args.assignment)
        folders = {s: snap.folder(s) for s in snap.files}
    else:
        print(f"no snapshot in {where}: grading submitted/ as it is now (run `autograder "
              "course snapshot` right after collect, before autograde)")
        folders = {s: course_dir / "submitted" / s / args.assignment
                   for s in submitted_students(course_dir, args.assignment)}
    cfg = _config(args)
    _, rows = second_opinion(cfg, args.assignment, args.workers, args.reports,
                             write=not args.no_write, snapshot=snap)
    print(printable(audit_table(rows), multiline=True))
    changed = changed_cells(course_dir, args.assignment, folders, cfg.CourseDirectory.course_id)
    print(printable(changed_cells_text(changed, len(folders)), multiline=True))
    _print_tampered(tampered)
    return 2 if tampered or any(row.flagged for row in rows) else 0


def _print_tampered(tampered: dict[str, list[str]]) -> None:
    for student, notes in sorted(tampered.items()):
        print(printable(f"CHANGED {student}: submitted/ differs from the snapshot taken "
                        f"before autograde ({'; '.join(notes)}); graded from the snapshot"))


def _print_result(args: argparse.Namespace, result: Any) -> int:
    """Who was graded, each problem, the locked cells changed, and with --sandboxed the
    audit (exit 2 if flagged)."""
    from .audit import audit_table, changed_cells_text

    print(f"graded {len(result.students)} submission(s) of {args.assignment}; "
          f"grades: {result.grades_csv}")
    for student, reasons in sorted(result.problems.items()):
        for reason in reasons:
            print(printable(f"  {student}: {reason}"))
    print(printable(changed_cells_text(result.changed, len(result.students)), multiline=True))
    _print_tampered(result.tampered)
    if args.sandboxed:
        print(printable(audit_table(result.audit), multiline=True))
        return 2 if result.tampered or any(row.flagged for row in result.audit) else 0
    return 2 if result.tampered else 0


# ---------------------------------------------------------------------------- main

def build_parser(prog: str = "python -m autograder.course") -> argparse.ArgumentParser:
    """The course subcommands as a parser of their own (``python -m autograder.course``)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_course_commands(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autograder.course COMMAND ...``; returns the exit code."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    return args.run(args)
