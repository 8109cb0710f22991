"""The autograder command: grade a class, check your own file, or watch a demo.

    autograder grade PATH... --out DIR [--workers N] [--timeout S] [--budget S] [--seed N]
                     [--item NAME]... [--force] [--rebuild]
        Grade submissions (files, student folders or class folders; see
        ``autograder.grading``) and write DIR/grades.csv and, per student,
        DIR/<student>/results.json (Gradescope) and DIR/<student>/feedback.html.
        Every record is kept in DIR/grading.sqlite the moment it is graded; the same
        command again grades only what changed (``autograder.incremental``).
        With --scheduler tcp://HOST:8786 each submission is graded on that Dask
        cluster instead (``autograder.cluster``; docs/cluster.md).
    autograder grade /autograder/submission --gradescope --out /autograder/results
        On Gradescope: one submission, results.json straight into DIR.
    autograder report DIR [PATH...] [--at-risk 50]
        Write DIR/class.html and DIR/class.json: what the class got wrong, for the
        instructor (``autograder grade`` writes them too; ``autograder.classreport``).
    autograder history DIR
        The runs that graded into DIR, as a table.
    autograder replay DIR STUDENT [--item NAME]
        Grade a stored submission again with its stored seed; say per item whether the
        result is identical, and show any difference.
    autograder check FILE
        For students: run the public checks on your file. Exit code 0 iff all pass.
    autograder demo [--out DIR]
        Grade the bundled example class and print who got what, and why.
    autograder gradescope-bundle OUT.zip | export OUT --roster R --to canvas|moodle|csv
        Gradescope's autograder zip; the LMS gradebook import (``autograder.platform_cli``).
    autograder course cycle|release|grade|zip-collect|export|audit ...
        The nbgrader cycle (``autograder.course``, needs the nbgrader extra);
        ``autograder course --help``.
"""

from __future__ import annotations

import argparse
import builtins
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import rubric
from .course.cli import add_course_commands  # imports no nbgrader until a subcommand runs
from .feedback import points_text, sandbox_text
from .i18n import DEFAULT_LANG, LANGS, _, render_all
from .names import printable
from .platform_cli import (
    add_grade_rule_options,
    add_platform_commands,
    apply_grade_rules,
    check_grade_rules,
)
from .results import GradeRecord

if TYPE_CHECKING:
    from .incremental import StoreRun

# --------------------------------------------------------------------------- progress


class ProgressBar:
    """``[#####.....] 12/40  alice 87/100  eta 1m05s`` on stderr, plain text.

    On a terminal the line redraws itself; otherwise (a log file, CI) one line per submission.
    """

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24) -> None:
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.redraw = getattr(self.stream, "isatty", lambda: False)()
        self.base: int | None = None  # done before the first call (cached ones)

    def __call__(self, done: int, total: int, record: GradeRecord) -> None:
        filled = round(self.width * done / max(total, 1))
        elapsed = time.monotonic() - self.start
        if self.base is None:
            self.base = done - 1
        graded = done - self.base
        eta = elapsed / graded * (total - done) if graded else 0.0
        cached = f" ({self.base} cached)" if self.base else ""
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}{cached}  "
                f"{printable(record.student)} "
                f"{points_text(record.score)}/{points_text(record.max_score)}"
                f"  eta {_duration(eta)}")
        if self.redraw:
            end = "\n" if done == total else ""
            self.stream.write("\r" + line.ljust(79) + end)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


# --------------------------------------------------------------------------- grade


