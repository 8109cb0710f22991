"""The process that runs a student's code inside the sandbox and answers function calls.

``autograder.sandbox`` copies this folder (the jail: this module, ``protocol``,
``callables``, ``cells``, ``standins`` and ``canonical``) as the package ``jail`` into a
private directory and runs
``jail.worker.run(["job.json"])`` with ``python -I -S -B``.

It may import only the standard library, numpy and its jail siblings (a test checks): the
``autograder`` and ``reference`` packages are not visible in the sandbox, so students cannot
read the rubric, the checks or the model solution. ``job.json`` holds the code cells
(as read by ``autograder.submission``: a notebook cell's IPython syntax is removed here,
by ``cells``, since telling it from Python means compiling), the directories to put on
``sys.path`` for numpy, which notebook each graded function comes from, and a folder of
files (the .py sources, data files such as ``digits.npz``) to copy into the working
directory first.

Conversation, over the original stdin/stdout, as framed ``protocol`` messages:

    worker -> {"ready": {"functions": [...], "problems": [{"kind", ...facts}], "output": "..."}}
    grader -> {"fn": "conv2d", "args": (...), "kwargs": {...}, "provided": [...],
               "by_value": [...]}
      worker -> {"ask": {"fn": "zero_pad", "key": "..."}}              (any number)
             or {"ask": {"fn": ..., "args": (...), "kwargs": {...}}}  (a by_value name)
      grader -> {"ok": value} | {"error": {...}} | {"own": true}
                (maybe with "keys" and "answers" sent ahead)
    worker -> {"ok": value}  or  {"error": {"type", "message", "traceback"}}
    ... until the grader closes stdin.

``provided`` names the earlier graded functions whose calls the grader may answer while
this one runs (so that a mistake in an earlier function is not charged again): during the
call, those names in the student's namespaces are stand-ins (``standins``). A stand-in
sends the call's key (``canonical.call_key``), never its arguments (but for the few
``by_value`` names of training); the grader answers a call a correct version of the graded
function makes on this case, and replies "own" to any other: the student's own function
then runs here. Replies also list, per function, every key the grader answers in this
call (with answers already computed, sent ahead), so the worker runs its own function for
any other key without asking, and asks again only for answers it was not sent.

The protocol's file descriptors are duplicated before any student code runs; fds 0-2
then point at /dev/null and ``sys.stdout``/``sys.stderr`` keep only the last few KB,
so printing can neither corrupt the conversation nor fill memory or disk.
"""

from __future__ import annotations

import builtins
import copy
import io
import json
import linecache
import os
import shutil
import signal
import sys
import traceback
import types
from collections.abc import Callable, Iterable
from typing import Any

from . import callables, canonical, cells, protocol, standins
from .protocol import error_reply

OUTPUT_CAP = 16 * 1024


# --------------------------------------------------------------------------- output


class CappedOutput(io.TextIOBase):
    """A text stream that keeps only the last ``cap`` characters written to it."""

    def __init__(self, cap: int = OUTPUT_CAP) -> None:
        self.cap = cap
        self._parts: list[str] = []
        self._size = 0

    @property
    def encoding(self) -> str:  # some libraries look before they print
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)[-self.cap :]
        self._parts.append(text)
        self._size += len(text)
        if self._size > 2 * self.cap:  # trim now and then, so each write stays cheap
            self._parts = [self.tail()]
            self._size = len(self._parts[0])
        return len(text)

    def tail(self) -> str:
        return "".join(self._parts)[-self.cap :]


def claim_protocol_streams() -> tuple[io.BufferedReader, io.BufferedWriter]:
    """Private copies of stdin/stdout for the protocol; fds 0 and 1 go to /dev/null.

    fd 2 stays (the grader logs it) until :func:`silence_stderr`, so a failure to start
    (numpy missing, ...) is still visible to the grader."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    return requests, replies


def silence_stderr(output: CappedOutput) -> None:
    """From here on, student output goes to ``output`` (Python level) or /dev/null (fd level)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = output
    sys.stdin = sys.__stdin__ = io.StringIO("")  # input() gets EOFError instead of blocking
    # Writing past RLIMIT_FSIZE then fails with EFBIG instead of killing the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# --------------------------------------------------------------------------- loading


