"""A real Dask cluster on 127.0.0.1 for tests and benchmarks: ``dask scheduler`` and
``dask worker`` processes (with nannies), each in its own process group, always torn down.

    with DaskProcesses(workers=2) as cluster:
        cluster.address                      # tcp://127.0.0.1:PORT
        cluster.worker_pids()                # {worker address: pid of the worker process}

Workers run one thread each (unless told), with a memory limit, no dashboards, and
``tests/`` on their ``PYTHONPATH`` so that a fault-injecting grader in
``support.cluster_faults`` can be sent by reference. The scheduler's ``allowed-failures``
is 1: a task that kills two workers is given up (``KilledWorker``), as the local pool gives
up after two deaths.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")
TESTS = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
        "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update(extra)
    return env


class DaskProcesses:
    """A scheduler and ``workers`` nanny-managed workers (see the module docstring).

    ``worker_env``: extra environment for the workers (e.g. a PATH without bwrap, a
    PYTHONPATH with another conv-lab); ``scheduler_env``: the scheduler's (e.g. its Dask
    config); ``threads``: each worker's; ``folder``: where the scheduler file and logs go."""

    def __init__(self, folder: Path, workers: int = 2, memory: str = "2GiB",
                 worker_env: dict[str, str] | None = None,
                 scheduler_env: dict[str, str] | None = None, threads: int = 1) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n_workers = workers
        self.memory = memory
        self.worker_env = worker_env or {}
        self.scheduler_env = scheduler_env or {}
        self.threads = threads
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, args: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        out = open(self.folder / log, "w")  # the child keeps its own copy
        proc = subprocess.Popen([DASK, *args], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True, cwd=self.folder)
        out.close()
        self.procs.append(proc)
        return proc

    def __enter__(self) -> DaskProcesses:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        file = self.folder / "scheduler.json"
        file.unlink(missing_ok=True)
        self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(file)], "scheduler.log", _env(**self.scheduler_env))
        deadline = time.monotonic() + START_TIMEOUT
        while not file.exists():
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise RuntimeError("dask scheduler did not start: "
                                   + (self.folder / "scheduler.log").read_text()[-2000:])
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written before the address is final on some versions
        self.address = json.loads(file.read_text())["address"]
        for k in range(self.n_workers):
            self.add_worker(f"worker{k}.log")
        self.wait_for_workers(self.n_workers)

    def add_worker(self, log: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """One more ``dask worker`` (with a nanny)."""
        return self._start(["worker", self.address, "--host", "127.0.0.1",
                            "--nthreads", str(self.threads),
                            "--nworkers", "1", "--memory-limit", self.memory,
                            "--no-dashboard", "--death-timeout", "60"],
                           log, _env(**{**self.worker_env, **(env or {})}))

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=START_TIMEOUT)

    def worker_pids(self) -> dict[str, int]:
        """{worker address: pid of its worker process (not the nanny)}."""
        with self.client() as client:
            return client.run(os.getpid)

    def kill_scheduler(self) -> None:
        os.killpg(self.procs[0].pid, signal.SIGKILL)
        self.procs[0].wait(10)

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what is left after 10 s; always reaps."""
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 10
        for proc in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group: nanny's worker too
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(10)
        self.procs.clear()