def grade_paths(
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    workers: int | None = None,
    seed: int = 0,
    call_timeout: float | None = None,
    sandbox: str = "auto",
    items: Sequence[str] | None = None,
    force: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    gradescope: bool = False,
    per_student_cases: bool = False,
    budget: float | None = None,
    argv: Sequence[str] = (),
    err: TextIO | None = None,
    max_file_mb: float | None = None,
    max_total_mb: float | None = None,
    lang: str = DEFAULT_LANG,
    scheduler: str | None = None,
    allow_rlimit: bool = False,
) -> StoreRun:
    """Find, grade into the store in ``out`` (resuming it), and report; returns the
    :class:`autograder.incremental.StoreRun` (its records in the order found).

    ``gradescope``: the one PATH is one submission, whatever it holds, and its
    results.json and feedback.html go straight into ``out``. ``lang``: the reports'
    language, "ko", "en" or "ko+en". ``scheduler``: grade on that Dask cluster
    (``allow_rlimit``: even on workers without bubblewrap). Raises StoreError when the
    output folder is busy, damaged or full, :class:`autograder.cluster.ClusterError` when
    the cluster cannot grade.
    """
    from .grading import find_submissions
    from .incremental import grade_into_store

    err = err if err is not None else sys.stderr
    if gradescope and len(paths) != 1:
        raise ValueError(f"--gradescope grades exactly one submission, got {len(paths)} paths")
    subs, warnings = find_submissions(paths, expand=not gradescope)
    for warning in warnings:
        print(f"warning: {printable(warning)}", file=err)
    bar = ProgressBar(len(subs), err) if progress and subs else None
    extra: dict[str, Any] = {}
    if scheduler:
        from .cluster import dask_runner
        extra["runner"] = dask_runner(scheduler, allow_rlimit=allow_rlimit,
                                      announce=lambda text: print(text, file=err))
    return grade_into_store(subs, out, seed=seed, call_timeout=call_timeout, items=items,
                            sandbox=sandbox, workers=workers, force=force, rebuild=rebuild,
                            flat=gradescope, progress=bar, argv=argv,
                            per_student_cases=per_student_cases, budget=budget,
                            max_file_mb=max_file_mb, max_total_mb=max_total_mb,
                            announce=lambda text: print(printable(text), file=err), lang=lang,
                            **extra)


def _grade_summary(run: StoreRun, seconds: float) -> list[str]:
    kinds = sorted({r.sandbox for r in run.records})
    counts = f"graded {run.graded}"
    if run.cached:
        counts += f", {run.cached} cached (unchanged since they were graded)"
    if run.failed:
        counts += f", {run.failed} could not be graded"
    lines = [f"{counts}: {run.done} of {run.total} submission(s) in {_duration(seconds)}; "
             f"sandbox: {', '.join(kinds) or 'none used'}"]
    for student, problem in run.report_problems:
        lines.append(f"reports of {printable(student)} not written: {printable(problem)}")
    if run.vanished:
        shown = ", ".join(map(printable, run.vanished[:10])) + (
            " …" if len(run.vanished) > 10 else "")
        lines.append(f"{len(run.vanished)} student(s) graded earlier are not in this input "
                     f"(kept in the store, left out of grades.csv): {shown}")
    return lines


def _cmd_grade(args: argparse.Namespace) -> int:
    from .cluster import ClusterError
    from .store import StoreError

    if args.sandbox == "bubblewrap" and args.scheduler is None:
        from .sandbox import bubblewrap_status

        usable, _, why = bubblewrap_status()
        if not usable:  # refused here, or every submission would be "could not be graded"
            print(f"error: --sandbox bubblewrap, but {why} (install it: apt-get install "
                  "bubblewrap; or --sandbox auto to fall back to resource limits)",
                  file=sys.stderr)
            return 2
    start = time.monotonic()
    try:
        run = grade_paths(args.paths, args.out, workers=args.workers, seed=args.seed,
                          call_timeout=args.timeout, sandbox=args.sandbox, items=args.item,
                          force=args.force, rebuild=args.rebuild, progress=not args.quiet,
                          gradescope=args.gradescope, per_student_cases=args.per_student_cases,
                          budget=args.budget, argv=sys.argv[1:] or ["grade"],
                          max_file_mb=args.max_file_mb, max_total_mb=args.max_total_mb,
                          lang=args.lang, scheduler=args.scheduler,
                          allow_rlimit=args.allow_rlimit)
    except (StoreError, ClusterError) as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    if not run.total:
        print("no submissions found", file=sys.stderr)
        return 2
    for line in _grade_summary(run, time.monotonic() - start):
        print(line)
    if run.interrupted:
        print(f"graded {run.done} of {run.total}; run the same command again to finish")
        return 130
    apply_grade_rules(args, run.records)  # lateness, visibility (autograder.course_rules)
    print(f"wrote {Path(args.out) / 'grades.csv'} and, per student, results.json and "
          "feedback.html")
    if not args.gradescope:  # the class report (issue 13)
        from .classreport.command import after_grading
        after_grading(run.records, args.out, paths=args.paths, at_risk=args.at_risk)
    return 0


