"""Does a MOOC-sized class grow linearly? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 500 1000 2000 5000] [--fresh 20]

A generated class of distinct submissions (each file its own content): correct solutions
(loop style and vectorized), every classic single mistake of ``autograder/examples`` and
the stub, about a third of the students with Korean names. For each size N:

1. the store of OUT is filled with records *simulated* from real ones: one submission of
   each kind is really graded once (in the sandbox, whole rubric) and its record is
   committed, under the key of each generated file of that kind, renamed to its student,
   with that student's reports written and its fingerprints kept (what grading does after
   each record). The class of N is the class of the size before plus new students; OUT
   starts as a copy of that size's OUT, and only the new students are filled;
2. ``--fresh`` of the new submissions are really graded into that store by ``autograder grade
   CLASS --out OUT --workers 2`` (the others are cached): the **grading rate** (graded
   submissions per second of grading, from the first to the last record committed) and
   the **peak memory of the whole process tree** (summed PSS of the grader, its pool and
   sandboxes, sampled every 0.2 s). This run also writes the class report the first time
   (every fingerprint computed and stored);
3. the **cached rerun**: the same command again, as a new process, everything cached;
4. the **report**: ``autograder report OUT CLASS`` as a new process;
5. the **store size** (``grading.sqlite`` with its WAL) and **class.html**'s size.

Times include Python's start-up. Each column's ratio to the smallest size is printed too:
linear growth is about 10x at 5,000 against 500.

It also prints what one submission cost to grade by kind, from the really graded
records: the median grading time of a correct submission and of a buggy one (a failing
item costs hypothesis a search and a shrink).
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_memory import descendants, pss_mb

from autograder import reports
from autograder.examples import example_class
from autograder.grading import find_submissions, grade_many
from autograder.incremental import _Run, grade_into_store
from autograder.options import GradeOptions
from autograder.store import OutputLock, Store

CORRECT = ("loops", "vectorized")


def kinds() -> dict[str, str]:
    """kind -> source: the correct solutions, every single-mistake example, the stub."""
    return {s.name: s.source() for s in example_class()
            if s.name in CORRECT or s.name.startswith("bug_") or s.name == "stub"}


def cycle(names: list[str]) -> list[str]:
    """The order kinds are handed out in: as many correct submissions as all others."""
    others = [n for n in names if n not in CORRECT]
    return others + [CORRECT[i % 2] for i in range(len(others))]


def student_name(i: int) -> str:
    return f"학생{i:05d}" if i % 3 == 0 else f"student{i:05d}"


def write_class(folder: Path, sources: dict[str, str], n: int) -> dict[str, str]:
    """``n`` distinct submission files; returns student -> kind."""
    folder.mkdir(parents=True)
    order = cycle(sorted(sources))
    kind_of = {}
    for i in range(n):
        kind = order[i % len(order)]
        name = student_name(i)
        (folder / f"{name}.py").write_text(f"# {name}: {kind}\n{sources[kind]}",
                                           encoding="utf-8")
        kind_of[name] = kind
    return kind_of


def real_records(root: Path, sources: dict[str, str]) -> dict[str, object]:
    """kind -> a record of one submission of that kind, really graded (whole rubric)."""
    folder = root / "kinds"
    folder.mkdir()
    for kind, source in sources.items():
        (folder / f"{kind}.py").write_text(source, encoding="utf-8")
    subs, _ = find_submissions([folder])
    return {r.student: r for r in grade_many(subs, workers=2)}


def fill(out: Path, folder: Path, kind_of: dict[str, str], records: dict[str, object],
         skip: set[str], new: list[str]) -> None:
    """The store and reports as grading would leave them, for the ``new`` students but
    ``skip``."""
    wanted = set(new) - skip
    subs, _ = find_submissions([folder])
    subs = [s for s in subs if s.student in wanted]
    out.mkdir(exist_ok=True)
    with OutputLock(out), Store.open(out) as store:
        run = _Run(store, subs, out, GradeOptions(), reports.ReportSettings(), False,
                   ["bench_scale", "fill"])
        run.keep_prints = True  # as grading with a class report does
        for i, sub in enumerate(subs):
            record = copy.deepcopy(records[kind_of[sub.student]])
            record.student = sub.student
            run.commit(i, record)


class TreeMemory:
    """Peak summed PSS (MB) of a process and everything below it, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, pss_mb(descendants(self.pid)))
            self.done.wait(0.2)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def grade_fresh(folder: Path, out: Path) -> tuple[float, int, float]:
    """Grade into ``out`` in this process (the rest cached): (grading seconds, graded,
    peak tree MB)."""
    subs, _ = find_submissions([folder])
    times: list[float] = []
    start = time.perf_counter()
    with TreeMemory(os.getpid()) as memory:
        run = grade_into_store(subs, out, workers=2, class_report=50.0,
                               progress=lambda done, total, rec: times.append(
                                   time.perf_counter()))
    graded = run.graded
    return (times[-1] - start if times else 0.0), graded, memory.peak


