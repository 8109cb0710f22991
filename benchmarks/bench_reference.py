"""How fast is the numpy reference? One table: conv2d (fast and loops), conv2d_backward,
each against PyTorch's CPU kernels when torch is installed, and training the tiny CNN.

    .venv/bin/python benchmarks/bench_reference.py [--reps 30] [--threads N] [--output FILE.md]

Every timing is a median over repeated runs; the contestants of one row run in turn
inside each repetition (interleaved), so a burst of load from elsewhere hits all of them
alike. Loops are timed on fewer images and scaled up (the table says so). GFLOP/s counts
2·N·F·OH·OW·C·FH·FW floating-point operations per forward pass.

OpenBLAS: where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set for safety on this machine,
they slow a current numpy; benchmark with both unset in this command alone
(``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...``). The header prints the BLAS kernel
threadpoolctl sees, so the table says what it measured.

``--threads 1`` runs numpy's BLAS and torch on one core each: on a machine shared with
other jobs, multi-threaded BLAS and OpenMP can wait milliseconds for a busy core, and
one thread each compares the implementations rather than the scheduler.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from reference import conv2d, conv2d_backward, conv2d_loops, load_digits_split, train_tiny_cnn

try:
    import torch
except ImportError:  # the comparison columns then say "n/a"
    torch = None

# (name, x shape, w shape, padding): the shapes.
SHAPES = [
    ("N64·C3·32×32·F16·3×3 p1", (64, 3, 32, 32), (16, 3, 3, 3), 1),
    ("N64·C16·16×16·F32·3×3 p1", (64, 16, 16, 16), (32, 16, 3, 3), 1),
    ("N128·C1·8×8·F8·3×3 p1", (128, 1, 8, 8), (8, 1, 3, 3), 1),
    ("N8·C3·32×32·F6·5×5 p0", (8, 3, 32, 32), (6, 3, 5, 5), 0),
]
LOOP_IMAGES = 2  # conv2d_loops runs on this many images, then is scaled to N
# Set on some machines for old OpenBLAS builds' sake; a benchmark runs with them unset.
UNSET_FOR_BENCHMARKS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def interleaved_medians(contestants: dict[str, Callable[[], object]], reps: int,
                        slow: frozenset = frozenset(), slow_reps: int = 3) -> dict[str, float]:
    """Median seconds of each contestant; each repetition runs every contestant once.

    Contestants in ``slow`` take part in the first ``slow_reps`` repetitions only.
    """
    for fn in contestants.values():  # warm-up: allocations, caches, lazy imports
        fn()
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for rep in range(reps):
        for name, fn in contestants.items():
            if name in slow and rep >= slow_reps:
                continue
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def conv_flops(x_shape, w_shape, out_hw) -> int:
    n, c = x_shape[:2]
    f, _, fh, fw = w_shape
    return 2 * n * f * out_hw[0] * out_hw[1] * c * fh * fw


def torch_backward(dout, x, w, padding):
    """What autograd runs for a convolution's backward pass: dx, dw and db together."""
    f = w.shape[0]
    return torch.ops.aten.convolution_backward(
        dout, x, w, [f], [1, 1], [padding, padding], [1, 1], False, [0, 0], 1, [True, True, True]
    )


