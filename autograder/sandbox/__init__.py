"""The trusted side of the sandbox: a Student whose code runs in a separate, locked-down worker.

``SandboxedStudent(path)`` reads the submission (``autograder.submission``), starts the jail
(``autograder/sandbox/jail/``, copied as one folder) in a sandbox, waits until the student's
code has loaded, then forwards each ``call`` as a protocol message and decodes the reply
(never unpickling).

Two kinds of sandbox (``sandbox_kind``):

- "bubblewrap": the worker runs under ``bwrap`` in fresh user, PID, network, IPC, UTS,
  cgroup and mount namespaces as uid 65534 (when user namespaces work). It sees,
  read-only, /usr, the Python installation, the site-packages (this project's entries
  covered) and a private copy of the worker and the submission's code at
  /opt/convlab/worker. ``/tmp``, also the working directory, is a small fresh tmpfs (64 MB)
  holding copies of the submission's data files and the course's ``digits.npz``;
  ``/dev/shm`` is a private 8 MB tmpfs; everything else, the root and ``/dev`` included, is
  read-only. The project tree, the ``reference`` and ``autograder`` packages, other
  submissions, the grader's output and /root and /home (but for the Python installation,
  if it lives there) are not there. No network. Killing the sandbox kills every process
  it started (PID namespace, --die-with-parent).
- "rlimit" (fallback when bubblewrap is missing or does not work): a plain subprocess in
  its own session, with the same resource limits, a scrubbed environment and ``python -I
  -S`` (so the editable install of this project is not on its path) -- but it can read
  whatever the grader's user can read, and has the network and the host's /dev/shm. Use
  it only for trusted code.

Both apply, via setrlimit: address space (``memory_mb``), CPU seconds, file size (64 MB),
open files (64), number of processes (not enforceable when the grader runs as root), and
no core dumps. Where the host allows it (``cgroups``), each sandbox also gets its own
memory cgroup (``memory_mb``, counting what the address-space limit misses: files in
/tmp and /dev/shm, memfd files) and pids cgroup (64 processes, for root too); they are
removed with the sandbox. ``SandboxedStudent.limits`` says which limits applied; grading
copies it into every record.

What the worker can learn about the host, inside bubblewrap. There is no /proc at all, so
/proc/self/mountinfo (which names each bind mount's host source: the stage folder, the
virtual environment's site-packages inside the project), /proc/1/cmdline (bwrap's
command line, full of host paths) and /proc/version are not readable; the worker does not
need them. What stays visible, because Python needs it: the Python installation at its
host path (``sys.prefix``, e.g. /root/.pyenv/versions/3.11.7) and /usr (the system's
libraries and programs, which say which distribution runs); the kernel version through
``os.uname()`` (a system call, not a file: bubblewrap cannot hide it); the number of CPUs.
The site-packages appear as /opt/convlab/siteN and the stage as /opt/convlab/worker, so
neither the project's path nor the grader's temporary folders show. The rlimit fallback
hides nothing.

Messages from the worker are student-controlled (student code can write to the protocol
pipe itself): the trusted side caps every one, whatever the worker claims: a frame at
64 MB (``pipes.read_frame``), its JSON part at 4 MB before it is parsed, then, after
decoding, every string in it: problems, output, function names, error messages,
tracebacks, returned strings (``sandboxed.MAX_*``).

Each call has a wall-clock limit (``call_timeout``, or ``with student.time_limit(s):`` for
slow calls); on timeout or death the worker is killed and the next call starts a fresh one
(re-loading the submission), so one bad item does not cost the rest.

Modules: ``sandboxed`` (the Student), ``stage`` (the worker's private folder), ``bubblewrap``
(namespaces and the filesystem view, or the rlimit fallback), ``limits`` (setrlimit),
``cgroups`` (per-sandbox memory and pids cgroups), ``pipes`` (framed messages with
deadlines). ``jail/`` is everything that runs inside; it
may import only the standard library and numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SandboxKind", "SandboxedStudent", "bubblewrap_status", "choose_sandbox",
           "kind_in_use"]

# Imported on first use, so that ``autograder.student`` can import the jail's protocol
# (which imports this package first) without a cycle through ``sandboxed``.
_HOMES = {"SandboxKind": "bubblewrap", "bubblewrap_status": "bubblewrap",
          "choose_sandbox": "bubblewrap", "kind_in_use": "bubblewrap",
          "SandboxedStudent": "sandboxed"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
