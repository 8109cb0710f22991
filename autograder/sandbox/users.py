"""Sandbox users: one unprivileged uid per running rlimit sandbox, and how to end its processes.

When the grader is root and bubblewrap is not there, the worker runs as a uid of its own
from ``UIDS`` (no /etc/passwd entry needed, none may exist: such a uid belongs to someone),
group the same number, no supplementary groups. Two sandboxes running at once, in one
grader or in two, never share a uid, so one student's worker cannot read, signal or
ptrace another's. A uid is held by a lease: an ``flock`` on ``$CONVLAB_CACHE/uids/<uid>``
kept by the grader process that runs the sandbox, released when it closes the sandbox or
dies (the kernel drops the lock).

Every process the worker started, whatever session it moved to, runs as that uid, so
:func:`kill_user` ends them all: a child process switched to the uid sends
``kill(-1, SIGKILL)``, which reaches every process of that uid (and nothing else). A new
lease does it first (a grader killed by SIGKILL may have left some), and
:func:`reap_abandoned` does it for every uid with processes that nobody holds.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pwd
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .runtime import cache_dir, safe_cache_dir

#: The uids sandboxes run as: high enough to be nobody's, below 65536 for containers
#: that map only 16-bit uids.
UIDS = range(40_000, 41_000)
PR_SET_NO_NEW_PRIVS = 38


@dataclass
class Lease:
    """One uid held by this process (``fd`` keeps the lock) until :meth:`release`."""

    uid: int
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _lease_dir(create: bool) -> Path:
    folder = (safe_cache_dir() if create else cache_dir()) / "uids"
    if create:
        folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive lock on ``path``, or None if someone holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    return fd


def _somebodys(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def lease_user() -> Lease:
    """A uid from ``UIDS`` no other sandbox holds, with no process left running as it.
    RuntimeError if all are held."""
    folder = _lease_dir(create=True)
    start = os.getpid() % len(UIDS)  # graders started together try different uids first
    for k in range(len(UIDS)):
        uid = UIDS[(start + k) % len(UIDS)]
        if _somebodys(uid):
            continue
        fd = _try_lock(folder / str(uid))
        if fd is None:
            continue
        kill_user(uid)
        return Lease(uid, fd)
    raise RuntimeError(f"every sandbox user ({UIDS.start}-{UIDS.stop - 1}) is in use")


def process_uids() -> dict[int, list[int]]:
    """Real uid -> pids of the processes (not zombies) running as it, from /proc."""
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        state = uid = None
        for line in status.splitlines():
            if line.startswith("State:"):
                state = line.split()[1]
            elif line.startswith("Uid:"):
                uid = int(line.split()[1])
                break
        if uid is not None and state not in ("Z", "X"):
            found.setdefault(uid, []).append(int(entry))
    return found


def kill_user(uid: int, wait: float = 5.0) -> bool:
    """SIGKILL every process running as ``uid`` (see the module doc); True once none is
    left (up to ``wait`` seconds). Only root can do this."""
    if os.geteuid() != 0:
        return uid not in process_uids()
    deadline = time.monotonic() + wait
    while True:
        if uid not in process_uids():
            return True
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if time.monotonic() > deadline:
            return uid not in process_uids()
        time.sleep(0.01)


def reap_abandoned() -> list[int]:
    """Kill the processes of every sandbox uid nobody holds (their grader is gone);
    returns those uids. Does nothing unless run as root."""
    if os.geteuid() != 0:
        return []
    running = [uid for uid in process_uids() if uid in UIDS]
    folder = _lease_dir(create=False)
    reaped = []
    for uid in running:
        if not folder.is_dir():
            break
        fd = _try_lock(folder / str(uid))
        if fd is None:
            continue  # a running sandbox's
        try:
            kill_user(uid)
            reaped.append(uid)
        finally:
            os.close(fd)
    return reaped


def become(uid: int, root: str, cwd: str) -> Callable[[], None]:
    """For a preexec_fn, run as root: enter ``root`` with chroot, go to ``cwd`` (a path
    inside it), drop every group and become ``uid``, and forbid gaining privileges
    again (no set-user-ID programs; ``PR_SET_NO_NEW_PRIVS``)."""
    from ..lifeline import prctl

    def switch() -> None:
        os.chroot(root)
        os.chdir(cwd)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        os.umask(0o077)
        if not prctl(PR_SET_NO_NEW_PRIVS, 1):
            raise OSError("prctl(PR_SET_NO_NEW_PRIVS) failed")

    return switch
