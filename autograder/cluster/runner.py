"""Grading on a Dask cluster: a drop-in for :func:`autograder.grading.run_pool`.

``dask_runner(address)`` returns a function with ``run_pool``'s signature, for
:func:`autograder.incremental.grade_into_store` (``autograder grade --scheduler ADDRESS``):

1. connect to the scheduler and wait for a worker; ask every worker what it would grade
   with (:func:`autograder.cluster.worker.worker_facts`) and refuse, naming the worker,
   if its conv-lab version or rubric differs from this client's, or if it would fall back
   to rlimit without ``allow_rlimit``;
2. send each submission as its bytes (:mod:`autograder.cluster.payload`), keeping about
   two tasks per worker thread in flight (the client's memory stays bounded for any class);
   a submission that cannot be sent, or that names no gradable file, gets its record here
   without running any of its code;
3. call ``finish(i, record)`` in this process as each record comes back, so the store
   commits it at once: a lost client loses nothing already graded;
4. faults: a worker that dies mid-task is restarted by its nanny and the scheduler runs
   the task again elsewhere. Dask blames a death on every task the worker held, so a task
   given up after ``allowed-failures + 1`` deaths (``KilledWorker``) is only a suspect: it
   is sent again alone once the batch is done, and only a task that kills its workers
   while nothing else runs gets a record saying so (the batch goes on). A result that
   cannot be fetched is sent again; a lost scheduler raises :class:`ClusterError` saying
   that everything graded so far is stored.

``stop()`` turning true cancels what is not finished and returns True, as ``run_pool`` does.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..grading import (
    DIED_TWICE,
    Finish,
    SubmissionPath,
    _input_problem,
    failed_record,
    grade_submission,
)
from ..i18n import _
from ..options import DEFAULT_OPTIONS, GradeOptions
from ..results import GradeRecord
from ..store import grader_version, record_from_json
from .payload import PayloadError, pack
from .worker import grade_payload, refusal, worker_facts

#: Seconds to reach the scheduler, and to wait for its first worker.
CONNECT_TIMEOUT = 30.0
#: How often the loop looks at ``stop()`` and at the connection while tasks run.
POLL_SECONDS = 0.25
#: Tasks in flight per worker thread: enough to keep every thread busy between round trips.
TASKS_PER_THREAD = 2
#: Seconds between looks at how many worker threads the cluster has.
WINDOW_EVERY = 5.0
#: Times one submission is sent before a cluster that keeps losing its result gives up.
MAX_SENDS = 5


class ClusterError(Exception):
    """The cluster cannot grade (unreachable, a worker refused, the scheduler lost); the
    message says what to do. Every record graded before it is in the store."""


def died_text(deaths: int) -> str:
    """The record's reason for a submission whose task killed ``deaths`` workers; the
    local pool's words when that is two."""
    if deaths == 2:
        return DIED_TWICE
    return _("the grading process died while grading this submission ({deaths} times); "
             "please tell the instructor", deaths=deaths)


def _allowed_failures(dask_scheduler: Any = None) -> int:
    return int(dask_scheduler.allowed_failures)


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A Client for the scheduler at ``address`` with at least one worker; ClusterError
    naming the address otherwise (also when the ``cluster`` extra is not installed)."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("grading on a Dask cluster needs the cluster extra: "
                           "pip install 'conv-lab[cluster]'") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); is "
                           "`dask scheduler` running there and the address right?") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers "
                           f"(waited {timeout:.0f} s: {exc}); start `dask worker {address}` "
                           "on the grading machines") from None
    return client


