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

The kernel's own stdout (where ipykernel prints "NOTE: When using the `ipython kernel`
entry point, Ctrl-C will not work" and its connection file, because it was started
without ``JPY_PARENT_PID``) goes nowhere unless ``CONVLAB_VERBOSE`` is set (``autograder
course --verbose``); what the notebook prints reaches nbgrader as always, over ZeroMQ, and
the kernel's stderr stays on the terminal. The course's ``conv-lab.toml`` settings (the
term's seed, the feedback's language) are passed in as environment variables, since the
kernel cannot see the course folder (:func:`course_environment`).

Needs jupyter_client (the ``nbgrader`` extra), so it lives on the nbgrader side; nothing
on the grading path imports it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
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
from . import SEED_ENV, VERBOSE_ENV

KERNEL_MEMORY_MB = 4096   # address space: numpy, IPython and a notebook's arrays
KERNEL_OPEN_FILES = 256
KERNEL_PROCESSES = 256


def verbose() -> bool:
    """True when ``CONVLAB_VERBOSE`` asks for the kernels' and libraries' own output."""
    return os.environ.get(VERBOSE_ENV, "").strip() not in ("", "0")


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


def course_environment(workdir: Path) -> dict[str, str]:
    """The course's settings that ``score()`` reads from ``conv-lab.toml`` (the term's seed,
    the feedback's language), as the environment variables it also reads: the sandboxed
    kernel sees only the notebook's folder, not the course folder above it."""
    from ..i18n import LANG_ENV, LANGS, config_value

    found = {}
    seed = config_value("grading", "seed", workdir)
    if isinstance(seed, int) and not isinstance(seed, bool):
        found[SEED_ENV] = str(seed)
    lang = config_value("feedback", "lang", workdir)
    if lang in LANGS:
        found[LANG_ENV] = str(lang)
    return found


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
        if not verbose():  # ipykernel's start-up note, not the notebook's output
            kw.setdefault("stdout", subprocess.DEVNULL)
        env = dict(kw.get("env") or os.environ)
        for name, value in course_environment(workdir).items():
            env.setdefault(name, value)  # what the grader was told wins over the file
        kw["env"] = env
        return wrapped, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    cleanup_resources = _async_cleanup_resources
