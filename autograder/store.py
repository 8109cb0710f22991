"""The results store: every graded submission, durable the moment it is graded.

``OUT/grading.sqlite`` (SQLite through the standard library, WAL mode) holds:

- ``records``: one row per graded submission, keyed by what decides its result: the
  student's name, the content hash of every file graded for it (names and bytes, not
  mtimes), the seed, the rubric hash (:meth:`autograder.options.GradeOptions.rubric_hash`:
  the items graded, their points, the call timeout, the other options that decide a
  result and the kind of sandbox used) and the grader's version (package version plus a
  hash of its source). A row keeps the whole :class:`~autograder.results.GradeRecord` as
  JSON (items, failures with their cases and values, problems, seconds, sandbox kind),
  where the submission came from, the host, and a digest of the reports written from it.
- ``runs``: the run log (start, end, arguments, seed, rubric hash, grader version,
  sandbox, counts and duration), printed by ``autograder history OUT``.
- ``prints``: the class report's code fingerprints of each submission's content (by
  content hash and the fingerprinting code's version), so a rerun reads them instead of
  parsing every file again. A cache: losing it costs time, never a result.

Values in a failure (numpy arrays and scalars, tuples, dicts, floats including NaN) are
stored so that they decode to equal values of the same types: a report written from a
stored record is byte-identical to one written from the fresh record. An array over
``MAX_STORED_ARRAY_BYTES`` is stored as the one-line description the reports show for
it (its heat map, if any, is then not redrawn), and a record over ``MAX_RECORD_CHARS``
keeps arrays up to ``SMALL_ARRAY_BYTES`` only: a submission cannot bloat the store.
Values of other types are kept as their ``repr``.

Each record is committed on its own (``synchronous=NORMAL`` in WAL mode: it survives any
crash or kill of the grader); every ``SYNC_EVERY`` seconds and on closing, a checkpoint
makes the records survive a power cut as well.

Errors a user can act on are :class:`StoreError` with a message naming the file.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import enum
import errno
import fcntl
import functools
import hashlib
import importlib
import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .i18n import Message, from_data, to_data
from .results import Failure, GradeRecord, ItemResult

STORE_NAME = "grading.sqlite"
LOCK_NAME = ".grading.lock"
SCHEMA_VERSION = 1
MAX_STORED_ARRAY_BYTES = 1 << 20  # far above any shrunk case; bounds a hostile return value
MAX_RECORD_CHARS = 8 << 20  # a record over this is stored again with small arrays only
SMALL_ARRAY_BYTES = 16 << 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    student TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rubric_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    source TEXT NOT NULL,
    options TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    sandbox TEXT NOT NULL,
    host TEXT NOT NULL,
    seconds REAL NOT NULL,
    graded_at REAL NOT NULL,
    run_id INTEGER,
    report_digest TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (student, content_hash, seed, rubric_hash, grader_version)
);
CREATE INDEX IF NOT EXISTS records_by_student ON records (student, graded_at);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    ended REAL,
    status TEXT NOT NULL,
    argv TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rubric_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    sandbox TEXT NOT NULL,
    host TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    graded INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    vanished INTEGER NOT NULL DEFAULT 0,
    grading_seconds REAL NOT NULL DEFAULT 0
);
"""
#: Made in every store opened, old ones too (it is a cache, not part of the schema version).
_PRINTS_TABLE = """
CREATE TABLE IF NOT EXISTS prints (
    content_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    prints BLOB NOT NULL,
    PRIMARY KEY (content_hash, version)
);
"""


class StoreError(Exception):
    """Something about the output folder or its store that the user must act on."""


class StoreBusy(StoreError):
    """Another ``autograder grade`` holds the output folder."""


class StoreDamaged(StoreError):
    """The store file is not a readable SQLite database of ours."""


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Key:
    """What decides a result: the same key always gives the same record."""

    content_hash: str
    seed: int
    rubric_hash: str
    grader_version: str


def _graded_files(path: Path) -> list[Path]:
    """The files of a folder submission that grading reads: its code and the data files
    copied beside it (``autograder.submission``), by relative path."""
    from .submission import data_files, source_files

    found = set(source_files(path)) | set(data_files(path))
    return sorted(found, key=lambda f: f.relative_to(path).as_posix())


