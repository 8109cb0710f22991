"""SandboxedStudent: a :class:`autograder.student.Student` whose code runs in the jail."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import provided
from ..i18n import Message, _, layout
from ..rubric import provided_while_grading
from ..student import BudgetSpent, CallTimeout, MissingFunction, StudentError, WorkerCrashed
from ..submission import SizeLimits, Submission, load_submission
from . import bubblewrap
from .bubblewrap import (
    BUBBLEWRAP,
    OTHER_USER,
    SANDBOX_TMP,
    SANDBOX_WORKER,
    SHM_BYTES,
    TMPFS_BYTES,
    SandboxKind,
    bubblewrap_args,
    choose_sandbox,
    fallback_notes,
    python_executable,
    sealing_args,
    worker_env,
)
from .cgroups import Cgroups
from .jail import protocol
from .leftovers import reap, temp_folder
from .limits import MAX_PROCESSES, describe_rlimits, limit_resources
from .pipes import Deadline, describe_exit, read_frame, write_all
from .runtime import SITE, TMP, ensure_runtime
from .stage import stage_worker
from .users import Lease, become, kill_user, lease_user

# Runs the jail as a package (its modules import each other relatively, as they do here),
# with numpy's folders on the path first: the jail imports numpy.
BOOT = ("import json, sys; sys.path += json.load(open(sys.argv[2]))['sys_path']; "
        "sys.path.insert(0, sys.argv[1]); import jail.worker as w; "
        "sys.path.remove(sys.argv[1]); w.run(sys.argv[2:])")

# What the grader keeps of the worker's messages, whatever the worker claims: the worker is
# student code, so these caps are applied here, after decoding (the jail's own caps are
# only a courtesy). A forged "ready" or reply can cost no more than this in any record.
MAX_TEXT = 4000             # characters of one problem, error message or returned string
MAX_TRACEBACK = 8000        # characters of one traceback
MAX_OUTPUT = 16 * 1024      # characters of output kept from loading
MAX_PROBLEMS = 50           # load problems kept
MAX_NAMES = 1000            # function names accepted from the ready message
MAX_NAME = 200              # characters of one function name
#: Bytes of a message's JSON part (its arrays travel apart, as raw bytes). Decoding
#: JSON makes Python objects several times its size, so it is bounded far below the frame.
MAX_HEADER_BYTES = 4 * 1024 * 1024
#: Asks for earlier graded functions one call may make (``autograder.provided``). The
#: worker asks only for the calls the grader answers (it learns them from the first reply)
#: and remembers the replies: honest code asks tens.
MAX_ASKS_PER_CALL = 5_000


class _Process:
    """One running worker: the Popen, its pipes, and how to kill everything it started."""

    def __init__(self, popen: subprocess.Popen[bytes], stderr: Any, cwd: str | None,
                 also_kill: Callable[[], object] | None = None) -> None:
        self.popen = popen
        self.stderr = stderr
        self.cwd = cwd
        self.also_kill = also_kill  # e.g. every process of the sandbox user
        assert popen.stdin is not None and popen.stdout is not None
        self.to_worker = popen.stdin.fileno()
        self.from_worker = popen.stdout.fileno()
        os.set_blocking(self.to_worker, False)
        os.set_blocking(self.from_worker, False)

    def kill(self) -> int | None:
        """Kill the worker's whole session (and with bwrap its PID namespace; as a sandbox
        user, every process of that user); its status."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.popen.kill()
        try:
            code = self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        if self.also_kill is not None:
            self.also_kill()
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
    - memory_mb: address-space limit of the worker, and its memory cgroup's limit where
      the host allows one (that one also counts /tmp, /dev/shm and memfd files)
    - sandbox: "auto" (bubblewrap if it works, else "rlimit"), "bubblewrap" or "rlimit"
      (as another user if the grader is root, else as the grader's user); or one of the
      two rlimit kinds by name (``bubblewrap.choose_sandbox``)
    - size_limits: how large the submission's files may be (when given a path)

    Attributes: ``sandbox_kind`` ("bubblewrap", "rlimit-as-other-user" or
    "rlimit-as-self"), ``problems`` (why parts of the submission did not load),
    ``output_tail`` (the last output printed while loading), ``limits`` (the limits that
    applied, in words, for the record), ``uid`` (the sandbox user's, or None).
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
        size_limits: SizeLimits | None = None,
    ) -> None:
        self.submission = (submission if isinstance(submission, Submission)
                           else load_submission(submission, size_limits))
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self.memory_mb = memory_mb
        self.sandbox_kind, self._userns = choose_sandbox(sandbox)
        _reap_once()
        self.problems: list[str] = list(self.submission.problems)
        #: time.monotonic() past which no call may run (the submission's time budget)
        self.deadline: float | None = None
        self.output_tail = ""
        self._functions: frozenset[str] = frozenset()
        self._process: _Process | None = None
        self._live: list[_Process | None] = [None]  # what the finalizer must kill
        self._restart_failed = ""
        self._runtime: Path | None = None
        self._lease: Lease | None = None
        self.uid: int | None = None
        if self.sandbox_kind == OTHER_USER:
            self._runtime = ensure_runtime()
            self._lease = lease_user()
            self.uid = self._lease.uid
        try:
            self._stage = self._make_stage()
            self._cgroups = Cgroups.create(memory_mb * 1024 * 1024, MAX_PROCESSES)
        except BaseException:
            if self._lease is not None:
                self._lease.release()
            raise
        self._ooms_seen = 0
        self._finalizer = weakref.finalize(self, _cleanup, self._stage, self._live,
                                           self._cgroups, self._lease)
        self.limits = self._describe_limits(sandbox)
        self._load_problem = self._start(first=True)

    @functools.cached_property
    def case_salt(self) -> str:
        """A digest of everything the submission's code can read (its code cells and its
        data files): the engine makes this submission's own array values from it
        (``engine.values_salt``), so a file changed in any way gets new ones, and the same
        file always the same."""
        digest = hashlib.sha256(b"convlab-submission\0")
        for unit in self.submission.units:
            digest.update(b"unit\0%s\0%d\0" % (unit.name.encode(errors="replace"),
                                               len(unit.cells)))
            for cell in unit.cells:
                data = cell.encode(errors="surrogatepass")
                digest.update(b"%d:" % len(data) + data)
        for path in self.submission.data_files:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""  # not readable now: not copied for the code either
            digest.update(b"data\0%s\0%d:" % (path.name.encode(errors="replace"), len(data))
                          + data)
        return digest.hexdigest()

    # ---- Student interface

    def has(self, function: str) -> bool:
        return function in self._functions

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in the worker: its plain-data result, or
        StudentError / CallTimeout / MissingFunction / WorkerCrashed."""
        if function not in self._functions:
            why = f" ({self._load_problem})" if self._load_problem else ""
            raise MissingFunction(f"{function} is not defined{why}")
        allowed = provided_while_grading(function)
        request = protocol.frame(protocol.encode({
            "fn": function, "args": args, "kwargs": kwargs, "provided": list(allowed),
            "by_value": list(provided.by_value(function))}))
        process = self._running(function)
        deadline = time.monotonic() + self.call_timeout
        budget_cut = self.deadline is not None and self.deadline < deadline
        until = self.deadline if budget_cut else deadline
        try:
            write_all(process.to_worker, request, until)
            reply = decode_bounded(read_frame(process.from_worker, until))
            asks, answers = 0, None
            while _is_ask(reply):  # the student's code called an earlier graded function
                asks += 1
                if asks > MAX_ASKS_PER_CALL:  # each reply costs the grader a little
                    raise _TooManyAsks
                if answers is None:  # what a correct version asks on this case
                    answers = provided.Answers(function, args, kwargs)
                answer = answers.reply(reply["ask"])
                try:
                    data = protocol.encode(answer)
                except protocol.ProtocolError as exc:
                    data = protocol.encode(protocol.error_reply(type(exc).__name__, str(exc)))
                write_all(process.to_worker, protocol.frame(data), until)
                reply = decode_bounded(read_frame(process.from_worker, until))
        except Deadline:
            self._stop()
            if budget_cut:
                raise BudgetSpent(f"the submission's time budget ran out during {function}",
                                  seconds=self.call_timeout) from None
            raise CallTimeout(f"{function} did not return within {self.call_timeout:g} s "
                              "(the worker was stopped; the next call starts a fresh one)",
                              seconds=self.call_timeout) from None
        except EOFError:
            status = process.exit_status()
            self._stop()
            raise WorkerCrashed(_("the worker died during {function}: {why}", function=function,
                                  why=self._exit_reason(status))) from None
        except _TooManyAsks:
            self._stop()
            raise WorkerCrashed(_("{function} called earlier graded functions more than "
                                  "{limit} times in one call; the worker was stopped",
                                  function=function, limit=MAX_ASKS_PER_CALL)) from None
        except Exception as exc:  # ProtocolError, or anything else a hostile reply causes
            self._stop()
            raise WorkerCrashed(_("the worker sent a malformed reply to {function}: {error}",
                                  function=function, error=str(exc))) from None
        return self._result(function, reply)

    def _running(self, function: str) -> _Process:
        """The live worker, restarted after a timeout or crash. A restart that fails is
        not retried, so one broken submission cannot eat the grader's time."""
        if self._process is None:
            if self._restart_failed:
                raise WorkerCrashed(self._restart_failed)
            problem = self._start(first=False)
            if self._process is None:
                self._restart_failed = _("the worker could not be restarted: {problem}",
                                         problem=problem)
                raise WorkerCrashed(self._restart_failed)
            if function not in self._functions:
                raise MissingFunction(f"{function} is not defined after restarting the worker")
        return self._process

    def _result(self, function: str, reply: Any) -> Any:
        if isinstance(reply, dict) and set(reply) == {"ok"}:
            return bound_strings(reply["ok"], MAX_TEXT)
        error = reply.get("error") if isinstance(reply, dict) and set(reply) == {"error"} else None
        if not (isinstance(error, dict)
                and all(isinstance(error.get(k), str) for k in ("type", "message", "traceback"))):
            self._stop()
            raise WorkerCrashed(_("the worker sent a malformed reply to {function}",
                                  function=function))
        exc_type, message = clip(error["type"], MAX_NAME), clip(error["message"], MAX_TEXT)
        if exc_type == "MissingFunction":
            raise MissingFunction(message)
        raise StudentError(exc_type, message, clip(error["traceback"], MAX_TRACEBACK))

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

    def _start(self, first: bool) -> str | Message:
        """Start a worker and wait for it to load the submission; '' or what went wrong.
        The first start records its outcome in ``problems`` and sets the functions."""
        try:
            process = self._spawn()
        except (OSError, subprocess.SubprocessError) as exc:
            return self._load_failed(first, _("the sandbox could not start: {error}",
                                              error=str(exc)))
        self._process = process
        self._live[0] = process
        try:
            ready = decode_bounded(read_frame(process.from_worker,
                                               time.monotonic() + self.load_timeout))
        except Deadline:
            return self._load_failed(first, _("loading the submission took longer than "
                                              "{seconds} s (stopped)",
                                              seconds=f"{self.load_timeout:g}"))
        except EOFError:
            status = process.exit_status()
            details = process.stderr_tail()
            died = _("the worker died while loading the submission: {why}",
                     why=self._exit_reason(status))
            return self._load_failed(first, layout("{problem}\n{details}", problem=died,
                                                   details=details) if details else died)
        except Exception as exc:  # ProtocolError, or anything else a hostile message causes
            return self._load_failed(first, _("the worker sent a malformed message: {error}",
                                              error=str(exc)))
        info = ready.get("ready") if isinstance(ready, dict) else None
        if not (isinstance(info, dict) and isinstance(info.get("functions"), list)):
            return self._load_failed(first, _("the worker sent a malformed ready message"))
        functions = frozenset(f for f in info["functions"][:MAX_NAMES]
                              if isinstance(f, str) and len(f) <= MAX_NAME)
        if first:
            self._functions = functions
            self.problems += bounded_problems(info.get("problems"))
            output = info.get("output", "")
            self.output_tail = output[-MAX_OUTPUT:] if isinstance(output, str) else ""
        else:
            self._functions = self._functions & functions
        return ""

    def _load_failed(self, first: bool, problem: Message) -> Message:
        self._stop()
        if first:
            self.problems.append(problem)
            self._functions = frozenset()
        return problem

    def _cpu_seconds(self) -> int:
        return int(self.load_timeout + 60 * self.call_timeout)

    def _make_stage(self) -> Path:
        """The worker's private folder (``stage.stage_worker``), where this kind needs it."""
        if self.sandbox_kind == BUBBLEWRAP:
            return stage_worker(self.submission, bubblewrap.sandbox_site_dirs(), SANDBOX_WORKER)
        if self.sandbox_kind == OTHER_USER:
            assert self._runtime is not None and self.uid is not None
            return stage_worker(self.submission, [SITE], f"{TMP}/{{name}}",
                                parent=self._runtime / TMP.lstrip("/"), group=self.uid)
        return stage_worker(self.submission, [str(d) for d in bubblewrap.site_dirs()])

    def _describe_limits(self, requested: str) -> str:
        """The limits that apply to this sandbox, in words (one line, for the record).
        Nothing in it changes between runs (no uid, no path)."""
        parts = [*describe_rlimits(self.memory_mb, self._cpu_seconds(), self.uid is not None),
                 *self._cgroups.describe()]
        if self.sandbox_kind == BUBBLEWRAP:
            parts.append(f"/tmp {TMPFS_BYTES // (1024 * 1024)} MB, /dev/shm "
                         f"{SHM_BYTES // (1024 * 1024)} MB, the rest read-only")
        elif self.sandbox_kind == OTHER_USER:
            parts.append("an unprivileged user of its own (no groups, its own session, all "
                         "its processes killed at the end) in a chroot holding only Python "
                         "and numpy; no /dev/shm; its working directory on disk; the host's "
                         "network")
        else:
            parts.append("no private /tmp or /dev/shm (rlimit sandbox)")
        parts += fallback_notes(requested, self.sandbox_kind)
        return "; ".join(parts)

    def _exit_reason(self, status: int | None) -> Message:
        """Why the worker ended (:func:`describe_exit`), and whether the memory cgroup's
        limit was hit."""
        why, memory = describe_exit(status, self.sandbox_kind), self._memory_limit_hit()
        return layout("{why} ({memory})", why=why, memory=memory) if memory else why

    def _memory_limit_hit(self) -> Message | None:
        """Why the memory cgroup's OOM killer struck, if it did since last asked."""
        kills = self._cgroups.oom_kills()
        if kills <= self._ooms_seen:
            return None
        self._ooms_seen = kills
        return _("the sandbox's memory limit of {limit} MB was reached; it counts files in "
                 "/tmp and /dev/shm and memfd files too", limit=self.memory_mb)

    def _spawn(self) -> _Process:
        python = [python_executable(), "-I", "-S", "-B"]
        cwd, home, also_kill, switch = None, SANDBOX_TMP, None, None
        if self.sandbox_kind == BUBBLEWRAP:
            command = [*bubblewrap_args(self._userns, self._stage / "covers"),
                       "--ro-bind", str(self._stage), SANDBOX_WORKER, *sealing_args(), "--",
                       *python, "-c", BOOT, SANDBOX_WORKER, f"{SANDBOX_WORKER}/job.json"]
        elif self.sandbox_kind == OTHER_USER:
            assert self._runtime is not None and self.uid is not None
            cwd = str(temp_folder("convlab-cwd-", self._runtime / TMP.lstrip("/")))
            os.chown(cwd, self.uid, self.uid)
            home, stage = f"{TMP}/{Path(cwd).name}", f"{TMP}/{self._stage.name}"
            switch = become(self.uid, str(self._runtime), home)
            also_kill = functools.partial(kill_user, self.uid)
            command = [*python, "-c", BOOT, stage, f"{stage}/job.json"]
        else:
            cwd = home = str(temp_folder("convlab-cwd-"))
            command = [*python, "-c", BOOT, str(self._stage), str(self._stage / "job.json")]
        limits = limit_resources(self.memory_mb, cpu_seconds=self._cpu_seconds(),
                                 enter=self._cgroups.enter, become=switch, uid=self.uid)
        stderr = tempfile.TemporaryFile()
        try:
            popen = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, env=worker_env(home),
                                     cwd=cwd if switch is None and cwd else "/",
                                     preexec_fn=limits, start_new_session=True)
        except BaseException:
            stderr.close()
            if cwd:
                shutil.rmtree(cwd, ignore_errors=True)
            raise
        return _Process(popen, stderr, cwd, also_kill)