def timed(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak tree MB, first stdout line) of ``command``."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    with TreeMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return seconds, memory.peak, (stdout.splitlines() or [""])[0]


def size_mb(*paths: Path) -> float:
    return sum(p.stat().st_size for p in paths if p.exists()) / 1e6


def measure(root: Path, n: int, before: int, fresh: int, kind_of: dict[str, str],
            records: dict[str, object]) -> dict[str, float]:
    """One size: the class is the first ``n`` generated files; OUT starts as a copy of the
    previous size's (``before`` students), and the students after those are filled, but
    ``fresh`` of them, which are graded."""
    folder, out = root / f"class{n}", root / f"out{n}"
    folder.mkdir()
    names = list(kind_of)[:n]
    for name in names:
        os.link(root / "all" / f"{name}.py", folder / f"{name}.py")
    if before:
        shutil.copytree(root / f"out{before}", out)
    new = names[before:]
    skip = set(new[:: max(1, len(new) // fresh)][:fresh])  # spread over the new ones
    t0 = time.perf_counter()
    fill(out, folder, kind_of, records, skip, new)
    filled = time.perf_counter() - t0
    grading, graded, grade_mb = grade_fresh(folder, out)
    grader = str(Path(sys.executable).parent / "autograder")
    rerun, rerun_mb, line = timed([grader, "grade", str(folder), "--out", str(out), "--quiet"])
    report, report_mb, _ = timed([grader, "report", str(out), str(folder)])
    print(f"  {n}: filled {len(new) - len(skip)} in {filled:.0f} s; graded {graded} fresh; "
          f"rerun says: {line}", file=sys.stderr)
    return {"students": n, "rate": graded / grading if grading else 0.0,
            "peak_mb": max(grade_mb, rerun_mb, report_mb), "grade_mb": grade_mb,
            "rerun_mb": rerun_mb, "report_mb": report_mb,
            "store_mb": size_mb(out / "grading.sqlite", out / "grading.sqlite-wal"),
            "rerun_s": rerun, "report_s": report,
            "html_mb": size_mb(out / "class.html"), "json_mb": size_mb(out / "class.json")}


COLUMNS = (("rate", "grading rate (subm./s)", "{:.2f}"),
           ("peak_mb", "peak memory of the tree (MB)", "{:.0f}"),
           ("store_mb", "store (MB)", "{:.0f}"),
           ("rerun_s", "cached rerun (s)", "{:.1f}"),
           ("report_s", "`autograder report` (s)", "{:.1f}"),
           ("html_mb", "class.html (MB)", "{:.2f}"),
           ("json_mb", "class.json (MB)", "{:.2f}"))


def table(rows: list[dict[str, float]]) -> str:
    base = rows[0]
    out = ["| students | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
           "|---" * (len(COLUMNS) + 1) + "|"]
    for row in rows:
        cells = []
        for key, _, fmt in COLUMNS:
            ratio = row[key] / base[key] if base[key] else float("nan")
            cells.append(fmt.format(row[key]) + f" ({ratio:.1f}×)")
        out.append(f"| {row['students']:,} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def cost_by_kind(records: dict[str, object]) -> str:
    correct = [records[k].seconds for k in CORRECT]
    buggy = [r.seconds for k, r in records.items() if k.startswith("bug_")]
    worst = max((r.seconds, k) for k, r in records.items() if k.startswith("bug_"))
    c, b = statistics.median(correct), statistics.median(buggy)
    return (f"grading one submission (really graded, whole rubric, 2 workers): correct "
            f"median {c:.2f} s ({len(correct)}), buggy median {b:.2f} s ({len(buggy)}), "
            f"ratio {b / c:.2f}; slowest buggy {worst[1]} {worst[0]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--fresh", type=int, default=20,
                        help="submissions really graded into each size's store")
    args = parser.parse_args()
    sources = kinds()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        records = real_records(root, sources)
        print(f"graded {len(records)} kinds for real in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
        kind_of = write_class(root / "all", sources, max(args.sizes))
        rows, before = [], 0
        for n in sorted(args.sizes):
            rows.append(measure(root, n, before, args.fresh, kind_of, records))
            print(table(rows), file=sys.stderr)
            before = n
    print(table(rows))
    print()
    print("peak memory by step (MB): " + "; ".join(
        f"{r['students']:,}: grading {r['grade_mb']:.0f}, rerun {r['rerun_mb']:.0f}, "
        f"report {r['report_mb']:.0f}" for r in rows))
    print(cost_by_kind(records))


if __name__ == "__main__":
    main()