def content_hash(path: str | Path) -> str:
    """sha256 of a submission's files: each file's name (relative to a folder) and bytes.

    A missing or unreadable path hashes to a value naming that, so it is graded (to its
    zero record) once and again when it appears; a symbolic link hashes to where it
    points (its target is never read: links are not graded)."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        if path.is_symlink():
            digest.update(b"symlink\0" + os.fsencode(os.readlink(path)))
        elif path.is_dir():
            digest.update(b"folder\0")
            for file in _graded_files(path):
                data = file.read_bytes()
                name = os.fsencode(file.relative_to(path).as_posix())
                digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
                digest.update(data)
        elif path.exists():
            data = path.read_bytes()
            digest.update(b"file\0%s\0%d:" % (os.fsencode(path.name), len(data)))
            digest.update(data)
        else:
            digest.update(b"missing\0" + os.fsencode(path.name))
    except OSError as exc:
        digest.update(f"unreadable\0{exc.errno}".encode())
    return digest.hexdigest()


@functools.cache
def grader_version() -> str:
    """``<package version>+<hash of the grader's and the reference's source>``: any edit to
    a check, the engine or the model solution is a new version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("conv-lab")
    except PackageNotFoundError:
        base = "0"
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for package in (root, root.parent / "reference"):
        for file in sorted(package.rglob("*.py")):
            if "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(root.parent).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    return f"{base}+{digest.hexdigest()[:10]}"


# --------------------------------------------------------------------------- values


class StoredRepr:
    """A value of a type the store does not keep, as its ``repr`` (what reports print)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoredRepr) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]


def _npy(arr: np.ndarray) -> list[Any]:
    """[dtype, shape, base64 of the C-order bytes]: np.save's header costs more to parse
    than the data of a shrunk case."""
    data = np.ascontiguousarray(arr).tobytes()
    return [arr.dtype.str, list(arr.shape), base64.b64encode(data).decode("ascii")]


def _from_npy(body: list[Any]) -> np.ndarray:
    dtype, shape, data = body
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        raise ValueError("object arrays are not stored")
    return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape).copy()


def encode_value(value: Any, limit: int = MAX_STORED_ARRAY_BYTES) -> Any:
    """A JSON-able form of ``value`` that :func:`decode_value` turns back into an equal
    value of the same type (see the module docstring for what is kept as text); an array
    over ``limit`` bytes is kept as the line the reports print for it."""
    if isinstance(value, Message):  # kept as msgid + parameters: reports render it in any language
        return {"msg": to_data(value)}
    if value is None or isinstance(value, (bool, str)) or type(value) is int:
        return value
    if type(value) is float:
        return {"f": repr(value)}
    if isinstance(value, enum.Enum):
        cls = type(value)
        return {"enum": f"{cls.__module__}:{cls.__qualname__}",
                "v": encode_value(value.value, limit)}
    if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.kind in "biufcUS":
        arr = np.asarray(value)
        if isinstance(value, np.generic):
            return {"npscalar": _npy(arr)}
        if arr.nbytes > limit:
            from .reports.feedback import format_value  # the line the reports print for it

            return format_value(arr)
        return {"nd": _npy(arr)}
    if isinstance(value, tuple) and type(value) is tuple:
        return {"t": [encode_value(v, limit) for v in value]}
    if isinstance(value, list) and type(value) is list:
        return {"l": [encode_value(v, limit) for v in value]}
    if isinstance(value, dict) and type(value) is dict:
        return {"d": [[encode_value(k, limit), encode_value(v, limit)] for k, v in value.items()]}
    return {"repr": repr(value)}


def decode_value(data: Any) -> Any:
    """Inverse of :func:`encode_value`."""
    if data is None or isinstance(data, (bool, str, int)):
        return data
    if isinstance(data, float):  # never written by encode_value; tolerate it
        return data
    tag = next(iter(data))
    body = data[tag]
    if tag == "f":
        return float(body)
    if tag == "msg":
        return from_data(body)
    if tag == "nd":
        return _from_npy(body)
    if tag == "npscalar":
        return _from_npy(body)[()]
    if tag == "t":
        return tuple(decode_value(v) for v in body)
    if tag == "l":
        return [decode_value(v) for v in body]
    if tag == "d":
        return {decode_value(k): decode_value(v) for k, v in body}
    if tag == "enum":
        module, _, qualname = body.partition(":")
        if module.split(".")[0] == "autograder":  # only our own enums are re-imported
            cls: Any = importlib.import_module(module)
            for part in qualname.split("."):
                cls = getattr(cls, part)
            return cls(decode_value(data["v"]))
        return StoredRepr(repr(decode_value(data["v"])))
    if tag == "repr":
        return StoredRepr(body)
    raise ValueError(f"unknown stored value tag {tag!r}")


def record_to_json(record: GradeRecord) -> str:
    """The whole record as JSON text (see :func:`record_from_json`). A record whose
    arrays add up to more than ``MAX_RECORD_CHARS`` (a hostile submission returning huge
    outputs on many items) keeps only arrays up to ``SMALL_ARRAY_BYTES``."""
    text = _record_json(record, MAX_STORED_ARRAY_BYTES)
    return text if len(text) <= MAX_RECORD_CHARS else _record_json(record, SMALL_ARRAY_BYTES)


def _record_json(record: GradeRecord, limit: int) -> str:
    items = []
    for r in record.items:
        failure = None
        if r.failure is not None:
            failure = {f.name: encode_value(getattr(r.failure, f.name), limit)
                       for f in dataclasses.fields(Failure)}
        items.append({"name": r.name, "points": encode_value(r.points),
                      "max_points": encode_value(r.max_points), "failure": failure})
    data = {"student": record.student, "sandbox": record.sandbox,
            "problems": [to_data(p) for p in record.problems],  # a Message as msgid + params
            "seconds": encode_value(record.seconds),
            "limits": record.limits, "items": items}
    if record.graded_by:
        data["graded_by"] = dict(record.graded_by)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def record_from_json(text: str) -> GradeRecord:
    """A GradeRecord equal to the one :func:`record_to_json` was given."""
    data = json.loads(text)
    known = {f.name for f in dataclasses.fields(Failure)}
    items = []
    for item in data["items"]:
        failure = None
        if item["failure"] is not None:
            failure = Failure(**{k: decode_value(v) for k, v in item["failure"].items()
                                 if k in known})
        items.append(ItemResult(item["name"], decode_value(item["points"]),
                                decode_value(item["max_points"]), failure))
    # old records hold plain strings: from_data returns them as they are
    problems = [from_data(p) for p in data["problems"]]
    return GradeRecord(data["student"], items, data["sandbox"], problems,
                       decode_value(data["seconds"]), limits=str(data.get("limits", "")),
                       graded_by=dict(data.get("graded_by", {})))


# --------------------------------------------------------------------------- the lock


class OutputLock:
    """An exclusive ``flock`` on ``OUT/.grading.lock``, held while grading into ``OUT``.

    The kernel drops it when the holder dies, however it dies, so a crashed run never
    leaves a stale lock behind."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot write in {self.path.parent}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise StoreBusy(
                    f"another autograder grade is writing to {self.path.parent} "
                    f"({holder or 'pid unknown'}); wait for it to finish, or give a "
                    "different --out") from None
            raise
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        except OSError:
            pass  # the note is a courtesy; the lock itself is what counts
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None


