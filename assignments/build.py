"""Build every student-facing file of conv-lab from ``reference/`` and the rubric.

    python -m assignments.build            # (re)write the files in this repository
    python -m assignments.build --check    # exit 1 if a committed file is out of date
    python -m assignments.build --out DIR  # write the same tree under DIR instead

Run it from the repository root (``python assignments/build.py`` works too). Output:

- autograder/examples/model_solution.py      the model solution, one standalone module
- autograder/selfcheck.py                     its KNOWN answers (from the reference)
- assignments/stubs/                          conv_layers.py stubs + selfcheck.py + digits
- assignments/source/conv_layers/             the five nbgrader source notebooks,
                                              selfcheck.py and the digits
The output depends only on the inputs: no dates, no execution outputs, stable JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python assignments/build.py` puts assignments/ first instead
    sys.path.insert(0, str(ROOT))

from assignments.generator import outputs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root to write under")
    parser.add_argument("--check", action="store_true",
                        help="only compare with the files under --out; exit 1 if any differ")
    args = parser.parse_args(argv)
    files = outputs.all_files()
    stale = [rel for rel, data in files.items()
             if not (args.out / rel).is_file() or (args.out / rel).read_bytes() != data]
    if args.check:
        for rel in stale:
            print(f"out of date: {rel}")
        print(f"{len(files) - len(stale)} of {len(files)} generated files up to date")
        return 1 if stale else 0
    for rel in stale:
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data := files[rel])
        print(f"wrote {rel} ({len(data)} bytes)")
    print(f"{len(files)} generated files, {len(stale)} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
