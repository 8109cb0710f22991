"""What the sandbox costs: worker start-up and call round trips, bubblewrap vs the two
rlimit kinds (as another user in a chroot of Python and numpy; as the grader's user), and
the one-time cost of that chroot (its runtime folder: time to build, size).

    .venv/bin/python benchmarks/bench_sandbox.py [--repeat 7]

Prints medians (and the spread as min–max) of repeated runs; the in-process Student,
which still round-trips every value through the wire format, is the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autograder.sandbox import SandboxedStudent, bubblewrap_status
from autograder.sandbox.bubblewrap import other_user_status
from autograder.sandbox.runtime import build_runtime
from autograder.student import InProcessStudent

STUDENT = """
def echo(x):
    return x
"""
BATCH = np.random.default_rng(0).normal(size=(64, 3, 32, 32))  # 1.5 MB of float64


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def row(label: str, seconds: list[float], baseline: float | None = None) -> str:
    med = statistics.median(seconds)
    ratio = f"{med / baseline:8.1f}×" if baseline else f"{'':>9}"
    return (f"{label:<46} {med * 1e3:10.2f} ms   ({min(seconds) * 1e3:.2f}–"
            f"{max(seconds) * 1e3:.2f})  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="start-ups per kind (default 7)")
    args = parser.parse_args()

    usable, userns, why = bubblewrap_status()  # probed once, outside the timings
    other_user, why_not = other_user_status()  # builds the runtime if it is missing
    kinds = [*(["bubblewrap"] if usable else []),
             *(["rlimit-as-other-user"] if other_user else []), "rlimit-as-self"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.py"
        path.write_text(STUDENT)
        namespace: dict = {}
        exec(STUDENT, namespace)
        local = InProcessStudent(namespace)
        base_tiny = statistics.median(timings(lambda: local.call("echo", 1), 200))
        base_big = statistics.median(timings(lambda: local.call("echo", BATCH), 30))

        print(f"bubblewrap: {'usable' if usable else 'NOT usable: ' + why}"
              f"{' (uid 65534 in a user namespace)' if userns else ''}")
        print(f"rlimit as another user: {'usable' if other_user else 'NOT usable: ' + why_not}")
        if other_user:
            built = timings(lambda: build_runtime(Path(tempfile.mkdtemp(dir=tmp)) / "rt"), 1)
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
            print(f"its runtime (chroot of Python and numpy, built once): "
                  f"{built[0]:.1f} s to build, {size / 2**20:.0f} MB")
        print(f"{'':<46} {'median':>13}   (min–max)         vs in-process")
        print(row("in-process call, tiny", [base_tiny]))
        print(row("in-process call, 64×3×32×32", [base_big]))
        for kind in kinds:
            print(row(f"{kind}: start-up (load + ready)",
                      timings(lambda k=kind: SandboxedStudent(path, sandbox=k).close(),
                              args.repeat)))
            with SandboxedStudent(path, sandbox=kind) as s:
                s.call("echo", 1)  # warm
                print(row(f"{kind}: call, tiny",
                          timings(lambda s=s: s.call("echo", 1), 200), base_tiny))
                print(row(f"{kind}: call, 64×3×32×32 float64",
                          timings(lambda s=s: s.call("echo", BATCH), 30), base_big))


if __name__ == "__main__":
    main()