# --------------------------------------------------------------------------- history, replay


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "-"


def history_table(runs: Sequence[dict[str, Any]]) -> str:
    """The run log as a plain-text table, oldest first."""
    head = ["run", "started", "took", "status", "graded", "cached", "failed", "vanished",
            "of", "seed", "rubric", "grader", "sandbox", "host", "arguments"]
    rows = []
    for r in runs:
        took = _duration(r["ended"] - r["started"]) if r["ended"] else "-"
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


def _cmd_history(args: argparse.Namespace) -> int:
    from .store import Store, StoreError

    try:
        with Store.open(args.out, create=False) as store:
            runs = store.runs()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(history_table(runs) if runs else f"no runs logged in {args.out}")
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from .incremental import replay
    from .store import StoreError

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
            print(f"  identical  {item.name}  ({points_text(item.new_points)} points)")
        else:
            print(f"  DIFFERENT  {item.name}  (stored {points_text(item.stored_points)}, "
                  f"now {points_text(item.new_points)})")
            print("\n".join("      " + printable(line) for line in item.diff.splitlines()))
    same = sum(i.identical for i in result.items)
    print(f"{same} of {len(result.items)} item(s) identical to the stored result")
    return 0 if same == len(result.items) else 1


# --------------------------------------------------------------------------- check