class Unit:
    """One file's code cells and the namespace they ran in."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.name: str = spec["name"]
        self.cells: list[str] = spec["cells"]
        self.numbers: list[int] = spec.get("numbers") or list(range(1, len(self.cells) + 1))
        self.is_notebook = self.name.endswith(".ipynb")
        self.stem = self.name.rsplit(".", 1)[0]
        # A notebook runs as __main__ (as in Jupyter); a .py file as an imported module,
        # so its `if __name__ == "__main__":` demo does not run.
        self.namespace: dict[str, Any] = {
            "__name__": "__main__" if self.is_notebook else self.stem,
            "__builtins__": builtins,
        }
        if not self.is_notebook:  # an imported module knows its file (model_solution.py uses it)
            self.namespace["__file__"] = os.path.abspath(self.name)

    def cell_filename(self, index: int) -> str:
        return f"<{self.name}, cell {self.numbers[index]}>" if self.is_notebook else self.name


def run_cells(unit: Unit, student_files: set[str]) -> list[dict[str, Any]]:
    """Run ``unit``'s cells like a notebook does: an error is recorded and the next cell
    still runs. Returns one problem per failed cell, as facts (``kind`` "syntax",
    "compile" or "raised", the file, the cell number or None, the line, the exception's
    name and text): the grader words them, in Korean and English, outside the sandbox."""
    problems = []
    for index, source in enumerate(unit.cells):
        filename = unit.cell_filename(index)
        student_files.add(filename)
        _remember_source(filename, source)
        where = {"file": unit.name,
                 "cell": None if len(unit.cells) == 1 else unit.numbers[index]}
        try:
            code = compile_cell(source, filename, unit.is_notebook)
        except SyntaxError as exc:
            problems.append({"kind": "syntax", **where, "line": exc.lineno,
                             "message": safe_str(exc.msg)})
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            problems.append({"kind": "compile", **where, "error": type(exc).__name__,
                             "message": safe_str(exc)})
            continue
        if code is None:
            continue  # a cell magic (%%time ...): not Python
        try:
            exec(code, unit.namespace)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: keep going
            problems.append({"kind": "raised", **where,
                             "error": describe_error(exc, student_files)})
    return problems


def compile_cell(source: str, filename: str, notebook: bool) -> types.CodeType | None:
    """The cell's code object; a notebook cell that is not valid Python is tried again
    without its IPython lines (None: nothing of it is Python). Raises the original
    SyntaxError if that does not help. Compiling happens here, inside the sandbox only."""
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError:
        if not notebook:
            raise
        python = cells.without_ipython(source)
        if not python.strip():
            return None
        try:
            return compile(python, filename, "exec", dont_inherit=True)
        except SyntaxError:
            pass
        raise


def _remember_source(filename: str, source: str) -> None:
    """Let tracebacks show the student's lines, as Jupyter does for cells."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def describe_error(exc: BaseException, student_files: set[str]) -> str:
    text = f"{type(exc).__name__}: {safe_str(exc)}"
    tb = student_traceback(exc, student_files)
    return f"{text}\n{tb}" if tb else text


def student_traceback(exc: BaseException, student_files: set[str]) -> str:
    """The traceback's frames from the student's own code only, then the error line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in student_files]
    if not frames:
        return ""
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def safe_str(exc: BaseException) -> str:
    """str(exc), even when the student's exception class breaks __str__."""
    try:
        return str(exc)[:2000]
    except BaseException:
        return f"<{type(exc).__name__} whose message cannot be shown>"


def is_function(value: Any) -> bool:
    return callable(value) and not isinstance(value, (type, types.ModuleType))


def pick_functions(
    units: Iterable[tuple[str, dict[str, Any]]], home: dict[str, str]
) -> dict[str, Callable[..., Any]]:
    """Which namespace each function is taken from.

    - units: (file stem, namespace) in loading order
    - home: function name -> the stem of the notebook that teaches it

    In a submission made of the course's part notebooks, a function is taken from its
    home notebook only: missing there (or that notebook not handed in) = missing, since a
    later notebook's provided copy of it must not stand in for the student's own answer
    (nbgrader's rule too). Otherwise (a .py file, other notebooks) the last unit that
    defines it wins.
    """
    units = list(units)
    has_parts = any(stem in set(home.values()) for stem, _ in units)
    found: dict[str, Callable[..., Any]] = {}
    for stem, namespace in units:
        for name, value in namespace.items():
            if name.startswith("__") or not is_function(value):
                continue
            if has_parts and name in home and home[name] != stem:
                continue
            found[name] = value
    return found


