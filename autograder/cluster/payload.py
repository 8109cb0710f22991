"""A submission as plain bytes, so a cluster worker shares nothing with the instructor's disk.

``pack(sub)`` (on the client) reads exactly the files grading reads — the file itself, or
for a folder its code and data files (``autograder.submission``) by relative path — into a
:class:`Payload`. ``unpacked(payload)`` (on the worker) writes them into a private
temporary folder and yields the :class:`~autograder.grading.SubmissionPath` to grade there,
under the same file or folder name, so the record is the one a local run gives.

Bounds: a source file over ``submission.MAX_FILE_BYTES`` travels as its size only (the
worker makes a sparse file of that size, which the loader refuses exactly as it would the
real one); the whole payload is at most ``MAX_PAYLOAD_BYTES``, else :class:`PayloadError`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..grading import SubmissionPath
from ..sandbox.leftovers import temp_folder
from ..submission import MAX_FILE_BYTES, data_files, source_files

#: The most a submission may send to a worker (the loader's own limits stay below it).
MAX_PAYLOAD_BYTES = 64 * 1024 * 1024


class PayloadError(ValueError):
    """A submission that cannot travel to a worker (too large, or unreadable)."""


@dataclass(frozen=True)
class Payload:
    """One submission, self-contained.

    - student, notes: as in :class:`~autograder.grading.SubmissionPath`
    - name: the file or folder name (``alice.py``, ``alice``)
    - folder: True for a folder submission
    - files: (relative POSIX path, bytes) — for a file submission one entry, ``name``
    - sizes_only: (relative path, size) of files too large to grade, sent without bytes
    """

    student: str
    name: str
    folder: bool
    files: tuple[tuple[str, bytes], ...]
    notes: tuple[str, ...] = ()
    sizes_only: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    @property
    def nbytes(self) -> int:
        return sum(len(data) for _, data in self.files)


def _graded_files(folder: Path) -> list[Path]:
    """What grading reads of a folder: its code and its data files."""
    found = set(source_files(folder)) | set(data_files(folder))
    return sorted(found, key=lambda f: f.relative_to(folder).as_posix())


def pack(sub: SubmissionPath, limit: int = MAX_PAYLOAD_BYTES) -> Payload:
    """``sub``'s files as a Payload. Raises PayloadError naming the file (unreadable) or
    the size (over ``limit`` bytes)."""
    path = Path(sub.path)
    if path.is_dir():
        entries = [(f, f.relative_to(path).as_posix()) for f in _graded_files(path)]
    else:
        entries = [(path, path.name)]
    files, sizes_only, total = [], [], 0
    for file, relative in entries:
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES and file.suffix in (".py", ".ipynb"):
                sizes_only.append((relative, size))
                continue
            data = file.read_bytes()
        except OSError as exc:
            raise PayloadError(f"{file}: cannot be read ({exc.strerror or exc})") from None
        total += len(data)
        if total > limit:
            raise PayloadError(f"{sub.student}'s files add up to more than {limit} bytes, "
                               "the most a submission may send to a cluster worker")
        files.append((relative, data))
    return Payload(sub.student, path.name, path.is_dir(), tuple(files), tuple(sub.notes),
                   tuple(sizes_only))


def _safe_relative(name: str) -> PurePosixPath:
    """A relative path that stays inside its folder; ValueError otherwise."""
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        raise ValueError(f"a payload file name must be a plain relative path, got {name!r}")
    return rel


@contextlib.contextmanager
def unpacked(payload: Payload) -> Iterator[SubmissionPath]:
    """Write the payload into a fresh private folder (0700) and yield the submission there;
    the folder is removed afterwards, whatever happens."""
    if "/" in payload.name or payload.name in ("", ".", ".."):
        raise ValueError(f"a payload's name must be a plain file or folder name, "
                         f"got {payload.name!r}")
    root = temp_folder("convlab-payload-")  # owner-named: reaped if the worker is killed
    try:
        target = root / payload.name
        if payload.folder:
            target.mkdir()
        for relative, data in payload.files:
            dest = target / _safe_relative(relative) if payload.folder else target
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        for relative, size in payload.sizes_only:
            dest = target / _safe_relative(relative) if payload.folder else target
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "wb") as f:
                os.truncate(f.fileno(), size)  # sparse: the loader reads only its size
        yield SubmissionPath(payload.student, target, tuple(payload.notes))
    finally:
        shutil.rmtree(root, ignore_errors=True)