def _as_builtin_error(exc: Exception) -> Exception:
    """The student's exception as its built-in class (ValueError, ...) when it is one,
    so a check written as ``except ValueError`` works through the sandbox too."""
    from .student import StudentError

    if isinstance(exc, StudentError):
        cls = getattr(builtins, exc.exc_type, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(exc.message)
    return exc


def student_functions(student: Any) -> dict[str, Callable[..., Any]]:
    """Each graded function the student defines, as a plain callable through ``student``."""

    def proxy(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return student.call(name, *args, **kwargs)
            except Exception as exc:
                mapped = _as_builtin_error(exc)
                if mapped is exc:
                    raise
                raise mapped from None

        call.__name__ = call.__qualname__ = name
        return call

    return {name: proxy(name) for name in rubric.FUNCTIONS if student.has(name)}


def _open_student(path: Path, call_timeout: float | None) -> tuple[Any, str, list[str]]:
    """A sandboxed student if possible, else the file run in this process (it is your own)."""
    try:
        from .sandbox import SandboxedStudent

        options = {} if call_timeout is None else {"call_timeout": call_timeout}
        student = SandboxedStudent(path, **options)
        return student, student.sandbox_kind, list(student.problems)
    except Exception as exc:  # no sandbox on this machine: the student's own code, own risk
        from .student import InProcessStudent
        from .submission import load_submission

        submission = load_submission(path)
        namespace: dict[str, Any] = {"__name__": "submission"}
        problems = [*submission.problems,
                    _("sandbox unavailable ({error}); ran in-process", error=str(exc))]
        try:
            exec(compile(submission_source(submission), str(path), "exec"), namespace)
        except BaseException as load_exc:  # SystemExit included
            problems.append(_("loading the file raised {error}",
                              error=f"{type(load_exc).__name__}: {load_exc}"))
        return InProcessStudent(namespace), "in-process", problems


def submission_source(submission: Any) -> str:
    """The code of a loaded submission, whatever form its units take; a notebook's IPython
    syntax removed, as the worker does (here it is the student's own code, on their machine)."""
    from .sandbox.jail.cells import python_only

    units = getattr(submission, "units", [])
    return "\n\n".join(
        u if isinstance(u, str)
        else "\n\n".join(map(python_only, u.cells)) if getattr(u, "is_notebook", False)
        else getattr(u, "source", u) for u in units)


def check_file(path: str | Path, out: TextIO | None = None,
               call_timeout: float | None = None, lang: str = DEFAULT_LANG) -> bool:
    """Run the public checks on ``path`` and print a pass/fail list; True iff all pass.
    The grader's own sentences are in ``lang`` ("ko+en": Korean, then English)."""
    from .selfcheck import in_language, run_checks

    out = out if out is not None else sys.stdout

    def say(message: Any) -> None:
        for line in render_all(message, lang):
            print(line, file=out)

    path = Path(path)
    if not path.is_file():
        say(_("{path}: no such file (expected your .py or .ipynb file)", path=path))
        return False
    student, kind, problems = _open_student(path, call_timeout)
    try:
        say(_("Checking {name}; your code runs in {sandbox}.", name=path.name,
              sandbox=sandbox_text(kind)))
        for problem in problems:
            say(_("  problem: {problem}", problem=problem))
        results = run_checks(student_functions(student))
    finally:
        close = getattr(student, "close", None)
        if close:
            close()
    width = max((len(name) for name, _ok, _message in results), default=0)
    for name, ok, message in results:
        mark = "PASS" if ok else "FAIL"
        lines = ("" if ok else in_language(message or "", lang)).strip().splitlines() or [""]
        print(f"  {mark}  {name.ljust(width)}  {lines[0]}".rstrip(), file=out)
        for line in lines[1:]:
            print(f"        {' ' * width}  {line}", file=out)
    passed = sum(ok for _name, ok, _message in results)
    say(_("{passed} of {total} checks passed.", passed=passed, total=len(results)))
    if passed == len(results) and results:
        say(_("These are the public checks only; the grader tests much more."))
    return bool(results) and passed == len(results)


def _cmd_check(args: argparse.Namespace) -> int:
    return 0 if check_file(args.file, call_timeout=args.timeout, lang=args.lang) else 1


# --------------------------------------------------------------------------- demo


def diagnosis_of(record: GradeRecord) -> str:
    """One line: why this student lost points (the named mistakes, else the first failure)."""
    if record.problems:
        return record.problems[0]
    lost = [r for r in record.items if not r.passed]
    if not lost:
        return "full marks"
    names = list(dict.fromkeys(r.failure.diagnosis for r in lost if r.failure.diagnosis))
    if names:
        return "; ".join(names)
    return f"{lost[0].name}: {lost[0].failure.summary}"


def class_table(records: Sequence[GradeRecord], width: int = 100) -> str:
    """``student  score  diagnosis`` for a class, one line each."""
    name_w = max([len("student"), *(len(printable(r.student)) for r in records)])
    lines = [f"{'student'.ljust(name_w)}  {'score':>7}  diagnosis"]
    for r in records:
        score = f"{points_text(r.score)}/{points_text(r.max_score)}"
        text = printable(diagnosis_of(r).replace("\n", " "))
        room = max(20, width - name_w - 11)
        if len(text) > room:
            text = text[: room - 1] + "…"
        lines.append(f"{printable(r.student).ljust(name_w)}  {score:>7}  {text}")
    return "\n".join(lines)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .examples import build_class

    with tempfile.TemporaryDirectory(prefix="conv-lab-demo-") as tmp:
        class_dir = Path(tmp) / "class"
        build_class(class_dir)
        out = Path(args.out) if args.out else Path(tmp) / "out"
        start = time.monotonic()
        records = grade_paths([class_dir], out, workers=args.workers, seed=args.seed,
                              call_timeout=args.timeout, progress=not args.quiet,
                              lang=args.lang).records
        seconds = time.monotonic() - start
        print(class_table(records))
        kinds = ", ".join(sorted({r.sandbox for r in records}))
        print(f"\n{len(records)} submissions graded in {_duration(seconds)}; sandbox: {kinds}")
        if args.out:
            print(f"reports in {out}/ (grades.csv, <student>/feedback.html, "
                  "<student>/results.json)")
    return 0


# --------------------------------------------------------------------------- main

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


def positive_megabytes(text: str) -> float:
    """argparse type for --max-file-mb / --max-total-mb: a number of MB above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of MB, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of MB above 0, got {text}")
    return value


def positive_seconds(text: str) -> float:
    """argparse type for --timeout: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .classreport.command import add_grade_options, add_report_command
    from .grading import DEFAULT_BUDGET

    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workers", type=int, default=None,
                       help="submissions graded at once (default: number of cores)")
        p.add_argument("--timeout", type=positive_seconds, default=None,
                       help="seconds each call of a student function may take")
        p.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        lang_option(p)

    def lang_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                       help="language of what students read: ko, en or ko+en (Korean, then "
                       "English; the default)")

    grade = sub.add_parser("grade", help="grade submissions and write reports",
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=PATH_RULES)
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help=".py/.ipynb files, student folders or class folders")
    grade.add_argument("--out", required=True, metavar="DIR", help="folder for the reports")
    grade.add_argument("--gradescope", action="store_true",
                       help="one submission (e.g. /autograder/submission); write results.json "
                       "and feedback.html straight into DIR (e.g. /autograder/results)")
    grade.add_argument("--sandbox", choices=("auto", "bubblewrap", "rlimit"), default="auto",
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
    common(grade)
    add_grade_options(grade)
    add_grade_rule_options(grade)
    grade.set_defaults(run=_cmd_grade)

    history = sub.add_parser("history", help="the runs that graded into DIR, as a table")
    history.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    history.set_defaults(run=_cmd_history)

    replay = sub.add_parser("replay", help="grade a stored submission again and compare")
    replay.add_argument("out", metavar="DIR", help="an output folder of autograder grade")
    replay.add_argument("student", metavar="STUDENT", help="the student's name in grades.csv")
    replay.add_argument("--item", default=None, metavar="NAME",
                        help="replay only this rubric item")
    replay.set_defaults(run=_cmd_replay)

    check = sub.add_parser("check", help="run the public checks on your file")
    check.add_argument("file", metavar="FILE", help="your .py or .ipynb file")
    check.add_argument("--timeout", type=positive_seconds, default=None,
                       help="seconds each call of a function may take")
    lang_option(check)
    check.set_defaults(run=_cmd_check)

    demo = sub.add_parser("demo", help="grade the bundled example class")
    demo.add_argument("--out", default=None, metavar="DIR", help="keep the reports here")
    common(demo)
    demo.set_defaults(run=_cmd_demo)

    add_report_command(sub)

    course = sub.add_parser("course", help="the nbgrader cycle (needs the nbgrader extra)",
                            description="The nbgrader cycle, through nbgrader's own Python "
                            "API; the plain nbgrader commands are in docs/nbgrader.md.")
    add_course_commands(course)
    add_platform_commands(sub, positive_seconds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "grade" and args.gradescope and len(args.paths) != 1:
        parser.error(f"--gradescope grades exactly one submission, got {len(args.paths)} paths")
    if args.command == "grade" and args.item:
        unknown = [name for name in args.item if name not in {it.name for it in rubric.ITEMS}]
        if unknown:
            parser.error(f"--item: no rubric item named {unknown[0]!r} (see the README's "
                         "rubric table for the names)")
    if args.command == "grade":
        check_grade_rules(parser, args)  # a bad late rule stops before grading
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
