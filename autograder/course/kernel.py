"""A Jupyter kernel inside bubblewrap, for nbgrader's autograde.

nbgrader runs each student's notebook, hidden tests included, in a kernel with the
grader's permissions: an answer cell could read or rewrite a classmate's submission, the
source, the gradebook or the exchange. ``SandboxedKernelManager`` starts the same kernel
command inside bubblewrap instead. The kernel sees, read-only, the system, the Python
installation with its packages, and this project's ``autograder`` and ``reference``
packages (the hidden tests call them); read-write only the notebook's own folder (the
student's autograded copy, nbgrader's working directory for that notebook) and a private
folder for the connection file and sockets. No network, a fresh small /tmp and
/dev/shm, its own PID namespace, and resource limits from ``prlimit`` (address space,
open files, processes, file size). It keeps /proc: IPython reads it.

Facts this relies on (checked on this machine kind, see shared/notes/sandboxed-kernels.md):
with ``--unshare-net`` the kernel cannot reach the client's TCP ports, so the kernel talks
over ZeroMQ's IPC transport (sockets in the shared private folder); ipykernel exits at once
inside a PID namespace when ``JPY_PARENT_PID`` names a process it cannot see, so that
variable is removed. Interrupts go as messages (a signal would reach bwrap, not Python).

Needs jupyter_client (the ``nbgrader`` extra), so it lives on the nbgrader side; nothing
on the grading path imports it.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from ..sandbox.bubblewrap import (
    SANDBOX_TMP,
    SHM_BYTES,
    TMPFS_BYTES,
    bubblewrap_status,
    system_mounts,
)
from ..sandbox.limits import MAX_FILE_BYTES

KERNEL_MEMORY_MB = 4096   # address space: numpy, IPython and a notebook's arrays
KERNEL_OPEN_FILES = 256
KERNEL_PROCESSES = 256


def project_package_dirs() -> list[Path]:
    """The folders of this project's packages (the hidden tests import them)."""
    dirs = []
    for name in ("autograder", "reference"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            dirs.append(Path(spec.origin).resolve().parent)
    return dirs


def python_dirs() -> list[Path]:
    """The interpreter's prefixes and the environment's (a venv), deduplicated."""
    found: list[Path] = []
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        path = Path(prefix).resolve()
        if not str(path).startswith("/usr") and path not in found:
            found.append(path)
    return found


def kernel_sandbox_args(workdir: Path, private: Path, userns: bool = False) -> list[str]:
    """bwrap's arguments (up to ``--``) for a kernel working in ``workdir``.

    Inputs: ``workdir``, the notebook's folder, writable; ``private``, the folder of the
    connection file and IPC sockets, writable. Everything else the kernel sees is
    read-only or fresh. ``userns``: run as uid 65534 in a user namespace (where possible)."""
    user = ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
    args = ["bwrap", "--unshare-all", *(user if userns else []), "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", *system_mounts(),
            "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
            "--proc", "/proc",
            # the fresh /tmp first: a bind under /tmp (a venv or checkout there, the
            # connection folder, the notebook's folder) given before it would be hidden
            "--size", str(TMPFS_BYTES), "--tmpfs", SANDBOX_TMP]
    for path in [*python_dirs(), *project_package_dirs()]:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(private), str(private),
             "--bind", str(workdir), str(workdir), "--chdir", str(workdir),
             "--unsetenv", "JPY_PARENT_PID",
             "--setenv", "HOME", SANDBOX_TMP, "--setenv", "IPYTHONDIR", f"{SANDBOX_TMP}/.ipython",
             "--setenv", "MPLCONFIGDIR", SANDBOX_TMP, "--setenv", "MPLBACKEND", "Agg"]
    return args


def limits_prefix() -> list[str]:
    """``prlimit`` with the kernel's resource limits (inherited through bwrap)."""
    if shutil.which("prlimit") is None:
        return []
    return ["prlimit", f"--as={KERNEL_MEMORY_MB * 1024 * 1024}", f"--nofile={KERNEL_OPEN_FILES}",
            f"--nproc={KERNEL_PROCESSES}", f"--fsize={MAX_FILE_BYTES}", "--core=0", "--"]


class KernelSandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here, so kernels cannot be sandboxed."""


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside bubblewrap (see the module docstring).

    Use it where nbclient (and so nbgrader's Execute) takes a ``kernel_manager_class``.
    The kernel's working directory (nbclient passes the notebook's folder as ``cwd``) is
    the only project folder it can write."""

    _private: Path | None = None

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        usable, userns, why = bubblewrap_status()
        if not usable:
            raise KernelSandboxUnavailable(f"cannot sandbox the kernel: {why}")
        if self._private is None:  # kept across restarts: the connection file lives here
            self._private = Path(tempfile.mkdtemp(prefix="convlab-kernel-")).resolve()
            self.transport = "ipc"
            self.ip = str(self._private / "ipc")
            self.connection_file = str(self._private / "kernel.json")
        # A signal would reach bwrap, not the kernel: interrupts go as control messages.
        self.kernel_spec.interrupt_mode = "message"
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        workdir = Path(kw.get("cwd") or tempfile.mkdtemp(prefix="convlab-kernel-cwd-")).resolve()
        kw["cwd"] = str(workdir)
        wrapped = [*limits_prefix(), *kernel_sandbox_args(workdir, self._private, userns), "--",
                   *cmd]
        return wrapped, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    cleanup_resources = _async_cleanup_resources
