"""What does the results store cost? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_store.py [--submissions 200] [--repeats 5]

1. Real records: a few example students (correct, stub, buggy ones whose failures hold
   arrays and diagnoses) graded on the whole rubric in the sandbox, once.
2. Store overhead per submission, for ``--submissions`` submissions: the content hash of
   the file, the record serialised and committed (WAL, synchronous=FULL), the report
   digest; next to it, for scale, rendering and writing the two reports (which grading
   did before the store too).
3. A rerun over ``--submissions`` already-graded submissions: the store is filled with
   those records under the keys ``autograder grade`` computes, then the same
   ``autograder grade CLASS --out OUT`` runs again (the installed command, Python start-up
   included); every submission must come back cached.

Aims: overhead under 5 ms per submission; the rerun under 3 s for 200.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import reports
from autograder.examples import example_class
from autograder.grading import SubmissionPath, find_submissions, grade_many
from autograder.incremental import _Run
from autograder.options import GradeOptions
from autograder.store import Key, OutputLock, Store, content_hash, grader_version

STUDENTS = ("loops", "stub", "bug_conv_bias_missing", "bug_softmax_no_max",
            "bug_dense_backward_db_mean", "bug_zero_pad_corner")


def real_records(root: Path) -> list:
    """The chosen students graded on the whole rubric (the expensive part, done once)."""
    sources = {s.name: s.source() for s in example_class() if s.name in STUDENTS}
    subs = []
    for name in STUDENTS:
        path = root / f"{name}.py"
        path.write_text(sources[name])
        subs.append(SubmissionPath(name, path))
    return grade_many(subs, workers=2)


def make_class(root: Path, records: list, n: int) -> tuple[Path, list[SubmissionPath], list]:
    """``n`` submission files (each a distinct copy of a graded student's file) and, for
    each, the record graded for that file, renamed to the new student."""
    import copy

    folder = root / "class"
    folder.mkdir()
    sources = {s.name: s.source() for s in example_class() if s.name in STUDENTS}
    for i in range(n):
        record = records[i % len(records)]
        (folder / f"s{i:03d}_{record.student}.py").write_text(
            f"# copy {i}\n{sources[record.student]}")
    subs, _ = find_submissions([folder])
    recs = []
    for i, sub in enumerate(subs):
        rec = copy.deepcopy(records[i % len(records)])
        rec.student = sub.student
        recs.append(rec)
    return folder, subs, recs


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def measure_overhead(out: Path, subs: list[SubmissionPath], recs: list) -> dict[str, float]:
    """Per-submission milliseconds of each step, medians over the class."""
    steps: dict[str, list[float]] = {"content hash": [], "store commit": [],
                                     "reports: render": [], "reports: write": []}
    key_parts = (0, GradeOptions().rubric_hash(), grader_version())
    settings = reports.ReportSettings()
    with OutputLock(out), Store.open(out) as store:
        run_id = store.start_run(argv=["bench"], seed=0, rubric_hash=key_parts[1],
                                 sandbox="bench", total=len(subs))
        for sub, rec in zip(subs, recs, strict=True):
            t0 = time.perf_counter()
            key = Key(content_hash(sub.path), *key_parts)
            t1 = time.perf_counter()
            files = reports.render(rec, settings)
            t2 = time.perf_counter()
            store.put(rec, key, source=str(sub.path), options=GradeOptions().stored(),
                      report_digest=reports.files_digest(files, rec.student, settings),
                      run_id=run_id)
            t3 = time.perf_counter()
            reports.write(rec, reports.student_folder(rec.student, out), settings, files)
            t4 = time.perf_counter()
            steps["content hash"].append(t1 - t0)
            steps["reports: render"].append(t2 - t1)
            steps["store commit"].append(t3 - t2)
            steps["reports: write"].append(t4 - t3)
    result = {name: median_ms(times) for name, times in steps.items()}
    result["store overhead (hash + commit)"] = (result["content hash"]
                                                + result["store commit"])
    return result


def fill_store(out: Path, subs: list[SubmissionPath], recs: list) -> None:
    """The store and reports as ``autograder grade`` leaves them after grading ``subs``."""
    with OutputLock(out), Store.open(out) as store:
        run = _Run(store, subs, out, GradeOptions(), reports.ReportSettings(), False, ["bench"])
        for i, rec in enumerate(recs):
            run.commit(i, rec)
        run.write_class_files(None)


def time_rerun(folder: Path, out: Path) -> tuple[float, str]:
    grader = str(Path(sys.executable).parent / "autograder")
    start = time.perf_counter()
    proc = subprocess.run([grader, "grade", str(folder), "--out", str(out), "--quiet"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return seconds, proc.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5, help="reruns timed (median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        (root / "real").mkdir()
        t0 = time.perf_counter()
        records = real_records(root / "real")
        print(f"graded {len(records)} real records in {time.perf_counter() - t0:.1f} s "
              "(not part of the measurement)\n")
        folder, subs, recs = make_class(root, records, args.submissions)
        (root / "overhead").mkdir()
        (root / "out").mkdir()
        overhead = measure_overhead(root / "overhead", subs, recs)
        fill_store(root / "out", subs, recs)
        reruns = [time_rerun(folder, root / "out") for _ in range(args.repeats)]
        size_kb = (root / "out" / "grading.sqlite").stat().st_size / 1024
    print("| step (per submission) | median ms |")
    print("|---|---|")
    for name, ms in overhead.items():
        print(f"| {name} | {ms:.2f} |")
    times = sorted(s for s, _ in reruns)
    print(f"\n| rerun of `autograder grade` over {args.submissions} graded submissions "
          "| median s | min s | max s |")
    print("|---|---|---|---|")
    print(f"| all cached (Python start-up included) | {statistics.median(times):.2f} "
          f"| {times[0]:.2f} | {times[-1]:.2f} |")
    print(f"\nsummary line: {reruns[-1][1]}")
    print(f"store size: {size_kb:.0f} KiB for {args.submissions} records")


if __name__ == "__main__":
    main()