# --------------------------------------------------------------------------- the store


@dataclass
class StoredRow:
    """One row of ``records`` (the record itself decoded on demand)."""

    student: str
    key: Key
    source: str
    options: dict[str, Any]
    score: float
    max_score: float
    sandbox: str
    host: str
    seconds: float
    graded_at: float
    run_id: int | None
    report_digest: str
    record_json: str

    @functools.cached_property
    def record(self) -> GradeRecord:
        return record_from_json(self.record_json)


_ROW_COLUMNS = ("student, content_hash, seed, rubric_hash, grader_version, source, options, "
                "score, max_score, sandbox, host, seconds, graded_at, run_id, report_digest, "
                "record")


def _row(values: tuple) -> StoredRow:
    (student, chash, seed, rhash, version, source, options, score, max_score, sandbox, host,
     seconds, graded_at, run_id, digest, record) = values
    return StoredRow(student, Key(chash, seed, rhash, version), source, json.loads(options),
                     score, max_score, sandbox, host, seconds, graded_at, run_id, digest, record)


def is_disk_full(exc: BaseException) -> bool:
    """True for ENOSPC from the OS and SQLite's 'database or disk is full'."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.Error) and "full" in str(exc).lower()


def damaged_message(path: Path, why: object) -> str:
    return (f"{path} is damaged or not a grading store ({why}). Nothing was changed. "
            "Run the same command with --rebuild to move it aside (it is kept as "
            f"{path.name}.damaged-<time>) and grade everything again.")


class Store:
    """``OUT/grading.sqlite``: open with :meth:`open`, close with :meth:`close`."""

    #: At most this many seconds of records can be lost to a power cut (never to a crash).
    SYNC_EVERY = 5.0

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.host = socket.gethostname()
        self.last_sync = time.monotonic()

    # ---- opening

    @classmethod
    def open(cls, out: str | Path, *, create: bool = True) -> Store:
        """The store in ``out``; StoreDamaged if the file is not a healthy store,
        StoreError if there is none and ``create`` is False."""
        path = Path(out) / STORE_NAME
        if not create and not path.is_file():
            raise StoreError(f"{Path(out)} has no grading store ({STORE_NAME}); "
                             "grade into it first with autograder grade ... --out "
                             f"{Path(out)}")
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreDamaged(damaged_message(path, exc)) from None
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # NORMAL (in WAL mode): a committed record survives any crash of the grader;
            # the fsync that also survives a power cut is batched (see ``put``), since
            # one per record costs ~10 ms on a busy disk.
            conn.execute("PRAGMA synchronous = NORMAL")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            if mode.lower() != "wal":
                raise sqlite3.DatabaseError(f"journal mode is {mode}, not WAL")
            if create:
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                             (str(SCHEMA_VERSION),))
            schema = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if schema is None or schema[0] != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"schema version {schema and schema[0]}, "
                                            f"expected {SCHEMA_VERSION}")
            with contextlib.suppress(sqlite3.OperationalError):  # e.g. a read-only store
                conn.executescript(_PRINTS_TABLE)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if is_disk_full(exc):
                raise StoreError(f"no space left in {Path(out)} to open {path.name} ({exc}); "
                                 "free some space and run the same command again") from None
            raise StoreDamaged(damaged_message(path, exc)) from None
        return cls(path, conn)

    @staticmethod
    def move_aside(out: str | Path) -> Path | None:
        """``--rebuild``: rename the store (and its WAL files) to ``*.damaged-<time>``;
        returns the new path of the store file, or None if there was none."""
        path = Path(out) / STORE_NAME
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = None
        for suffix in ("", "-wal", "-shm"):
            src = path.with_name(path.name + suffix)
            if src.exists():
                dst = path.with_name(f"{path.name}.damaged-{stamp}{suffix}")
                os.replace(src, dst)
                moved = moved or dst
        return moved

    def close(self) -> None:
        try:
            self.sync()
        except sqlite3.Error:
            pass  # e.g. a full disk: the records are committed; the rerun syncs
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- records

    def lookup(self, student: str, key: Key) -> StoredRow | None:
        """The row for ``student`` under ``key``, or None."""
        row = self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM records WHERE student = ? AND content_hash = ? "
            "AND seed = ? AND rubric_hash = ? AND grader_version = ?",
            (student, key.content_hash, key.seed, key.rubric_hash, key.grader_version),
        ).fetchone()
        return _row(row) if row else None

    def latest(self, student: str) -> StoredRow | None:
        """The most recently graded row for ``student``, or None."""
        row = self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM records WHERE student = ? "
            "ORDER BY graded_at DESC LIMIT 1", (student,)).fetchone()
        return _row(row) if row else None

    def put(self, record: GradeRecord, key: Key, *, source: str, options: dict[str, Any],
            report_digest: str, run_id: int | None) -> None:
        """Store ``record`` under (student, key), replacing a row under the same key, and
        commit at once."""
        self.conn.execute(
            f"INSERT OR REPLACE INTO records ({_ROW_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.student, key.content_hash, key.seed, key.rubric_hash, key.grader_version,
             source, json.dumps(options), record.score, record.max_score, record.sandbox,
             self.host, record.seconds, time.time(), run_id, report_digest,
             record_to_json(record)))
        if time.monotonic() - self.last_sync > self.SYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        """Make every committed record survive a power cut (a checkpoint fsyncs the WAL)."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.last_sync = time.monotonic()

    def students(self) -> list[str]:
        """Every student with at least one stored row."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT student FROM records ORDER BY student")]

    def count(self, student: str | None = None) -> int:
        if student is None:
            return self.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM records WHERE student = ?",
                                 (student,)).fetchone()[0]

    # ---- fingerprints (a cache for the class report)

    def prints(self, content_hash: str, version: str) -> bytes | None:
        """The stored fingerprints of a submission's content, or None."""
        try:
            row = self.conn.execute(
                "SELECT prints FROM prints WHERE content_hash = ? AND version = ?",
                (content_hash, version)).fetchone()
        except sqlite3.OperationalError:  # no such table: a read-only store made before it
            return None
        return row[0] if row else None

    def put_prints(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store (content hash, version, prints) rows, in one transaction."""
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany("INSERT OR REPLACE INTO prints VALUES (?, ?, ?)", rows)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ---- the run log

    def start_run(self, *, argv: list[str], seed: int, rubric_hash: str, sandbox: str,
                  total: int) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started, status, argv, seed, rubric_hash, grader_version, "
            "sandbox, host, total) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), json.dumps(argv), seed, rubric_hash, grader_version(), sandbox,
             self.host, total))
        return int(cur.lastrowid)

    def end_run(self, run_id: int, *, status: str, graded: int, cached: int, failed: int,
                vanished: int, grading_seconds: float, sandbox: str | None = None) -> None:
        self.conn.execute(
            "UPDATE runs SET ended = ?, status = ?, graded = ?, cached = ?, failed = ?, "
            "vanished = ?, grading_seconds = ?, sandbox = COALESCE(?, sandbox) WHERE id = ?",
            (time.time(), status, graded, cached, failed, vanished, grading_seconds, sandbox,
             run_id))

    def runs(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT * FROM runs ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

