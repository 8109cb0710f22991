"""An LMS download unpacked within bounds: nbgrader's zip_collect extractor, bounded.

nbgrader's own extractor unpacks every archive in the download, and every archive found in
what it unpacked, without limit: a 2 MB zip of nested zips becomes gigabytes. This one
(``ZipCollectApp.extractor_plugin``, set in ``autograder.course.config.SAFETY``) unpacks
the same layout (``<download>/<name>.zip`` into ``extracted/<name>/``, an archive inside
into a folder named after it) and copies other files as they are, but:

- at most ``max_total_mb`` written in all (1024 MB), ``max_files`` files (10,000) and
  ``max_file_mb`` per file (100 MB, nbgrader's own limit for a submitted file);
- archives nested at most ``max_depth`` deep (2: the LMS's zip, and a zip a student
  uploaded into it);
- never a member whose path leaves the archive's folder (``../``, an absolute path), a
  symbolic link, or a file whose real size passes its declared one.

What it does not unpack is refused, not fatal: the rest is kept, and ``refused`` holds one
line per archive and reason (``Refused <where>: <why>: <names>``), logged as nbgrader's
warnings so ``autograder course zip-collect`` prints them and exits with status 2. Set the
limits in ``nbgrader_config.py``: ``c.BoundedExtractor.max_total_mb = 4096``.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from nbgrader.plugins.zipcollect import ExtractorPlugin
from traitlets import Float, Integer

MB = 1024 * 1024
CHUNK = 1 << 20
#: Names shown per refusal line; the rest are counted.
SHOWN = 3


@dataclass
class Member:
    """One file of an archive: its path inside, declared size, and how to read it."""

    name: str
    size: int
    kind: str  # "file", "dir", "link" or "other"
    open: Callable[[], IO[bytes]]


class BoundedExtractor(ExtractorPlugin):
    """nbgrader's ExtractorPlugin with bounds (see the module doc)."""

    max_total_mb = Float(1024.0, help="MB written in all from one download").tag(config=True)
    max_files = Integer(10_000, help="files written in all from one download").tag(config=True)
    max_file_mb = Float(100.0, help="MB per file").tag(config=True)
    max_depth = Integer(2, help="how deep archives may nest (1: no archive inside an "
                                "archive)").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        """Unpack or copy every file of ``archive_path`` into ``extracted_path``."""
        self.written, self.files = 0, 0
        self._refusals: dict[tuple[str, str], list[str]] = {}
        if not os.listdir(archive_path):
            self.log.warning("No files found in directory: %s", archive_path)
            return
        for root, dirs, files in os.walk(archive_path):  # never follows linked folders
            dirs.sort()
            rel = os.path.relpath(root, archive_path)
            target = os.path.normpath(os.path.join(extracted_path, rel))
            os.makedirs(target, exist_ok=True)
            for name in sorted(dirs + files):
                source, where = os.path.join(root, name), os.path.normpath(os.path.join(rel, name))
                if os.path.islink(source):
                    self._refuse(rel, "symbolic links, not followed", name)
                elif name in dirs:
                    continue
                elif archive_name(name):
                    self._unpack(source, os.path.join(target, archive_name(name)), where, 1)
                else:
                    with open(source, "rb") as stream:
                        self._write(stream, os.path.getsize(source),
                                    os.path.join(target, name), rel, name)
        for line in self.refused:
            self.log.warning(line)

    @property
    def refused(self) -> list[str]:
        """One line per (archive, reason) refused in the last :meth:`extract`."""
        lines = []
        for (where, why), names in getattr(self, "_refusals", {}).items():
            shown = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more"
                                                 if len(names) > SHOWN else "")
            lines.append(f"Refused {where}: {why}: {shown}")
        return lines

    def _refuse(self, where: str, why: str, name: str) -> None:
        self._refusals.setdefault((where, why), []).append(name)

    def _unpack(self, source: str, target: str, where: str, depth: int) -> None:
        """Unpack the archive ``source`` (``where``, for the messages) into ``target``."""
        try:
            with members(source) as found:
                os.makedirs(target, exist_ok=True)
                for member in found:
                    self._member(member, target, where, depth)
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError) as exc:
            self._refuse(os.path.dirname(where) or ".", f"unreadable archives ({exc})",
                         os.path.basename(where))

    def _member(self, member: Member, target: str, where: str, depth: int) -> None:
        parts = safe_parts(member.name)
        if parts is None:
            self._refuse(where, "paths outside the archive's folder", member.name)
            return
        if member.kind == "dir" or not parts:
            return
        if member.kind != "file":
            self._refuse(where, "symbolic links and special files", member.name)
            return
        dest = os.path.join(target, *parts)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        inner = archive_name(parts[-1])
        if inner and depth >= self.max_depth:
            self._refuse(where, f"archives nested more than {self.max_depth} deep, not "
                                "unpacked", member.name)
            return
        with member.open() as stream:
            if not self._write(stream, member.size, dest, where, member.name):
                return
        if inner:  # unpacked beside itself, as nbgrader does, then removed
            self._unpack(dest, os.path.join(os.path.dirname(dest), inner),
                         f"{where}/{member.name}", depth + 1)
            os.remove(dest)

    def _write(self, stream: IO[bytes], declared: int, dest: str, where: str,
               name: str) -> bool:
        """Copy ``stream`` to ``dest`` within the bounds; False (and the file removed) if
        it would pass one."""
        total, per_file = int(self.max_total_mb * MB), int(self.max_file_mb * MB)
        if self.files >= self.max_files:
            self._refuse(where, f"files past the limit of {self.max_files} files", name)
            return False
        if declared > per_file:
            self._refuse(where, f"files over {self.max_file_mb:g} MB each", name)
            return False
        if self.written + declared > total:
            self._refuse(where, f"files past the limit of {self.max_total_mb:g} MB in all",
                         name)
            return False
        allowed = min(per_file, total - self.written, declared)
        got = 0
        with open(dest, "wb") as out:
            while chunk := stream.read(CHUNK):
                got += len(chunk)
                if got > allowed:  # more than it declared: never trust the header
                    break
                out.write(chunk)
        if got > allowed:
            os.remove(dest)
            self._refuse(where, "files larger than their archive says", name)
            return False
        self.written += got
        self.files += 1
        return True


