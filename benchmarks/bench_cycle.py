"""nbgrader's serial autograde vs ``autograder grade`` on the same submitted/ folder.

    python benchmarks/bench_cycle.py                      # 30 students, notebooks 01-03
    python benchmarks/bench_cycle.py --students 10 --notebooks all --workers 2

A class of simulated students goes through the real exchange (fetch, answer, submit
--student, collect; not timed). Then, side by side in one run, on the same submitted/:

- ``nbgrader autograde <assignment>``: the real command, one pass over every student,
  one fresh kernel per notebook, one notebook after another;
- ``autograder grade``'s engine on the same folders with ``--workers`` sandboxed graders.

The class: a third model answers, a third untouched stubs, a third the model with one of
the classic bugs in autograder/examples/bugs/ (rotating). Prints a table and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):  # tests/ for the simulated students (tests/support/)
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from support.simulated_students import answer_notebooks, model_answers  # noqa: E402

from autograder import rubric  # noqa: E402
from autograder.course import DEFAULT_ASSIGNMENT  # noqa: E402
from autograder.course.audit import audit  # noqa: E402
from autograder.course.config import course_config, prepare_workdir  # noqa: E402
from autograder.course.cycle import grade_sandboxed  # noqa: E402
from autograder.course.steps import Edit, collect, fetch_and_submit, generate, release  # noqa: E402
from autograder.examples import example_class, read  # noqa: E402

ASSIGNMENT = DEFAULT_ASSIGNMENT


def class_edits(n: int) -> dict[str, Edit | None]:
    """``n`` students: model answers, untouched stubs and classic bugs, in turn."""
    bugs = [s for s in example_class() if s.name.startswith("bug_")]

    def model(folder: Path) -> None:
        answer_notebooks(folder, *model_answers())

    def with_bug(text: str):
        return lambda folder: answer_notebooks(folder, *model_answers(text))

    edits: dict[str, Edit | None] = {}
    for k in range(n):
        kind = k % 3
        if kind == 0 or (kind == 2 and not bugs):
            edits[f"s{k:02d}_model"] = model
        elif kind == 1:
            edits[f"s{k:02d}_stub"] = None
        else:
            bug = bugs[(k // 3) % len(bugs)]
            edits[f"s{k:02d}_{bug.name}"] = with_bug(read(bug.override))
    return edits


def build_class(work: Path, notebooks: list[str], n: int, timeout: int):
    """A course cut to ``notebooks`` with ``n`` collected submissions; returns its config."""
    course_dir = prepare_workdir(ROOT / "assignments", work / "course")
    for nb in (course_dir / "source" / ASSIGNMENT).glob("*.ipynb"):
        if nb.stem not in notebooks:
            nb.unlink()
    cfg = course_config(course_dir, exchange=work / "exchange", timeout=timeout)
    generate(cfg, ASSIGNMENT)
    release(cfg, ASSIGNMENT)
    for student, edit in class_edits(n).items():
        fetch_and_submit(cfg, ASSIGNMENT, student, work / "homes" / student, edit)
    collect(cfg, ASSIGNMENT)
    return cfg


def nbgrader_autograde(cfg, timeout: int) -> float:
    """Seconds for the real ``nbgrader autograde`` command over the whole class."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    subprocess.run([str(bindir / "nbgrader"), "autograde", ASSIGNMENT,
                    f"--CourseDirectory.course_id={cfg.CourseDirectory.course_id}",
                    f"--Execute.timeout={timeout}"],
                   cwd=cfg.CourseDirectory.root, env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def sandboxed(cfg, workers: int) -> tuple[float, list]:
    """Seconds for the sandboxed grader over the same folders, and its records."""
    start = time.perf_counter()
    records = grade_sandboxed(cfg, ASSIGNMENT, workers=workers)
    return time.perf_counter() - start, records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--notebooks", default="01,02,03",
                        help="notebook numbers, comma-separated, or 'all'")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=600, help="nbgrader seconds per cell")
    args = parser.parse_args(argv)
    stems = [p.stem for p in rubric.PARTS]
    notebooks = stems if args.notebooks == "all" else \
        [s for s in stems if s[:2] in args.notebooks.split(",")]

    with tempfile.TemporaryDirectory(prefix="bench_cycle_") as tmp:
        t0 = time.perf_counter()
        cfg = build_class(Path(tmp), notebooks, args.students, args.timeout)
        setup = time.perf_counter() - t0
        nb_seconds = nbgrader_autograde(cfg, args.timeout)
        ag_seconds, records = sandboxed(cfg, args.workers)
        rows = audit(cfg.CourseDirectory.root, ASSIGNMENT, records)
    per_record = [r.seconds for r in records]
    same = sum(r.status == "same" for r in rows)

    n = args.students
    print(f"class: {n} students x {len(notebooks)} notebooks ({', '.join(notebooks)}); "
          f"setup (generate, release, {n} fetch+submit, collect): {setup:.1f} s; "
          f"{os.cpu_count()} cores")
    print()
    print("| grader | workers | total s | s per student | median s per record |")
    print("|---|---:|---:|---:|---:|")
    print(f"| nbgrader autograde (serial, in-kernel) | 1 | {nb_seconds:.1f} | "
          f"{nb_seconds / n:.2f} | - |")
    print(f"| autograder grade (sandboxed) | {args.workers} | {ag_seconds:.1f} | "
          f"{ag_seconds / n:.2f} | {statistics.median(per_record):.2f} |")
    print()
    print(f"ratio nbgrader / autograder grade: {nb_seconds / ag_seconds:.2f}x")
    print(f"same score in both, per hidden-test cell: {same} of {len(rows)}; "
          f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
