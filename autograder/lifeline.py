"""No process outlives the grader: a child asks the kernel to kill it when its parent dies.

``die_with_parent(parent_pid)`` sets Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG,
SIGKILL)``) in the calling process, then checks the parent is still ``parent_pid`` (it may
have died between fork and prctl). Grading chains it: the grader's pool workers die with
the grader, a sandbox launcher with its pool worker (bubblewrap adds ``--die-with-parent``
for the whole sandbox). On other systems it does nothing.

The signal fires when the *thread* that started the child ends, so start children from a
thread that lives as long as they should (the main thread, in the grader).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def prctl(option: int, value: int) -> bool:
    """``prctl(option, value)`` in the calling process; True if the kernel took it (Linux).
    Safe in a ``preexec_fn``."""
    libc = _libc()
    return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> bool:
    """Ask for ``sig`` when the parent dies; exit at once if ``parent_pid`` is gone already.

    Inputs: the pid the parent had before the fork, the signal to receive.
    Returns True if the kernel took the request (Linux), False where unsupported.
    Safe in a ``preexec_fn`` (no allocation beyond ctypes' call)."""
    if not prctl(PR_SET_PDEATHSIG, int(sig)):
        return False
    if os.getppid() != parent_pid:  # the parent died before prctl: nobody will signal us
        os._exit(1)
    return True
