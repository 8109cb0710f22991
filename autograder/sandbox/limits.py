"""Resource limits set with setrlimit before the worker starts (inherited through bwrap)."""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Callable
from typing import Any

from autograder.lifeline import die_with_parent

MAX_FILE_BYTES = 64 * 1024 * 1024   # RLIMIT_FSIZE
EXTRA_PROCESSES = 64                # RLIMIT_NPROC on top of what the user already runs
MAX_PROCESSES = 64                  # pids cgroup (the one process cap that holds for root)
MAX_OPEN_FILES = 64                 # RLIMIT_NOFILE: the worker needs about ten


def process_count(uid: int) -> int:
    """How many processes ``uid`` runs now (RLIMIT_NPROC counts them all)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                pass
    return count


def limit_resources(memory_mb: int, cpu_seconds: int,
                    enter: Callable[[], None] | None = None,
                    become: Callable[[], None] | None = None, uid: int | None = None) -> Any:
    """A preexec_fn that sets the worker's resource limits (inherited through bwrap).
    ``enter``: also called there, first (e.g. to move the worker into its cgroups);
    ``become``: called after the limits are set, to switch to the sandbox user ``uid``
    (``users.become``): the process cap then counts that user's processes."""
    nproc = process_count(os.getuid() if uid is None else uid) + EXTRA_PROCESSES
    # The worker dies with the grader process that started it (only from the main thread:
    # the kernel signals when the starting *thread* ends).
    parent = os.getpid() if threading.current_thread() is threading.main_thread() else None

    def apply() -> None:
        if enter is not None:
            enter()
        lower(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
        lower(resource.RLIMIT_CPU, cpu_seconds, grace=5)  # SIGXCPU first, SIGKILL 5 s later
        lower(resource.RLIMIT_FSIZE, MAX_FILE_BYTES)
        lower(resource.RLIMIT_NPROC, nproc)
        lower(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
        lower(resource.RLIMIT_CORE, 0)
        if become is not None:
            become()
        # after becoming the user: the kernel clears the parent-death signal on a change
        # of user
        if parent is not None:
            die_with_parent(parent)

    return apply


def describe_rlimits(memory_mb: int, cpu_seconds: int, own_user: bool = False) -> list[str]:
    """The setrlimit limits, in words, for the record (``own_user``: the worker runs as a
    sandbox user of its own)."""
    if own_user:
        nproc = f"processes: {EXTRA_PROCESSES} (all of the sandbox user's)"
    elif os.getuid() == 0:
        nproc = "processes: not limited by rlimit (root)"
    else:
        nproc = f"processes: {EXTRA_PROCESSES} more than the grader's user runs"
    return [f"address space {memory_mb} MB", f"CPU {cpu_seconds} s",
            f"files written up to {MAX_FILE_BYTES // (1024 * 1024)} MB each",
            f"{MAX_OPEN_FILES} open files", nproc]


def lower(kind: int, limit: int, grace: int = 0) -> None:
    """Set a resource limit, never above the current hard limit (only root may raise it)."""
    _, hard = resource.getrlimit(kind)
    cap = (lambda v: v) if hard == resource.RLIM_INFINITY else (lambda v: min(v, hard))
    resource.setrlimit(kind, (cap(limit), cap(limit + grace)))
