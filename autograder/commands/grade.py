"""``autograder grade`` and ``autograder demo``: find, grade into the store, report.

:func:`grade_paths` is the whole verb as a function (tests and the demo call it); the
options come as one :class:`~autograder.options.GradeOptions` (what decides the records)
and one :class:`~autograder.reports.ReportSettings` (what the reports say besides).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..names import printable
from ..options import DEFAULT_OPTIONS, GradeOptions
from ..reports import ReportSettings
from ..reports.feedback import points_text
from ..reports.late import LatePolicy, LatePolicyError
from ..reports.settings import DEFAULT_SETTINGS
from ..results import GradeRecord

if TYPE_CHECKING:
    from ..incremental import StoreRun


class Progress:
    """A progress bar (tqdm) on ``stream``: submissions done of all, how many were cached,
    the time left, and the last student graded with their score. On a terminal one line
    redraws itself; elsewhere (a log file, CI) each submission prints the same bar on a
    line of its own, in ASCII, so a log holds no carriage returns."""

    BAR = "{desc}{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}"

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        from tqdm import tqdm

        self.stream = stream if stream is not None else sys.stderr
        self.total, self.start = total, time.monotonic()
        self.redraw = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar = tqdm(total=total, file=self.stream, disable=not self.redraw,
                        unit="submission", dynamic_ncols=True, mininterval=0.5,
                        bar_format=self.BAR)
        self.desc = ""
        self.cached: int | None = None

    def __call__(self, done: int, total: int, record: GradeRecord) -> None:
        from tqdm import tqdm

        if self.cached is None:  # done before the first record came: the cached ones
            self.cached = done - 1
            if self.cached:
                self.desc = f"{self.cached} cached "
                self.bar.set_description_str(self.desc.strip(), refresh=False)
        score = f"{points_text(record.score)}/{points_text(record.max_score)}"
        postfix = f"{printable(record.student)} {score}"
        if self.redraw:
            self.bar.set_postfix_str(postfix, refresh=False)
            self.bar.update(done - self.bar.n)
            if done == total:
                self.bar.close()
            return
        line = tqdm.format_meter(done, total, time.monotonic() - self.start, ncols=100,
                                 prefix=self.desc, postfix=postfix, ascii=True,
                                 bar_format=self.BAR)
        print(line, file=self.stream, flush=True)


class GradeInputError(ValueError):
    """What was asked cannot be graded as asked (a --student not in the input, one file
    into a class's folder): one line saying what was expected and what to do."""


def selected_students(subs: Sequence[Any], names: Sequence[str]) -> set[str]:
    """The graded names ``names`` (``--student``) stand for among ``subs``: each name as
    grades.csv writes it, or as its file is named (``alice.py``). GradeInputError naming
    the first that matches no submission, with the closest names."""
    import difflib

    from ..names import safe_name

    known = {s.student for s in subs}
    chosen = set()
    for name in names:
        stem = Path(name).stem if Path(name).suffix in (".py", ".ipynb") else name
        match = next((n for n in (name, stem, safe_name(stem)) if n in known), None)
        if match is None:
            close = difflib.get_close_matches(stem, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise GradeInputError(f"--student {name}: no submission of that name in the "
                                  f"input ({len(known)} found){hint}")
        chosen.add(match)
    return chosen


def class_in(out: Path) -> list[str]:
    """The students of ``out/grades.csv`` (the class an earlier run reported), or []."""
    from ..reports import GRADES_CSV, read_grades_csv

    try:
        rows = read_grades_csv((Path(out) / GRADES_CSV).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    return [row.get("student", "") for row in rows if row.get("student")]


def class_guard(paths: Sequence[str | Path], subs: Sequence[Any], out: Path) -> None:
    """Refuse to let a run of single submissions (files or student folders, no class
    folder) shrink the class that ``out`` reports: grades.csv and the class report are
    rewritten for the input, and this input cannot say what the rest of the class's
    files are now. GradeInputError says how to regrade in place instead."""
    from ..grading import is_single_submission_folder

    if not paths or not all(Path(p).is_file() or is_single_submission_folder(Path(p))
                            for p in paths):
        return
    reported = class_in(out)
    given = {s.student for s in subs}
    others = [name for name in reported if name not in given]
    if not others:
        return
    flags = " ".join(f"--student {printable(s.student)}" for s in subs[:3])
    raise GradeInputError(
        f"{out} reports a class of {len(reported)} (its grades.csv); grading "
        f"{shown_names([s.student for s in subs], 3)} alone would rewrite grades.csv, "
        f"class.html and class.json with {len(subs)} student(s), leaving out {len(others)} "
        f"({shown_names(others, 3)}), and these files alone cannot say what the others' "
        f"files are now. To regrade in place and keep the class, give the class folder: "
        f"autograder grade CLASS --out {out} {flags}; to make {out} report this input "
        "only, add --replace-class")


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def grade_paths(
    paths: Sequence[str | Path],
    out: str | Path,
    options: GradeOptions = DEFAULT_OPTIONS,
    settings: ReportSettings = DEFAULT_SETTINGS,
    *,
    workers: int | None = None,
    force: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    gradescope: bool = False,
    class_report: float | None = None,
    argv: Sequence[str] = (),
    err: TextIO | None = None,
    scheduler: str | None = None,
    allow_rlimit: bool = False,
    students: Sequence[str] = (),
    replace_class: bool = False,
) -> StoreRun:
    """Find, grade into the store in ``out`` (resuming it), and report; returns the
    :class:`autograder.incremental.StoreRun` (its records in the order found).

    ``gradescope``: the one PATH is one submission, whatever it holds, and its reports go
    straight into ``out``. ``class_report``: write class.html/class.json at the end with
    this at-risk percentage (None: not). ``scheduler``: grade on that Dask cluster
    (``allow_rlimit``: even on workers without bubblewrap). ``students``: grade only these
    (``--student``), while grades.csv and the class report cover every submission found.
    Without them and without ``replace_class``, single files given into an ``out`` that
    reports a larger class are refused (:func:`class_guard`). Raises GradeInputError
    before grading anything for those, StoreError when the output folder is busy,
    damaged or full, :class:`autograder.cluster.ClusterError` when the cluster cannot
    grade.
    """
    from ..grading import find_submissions
    from ..incremental import grade_into_store

    err = err if err is not None else sys.stderr
    if gradescope and len(paths) != 1:
        raise ValueError(f"--gradescope grades exactly one submission, got {len(paths)} paths")
    skipped: list[Path] = []
    subs, warnings = find_submissions(paths, expand=not gradescope, skipped=skipped)
    only = selected_students(subs, students) if students else None
    if only is None and not gradescope and not replace_class:
        class_guard(paths, subs, Path(out))
    for warning in warnings:
        print(f"warning: {printable(warning)}", file=err)
    total = len(only) if only is not None else len(subs)
    extra: dict[str, Any] = {}
    if scheduler:
        from ..cluster import dask_runner
        extra["runner"] = dask_runner(scheduler, allow_rlimit=allow_rlimit,
                                      announce=lambda text: print(text, file=err))
    run = grade_into_store(subs, out, options, settings, workers=workers, force=force,
                           rebuild=rebuild, flat=gradescope,
                           progress=Progress(total, err) if progress and total else None,
                           argv=argv, class_report=class_report, only=only,
                           announce=lambda text: print(printable(text), file=err), **extra)
    run.skipped = [p.name for p in skipped]
    return run


def shown_names(names: Sequence[str], limit: int = 10) -> str:
    """Up to ``limit`` names, escaped for the terminal, then "…"."""
    return ", ".join(map(printable, names[:limit])) + (" …" if len(names) > limit else "")


def grade_summary(run: StoreRun, seconds: float) -> list[str]:
    """The lines ``autograder grade`` prints when it is done."""
    kinds = sorted({r.sandbox for r in run.records})
    counts = f"graded {run.graded}"
    if run.cached:
        counts += f", {run.cached} cached (unchanged since they were graded)"
    if run.failed:
        counts += f", {run.failed} could not be graded"
    lines = [f"{counts}: {run.done} of {run.total} submission(s) in {duration(seconds)}; "
             f"sandbox: {', '.join(kinds) or 'none used'}"]
    for student, problem in run.report_problems:
        lines.append(f"reports of {printable(student)} not written: {printable(problem)}")
    if run.skipped:
        lines.append(f"{len(run.skipped)} file(s) skipped, not submissions (.py, .ipynb or a "
                     f"student's folder): {shown_names(run.skipped)}")
    if run.kept or run.never_graded or run.class_size != run.done:
        lines.append(f"grades.csv and the class report cover the whole class: "
                     f"{run.class_size} student(s), {run.class_size - run.done} of them as "
                     "stored earlier (not named by --student)")
    if run.kept:
        lines.append(f"{len(run.kept)} of them from a record of an earlier file or other "
                     f"options (their file changed since; grade them too to update): "
                     f"{shown_names(run.kept)}")
    if run.never_graded:
        lines.append(f"{len(run.never_graded)} submission(s) never graded, not in grades.csv "
                     f"(grade them with --student, or without it): "
                     f"{shown_names(run.never_graded)}")
    if run.vanished:
        lines.append(f"{len(run.vanished)} student(s) graded earlier are not in this input "
                     f"(kept in the store, left out of grades.csv): "
                     f"{shown_names(run.vanished)}")
    if run.late_flags:
        lines.append(f"{len(run.late_flags)} submission time(s) flagged (grades.csv, "
                     "time_check):")
        lines += [f"  {printable(student)}: {printable(flag)}"
                  for student, flag in run.late_flags[:10]]
        if len(run.late_flags) > 10:
            lines.append("  …")
    return lines


def grade_options(args: argparse.Namespace) -> GradeOptions:
    """The GradeOptions that ``autograder grade``'s (or ``demo``'s) options describe (the
    extra items as :func:`autograder.cli` loaded them, ``args.extra_items``)."""
    extra = getattr(args, "extra_items", None)
    return GradeOptions(seed=args.seed, call_timeout=args.timeout,
                        items_file=extra.path if extra else None,
                        items_hash=extra.sha256 if extra else None,
                        items=getattr(args, "item", None),
                        sandbox=getattr(args, "sandbox", "auto"),
                        per_student_cases=getattr(args, "per_student_cases", False),
                        budget=getattr(args, "budget", None),
                        max_file_mb=getattr(args, "max_file_mb", None),
                        max_total_mb=getattr(args, "max_total_mb", None))


def late_policy(args: argparse.Namespace) -> LatePolicy | None:
    """The LatePolicy the options describe, or None without --due. Raises LatePolicyError."""
    from ..reports.late import parse_time, read_extensions, read_received, read_used_days

    if args.due is None:
        if (args.extensions or args.late_days or args.late_days_used or args.inbound
                or args.received or args.late_mode != "penalty"):
            raise LatePolicyError("the late options need --due (the deadline)")
        return None
    if args.inbound is not None and not Path(args.inbound).is_dir():
        raise LatePolicyError(f"--inbound {args.inbound}: expected nbgrader's exchange inbound "
                              "folder (<exchange>/<course id>/inbound), found no folder there")
    default_penalty = 100.0 if args.late_mode == "budget" else 10.0
    return LatePolicy(
        due=parse_time(args.due, "--due"), mode=args.late_mode,
        percent_per_day=default_penalty if args.late_penalty is None else args.late_penalty,
        floor=args.late_floor, budget_days=args.late_days,
        extensions=read_extensions(args.extensions) if args.extensions else {},
        used_days=read_used_days(args.late_days_used) if args.late_days_used else {},
        received=read_received(args.received) if args.received else {},
        inbound=Path(args.inbound) if args.inbound else None)


def report_settings(args: argparse.Namespace) -> ReportSettings:
    """The ReportSettings that ``autograder grade``'s options describe (LatePolicyError for
    a late rule that cannot be read)."""
    return ReportSettings(lang=args.lang, visibility=getattr(args, "visibility", "visible"),
                          expected_visibility=getattr(args, "expected_visibility", "visible"),
                          late=late_policy(args) if hasattr(args, "due") else None)


def main_grade(args: argparse.Namespace) -> int:
    """``autograder grade PATH... --out DIR ...``."""
    from ..cluster import ClusterError
    from ..store import StoreError

    if args.sandbox == "bubblewrap" and args.scheduler is None:
        from ..sandbox import bubblewrap_status

        usable, _, why = bubblewrap_status()
        if not usable:  # refused here, or every submission would be "could not be graded"
            print(f"error: --sandbox bubblewrap, but {why} (install it: apt-get install "
                  "bubblewrap; or --sandbox auto to fall back to resource limits)",
                  file=sys.stderr)
            return 2
    start = time.monotonic()
    try:
        run = grade_paths(args.paths, args.out, grade_options(args), args.settings,
                          workers=args.workers, force=args.force, rebuild=args.rebuild,
                          progress=not args.quiet, gradescope=args.gradescope,
                          class_report=None if args.gradescope else args.at_risk,
                          argv=sys.argv[1:] or ["grade"], scheduler=args.scheduler,
                          allow_rlimit=args.allow_rlimit, students=args.student or (),
                          replace_class=args.replace_class)
    except GradeInputError as exc:
        print(f"autograder grade: error: {printable(exc)}", file=sys.stderr)
        return 2
    except (StoreError, ClusterError) as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    if not run.total:
        print("no submissions found", file=sys.stderr)
        return 2
    for line in grade_summary(run, time.monotonic() - start):
        print(line)
    if run.interrupted:
        print(f"graded {run.done} of {run.total}; run the same command again to finish")
        return 130
    print(f"wrote {Path(args.out) / 'grades.csv'} and, per student, results.json and "
          "feedback.html")
    if run.class_report_problem:
        print(f"warning: the class report could not be written ({run.class_report_problem}); "
              f"try `autograder report {args.out}`", file=sys.stderr)
    if run.class_report is not None:
        from ..classreport import HTML_NAME, JSON_NAME, summary_text

        print(printable(summary_text(run.class_report), multiline=True))
        print(f"class report: {Path(args.out) / HTML_NAME} (numbers in {JSON_NAME})")
    return 0


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


def main_demo(args: argparse.Namespace) -> int:
    """``autograder demo [--out DIR] [--class DIR]``: grade the bundled example class, print
    the table, and say where the class and its reports are kept; or, with ``--class``, only
    write the class there."""
    from ..classreport import DEFAULT_AT_RISK, HTML_NAME
    from ..examples import ExampleClassError, write_example_class
    from ..store import StoreError

    if args.class_dir is not None:
        try:
            paths = write_example_class(args.class_dir)
        except ExampleClassError as exc:
            print(f"autograder demo: error: {printable(exc)}", file=sys.stderr)
            return 2
        where = printable(args.class_dir)
        print(f"wrote the example class, {len(paths)} submissions, to {where}")
        print("try:\n"
              f"  autograder grade {where} --out example-reports/\n"
              "  autograder history example-reports/\n"
              f"  autograder replay example-reports/ {DEMO_STUDENT}\n"
              f"  autograder grade {where} --out example-reports/ --student {DEMO_STUDENT} "
              "--force\n"
              f"  autograder grade {where} --out example-reports/ --scheduler tcp://HOST:8786"
              "   (docs/cluster.md)")
        return 0
    folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="conv-lab-demo-"))
    class_dir, out = folder / "class", folder / "reports"
    try:
        write_example_class(class_dir)
    except ExampleClassError as exc:
        print(f"autograder demo: error: {printable(exc)}", file=sys.stderr)
        return 2
    start = time.monotonic()
    try:
        run = grade_paths([class_dir], out, grade_options(args), ReportSettings(lang=args.lang),
                          workers=args.workers, progress=not args.quiet,
                          class_report=DEFAULT_AT_RISK, argv=["demo"])
    except StoreError as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - start
    print(class_table(run.records))
    kinds = ", ".join(sorted({r.sandbox for r in run.records}))
    print(f"\n{len(run.records)} submissions graded in {duration(seconds)}; sandbox: {kinds}")
    print(f"\nkept in {printable(folder)}:")
    print(f"  the class report      {printable(out / HTML_NAME)}")
    print(f"  a student's feedback  {printable(out / DEMO_STUDENT / 'feedback.html')}")
    print(f"  every grade           {printable(out / 'grades.csv')}")
    print(f"  the class's files     {printable(class_dir)}")
    print(f"open the two pages in a browser; then try: autograder replay {printable(out)} "
          f"{DEMO_STUDENT}")
    return 0


#: The student whose feedback the demo points to: one classic, diagnosed mistake.
DEMO_STUDENT = "bug_kernel_flipped"