def conv_rows(reps: int) -> list[list[str]]:
    rows = []
    for dtype in (np.float32, np.float64):
        for name, x_shape, w_shape, padding in SHAPES:
            rng = np.random.default_rng(0)
            x = rng.standard_normal(x_shape).astype(dtype)
            w = rng.standard_normal(w_shape).astype(dtype)
            b = rng.standard_normal(w_shape[0]).astype(dtype)
            out = conv2d(x, w, b, padding=padding)
            dout = rng.standard_normal(out.shape).astype(dtype)
            x_small = x[:LOOP_IMAGES]
            contestants = {
                "fast": lambda x=x, w=w, b=b, p=padding: conv2d(x, w, b, padding=p),
                "loops": lambda x=x_small, w=w, b=b, p=padding: conv2d_loops(x, w, b, padding=p),
                "backward": lambda d=dout, x=x, w=w, p=padding: conv2d_backward(d, x, w, padding=p),
            }
            if torch is not None:
                tx, tw, tb, td = (torch.from_numpy(a) for a in (x, w, b, dout))
                expected = torch.nn.functional.conv2d(tx, tw, tb, padding=padding).numpy()
                tol = 1e-3 if dtype == np.float32 else 1e-9
                np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
                contestants["torch"] = lambda tx=tx, tw=tw, tb=tb, p=padding: (
                    torch.nn.functional.conv2d(tx, tw, tb, padding=p))
                contestants["torch backward"] = lambda td=td, tx=tx, tw=tw, p=padding: (
                    torch_backward(td, tx, tw, p))
            t = interleaved_medians(contestants, reps, slow=frozenset({"loops"}))
            loops_scaled = t["loops"] * x_shape[0] / LOOP_IMAGES
            gflops = conv_flops(x_shape, w_shape, out.shape[2:]) / t["fast"] / 1e9
            row = [name, np.dtype(dtype).name, f"{t['fast'] * 1e3:.3f}", f"{gflops:.1f}",
                   f"{loops_scaled / t['fast']:,.0f}×"]
            if torch is not None:
                row += [f"{t['torch'] * 1e3:.3f}", f"{t['fast'] / t['torch']:.2f}",
                        f"{t['backward'] * 1e3:.3f}", f"{t['torch backward'] * 1e3:.3f}",
                        f"{t['backward'] / t['torch backward']:.2f}"]
            else:
                row += [f"{t['backward'] * 1e3:.3f}"] + ["n/a"] * 4
            rows.append(row)
            print("  ".join(row), file=sys.stderr, flush=True)
    return rows


def training_row(runs: int = 3) -> tuple[float, float]:
    data = load_digits_split()
    seconds, accuracies = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = train_tiny_cnn(*data)
        seconds.append(time.perf_counter() - start)
        accuracies.append(result["test_accuracy"])
    return statistics.median(seconds), statistics.median(accuracies)


def environment() -> list[str]:
    lines = [
        f"- Python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else
           ", torch not installed"),
        f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"load average before the run: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        "- OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "(unset)")
        + ", OPENBLAS_L2_SIZE=" + os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"- threadpoolctl: {pool.get('internal_api')} {pool.get('version')}, "
                         f"kernel {pool.get('architecture')}, {pool.get('num_threads')} threads "
                         f"({os.path.basename(pool.get('filepath', ''))})")
    except ImportError:
        lines.append("- threadpoolctl not installed: BLAS kernel unknown")
    return lines


HEADER = ["shape", "dtype", "fast ms", "GFLOP/s", "vs loops", "torch ms", "numpy/torch",
          "backward ms", "torch bwd ms", "bwd numpy/torch"]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30, help="repetitions per timing (median)")
    parser.add_argument("--threads", type=int, help="BLAS and torch threads (default: theirs)")
    parser.add_argument("--output", help="also write the table, command and machine to this file")
    args = parser.parse_args(argv)
    if args.threads and os.environ.get("OPENBLAS_NUM_THREADS") != str(args.threads):
        # BLAS reads its thread count when numpy loads it: start again with it set.
        threads = str(args.threads)
        child_env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
               "MKL_NUM_THREADS": threads}
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], child_env)
    if args.threads and torch is not None:
        torch.set_num_threads(args.threads)

    env = environment()
    rows = conv_rows(args.reps)
    train_s, train_acc = training_row()
    text = "\n".join([
        markdown_table(HEADER, rows),
        "",
        f"train_tiny_cnn (defaults: 12 epochs, batch 32, Adam): {train_s:.2f} s, "
        f"test accuracy {train_acc:.1%} (median of 3 runs)",
        "",
        f"Medians of {args.reps} interleaved runs. \"vs loops\": conv2d_loops timed on "
        f"{LOOP_IMAGES} images (3 runs) and scaled to N, divided by the fast time. "
        "\"backward\": conv2d_backward (dx, dw, db) against aten.convolution_backward, "
        "which autograd calls.",
        "",
        *env,
        f"- load average after the run: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
    ])
    print(text)
    if args.output:
        unset = [f"-u {name}" for name in UNSET_FOR_BENCHMARKS if name not in os.environ]
        command = " ".join([*(["env", *unset] if unset else []), os.path.relpath(sys.executable),
                            os.path.relpath(__file__), *(argv or sys.argv[1:])])
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write("# Speed of the numpy reference\n\n")
            fh.write(f"Command (from the project root):\n\n    {command}\n\n{text}\n")


if __name__ == "__main__":
    main()
