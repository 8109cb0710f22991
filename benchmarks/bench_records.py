"""How big is a record, and what does the grading process hold? Prints a table; asserts
nothing.

    .venv/bin/python benchmarks/bench_records.py [--items 3] [--mb 60]

Grades, in the real sandbox, the model solution and a submission whose graded functions
return a ``--mb`` MB array on every call, on the first ``--items`` items of those
functions; each in its own Python process, which reports the peak memory of that (main)
process (``ru_maxrss``; the pool worker that grades is a child and not counted) and the
size of the record it received, pickled and as the store keeps it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import rubric
from autograder.examples import read

FUNCTIONS = ("relu", "flatten", "dense", "softmax", "zero_pad", "conv2d")

HUGE = """
import numpy as _np


def _huge(*args, **kwargs):
    return _np.arange({n}, dtype=_np.float64)


{names} = _huge
"""

MEASURE = r"""
import json, pickle, resource, sys
from pathlib import Path
from autograder.grading import SubmissionPath, grade_many
from autograder.options import GradeOptions
from autograder.store import record_to_json

path, items = sys.argv[1], json.loads(sys.argv[2])
record = grade_many([SubmissionPath("s", Path(path))], GradeOptions(items=items), workers=1)[0]
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "pickled": len(pickle.dumps(record)), "stored": len(record_to_json(record)),
                  "score": record.score}))
"""


def measure(path: Path, items: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path), json.dumps(items)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3, help="items graded (default 3)")
    parser.add_argument("--mb", type=int, default=60, help="MB returned per call (default 60)")
    args = parser.parse_args()
    items = [it.name for it in rubric.ITEMS if it.name.split(":")[0] in FUNCTIONS][:args.items]
    model = read("model_solution.py")
    with tempfile.TemporaryDirectory() as tmp:
        files = {"model solution": Path(tmp) / "model.py",
                 f"returns {args.mb} MB per call": Path(tmp) / "huge.py"}
        files["model solution"].write_text(model)
        n = args.mb * 1024 * 1024 // 8
        files[f"returns {args.mb} MB per call"].write_text(
            model + HUGE.format(n=n, names=" = ".join(FUNCTIONS)))
        print(f"items: {', '.join(items)}\n")
        print("| submission | score | record pickled (bytes) | record stored (chars) "
              "| main process peak (MB) |")
        print("|---|---|---|---|---|")
        for name, path in files.items():
            m = measure(path, items)
            print(f"| {name} | {m['score']:g} | {m['pickled']:,} | {m['stored']:,} "
                  f"| {m['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
