"""How much does a hostile student learn over resubmissions? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_attack.py [--rounds 20] [--checkout DIR ...]
    .venv/bin/python benchmarks/bench_attack.py --burn [--checkout DIR ...]

The attacker (``tests/support/attacker.py``) writes no implementation: every graded function
is a lookup table keyed by its arguments, learned from its own feedback (the shown failing
case and its expected value) and from whatever the grader answers when a later function
calls an earlier one on remembered inputs. Each round it hands in its file, runs
``autograder grade`` on it with bubblewrap, reads ``results.json`` and learns. This runs the
attack with the default cases and with ``--per-student-cases``, side by side, for every
checkout given (``--checkout``: a source tree of conv-lab, run with this Python and that
tree first on ``sys.path``; default: this one), and prints per round the score, the points
of output_size … tiny_cnn_forward (the items the issue's attack took), how many answers the
grader's replies smuggled out ("leaked") and how often the table answered a call ("hits").

``--burn`` grades instead, with the defaults, the model solution whose ``conv2d`` first asks
for one of the two answers that made the grader work for the student: ``conv2d_single`` on a
1×1 image padded by 4095, ``zero_pad`` of a 1×1 image to 11585². It prints the wall time,
the CPU time and the peak memory of the grading processes (``autograder grade`` and its
pool; bubblewrap's PID namespace keeps the sandboxed worker out of these numbers) and the
score.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.attacker import attack  # noqa: E402  (tests/ on the path first)

MODES = {"default cases": [], "--per-student-cases": ["--per-student-cases"]}

#: conv2d, before it computes, asks for an answer that costs whoever computes it.
BURNERS = {
    "none (the model solution as it is, for scale)": "pass",
    "conv2d_single on 1×1 padded by 4095":
        "conv2d_single(np.ones((1, 1)), np.ones((1, 1)), padding=4095)",
    "zero_pad of 1×1 to 11585²": "zero_pad(np.ones((1, 1)), 5792)",
}
BURNER = """

_model_conv2d = conv2d


def conv2d(x, w, b=None, stride=1, padding=0):
    {ask}
    return _model_conv2d(x, w, b, stride, padding)
"""


def burn(checkouts: list[Path]) -> None:
    """The ``--burn`` table (module docstring)."""
    from autograder.examples import read

    print("| checkout | the ask | wall s | grading CPU s | grading peak MB | score |")
    print("|---|---|---:|---:|---:|---:|")
    for checkout in checkouts:
        env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
        for what, ask in BURNERS.items():
            with tempfile.TemporaryDirectory(prefix="bench-burn-") as tmp:
                (Path(tmp) / "in").mkdir()
                (Path(tmp) / "in" / "burner.py").write_text(
                    read("model_solution.py") + BURNER.format(ask=ask))
                before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
                subprocess.run(
                    [sys.executable, "-c",
                     "import sys; from autograder.cli import main; sys.exit(main())", "grade",
                     "in", "--out", "out", "--workers", "1", "--sandbox", "bubblewrap",
                     "--quiet"], cwd=tmp, env=env, capture_output=True, check=False)
                wall, after = time.time() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                grades = (Path(tmp) / "out" / "grades.csv").read_text().splitlines()
                score = grades[1].split(",")[1] if len(grades) > 1 else "?"
                print(f"| {checkout} | {what} | {wall:.1f} | {cpu:.1f} | "
                      f"{after.ru_maxrss / 1024:.0f} | {score} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--checkout", action="append", type=Path,
                        help="a conv-lab source tree to attack (repeat; default: this one)")
    parser.add_argument("--burn", action="store_true",
                        help="the asks that made the grader compute (module docstring)")
    args = parser.parse_args()
    checkouts = args.checkout or [ROOT]
    if args.burn:
        burn(checkouts)
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-attack-") as tmp:
        for number, checkout in enumerate(checkouts):
            env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
            for mode, options in MODES.items():
                folder = Path(tmp) / f"{number}-{len(options)}"
                print(f"{checkout} · {mode}", file=sys.stderr, flush=True)
                results[(str(checkout), mode)] = attack(
                    folder, args.rounds, ["--sandbox", "bubblewrap", *options], env=env,
                    each=lambda row: print(row, file=sys.stderr, flush=True))
    print("| checkout | cases | round | score | output_size … tiny_cnn_forward | leaked "
          "| learned from shown cases | table hits |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (checkout, mode), rows in results.items():
        for row in rows:
            if row["round"] in (1, 2, 5, 10, 15, args.rounds):
                print(f"| {checkout} | {mode} | {row['round']} | {row['score']:g} | "
                      f"{row['forward']:g}/{row['forward_max']} | {row['leaked']} | "
                      f"{row['shown']} | {row['hits']} |")


if __name__ == "__main__":
    main()
