"""The trusted side of the sandbox: a Student whose code runs in a separate, locked-down worker.

``SandboxedStudent(path)`` reads the submission (``autograder.submission``), starts the jail
(``autograder/jail/``, copied as one folder) in a sandbox, waits until the student's
code has loaded, then forwards each ``call`` as a protocol message and decodes the reply
(never unpickling).

Three kinds of sandbox (``sandbox_kind``; ``bubblewrap.choose_sandbox``):

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
- "rlimit-as-other-user" (bubblewrap missing or not working, the grader root: Gradescope's
  container): a process that ``chroot``s into a root-owned copy of Python's standard
  library and numpy (``runtime.py``) and becomes an unprivileged uid of its own
  (``users.py``: one per running sandbox, no groups, ``PR_SET_NO_NEW_PRIVS``), in its own
  session. Its stage is ``/tmp/convlab-worker-…`` there (readable by its group only), its
  working directory ``/tmp/convlab-cwd-…`` (its own, on disk); ``/tmp`` itself is not
  writable or listable, and there is no /dev/shm, /proc or /etc. The grader's files,
  the installed ``reference`` and ``autograder`` (or the wheel), the reports, the class
  and other students' stages are simply not in its file system; it cannot signal or
  ptrace the grader, PID 1 or another student's worker. Every process of its uid is
  killed when it ends (``users.kill_user``), whatever session it moved to. It keeps the
  host's network.
- "rlimit-as-self" (no bubblewrap and the grader is not root, or chroot failed): a plain
  subprocess of the grader's own user in its own session, with the same resource limits,
  a scrubbed environment and ``python -I -S`` (so the editable install of this project is
  not on its path) -- but it can read and change whatever the grader's user can, signal
  the grader, and leave a process that left its session running (unless a pids cgroup
  holds it). Use it only for trusted code; every record and report says so.

Under "auto", falling back from bubblewrap is said once per run on stderr and in every
record (``GradeRecord.limits``); the kind is part of the results store's key.

What the worker can learn about the host, inside bubblewrap. There is no /proc at all, so
/proc/self/mountinfo (which names each bind mount's host source: the stage folder, the
virtual environment's site-packages inside the project), /proc/1/cmdline (bwrap's
command line, full of host paths) and /proc/version are not readable; the worker does not
need them. What stays visible, because Python needs it: the Python installation at its
host path (``sys.prefix``, e.g. /root/.pyenv/versions/3.11.7) and /usr (the system's
libraries and programs, which say which distribution runs); the kernel version through
``os.uname()`` (a system call, not a file: bubblewrap cannot hide it); the number of CPUs.
The site-packages appear as /opt/convlab/siteN and the stage as /opt/convlab/worker, so
neither the project's path nor the grader's temporary folders show. As another user, the
worker sees the same Python path, the system libraries it loads and the kernel version;
as the grader's own user it sees everything that user does.

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
deadlines), ``runtime`` and ``users`` (the rlimit sandbox's chroot and uids),
``leftovers`` (what a grader killed by SIGKILL left, removed by the next one). What runs
inside is ``autograder/jail/``, beside this package; it may import only the standard
library and numpy.
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
