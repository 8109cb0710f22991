"""What a grader killed by a signal leaves behind, removed by the next one that starts.

A sandbox removes its folders, cgroups and processes when it is closed; a grader killed
with SIGKILL (or a pool process the watchdog kills) cannot. Every temporary folder a
sandbox makes is named after the process that owns it: ``convlab-worker-<pid>.<start>-…``,
where ``<start>`` is the process's start time (``/proc/<pid>/stat``), so a pid the kernel
has given to another process since is not taken for the owner. :func:`reap` removes the
folders whose owner is gone (never those of a grader still running), the cgroups of
graders that are gone (:func:`autograder.sandbox.cgroups.remove_stale`), and the
processes of sandbox users nobody holds (:func:`autograder.sandbox.users.reap_abandoned`).
Graders call it when they start and when the pool's watchdog has killed a process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

#: The temporary folders a sandbox makes (stage, working directory, bubblewrap's probe),
#: and a Dask worker's unpacked submission (a killed worker cannot remove it).
PREFIXES = ("convlab-worker-", "convlab-cwd-", "convlab-probe-", "convlab-payload-")


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None if there is no such
    process (or it is a zombie: it has ended and only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def owner_tag(pid: int | None = None) -> str:
    """``<pid>.<start time>`` of this process (or ``pid``): who owns a folder."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}.{start_time(pid) or 0}"


def owner_alive(tag: str) -> bool | None:
    """Whether the process named by ``tag`` still runs; None if ``tag`` is not a tag."""
    pid, _, start = tag.partition(".")
    if not (pid.isdigit() and start.isdigit()):
        return None
    return start_time(int(pid)) == start


def temp_folder(prefix: str, parent: str | Path | None = None) -> Path:
    """A fresh private folder (mode 0700) named ``<prefix><owner tag>-<random>``."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}-", dir=parent))


def stale_folders(parent: str | Path) -> list[Path]:
    """The sandbox folders in ``parent`` whose owner process is gone."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    stale = []
    for entry in entries:
        prefix = next((p for p in PREFIXES if entry.name.startswith(p)), None)
        if prefix is None or not entry.is_dir(follow_symlinks=False):
            continue
        tag = entry.name[len(prefix):].split("-", 1)[0]
        if owner_alive(tag) is False:
            stale.append(Path(entry.path))
    return stale


def remove_stale_folders(parents: list[str | Path]) -> list[Path]:
    """Remove the folders :func:`stale_folders` finds in each of ``parents``."""
    removed = []
    for parent in parents:
        for folder in stale_folders(parent):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed


def reap() -> list[str]:
    """Remove what graders that are gone left: folders, cgroups, sandbox users' processes.
    Returns what was removed, in words (for a log); never raises."""
    from . import cgroups, runtime, users

    done: list[str] = []
    try:
        parents = [tempfile.gettempdir(), *runtime.existing_tmp_dirs()]
        done += [f"folder {p}" for p in remove_stale_folders(parents)]
        done += [f"processes of sandbox user {uid}" for uid in users.reap_abandoned()]
        done += [f"cgroup {c}" for c in cgroups.reap_stale()]
    except Exception as exc:  # cleaning up must never cost a grading run
        done.append(f"cleaning up failed: {type(exc).__name__}: {exc}")
    return done
