"""Framed protocol messages over non-blocking pipes, each read or write with a deadline."""

from __future__ import annotations

import os
import select
import signal
import time

from ..i18n import Message, _, layout
from ..jail import protocol

MAX_REPLY_BYTES = 64 * 1024 * 1024


class Deadline(Exception):
    """The other side did not read or write in time."""


def _wait(fd: int, event: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, event | select.POLLERR | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Deadline
        if poller.poll(left * 1000):
            return


def write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write ``data`` to the non-blocking ``fd`` before ``deadline``; EOFError if the
    reader is gone, Deadline if it does not read."""
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
    head = read_exactly(fd, protocol.FRAME_PREFIX_BYTES, deadline)
    return read_exactly(fd, protocol.frame_length(head, limit), deadline)


def describe_exit(returncode: int | None, kind: str) -> Message:
    """Why the worker ended, in words ("it was killed by SIGKILL (signal 9) (memory or CPU
    limit?)", "it exited with status 3"), in Korean and English."""
    if returncode is None:
        return _("it stopped answering")
    # bwrap reports a child killed by signal n as exit status 128 + n.
    signum = -returncode if returncode < 0 else (
        returncode - 128 if kind == "bubblewrap" and 128 < returncode < 160 else 0)
    if not signum:
        return _("it exited with status {status}", status=returncode)
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    guess = {signal.SIGKILL: _("memory or CPU limit?"), signal.SIGXCPU: _("CPU time limit"),
             signal.SIGSEGV: _("crash in native code?"), signal.SIGXFSZ: _("file size limit")}
    killed = _("it was killed by {name} (signal {signum})", name=name, signum=signum)
    if signum in guess:
        return layout("{killed} ({guess})", killed=killed, guess=guess[signum])
    return killed