@functools.cache
def _reap_once() -> None:
    """What graders killed earlier left behind, removed when this process first grades."""
    reap()


def _cleanup(stage: Path, process: list[_Process | None], cgroups: Cgroups,
             lease: Lease | None) -> None:
    """Run by close() or at garbage collection: no worker, file, cgroup or process of the
    sandbox user outlives its student."""
    if process[0] is not None:
        process[0].kill()
    if lease is not None:
        kill_user(lease.uid)
    cgroups.remove()
    shutil.rmtree(stage, ignore_errors=True)
    if lease is not None:
        lease.release()


class _TooManyAsks(Exception):
    """A call asked for more than MAX_ASKS_PER_CALL provided answers."""


def _is_ask(reply: Any) -> bool:
    """Whether the worker's message asks for a provided function's answer (well formed):
    by key, or (a by_value function) by its arguments."""
    if not (isinstance(reply, dict) and set(reply) == {"ask"} and isinstance(reply["ask"], dict)):
        return False
    ask = reply["ask"]
    if not isinstance(ask.get("fn"), str):
        return False
    if set(ask) == {"fn", "key"}:
        return isinstance(ask["key"], str) and len(ask["key"]) <= MAX_NAME
    return (set(ask) == {"fn", "args", "kwargs"} and isinstance(ask["args"], (list, tuple))
            and isinstance(ask["kwargs"], dict) and all(isinstance(k, str) for k in ask["kwargs"]))