def archive_name(name: str) -> str:
    """The folder an archive called ``name`` unpacks into ("a.zip" -> "a", "b.tar.gz" ->
    "b"), or '' if ``name`` is not an archive nbgrader unpacks."""
    lower = name.lower()
    for suffix in (".tar.gz", ".tgz", ".zip", ".gz"):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return ""


def safe_parts(name: str) -> list[str] | None:
    """The path parts of an archive member, or None if it would leave the folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        return None
    return [p for p in path.parts if p not in ("", ".")]


@contextmanager
def members(path: str) -> Iterator[Iterator[Member]]:
    """The members of the zip or tar archive at ``path`` (its declared sizes and kinds)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            yield (Member(i.filename, i.file_size, _zip_kind(i), lambda i=i: zf.open(i))
                   for i in zf.infolist())
        return
    with tarfile.open(path, "r:*") as tf:
        def opener(info: tarfile.TarInfo) -> Callable[[], IO[bytes]]:
            return lambda: tf.extractfile(info)  # type: ignore[return-value]
        yield (Member(i.name, i.size, "file" if i.isfile() else "dir" if i.isdir()
                      else "link" if i.issym() or i.islnk() else "other", opener(i))
               for i in tf)


def _zip_kind(info: zipfile.ZipInfo) -> str:
    if info.is_dir():
        return "dir"
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix mode (DOS-made, or writestr)
    if kind == stat.S_IFLNK:
        return "link"
    return "file" if kind in (0, stat.S_IFREG) else "other"


def refused_lines(lines: list[str]) -> list[str]:
    """The refusal lines among zip_collect's warnings."""
    return [line for line in lines if line.startswith("Refused ")]


def copy_download(downloads: str | os.PathLike[str], archive: str | os.PathLike[str]) -> None:
    """The LMS download, as it is, into nbgrader's archive folder (links copied as links,
    so the extractor refuses them instead of following them)."""
    shutil.copytree(downloads, archive, symlinks=True)
