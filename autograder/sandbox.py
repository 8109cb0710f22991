"""The trusted side of the sandbox: a Student whose code runs in a separate, locked-down worker.

``SandboxedStudent(path)`` reads the submission (``autograder.submission``), starts
``autograder/worker.py`` in a sandbox, waits until the student's code has loaded, then
forwards each ``call`` as a protocol message and decodes the reply (never unpickling).

Two kinds of sandbox (``sandbox_kind``):

- "bubblewrap": the worker runs under ``bwrap`` in fresh user, PID, network, IPC, UTS and
  mount namespaces as uid 65534 (when user namespaces work). It sees, read-only, /usr, the
  Python installation, the site-packages (this project's entries covered) and a private
  copy of the worker and the submission's code. ``/tmp``, also the working directory, is a
  small fresh tmpfs holding copies of the submission's data files and the course's
  ``digits.npz``. The project tree, the ``reference`` and ``autograder`` packages, other
  submissions, the grader's output and /root and /home (but for the Python installation,
  if it lives there) are not there. No network. Killing the sandbox kills every process
  it started (PID namespace, --die-with-parent).
- "rlimit" (fallback when bubblewrap is missing or does not work): a plain subprocess in
  its own session, with the same resource limits, a scrubbed environment and ``python -I
  -S`` (so the editable install of this project is not on its path) -- but it can read
  whatever the grader's user can read, and has the network. Use it only for trusted code.

Both apply, via setrlimit: address space (``memory_mb``), CPU seconds, file size, number
of processes (not enforceable when the grader runs as root), and no core dumps.

Each call has a wall-clock limit (``call_timeout``, or ``with student.time_limit(s):`` for
slow calls); on timeout or death the worker is killed and the next call starts a fresh one
(re-loading the submission), so one bad item does not cost the rest.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from autograder.lifeline import die_with_parent

from . import protocol, rubric
from .student import CallTimeout, MissingFunction, StudentError, WorkerCrashed
from .submission import Submission, load_submission

SandboxKind = Literal["auto", "bubblewrap", "rlimit"]

MAX_REPLY_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 64 * 1024 * 1024   # RLIMIT_FSIZE
TMPFS_BYTES = 64 * 1024 * 1024      # size of the sandbox's /tmp
EXTRA_PROCESSES = 64                # RLIMIT_NPROC on top of what the user already runs
HIDDEN_PACKAGES = ("reference", "autograder")  # the model solution and the grader itself

SANDBOX_ROOT = "/opt/convlab"       # where the private files appear inside bubblewrap
SANDBOX_WORKER = f"{SANDBOX_ROOT}/worker"
SANDBOX_TMP = "/tmp"

_HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- the worker's files


def stage_worker(submission: Submission, sys_path: list[str], seen_as: str | None = None) -> Path:
    """A private directory with worker.py, the ``convlab_wire`` package (copies of
    protocol.py and callables.py), job.json (the code to load), files/ (the .py
    sources and data files, for the worker's working directory) and covers/.

    ``seen_as``: where the worker will see this directory (inside bubblewrap)."""
    stage = Path(tempfile.mkdtemp(prefix="convlab-worker-"))
    stage_files(submission, stage / "files")
    write_covers(stage / "covers")
    wire = stage / "convlab_wire"
    wire.mkdir()
    (wire / "__init__.py").write_text('"""protocol and callables, copied for the worker."""\n')
    for name in ("protocol.py", "callables.py"):
        shutil.copyfile(_HERE / name, wire / name)
    shutil.copyfile(_HERE / "worker.py", stage / "worker.py")
    job = {
        "units": [{"name": u.name, "cells": u.cells, "numbers": u.numbers}
                  for u in submission.units],
        "home": {fn: rubric.part_of(fn).stem for fn in rubric.FUNCTIONS},
        "sys_path": sys_path,
        "files_dir": f"{seen_as or stage}/files",
        "max_reply_bytes": MAX_REPLY_BYTES,
    }
    (stage / "job.json").write_text(json.dumps(job))
    # mkdtemp's 0700 is enough: inside bubblewrap, uid 65534 is the grader's own uid outside.
    return stage


def stage_files(submission: Submission, folder: Path) -> None:
    """The .py units as files (their ``__file__``), the submission's data files, and the
    course data files the release ships beside the notebooks (not secret)."""
    folder.mkdir()
    for unit in submission.units:
        if not unit.is_notebook:
            (folder / unit.name).write_text(unit.source)
    for data in [*submission.data_files, *course_data_files()]:
        target = folder / data.name
        if not target.exists():
            try:
                shutil.copyfile(data, target)
            except OSError:
                pass  # a file that cannot be read now is missing for the student too


def course_data_files() -> list[Path]:
    """digits.npz and friends, from the reference package (found without importing it)."""
    spec = importlib.util.find_spec("reference")
    if spec is None or not spec.origin:
        return []
    return sorted((Path(spec.origin).parent / "data").glob("*.npz"))


def site_dirs() -> list[Path]:
    """The directories numpy (and the rest of the venv) is imported from."""
    import numpy

    dirs = [Path(numpy.__file__).resolve().parents[1]]
    for key in ("purelib", "platlib"):
        path = Path(sysconfig.get_paths()[key]).resolve()
        if path.is_dir() and path not in dirs:
            dirs.append(path)
    return dirs


def is_hidden_entry(name: str) -> bool:
    """A site-packages entry that belongs to this project (or to an editable install of it)."""
    stem = name.split(".", 1)[0].split("-", 1)[0]
    return (stem in HIDDEN_PACKAGES or name.startswith(("__editable__", "conv_lab"))
            or name.endswith(".egg-link"))


def python_executable() -> str:
    """The real interpreter (not the venv's symlink), so only its prefix must be visible."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = Path(sys.base_prefix) / "bin" / version
    return str(candidate if candidate.exists() else Path(sys.executable).resolve())


def worker_env(home: str = SANDBOX_TMP) -> dict[str, str]:
    """A scrubbed environment: one BLAS thread (fair, and fast with parallel graders)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": home,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


# --------------------------------------------------------------------------- limits


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


# --------------------------------------------------------------------------- bubblewrap


def _system_mounts() -> list[str]:
    """Read-only /usr and friends: the loader, libc, and the few files Python looks at."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/fonts", "/etc/alternatives"):
        args += ["--ro-bind-try", etc, etc]
    return args


def _python_mounts(covers: Path) -> list[str]:
    """The interpreter's prefix (minus its own site-packages) and the venv's packages."""
    args = []
    for prefix in dict.fromkeys((sys.base_prefix, sys.base_exec_prefix)):
        if not prefix.startswith("/usr"):
            args += ["--ro-bind", prefix, prefix]
    base_site = Path(sysconfig.get_paths(vars={"base": sys.base_prefix,
                                                "platbase": sys.base_exec_prefix})["purelib"])
    if base_site.is_dir():
        args += ["--tmpfs", str(base_site)]
    for site, seen_as in zip(site_dirs(), sandbox_site_dirs(), strict=True):
        args += site_mounts(site, seen_as, covers)
    return args


def sandbox_site_dirs() -> list[str]:
    """Where the site directories appear inside bubblewrap."""
    return [f"{SANDBOX_ROOT}/site{i}" for i in range(len(site_dirs()))]


def site_mounts(site: Path, seen_as: str, covers: Path) -> list[str]:
    """``site`` read-only at ``seen_as``, with this project's entries covered: an empty
    file over each file, an empty tmpfs over each folder, and in a package's folder an
    ``__init__.py`` that refuses to import (so it is not even an empty namespace package);
    both come from ``covers`` (see :func:`write_covers`). One mount for the whole folder
    is ten times faster than one per entry."""
    args = ["--ro-bind", str(site), seen_as]
    for entry in sorted(site.iterdir()):
        if not is_hidden_entry(entry.name):
            continue
        target = f"{seen_as}/{entry.name}"
        if entry.is_dir():
            args += ["--tmpfs", target]
            if entry.name in HIDDEN_PACKAGES:
                args += ["--ro-bind", str(covers / "__init__.py"), f"{target}/__init__.py"]
        else:
            args += ["--ro-bind", str(covers / "empty"), target]
    return args


def write_covers(folder: Path) -> Path:
    """``folder`` with an empty file and an ``__init__.py`` whose import fails like a
    missing module's, to mount over this project's site-packages entries."""
    folder.mkdir(exist_ok=True)
    (folder / "empty").write_text("")
    (folder / "__init__.py").write_text(
        "raise ModuleNotFoundError(f'No module named {__name__!r}', name=__name__)\n")
    return folder


def _hiding_mounts() -> list[str]:
    """Empty tmpfs over this project's packages wherever they lie inside a mounted tree
    (a non-editable install under /usr/local, say): their files stay unreadable."""
    mounted = [Path("/usr"), Path(sys.base_prefix), Path(sys.base_exec_prefix)]
    args = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        package = Path(spec.origin).resolve().parent
        if any(package.is_relative_to(tree) for tree in mounted):
            args += ["--tmpfs", str(package)]
    return args


def bubblewrap_args(userns: bool, covers: Path) -> list[str]:
    """Everything but the command: namespaces, the filesystem view, a fresh /tmp.
    ``covers``: a folder made by :func:`write_covers`."""
    user = ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
    return [
        "bwrap", "--unshare-all", *(user if userns else []),
        "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        *_system_mounts(), *_python_mounts(covers), *_hiding_mounts(),
        "--dev", "/dev", "--proc", "/proc",
        "--size", str(TMPFS_BYTES), "--tmpfs", SANDBOX_TMP, "--chdir", SANDBOX_TMP,
    ]


@functools.cache
def bubblewrap_status() -> tuple[bool, bool, str]:
    """(usable, with a user namespace, why not): probed once per process by starting
    Python with numpy in the sandbox, first as uid 65534, then as the caller."""
    if shutil.which("bwrap") is None:
        return False, False, "bwrap is not installed"
    probe = [python_executable(), "-I", "-S", "-c",
             f"import sys; sys.path += {sandbox_site_dirs()!r}; import numpy"]
    why = ""
    with tempfile.TemporaryDirectory(prefix="convlab-probe-") as tmp:
        covers = write_covers(Path(tmp))
        for userns in (True, False):
            try:
                done = subprocess.run([*bubblewrap_args(userns, covers), "--", *probe],
                                      env=worker_env(), capture_output=True, timeout=60,
                                      start_new_session=True)
            except (OSError, subprocess.TimeoutExpired) as exc:
                why = str(exc)
                continue
            if done.returncode == 0:
                return True, userns, ""
            why = done.stderr.decode(errors="replace").strip()[-300:] or f"exit {done.returncode}"
    return False, False, f"bwrap does not work here: {why}"


def choose_sandbox(requested: str) -> tuple[str, bool]:
    """("bubblewrap" | "rlimit", with a user namespace)."""
    if requested not in ("auto", "bubblewrap", "rlimit"):
        raise ValueError(f"sandbox must be 'auto', 'bubblewrap' or 'rlimit', got {requested!r}")
    if requested == "rlimit":
        return "rlimit", False
    usable, userns, why = bubblewrap_status()
    if usable:
        return "bubblewrap", userns
    if requested == "bubblewrap":
        raise RuntimeError(f"bubblewrap sandbox requested but not usable: {why}")
    return "rlimit", False


# --------------------------------------------------------------------------- pipes with deadlines


class _Deadline(Exception):
    pass


def _wait(fd: int, event: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, event | select.POLLERR | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Deadline
        if poller.poll(left * 1000):
            return


def write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write ``data`` to the non-blocking ``fd`` before ``deadline``; EOFError if the
    reader is gone, _Deadline if it does not read."""
    view = memoryview(data)
    while view:
        _wait(fd, select.POLLOUT, deadline)
        try:
            view = view[os.write(fd, view[: 1 << 20]) :]
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise EOFError("the worker stopped reading") from None


def read_exactly(fd: int, size: int, deadline: float) -> bytes:
    """``size`` bytes from the non-blocking ``fd``; EOFError if it closes first."""
    chunks, got = [], 0
    while got < size:
        _wait(fd, select.POLLIN, deadline)
        try:
            chunk = os.read(fd, min(size - got, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError("the worker closed its end")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float, limit: int = MAX_REPLY_BYTES) -> bytes:
    """One length-prefixed protocol message, refusing those over ``limit`` bytes."""
    (size,) = protocol._HEADER.unpack(read_exactly(fd, protocol._HEADER.size, deadline))
    if size > limit:
        raise protocol.ProtocolError(f"reply of {size} bytes is over the {limit}-byte limit")
    return read_exactly(fd, size, deadline)


def frame(payload: bytes) -> bytes:
    return protocol._HEADER.pack(len(payload)) + payload


def describe_exit(returncode: int | None, kind: str) -> str:
    """Why the worker ended, in words ("it was killed by SIGKILL (signal 9) (memory or CPU
    limit?)", "it exited with status 3")."""
    if returncode is None:
        return "it stopped answering"
    # bwrap reports a child killed by signal n as exit status 128 + n.
    signum = -returncode if returncode < 0 else (
        returncode - 128 if kind == "bubblewrap" and 128 < returncode < 160 else 0)
    if not signum:
        return f"it exited with status {returncode}"
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    guess = {signal.SIGKILL: " (memory or CPU limit?)", signal.SIGXCPU: " (CPU time limit)",
             signal.SIGSEGV: " (crash in native code?)", signal.SIGXFSZ: " (file size limit)"}
    return f"it was killed by {name} (signal {signum}){guess.get(signum, '')}"


# --------------------------------------------------------------------------- the student


class _Process:
    """One running worker: the Popen, its pipes, and how to kill everything it started."""

    def __init__(self, popen: subprocess.Popen[bytes], stderr: Any, cwd: str | None) -> None:
        self.popen = popen
        self.stderr = stderr
        self.cwd = cwd
        assert popen.stdin is not None and popen.stdout is not None
        self.to_worker = popen.stdin.fileno()
        self.from_worker = popen.stdout.fileno()
        os.set_blocking(self.to_worker, False)
        os.set_blocking(self.from_worker, False)

    def kill(self) -> int | None:
        """Kill the worker's whole session (and with bwrap its PID namespace); its status."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.popen.kill()
        try:
            code = self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        for stream in (self.popen.stdin, self.popen.stdout, self.stderr):
            try:
                stream.close()
            except (OSError, AttributeError):
                pass
        if self.cwd:
            shutil.rmtree(self.cwd, ignore_errors=True)
        return code

    def exit_status(self, grace: float = 2.0) -> int | None:
        try:
            return self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return None

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read()[-2000:].decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""


class SandboxedStudent:
    """A :class:`autograder.student.Student` whose code runs in a sandboxed worker.

    - submission: a path (.py, .ipynb or folder) or an already loaded Submission
    - call_timeout: wall-clock seconds per call; past it, CallTimeout and a fresh worker
    - load_timeout: seconds the submission may take to load; past it, a problem is recorded
      and every function is missing
    - memory_mb: address-space limit of the worker
    - sandbox: "auto" (bubblewrap if it works, else "rlimit"), "bubblewrap" or "rlimit"

    Attributes: ``sandbox_kind`` ("bubblewrap" or "rlimit"), ``problems`` (why parts of the
    submission did not load), ``output_tail`` (the last output printed while loading).
    """

    #: Student code never runs in this process, so the engine need not guard numpy here.
    runs_in_process = False

    def __init__(
        self,
        submission: Submission | str | Path,
        *,
        call_timeout: float = 10.0,
        load_timeout: float = 60.0,
        memory_mb: int = 1024,
        sandbox: SandboxKind | str = "auto",
    ) -> None:
        self.submission = (submission if isinstance(submission, Submission)
                           else load_submission(submission))
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self.memory_mb = memory_mb
        self.sandbox_kind, self._userns = choose_sandbox(sandbox)
        self.problems: list[str] = list(self.submission.problems)
        self.output_tail = ""
        self._functions: frozenset[str] = frozenset()
        self._process: _Process | None = None
        self._live: list[_Process | None] = [None]  # what the finalizer must kill
        self._restart_failed = ""
        in_sandbox = self.sandbox_kind == "bubblewrap"
        sys_path = sandbox_site_dirs() if in_sandbox else [str(d) for d in site_dirs()]
        self._stage = stage_worker(self.submission, sys_path,
                                   SANDBOX_WORKER if in_sandbox else None)
        self._finalizer = weakref.finalize(self, _cleanup, self._stage, self._live)
        self._load_problem = self._start(first=True)

    # ---- Student interface

    def has(self, function: str) -> bool:
        return function in self._functions

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in the worker: its plain-data result, or
        StudentError / CallTimeout / MissingFunction / WorkerCrashed."""
        if function not in self._functions:
            why = f" ({self._load_problem})" if self._load_problem else ""
            raise MissingFunction(f"{function} is not defined{why}")
        request = frame(protocol.encode({"fn": function, "args": args, "kwargs": kwargs}))
        process = self._running(function)
        deadline = time.monotonic() + self.call_timeout
        try:
            write_all(process.to_worker, request, deadline)
            reply = protocol.decode(read_frame(process.from_worker, deadline))
        except _Deadline:
            self._stop()
            raise CallTimeout(f"{function} did not return within {self.call_timeout:g} s "
                              "(the worker was stopped; the next call starts a fresh one)"
                              ) from None
        except EOFError:
            status = process.exit_status()
            self._stop()
            raise WorkerCrashed(f"the worker died during {function}: "
                                f"{describe_exit(status, self.sandbox_kind)}") from None
        except Exception as exc:  # ProtocolError, or anything else a hostile reply causes
            self._stop()
            raise WorkerCrashed(f"the worker sent a malformed reply to {function}: {exc}") from None
        return self._result(function, reply)

    def _running(self, function: str) -> _Process:
        """The live worker, restarted after a timeout or crash. A restart that fails is
        not retried, so one broken submission cannot eat the grader's time."""
        if self._process is None:
            if self._restart_failed:
                raise WorkerCrashed(self._restart_failed)
            problem = self._start(first=False)
            if self._process is None:
                self._restart_failed = f"the worker could not be restarted: {problem}"
                raise WorkerCrashed(self._restart_failed)
            if function not in self._functions:
                raise MissingFunction(f"{function} is not defined after restarting the worker")
        return self._process

    def _result(self, function: str, reply: Any) -> Any:
        if isinstance(reply, dict) and set(reply) == {"ok"}:
            return reply["ok"]
        error = reply.get("error") if isinstance(reply, dict) and set(reply) == {"error"} else None
        if not (isinstance(error, dict)
                and all(isinstance(error.get(k), str) for k in ("type", "message", "traceback"))):
            self._stop()
            raise WorkerCrashed(f"the worker sent a malformed reply to {function}")
        if error["type"] == "MissingFunction":
            raise MissingFunction(error["message"])
        raise StudentError(error["type"], error["message"], error["traceback"])

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Calls inside the block get ``seconds`` instead of ``call_timeout`` (e.g. training)."""
        before, self.call_timeout = self.call_timeout, seconds
        try:
            yield
        finally:
            self.call_timeout = before

    # ---- lifecycle

    def close(self) -> None:
        """Kill the worker (and everything it started) and remove its files."""
        self._stop()
        self._finalizer()

    def __enter__(self) -> SandboxedStudent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None
            self._live[0] = None

    def _start(self, first: bool) -> str:
        """Start a worker and wait for it to load the submission; '' or what went wrong.
        The first start records its outcome in ``problems`` and sets the functions."""
        try:
            process = self._spawn()
        except (OSError, subprocess.SubprocessError) as exc:
            return self._load_failed(first, f"the sandbox could not start: {exc}")
        self._process = process
        self._live[0] = process
        try:
            ready = protocol.decode(read_frame(process.from_worker,
                                               time.monotonic() + self.load_timeout))
        except _Deadline:
            return self._load_failed(first, f"loading the submission took longer than "
                                            f"{self.load_timeout:g} s (stopped)")
        except EOFError:
            status = process.exit_status()
            details = process.stderr_tail()
            return self._load_failed(first, "the worker died while loading the submission: "
                                            f"{describe_exit(status, self.sandbox_kind)}"
                                            + (f"\n{details}" if details else ""))
        except Exception as exc:  # ProtocolError, or anything else a hostile message causes
            return self._load_failed(first, f"the worker sent a malformed message: {exc}")
        info = ready.get("ready") if isinstance(ready, dict) else None
        if not (isinstance(info, dict) and isinstance(info.get("functions"), list)):
            return self._load_failed(first, "the worker sent a malformed ready message")
        if first:
            self._functions = frozenset(f for f in info["functions"] if isinstance(f, str))
            problems = info.get("problems")
            self.problems += [str(p) for p in problems] if isinstance(problems, list) else []
            self.output_tail = str(info.get("output", ""))
        else:
            self._functions = self._functions & frozenset(info["functions"])
        return ""

    def _load_failed(self, first: bool, problem: str) -> str:
        self._stop()
        if first:
            self.problems.append(problem)
            self._functions = frozenset()
        return problem

    def _spawn(self) -> _Process:
        python = [python_executable(), "-I", "-S", "-B"]
        limits = limit_resources(self.memory_mb, cpu_seconds=int(self.load_timeout
                                                                 + 60 * self.call_timeout))
        if self.sandbox_kind == "bubblewrap":
            command = [*bubblewrap_args(self._userns, self._stage / "covers"),
                       "--ro-bind", str(self._stage), SANDBOX_WORKER, "--",
                       *python, f"{SANDBOX_WORKER}/worker.py", f"{SANDBOX_WORKER}/job.json"]
            cwd = None
        else:
            cwd = tempfile.mkdtemp(prefix="convlab-cwd-")
            command = [*python, str(self._stage / "worker.py"), str(self._stage / "job.json")]
        stderr = tempfile.TemporaryFile()
        try:
            popen = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, env=worker_env(cwd or SANDBOX_TMP),
                                     cwd=cwd or "/", preexec_fn=limits, start_new_session=True)
        except BaseException:
            stderr.close()
            if cwd:
                shutil.rmtree(cwd, ignore_errors=True)
            raise
        return _Process(popen, stderr, cwd)


def _cleanup(stage: Path, process: list[_Process | None]) -> None:
    """Run by close() or at garbage collection: no worker or file outlives its student."""
    if process[0] is not None:
        process[0].kill()
    shutil.rmtree(stage, ignore_errors=True)
