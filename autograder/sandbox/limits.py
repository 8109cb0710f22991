"""Resource limits set with setrlimit before the worker starts (inherited through bwrap)."""

from __future__ import annotations

import os
import resource
import threading
from typing import Any

from autograder.lifeline import die_with_parent

MAX_FILE_BYTES = 64 * 1024 * 1024   # RLIMIT_FSIZE
EXTRA_PROCESSES = 64                # RLIMIT_NPROC on top of what the user already runs


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


def limit_resources(memory_mb: int, cpu_seconds: int) -> Any:
    """A preexec_fn that sets the worker's resource limits (inherited through bwrap)."""
    nproc = process_count(os.getuid()) + EXTRA_PROCESSES
    # The worker dies with the grader process that started it (only from the main thread:
    # the kernel signals when the starting *thread* ends).
    parent = os.getpid() if threading.current_thread() is threading.main_thread() else None

    def apply() -> None:
        lower(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
        lower(resource.RLIMIT_CPU, cpu_seconds, grace=5)  # SIGXCPU first, SIGKILL 5 s later
        lower(resource.RLIMIT_FSIZE, MAX_FILE_BYTES)
        lower(resource.RLIMIT_NPROC, nproc)
        lower(resource.RLIMIT_CORE, 0)
        if parent is not None:
            die_with_parent(parent)

    return apply


def lower(kind: int, limit: int, grace: int = 0) -> None:
    """Set a resource limit, never above the current hard limit (only root may raise it)."""
    _, hard = resource.getrlimit(kind)
    cap = (lambda v: v) if hard == resource.RLIM_INFINITY else (lambda v: min(v, hard))
    resource.setrlimit(kind, (cap(limit), cap(limit + grace)))
