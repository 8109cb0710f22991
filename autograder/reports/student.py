"""One student's reports, written once: ``results.json``, ``feedback.html`` and, when the
expected values wait, the full page to hand out later.

:func:`write` renders them from the record and the :class:`ReportSettings` (language,
visibility, late rule and this submission's time) and writes each file atomically; it
returns the digest the store keeps. :func:`digest_on_disk` computes the same digest from
the files as they are, so a rerun writes a student's files only when the record, the
settings or the files changed (:func:`up_to_date`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from ..atomic import write_atomic
from ..names import safe_name
from ..results import GradeRecord
from .feedback import feedback_html
from .late import late_message
from .results_json import student_results
from .settings import FULL_FEEDBACK, ReportSettings
from .visibility import redacted_record

#: Every file a student's folder may hold (a rerun removes those its settings no longer give).
ALL_REPORTS = ("results.json", "feedback.html", FULL_FEEDBACK)


def student_folder(student: str, out: str | Path, flat: bool = False) -> Path:
    """Where a student's reports go: ``out/<student>`` (``out`` itself if flat)."""
    return Path(out) if flat else Path(out) / safe_name(student)


def render(record: GradeRecord, settings: ReportSettings) -> dict[str, str]:
    """{file name: text} of ``record``'s reports under ``settings``, in
    ``settings.file_names()`` order."""
    lang = settings.lang
    adjustment = settings.adjustment(record)
    late = (late_message(adjustment, settings.late)
            if adjustment is not None and settings.late is not None else None)
    results = json.dumps(student_results(record, settings), indent=2, ensure_ascii=False)
    files = {"results.json": results + "\n"}
    if settings.holds_back_page:  # the page students get waits too
        files["feedback.html"] = feedback_html(
            redacted_record(record, settings.expected_visibility, lang), lang, late)
        files[FULL_FEEDBACK] = feedback_html(record, lang, late)
    else:
        files["feedback.html"] = feedback_html(record, lang, late)
    return files


def digest(files: Iterable[tuple[str, str | bytes]], settings_digest: str) -> str:
    """sha256 over the settings' digest and each file's name and bytes (length-prefixed)."""
    h = hashlib.sha256(settings_digest.encode() + b"\0")
    for name, text in files:
        data = text.encode("utf-8") if isinstance(text, str) else text
        h.update(b"%d:%s%d:" % (len(name), name.encode(), len(data)))
        h.update(data)
    return h.hexdigest()


def files_digest(files: dict[str, str], student: str, settings: ReportSettings) -> str:
    """The digest :func:`write` returns for these rendered ``files``."""
    return digest(files.items(), settings.digest(student))


def write(record: GradeRecord, folder: str | Path, settings: ReportSettings,
          files: dict[str, str] | None = None) -> str:
    """Write ``record``'s reports into ``folder`` (``files``: as :func:`render` gave them,
    if already rendered), each file atomically; a file the settings no longer give is
    removed. Returns their digest. Raises what rendering or writing raised (OSError for a
    full disk)."""
    folder = Path(folder)
    files = render(record, settings) if files is None else files
    for name, text in files.items():
        write_atomic(folder / name, text)
    for name in ALL_REPORTS:
        if name not in files:
            (folder / name).unlink(missing_ok=True)
    return files_digest(files, record.student, settings)


def digest_on_disk(folder: str | Path, student: str, settings: ReportSettings) -> str | None:
    """:func:`write`'s digest for the files in ``folder`` as they are now; None if one is
    missing or unreadable."""
    try:
        files = [(name, (Path(folder) / name).read_bytes()) for name in settings.file_names()]
    except OSError:
        return None
    return digest(files, settings.digest(student))


def up_to_date(stored_digest: str, folder: str | Path, student: str,
               settings: ReportSettings) -> bool:
    """True if the files in ``folder`` are the ones a record stored with ``stored_digest``
    gives under ``settings`` (so nothing needs rendering or writing)."""
    return bool(stored_digest) and digest_on_disk(folder, student, settings) == stored_digest