def link_earlier_answers(units: Iterable[Unit], home: dict[str, str]) -> None:
    """Give each course notebook the student's own answers of the earlier notebooks.

    In Jupyter and nbgrader a locked cell of a later notebook loads them from the sibling
    .ipynb files, which the sandbox does not hold; so here the function is taken from its
    home notebook's namespace (its helpers come with it, through its globals). Only names
    the notebook lacks are filled in, and only from notebooks that come before it.
    """
    by_stem = {u.stem: u for u in units if u.is_notebook}
    order = sorted(set(home.values()))
    for unit in by_stem.values():
        if unit.stem not in order:
            continue
        for name, stem in home.items():
            source = by_stem.get(stem)
            if (source is None or order.index(stem) >= order.index(unit.stem)
                    or name in unit.namespace or name not in source.namespace):
                continue
            unit.namespace[name] = source.namespace[name]


# --------------------------------------------------------------------------- serving


class Worker:
    def __init__(self, job: dict[str, Any]) -> None:
        self.max_reply = int(job.get("max_reply_bytes", protocol.MAX_MESSAGE_BYTES))
        self.output = CappedOutput(int(job.get("output_cap", OUTPUT_CAP)))
        self.units = [Unit(spec) for spec in job["units"]]
        self.home: dict[str, str] = job.get("home", {})
        self.student_files: set[str] = set()
        self.functions: dict[str, Callable[..., Any]] = {}
        self.requests: io.BufferedReader | None = None
        self.replies: io.BufferedWriter | None = None
        #: the asks of the call under way (:class:`Asks`)
        self.asks = Asks([])

    def load(self) -> list[dict[str, Any]]:
        problems = []
        for unit in self.units:
            problems += run_cells(unit, self.student_files)
        link_earlier_answers(self.units, self.home)
        self.functions = pick_functions(((u.stem, u.namespace) for u in self.units), self.home)
        return problems

    def answer(self, request: Any) -> dict[str, Any]:
        if not (isinstance(request, dict) and isinstance(request.get("fn"), str)
                and isinstance(request.get("args"), (list, tuple))
                and isinstance(request.get("kwargs"), dict)):
            return error_reply("ProtocolError", "malformed request")
        name = request["fn"]
        function = self.functions.get(name)
        if function is None:
            return error_reply("MissingFunction", f"{name} is not defined")
        provided = request.get("provided", [])
        if not (isinstance(provided, list) and all(isinstance(p, str) for p in provided)):
            return error_reply("ProtocolError", "malformed request")
        try:
            args = callables.resolve_refs(tuple(request["args"]))
            kwargs = callables.resolve_refs(request["kwargs"])
        except Exception as exc:
            return error_reply(type(exc).__name__, safe_str(exc))
        by_value = request.get("by_value", [])
        if not (isinstance(by_value, list) and all(isinstance(p, str) for p in by_value)):
            return error_reply("ProtocolError", "malformed request")
        self.asks = Asks(by_value)
        saved = standins.bind(self.namespaces() if provided else [], {
            p: standins.stand_in(p, lambda a, k, p=p: self.ask(p, a, k), self.functions.get(p))
            for p in provided})
        try:
            return {"ok": function(*args, **kwargs)}
        except BaseException as exc:  # a student's sys.exit() is an answer like any other
            return error_reply(type(exc).__name__, safe_str(exc),
                               student_traceback(exc, self.student_files))
        finally:
            standins.restore(saved)

    def namespaces(self) -> list[dict[str, Any]]:
        """Where the student's functions look names up: each file's namespace, and the
        modules imported from the working directory (a folder's other .py files)."""
        here = os.getcwd() + os.sep
        modules = [m.__dict__ for m in list(sys.modules.values())
                   if isinstance(getattr(m, "__file__", None), str) and m.__file__.startswith(here)]
        return [u.namespace for u in self.units] + modules

    def ask(self, name: str, args: tuple, kwargs: dict) -> Any:
        """The grader's reply to ``name(*args, **kwargs)``: asked by the call's key (by its
        arguments for a by_value name), unless the grader has said it answers no such key
        (or the call has no key at all): then ``{"own": true}`` at once."""
        if self.requests is None or self.replies is None:
            raise RuntimeError(f"{name} can only be called while the grader is calling you")
        asks = self.asks
        if name in asks.by_value:
            try:
                data = protocol.encode({"ask": {"fn": name, "args": args, "kwargs": kwargs}})
            except protocol.ProtocolError:
                return OWN
            return self._asked(data)
        key = canonical.call_key(name, args, kwargs)
        known = asks.keys.get(name)
        if key is None or (known is not None and key not in known):
            return OWN
        if key not in asks.replies:
            return self._asked(protocol.encode({"ask": {"fn": name, "key": key}}), key)
        return copy.deepcopy(asks.replies[key])  # afresh: the caller may change it

    def _asked(self, data: bytes, key: str | None = None) -> Any:
        """Send one ask, read and decode the reply; learn the keys the grader answers (for
        the functions the reply names) and keep the answers it sent ahead, and this one
        (when it has a key), for the rest of this call while there is room."""
        protocol.write_message(self.replies, data)
        raw = protocol.read_message(self.requests)
        reply = protocol.decode(raw)
        asks = self.asks
        if not isinstance(reply, dict):
            return reply
        if isinstance(reply.get("keys"), dict):
            for function, keys in reply.pop("keys").items():
                if isinstance(keys, list):
                    asks.keys[function] = frozenset(k for k in keys if isinstance(k, str))
        ahead = reply.pop("answers", None)
        if asks.kept + len(raw) <= ASK_CACHE_BYTES:
            asks.kept += len(raw)
            if isinstance(ahead, dict):
                asks.replies.update(ahead)
            if key is not None:
                asks.replies[key] = copy.deepcopy(reply)
        return reply

    def encode_reply(self, reply: dict[str, Any], name: str) -> bytes:
        """The reply as bytes; a result that cannot be sent becomes the student's error."""
        try:
            data = protocol.encode(reply)
        except BaseException as exc:
            return protocol.encode(error_reply(
                "TypeError", f"{name} returned something that is not plain data: {safe_str(exc)}"))
        if len(data) > self.max_reply:
            return protocol.encode(error_reply(
                "ValueError", f"{name} returned {len(data)} bytes of data, "
                              f"over the {self.max_reply}-byte limit"))
        return data

    def serve(self, requests: io.BufferedReader, replies: io.BufferedWriter) -> None:
        self.requests, self.replies = requests, replies
        while True:
            try:
                raw = protocol.read_message(requests)
            except EOFError:
                return
            try:
                request = protocol.decode(raw)
            except protocol.ProtocolError as exc:
                request, reply = {}, error_reply("ProtocolError", str(exc))
            else:
                reply = self.answer(request)
            name = request.get("fn", "?") if isinstance(request, dict) else "?"
            protocol.write_message(replies, self.encode_reply(reply, str(name)))


