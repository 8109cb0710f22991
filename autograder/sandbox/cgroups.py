"""Per-sandbox cgroups: a memory limit that counts what setrlimit cannot, and a process cap.

RLIMIT_AS limits the worker's address space, but not pages it holds without mapping them:
files in tmpfs (``/tmp``, ``/dev/shm``) and memfd files. A memory cgroup counts those too
(they are charged to the cgroup that wrote them), and when it is full the kernel's OOM
killer ends the worker. A pids cgroup caps the number of processes, which RLIMIT_NPROC
cannot do for root.

Where a cgroup can be made depends on the host, so it is probed, never assumed:

- cgroup v1 (a ``memory`` / ``pids`` hierarchy writable by the grader, e.g. root without
  systemd): a child of the grader's own cgroup in each hierarchy;
- cgroup v2 (unified): a child of the grader's own cgroup when that cgroup delegates the
  ``memory`` / ``pids`` controllers to its children (``cgroup.subtree_control``) and is
  writable, e.g. a delegated systemd unit;
- otherwise none, and :func:`Cgroups.describe` says so: the record names the limits that
  applied.

Children of the grader's own cgroup, never of the root: the sandbox stays inside whatever
limits the grader itself runs under. Each :class:`Cgroups` is removed (its processes
killed first) by :meth:`Cgroups.remove`; those of a grader killed by a signal are removed
by the next grader that makes one (:func:`remove_stale`).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()
#: (controller, cgroup version) -> the file that holds its limit
SETTINGS = {("memory", "v1"): "memory.limit_in_bytes", ("memory", "v2"): "memory.max",
            ("pids", "v1"): "pids.max", ("pids", "v2"): "pids.max"}


def own_cgroups() -> dict[str, str]:
    """The grader's cgroup per v1 controller ("memory" → "/a/b") and "" for v2's path."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            found[name] = path
    return found


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def parent_for(controller: str) -> tuple[Path, str] | None:
    """(the folder to make a child cgroup in, "v1" or "v2") for ``controller``, or None."""
    own = own_cgroups()
    v1 = CGROUP_ROOT / controller
    if controller in own and (v1 / "cgroup.procs").exists():
        parent = v1 / own[controller].lstrip("/")
        return (parent, "v1") if _writable_dir(parent) else None
    if "" in own and (CGROUP_ROOT / "cgroup.controllers").exists():
        parent = CGROUP_ROOT / own[""].lstrip("/")
        try:
            delegated = (parent / "cgroup.subtree_control").read_text().split()
        except OSError:
            return None
        if controller in delegated and _writable_dir(parent):
            return parent, "v2"
    return None


@dataclass
class Cgroups:
    """The cgroups of one sandbox: ``made`` maps "memory"/"pids" to (folder, version)."""

    memory_bytes: int
    max_pids: int
    made: dict[str, tuple[Path, str]] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, memory_bytes: int, max_pids: int) -> Cgroups:
        """Make whichever of the memory and pids cgroups this host allows; never raises."""
        groups = cls(memory_bytes, max_pids)
        name = f"convlab-{os.getpid()}-{next(_counter)}"
        for controller, value in (("memory", memory_bytes), ("pids", max_pids)):
            where = parent_for(controller)
            if where is None:
                groups.why_not[controller] = "no writable cgroup hierarchy for it"
                continue
            remove_stale(where[0])
            problem = groups._make(controller, where[0] / name, where[1], value)
            if problem:
                groups.why_not[controller] = problem
        return groups

    def _make(self, controller: str, folder: Path, version: str, value: int) -> str:
        """Make ``folder`` (unless made already: on v2 one cgroup holds both controllers)
        with the controller's limit; '' or what went wrong."""
        setting = SETTINGS[controller, version]
        ours = folder in [f for f, _ in self.made.values()]
        try:
            if not ours:
                folder.mkdir()
        except OSError as exc:
            return f"cannot make a cgroup ({exc.strerror or exc})"
        try:
            (folder / setting).write_text(str(value))
        except OSError as exc:
            if not ours:
                _rmdir(folder)
            return f"cannot set {setting} ({exc.strerror or exc})"
        if controller == "memory":  # no swapping past the limit either, where swap counts
            _write_optional(*((folder / "memory.memsw.limit_in_bytes", str(value))
                              if version == "v1" else (folder / "memory.swap.max", "0")))
        self.made[controller] = (folder, version)
        return ""

    def enter(self) -> None:
        """Move the calling process into every cgroup made (call it in a preexec_fn)."""
        for folder in dict.fromkeys(f for f, _ in self.made.values()):
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def oom_kills(self) -> int:
        """How many processes the memory cgroup's OOM killer has ended so far."""
        if "memory" not in self.made:
            return 0
        folder, version = self.made["memory"]
        stats = folder / ("memory.oom_control" if version == "v1" else "memory.events")
        try:
            for line in stats.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def describe(self) -> list[str]:
        """What applied, for the record: e.g. "memory cgroup v1: 1024 MB (counts /tmp,
        /dev/shm and memfd)", or why there is none."""
        parts = []
        if "memory" in self.made:
            parts.append(f"memory cgroup {self.made['memory'][1]}: "
                         f"{self.memory_bytes // (1024 * 1024)} MB "
                         "(counts /tmp, /dev/shm and memfd files)")
        else:
            parts.append(f"no memory cgroup ({self.why_not.get('memory', '?')}): "
                         "memory in tmpfs and memfd files is not limited")
        if "pids" in self.made:
            parts.append(f"pids cgroup {self.made['pids'][1]}: {self.max_pids} processes")
        else:
            parts.append(f"no pids cgroup ({self.why_not.get('pids', '?')})")
        return parts

    def remove(self, wait: float = 5.0) -> list[Path]:
        """Kill what is left in the cgroups and remove them; returns those that remain."""
        left = []
        for controller, (folder, _) in list(self.made.items()):
            if _empty_and_remove(folder, wait):
                del self.made[controller]
            else:
                left.append(folder)
        return left


def remove_stale(parent: Path) -> list[Path]:
    """Remove the cgroups of graders that are gone (``convlab-<pid>-<n>`` whose process
    no longer exists), killing what still runs in them: a grader killed by a signal cannot
    remove its own."""
    removed = []
    for folder in parent.glob("convlab-*-*"):
        pid = folder.name.split("-")[1]
        if (pid.isdigit() and not Path(f"/proc/{pid}").exists()
                and _empty_and_remove(folder, wait=1.0)):
            removed.append(folder)
    return removed


def reap_stale() -> list[Path]:
    """:func:`remove_stale` in every hierarchy a sandbox's cgroups can be made in."""
    removed = []
    for parent in dict.fromkeys(where[0] for where in map(parent_for, ("memory", "pids"))
                                if where is not None):
        removed += remove_stale(parent)
    return removed


def _write_optional(path: Path, value: str) -> None:
    """Write a setting that not every host has (swap accounting is often off)."""
    try:
        path.write_text(value)
    except OSError:
        pass


def _pids(folder: Path) -> list[int]:
    try:
        return [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _empty_and_remove(folder: Path, wait: float) -> bool:
    """Kill every process in ``folder`` and rmdir it once they are gone (up to ``wait`` s)."""
    deadline = time.monotonic() + wait
    while True:
        for pid in _pids(folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if _rmdir(folder) or time.monotonic() > deadline:
            return not folder.exists()
        time.sleep(0.02)


def _rmdir(folder: Path) -> bool:
    try:
        folder.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
