"""What does grading one submission cost? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_submission.py [--repeats 5] [--students loops ...]

Grades each student of the example class ``--repeats`` times, one after another in this
process, and prints the median CPU seconds of the grader (this process) and of the
sandboxed worker, the median wall time, and the total CPU as a multiple of the loops'
(the model solution's) in the same mode. Three modes, side by side in one run, by what
the engine remembers of earlier hypothesis runs (``engine._RUNS``) when the file comes:

- ``fresh``: nothing, as for the first submission of a run: hypothesis draws every case;
- ``first of its kind``: the runs of a correct submission: its passing cases are walked,
  and an item this file fails is searched and shrunk by hypothesis (no earlier file made
  that mistake);
- ``seen before``: also the runs of another file with the same mistake (this file with a
  comment added): the failing items are walked to their smallest case too, as for every
  later submission that makes a mistake an earlier one made.

The worker runs in the ``rlimit`` sandbox here, a direct child process, so that its CPU
time is counted (bubblewrap's PID namespace hides it from ``getrusage``); the worker's
own work is the same in every mode. (Run from an older checkout, which remembers no runs,
it prints the ``fresh`` rows only: that is how the README's "before" was measured.)

With ``--class N`` it grades a class instead, as ``autograder grade --workers 2`` does:
N distinct files (a comment apart) of every example student's kind, the 1st of every kind
first, then the 2nd, and so on, in one run of two grading processes, each remembering
the runs of the files it graded. It prints the median seconds of each record by kind
(correct, buggy, the stub) and by copy, and the buggy median as a multiple of the
correct one's: a copy after the first makes mistakes an earlier file made.
"""

from __future__ import annotations

import argparse
import copy
import resource
import statistics
import tempfile
import time
from pathlib import Path

from autograder import engine
from autograder.examples import build_class, example_class
from autograder.grading import SubmissionPath, grade_many, grade_submission
from autograder.options import GradeOptions

STUDENTS = ["loops", "vectorized", "bug_kernel_flipped", "stub"]
MODES = ("fresh", "first of its kind", "seen before")
OPTIONS = GradeOptions(sandbox="rlimit")


def cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def costs(sub: SubmissionPath, repeats: int, remembered: object | None) -> tuple[float, ...]:
    """Median (grader CPU, worker CPU, wall) seconds of grading ``sub``, each time with
    a copy of the ``remembered`` runs (None: nothing remembered)."""
    grader, worker, wall = [], [], []
    for _ in range(repeats):
        if hasattr(engine, "_DRAWN"):  # an older engine's memory of passing cases
            engine._DRAWN.clear()
        if hasattr(engine, "_RUNS"):
            engine._RUNS = (copy.deepcopy(remembered) if remembered is not None
                            else type(engine._RUNS)())
        (a, b), start = cpu(), time.perf_counter()
        grade_submission(sub, OPTIONS)
        (a2, b2), end = cpu(), time.perf_counter()
        grader.append(a2 - a)
        worker.append(b2 - b)
        wall.append(end - start)
    return statistics.median(grader), statistics.median(worker), statistics.median(wall)


def runs_after(*subs: SubmissionPath) -> object:
    """What the engine remembers after grading ``subs`` from nothing."""
    engine._RUNS = type(engine._RUNS)()
    for sub in subs:
        grade_submission(sub, OPTIONS)
    return engine._RUNS


def table(folder: Path, students: list[str], repeats: int) -> None:
    """Grade each of ``students`` and print the table (module docstring)."""
    build_class(folder, [s for s in example_class() if s.name in {"loops", *students}])
    subs = {name: SubmissionPath(name, folder / f"{name}.py") for name in students}
    loops = SubmissionPath("loops", folder / "loops.py")
    grade_submission(loops, OPTIONS)  # imports, once
    modes = MODES if hasattr(engine, "_RUNS") else MODES[:1]
    correct = runs_after(loops) if hasattr(engine, "_RUNS") else None
    rows = []
    for name, sub in subs.items():
        for mode in modes:
            remembered = None
            if mode == "first of its kind":
                remembered = correct
            elif mode == "seen before":
                other = folder / f"{name}_other.py"
                other.write_text(sub.path.read_text(encoding="utf-8") + "\n# another file\n",
                                 encoding="utf-8")
                remembered = runs_after(loops, SubmissionPath(f"{name}_other", other))
            rows.append((name, mode, *costs(sub, repeats, remembered)))
    base = {mode: g + w for name, mode, g, w, _ in rows if name == "loops"}
    print(f"median of {repeats} gradings, seconds (rlimit sandbox)\n")
    print("| student | remembered | grader CPU | worker CPU | total CPU | × loops | wall |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, mode, g, w, t in rows:
        ratio = f"{(g + w) / base[mode]:.2f}" if mode in base else "–"
        print(f"| {name} | {mode} | {g:.2f} | {w:.2f} | {g + w:.2f} | {ratio} | {t:.2f} |")
    if hasattr(engine, "_RUNS"):
        runs = runs_after(loops, *subs.values())
        print(f"\nremembered after grading each of these once: {runs.cases} cases in "
              f"{len(runs)} trees")


def class_table(folder: Path, copies: int) -> None:
    """Grade ``copies`` files of every example kind in one run (module docstring)."""
    kinds = {s.name: s.source() for s in example_class()
             if s.name.startswith("bug_") or s.name in ("loops", "vectorized", "stub")}
    subs = []
    for copy_no in range(1, copies + 1):
        for kind, source in kinds.items():
            path = folder / f"{kind}_{copy_no}.py"
            path.write_text(source + f"\n# copy {copy_no}\n", encoding="utf-8")
            subs.append((kind, copy_no, SubmissionPath(path.stem, path)))
    records = grade_many([sub for _, _, sub in subs], OPTIONS, workers=2)

    def group(kind: str) -> str:
        return ("correct" if kind in ("loops", "vectorized") else
                "stub" if kind == "stub" else "buggy")

    seconds: dict[tuple[str, int], list[float]] = {}
    for (kind, copy_no, _), record in zip(subs, records, strict=True):
        seconds.setdefault((group(kind), min(copy_no, 3)), []).append(record.seconds)
    print(f"{len(records)} submissions ({len(kinds)} kinds × {copies}), 2 grading "
          f"processes, rlimit sandbox: median seconds per record\n")
    print("| copy | correct | buggy | stub | buggy ÷ correct |")
    print("|---|---:|---:|---:|---:|")
    for copy_no in sorted({c for _, c in seconds}):
        med = {g: statistics.median(seconds[(g, copy_no)]) for g in ("correct", "buggy", "stub")}
        label = {1: "1st (first of its kind)", 2: "2nd"}.get(copy_no, "3rd and later")
        print(f"| {label} | {med['correct']:.2f} | {med['buggy']:.2f} | {med['stub']:.2f} | "
              f"{med['buggy'] / med['correct']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--students", nargs="+", default=STUDENTS)
    parser.add_argument("--class", dest="copies", type=int, default=0, metavar="N",
                        help="grade N files of every kind in one run instead (docstring)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-submission-") as tmp:
        if args.copies:
            class_table(Path(tmp), args.copies)
        else:
            table(Path(tmp), args.students, args.repeats)

if __name__ == "__main__":
    main()