def check_workers(client: Any, options: GradeOptions,
                  expected: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every worker's facts ({address: facts}); ClusterError naming each worker that must
    not grade (another version or rubric, or no bubblewrap)."""
    facts = client.run(worker_facts, options)
    for address, found in facts.items():  # client.run runs outside a task: no get_worker()
        found["worker"] = found["worker"] or address
    refusals = [why for why in (refusal(f, expected) for f in facts.values()) if why]
    if refusals:
        raise ClusterError("refusing to grade on this cluster:\n  " + "\n  ".join(refusals))
    return facts


def describe(facts: dict[str, dict[str, str]], address: str) -> str:
    hosts = sorted({f["host"] for f in facts.values()})
    sandboxes = sorted({f["sandbox"] for f in facts.values()})
    return (f"grading on the Dask cluster at {address}: {len(facts)} worker(s) on "
            f"{len(hosts)} host(s) ({', '.join(hosts[:5])}{' …' if len(hosts) > 5 else ''}); "
            f"sandbox: {', '.join(sandboxes)}")


def dask_runner(scheduler: Any, *, allow_rlimit: bool = False,
                announce: Callable[[str], None] | None = None,
                connect_timeout: float = CONNECT_TIMEOUT) -> Callable[..., bool]:
    """A runner for :func:`autograder.incremental.grade_into_store` that grades on a Dask
    cluster (module docstring).

    Inputs: ``scheduler``, the scheduler's address (``tcp://HOST:8786``) or a connected
    ``distributed.Client`` (e.g. ``cluster.get_client()`` of Dask Gateway, dask-jobqueue
    or dask-kubernetes; left open afterwards); ``allow_rlimit``: accept workers without
    bubblewrap; ``announce(text)``: one-line messages (the cluster found)."""
    say = announce or (lambda text: None)
    owned = isinstance(scheduler, str)

    def run(subs: Sequence[SubmissionPath], indices: Iterable[int], finish: Finish, *,
            workers: int | None = None,
            grader: Callable[..., GradeRecord] = grade_submission,
            options: GradeOptions = DEFAULT_OPTIONS,
            stop: Callable[[], bool] = lambda: False) -> bool:
        queue = deque(indices)
        if not queue:
            return False
        expected = {"grader_version": grader_version(),
                    "rubric_hash": options.rubric_hash(),
                    "allow_rlimit": allow_rlimit}
        with _quiet_dask_logs():
            client = connect(scheduler, connect_timeout) if owned else scheduler
            address = scheduler if owned else client.scheduler.address
            try:
                say(describe(check_workers(client, options, expected), address))
                return _grade_on(client, address, subs, queue, finish, grader, options,
                                 expected, stop)
            finally:
                if owned:
                    with contextlib.suppress(Exception):
                        client.close(timeout=5)

    return run


def _grade_on(client: Any, address: str, subs: Sequence[SubmissionPath], queue: deque,
              finish: Finish, grader: Callable[..., GradeRecord], options: GradeOptions,
              expected: dict[str, Any], stop: Callable[[], bool]) -> bool:
    """The loop: keep the window full, hand each finished record to ``finish``."""
    try:
        deaths = client.run_on_scheduler(_allowed_failures) + 1
    except Exception:  # a scheduler that refuses run_on_scheduler: Dask's default
        import dask

        deaths = int(dask.config.get("distributed.scheduler.allowed-failures")) + 1
    run_id = uuid.uuid4().hex[:8]
    in_flight: dict[Any, int] = {}
    suspects: deque[int] = deque()  # given up by Dask while sharing workers: retried alone
    alone: set[int] = set()
    sends: dict[int, int] = {}  # each send a new key: a result lost with its worker is recomputed
    ready = threading.Event()  # set from Dask's callback thread when any task ends
    window, sized = 2, 0.0
    try:
        while queue or in_flight or suspects:
            if stop():
                return True
            _check_connection(client, address)
            if time.monotonic() - sized > WINDOW_EVERY:  # workers come and go
                with _lost_scheduler(address):
                    threads = sum(client.nthreads().values())
                window, sized = max(2, TASKS_PER_THREAD * threads), time.monotonic()
            sending: list[int] = []
            while queue and len(in_flight) + len(sending) < window:
                sending.append(queue.popleft())
            if not queue and not in_flight and not sending and suspects:
                sending.append(suspects.popleft())  # the batch is done: one suspect at a time
                alone.add(sending[0])
            for i in sending:
                sends[i] = sends.get(i, 0) + 1
                key = f"{run_id}-{i}-{sends[i]}{'-alone' * (i in alone)}"
                with _lost_scheduler(address):
                    future = _submit(client, subs[i], key,
                                     grader, options, expected, lambda r, i=i: finish(i, r))
                if future is not None:
                    in_flight[future] = i
                    future.add_done_callback(lambda _: ready.set())
            if not in_flight:
                continue
            ready.wait(POLL_SECONDS)
            ready.clear()
            for future in [f for f in in_flight if f.done()]:
                i = in_flight.pop(future)
                with _lost_scheduler(address):
                    record = _outcome(client, address, future, subs[i], deaths, i in alone)
                if record is SUSPECT:
                    suspects.append(i)
                elif record is None and sends[i] >= MAX_SENDS:  # the cluster keeps losing it
                    finish(i, failed_record(subs[i].student, _(
                        "the cluster lost this submission's result {count} times; please "
                        "tell the instructor", count=sends[i])))
                elif record is None:  # cancelled, or its result was lost: send it again
                    (suspects if i in alone else queue).appendleft(i)
                else:
                    finish(i, record)
        return False
    finally:
        if in_flight:
            with contextlib.suppress(Exception):
                client.cancel(list(in_flight))


def lost_message(address: str, why: object) -> str:
    return (f"lost the Dask scheduler at {address} ({why}). Every record graded so far is "
            "safe in the store; run the same command again, once the scheduler is back, "
            "to finish.")


@contextlib.contextmanager
def _lost_scheduler(address: str) -> Iterator[None]:
    """A broken connection to the scheduler, wherever it shows, as ClusterError."""
    try:
        yield
    except (OSError, TimeoutError) as exc:  # distributed's CommClosedError is an OSError
        raise ClusterError(lost_message(address, f"{type(exc).__name__}: {exc}")) from None


def _submit(client: Any, sub: SubmissionPath, key: str,
            grader: Callable[..., GradeRecord], options: GradeOptions,
            expected: dict[str, Any], finish: Callable[[GradeRecord], None]) -> Any:
    """Send one submission; None if its record was made here (nothing of it runs)."""
    if _input_problem(sub.path):  # a missing path or a file of the wrong kind: no code
        finish(grader(sub, options))
        return None
    try:
        payload = pack(sub)
    except PayloadError as exc:
        finish(failed_record(sub.student, str(exc)))
        return None
    return client.submit(grade_payload, payload, options, expected, grader,
                         key=f"convlab-grade-{key}", pure=False)


#: What :func:`_outcome` gives for a task Dask gave up while it shared its workers.
SUSPECT: Any = object()


def _outcome(client: Any, address: str, future: Any, sub: SubmissionPath,
             deaths: int, alone: bool) -> GradeRecord | None:
    """The record a finished task gives; None if it must be sent again (it was cancelled
    by someone else, or it finished but its result could not be fetched); SUSPECT if Dask
    gave it up while other tasks shared its workers (``alone``: nothing else ran)."""
    from distributed import KilledWorker

    if future.status == "cancelled":
        if client.status != "running":
            _check_connection(client, address)
        return None
    if future.status == "error":  # the task itself failed: this submission, not the batch
        exc = future.exception()
        if isinstance(exc, KilledWorker):
            if not alone:
                return SUSPECT
            return failed_record(sub.student, died_text(deaths))
        return failed_record(sub.student, _("the grader failed on a cluster worker ({error}); "
                                            "please tell the instructor",
                                            error=f"{type(exc).__name__}: {exc}"))
    try:
        reply = future.result()
    except (OSError, TimeoutError):
        # Fetching a finished result broke: its worker or the scheduler went away. That is
        # the cluster's fault, never a grade: a lost scheduler stops the run, anything else
        # sends the submission again (the scheduler recomputes what a lost worker held).
        _check_connection(client, address, lost=_scheduler_gone(client))
        return None
    if "refused" in reply:
        raise ClusterError(f"refusing to grade on this cluster: {reply['refused']}")
    return record_from_json(reply["record"])


def _scheduler_gone(client: Any) -> bool:
    """Whether the scheduler no longer answers (a quick round trip)."""
    try:
        client.sync(client.scheduler.identity, callback_timeout=5)
    except Exception:  # any failure to get an answer means it is gone for this run
        return True
    return False


def _check_connection(client: Any, address: str, lost: bool = False) -> None:
    """ClusterError if the client lost its scheduler (``lost``: it is known to be gone,
    though the client has not noticed yet)."""
    if lost or client.status != "running":
        raise ClusterError(lost_message(address, f"the client is {client.status}"))


@contextlib.contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask's own log lines (a worker restarting, keys rescheduled, and the tracebacks of
    a dropped connection and of the client's cancelled reconnects) say nothing that the
    records and :class:`ClusterError` do not; keep the grader's output to its own lines.
    Left quiet after a lost scheduler, whose background tasks log as the process exits."""
    with contextlib.suppress(ImportError):
        import distributed  # noqa: F401 - its import configures (and creates) its loggers
    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    lost = False
    try:
        yield
    except ClusterError:
        lost = True
        raise
    finally:
        if not lost:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