def decode_bounded(data: bytes) -> Any:
    """``protocol.decode(data)``, refusing a JSON part over MAX_HEADER_BYTES before it is
    parsed (ProtocolError)."""
    if len(data) >= protocol.FRAME_PREFIX_BYTES:
        size = int.from_bytes(data[: protocol.FRAME_PREFIX_BYTES], "little")
        if size > MAX_HEADER_BYTES:
            raise protocol.ProtocolError(f"its plain-data part is {size} bytes, over the "
                                         f"{MAX_HEADER_BYTES}-byte limit")
    return protocol.decode(data)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters not kept)"


def bounded_problems(problems: Any) -> list[str]:
    """The worker's load problems, as at most MAX_PROBLEMS texts of bounded length: its
    facts worded here (:func:`worded_problem`), in Korean and English."""
    if not isinstance(problems, list):
        return []
    kept = [p for p in map(worded_problem, problems[:MAX_PROBLEMS]) if p is not None]
    if len(problems) > MAX_PROBLEMS:
        kept.append(_("… and {count} more problems (not kept)",
                      count=len(problems) - MAX_PROBLEMS))
    return kept


def worded_problem(facts: Any) -> str | None:
    """A load problem the worker reported as facts (``{"kind": "syntax", "file", "cell",
    "line", "message"}``, "compile" or "raised": see ``jail.worker.run_cells``) as a
    Message; a plain string is clipped and kept as it is; anything else (the worker is
    untrusted) is None."""
    if isinstance(facts, str):
        return clip(facts, MAX_TEXT)
    if not isinstance(facts, dict) or not isinstance(facts.get("file"), str):
        return None
    text = {k: clip(v, MAX_TEXT) if isinstance(v, str) else "" for k, v in
            ((k, facts.get(k)) for k in ("message", "error"))}
    cell, line = facts.get("cell"), facts.get("line")
    file = clip(facts["file"], MAX_NAME)
    where = (_("{file}, cell {cell}", file=file, cell=cell) if _whole(cell) else file)
    kind = facts.get("kind")
    if kind == "syntax":
        return _("{where}: SyntaxError in line {line}: {message}", where=where,
                 line=line if _whole(line) else "?", message=text["message"])
    if kind == "compile":
        return _("{where}: cannot be compiled ({error}: {message})", where=where,
                 error=clip(text["error"], MAX_NAME), message=text["message"])
    if kind == "raised":  # the student's exception and traceback: nothing to translate
        return layout("{where}: {error}", where=where, error=text["error"])
    return None


def _whole(value: Any) -> bool:
    return type(value) is int


def bound_strings(value: Any, limit: int) -> Any:
    """``value`` with every string in it (however nested) clipped to ``limit`` characters;
    arrays and numbers are left alone (the reply's byte limit bounds them)."""
    if isinstance(value, str):
        return clip(value, limit)
    if isinstance(value, list):
        return [bound_strings(v, limit) for v in value]
    if isinstance(value, tuple):
        return tuple(bound_strings(v, limit) for v in value)
    if isinstance(value, dict):
        return {clip(k, limit): bound_strings(v, limit) for k, v in value.items()}
    return value