#: Bytes of replies one call keeps, to answer a repeated ask without asking again (a loop
#: asks output_size the same question many times); counted against the student's memory.
ASK_CACHE_BYTES = 8 * 1024 * 1024
#: The reply meaning "run your own function".
OWN = {"own": True}


class Asks:
    """The asks of one call: which functions go by value, the keys the grader answers
    (per function, once a reply has said), and the replies kept."""

    def __init__(self, by_value: list[str]) -> None:
        self.by_value = frozenset(by_value)
        self.keys: dict[str, frozenset[str]] = {}
        self.replies: dict[str, Any] = {}
        self.kept = 0


def show(*objects: Any, **_: Any) -> None:
    """Stand-in for IPython's ``display``: prints each object's repr to the captured output."""
    for obj in objects:
        print(repr(obj))


def copy_files(folder: str) -> None:
    """The submission's files and the course data into the (fresh, writable) working
    directory, where a notebook would find them."""
    if folder and os.path.isdir(folder):
        shutil.copytree(folder, os.getcwd(), dirs_exist_ok=True)


def main(argv: list[str]) -> int:
    requests, replies = claim_protocol_streams()
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    copy_files(job.get("files_dir", ""))
    # numpy's folder, then the working directory last: a notebook can import the .py files
    # beside it (as in Jupyter), but a student's numpy.py cannot shadow numpy.
    sys.path.extend([*(p for p in job.get("sys_path", []) if p not in sys.path), os.getcwd()])
    sys.argv = [""]
    worker = Worker(job)
    builtins.display = show  # type: ignore[attr-defined]  # Jupyter's display(), as text
    silence_stderr(worker.output)
    problems = worker.load()
    ready = {"functions": sorted(worker.functions), "problems": problems,
             "output": worker.output.tail()}
    protocol.write_message(replies, worker.encode_reply({"ready": ready}, "loading"))
    worker.serve(requests, replies)
    return 0


def run(argv: list[str]) -> None:
    """Serve, then leave at once: student threads or atexit hooks cannot keep us alive."""
    os._exit(main(argv))
