"""How much does a hostile student learn over resubmissions? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_attack.py [--rounds 20] [--checkout DIR ...]

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
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.attacker import attack  # noqa: E402  (tests/ on the path first)

MODES = {"default cases": [], "--per-student-cases": ["--per-student-cases"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--checkout", action="append", type=Path,
                        help="a conv-lab source tree to attack (repeat; default: this one)")
    args = parser.parse_args()
    checkouts = args.checkout or [ROOT]
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
