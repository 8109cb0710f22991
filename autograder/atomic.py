"""Files written whole or not at all: a crash, a kill or a full disk never leaves half a
report, half a CSV or half a zip where a reader expects the whole file.

:func:`write_atomic` writes text or bytes; :func:`atomic_target` hands out a temporary path
for code that writes the file itself (a zip). Either way the data goes to
``<name>.tmp`` beside the target, then ``os.replace`` puts it in place; on any failure the
temporary file is removed and the target keeps what it held before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def temporary_name(path: Path) -> Path:
    """Where ``path`` is written before it replaces the target (``<name>.tmp``)."""
    return path.with_name(path.name + ".tmp")


@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (its folder made if needed); when the block
    ends normally it replaces ``path``, otherwise it is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; returns the path."""
    with atomic_target(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)
