"""The trusted side of the sandbox: a Student whose code runs in a separate, locked-down worker.

``SandboxedStudent(path)`` reads the submission (``autograder.submission``), starts the jail
(``autograder/sandbox/jail/``, copied as one folder) in a sandbox, waits until the student's
code has loaded, then forwards each ``call`` as a protocol message and decodes the reply
(never unpickling).

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

Modules: ``sandboxed`` (the Student), ``stage`` (the worker's private folder), ``bubblewrap``
(namespaces and the filesystem view, or the rlimit fallback), ``limits`` (setrlimit),
``pipes`` (framed messages with deadlines). ``jail/`` is everything that runs inside; it
may import only the standard library and numpy.
"""

from .bubblewrap import SandboxKind, bubblewrap_status, choose_sandbox
from .sandboxed import SandboxedStudent

__all__ = ["SandboxKind", "SandboxedStudent", "bubblewrap_status", "choose_sandbox"]
