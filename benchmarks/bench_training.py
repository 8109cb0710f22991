"""How long does notebook 5's training take, and what does it reach? Prints a table.

    .venv/bin/python benchmarks/bench_training.py --repeats 3 [--full-repeats 1]

The runs notebook 5 talks about, side by side in one process, with the settings of
``assignments/generator/training.py``:

- ``demo, loops``: the in-notebook run (a few hundred digits, a few epochs, the test
  accuracy printed after every epoch) with the loop-style model solution, which is what a
  student's own functions look like;
- ``one epoch of all digits, loops``: the same functions on all 1,437 training digits
  for one epoch (the default 12 epochs take 12 times as long);
- ``full, vectorized conv2d``: the optional longer run, all digits for 12 epochs, with
  conv2d replaced by a vectorized one (what the notebook's optional conv2d_fast gives; the
  backward pass is still loops);
- ``full, reference``: the same run with the reference's vectorized layers, for scale.

Times are wall-clock medians of ``--repeats`` runs (``--full-repeats`` for the long
vectorized-conv2d run); accuracies are the returned ``test_accuracy`` (training is seeded,
so they do not vary). The numbers are also written to ``benchmarks/RESULTS_training.json``,
which the build puts into notebook 5's text.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import reference  # noqa: E402
from assignments.generator import training  # noqa: E402

MODEL = ROOT / "autograder" / "examples" / "model_solution.py"


def model_module(name: str, fast_conv2d: bool = False):
    """The loop-style model solution as a module; with ``fast_conv2d`` its conv2d is the
    reference's vectorized one."""
    spec = importlib.util.spec_from_file_location(name, MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if fast_conv2d:
        module.conv2d = reference.conv2d
    return module


def timed(train, repeats: int, *args, **kwargs) -> tuple[float, list[float], dict]:
    """(median seconds, every run's seconds, the last result) of ``repeats`` runs, with
    what the function prints swallowed."""
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = train(*args, **kwargs)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=training.RESULTS)
    args = parser.parse_args(argv)

    x_train, y_train, x_test, y_test = reference.load_digits_split()
    demo, full = training.settings()["demo"], training.settings()["full"]
    loops = model_module("loops")
    fast = model_module("fast_conv2d", fast_conv2d=True)
    runs = {}

    n, t = demo["digits"], demo["test"]
    median, each, result = timed(loops.train_tiny_cnn, args.repeats, x_train[:n], y_train[:n],
                                 x_test[:t], y_test[:t], epochs=demo["epochs"], verbose=True)
    runs["demo_loops"] = {"seconds": median, "runs": each,
                          "accuracy": result["test_accuracy"],
                          "loss_history": result["loss_history"]}
    median, each, _ = timed(loops.train_tiny_cnn, args.repeats, x_train, y_train, epochs=1)
    runs["epoch_loops"] = {"seconds": median, "runs": each, "digits": len(x_train)}
    median, each, result = timed(fast.train_tiny_cnn, args.full_repeats, x_train, y_train,
                                 x_test, y_test, epochs=full["epochs"])
    runs["full_fast_conv2d"] = {"seconds": median, "runs": each,
                                "accuracy": result["test_accuracy"]}
    median, each, result = timed(reference.train_tiny_cnn, args.repeats, x_train, y_train,
                                 x_test, y_test, epochs=full["epochs"])
    runs["full_reference"] = {"seconds": median, "runs": each,
                              "accuracy": result["test_accuracy"]}

    rows = [("demo, loops", f"{n} × {demo['epochs']} (test {t})", runs["demo_loops"]),
            ("one epoch of all digits, loops", f"{len(x_train)} × 1", runs["epoch_loops"]),
            ("full, vectorized conv2d", f"{len(x_train)} × {full['epochs']}",
             runs["full_fast_conv2d"]),
            ("full, reference", f"{len(x_train)} × {full['epochs']}", runs["full_reference"])]
    print("| run | digits × epochs | median s | runs s | test accuracy |")
    print("|---|---|---:|---|---:|")
    for name, size, run in rows:
        accuracy = f"{run['accuracy']:.1%}" if "accuracy" in run else "–"
        print(f"| {name} | {size} | {run['seconds']:.1f} | "
              f"{', '.join(f'{s:.1f}' for s in run['runs'])} | {accuracy} |")
    record = {
        "command": training.COMMAND,
        "settings": training.settings(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(v, 1) for v in os.getloadavg()]},
        "runs": runs,
    }
    args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
