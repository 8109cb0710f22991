"""The class report: what the class got wrong, for the instructor, after grading.

    report = write_class_report(records, out, sources={"alice": Path("alice.py"), ...})
    print(summary_text(report))

writes ``out/class.json`` (the numbers, for scripts) and ``out/class.html`` (one
self-contained page, Korean and English): the score distribution, mean and median
overall and per notebook, every rubric item's pass rate from the most missed (with
timeouts and crashes), every misconception found with its students, the students below
``at_risk`` percent with their weakest notebook, grading time per submission and the
sandbox used, and integrity signals (identical wrong answers on the same case; identical
code after normalising), labelled as signals, not verdicts.

``autograder report OUT`` rebuilds both from what is in OUT (:func:`load_records`);
``autograder grade`` writes them at the end and prints :func:`summary_text`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from ..atomic import write_atomic
from ..results import GradeRecord
from ..store import Store, content_hash
from .catalogue import misconception_info
from .findings import summary_text, top_findings
from .fingerprint import (
    SubmissionPrints,
    model_prints,
    prints_from_json,
    prints_to_json,
    prints_version,
    submission_prints,
)
from .outcomes import load_records
from .page import class_html
from .stats import DEFAULT_AT_RISK, ClassReport, build_report

JSON_NAME, HTML_NAME = "class.json", "class.html"


def source_prints(sources: Mapping[str, str | Path], *, store: Store | None = None,
                  hashes: Mapping[str, str] | None = None) -> dict[str, SubmissionPrints]:
    """student -> fingerprints of their submission at the given path (read, never run).

    With a ``store``, each submission's content is fingerprinted once: prints are looked
    up by content hash (``hashes``: student -> hash already computed, else computed here)
    and the new ones kept for the next run.
    """
    version = prints_version()
    prints, new = {}, []
    for student, path in sources.items():
        digest = None
        if store is not None:
            digest = (hashes or {}).get(student) or content_hash(path)
            kept = store.prints(digest, version)
            if kept is not None:
                prints[student] = prints_from_json(kept)
                continue
        try:
            prints[student] = submission_prints(path)
        except Exception as exc:  # an unreadable submission costs its signal, not the report
            prints[student] = SubmissionPrints(notes=[f"not read ({type(exc).__name__})"])
            continue
        if digest is not None:
            new.append((digest, version, prints_to_json(prints[student])))
    if new:
        with contextlib.suppress(sqlite3.Error):  # a cache: the next run computes them again
            store.put_prints(new)
    return prints


def write_class_report(
    records: list[GradeRecord],
    out: str | Path,
    *,
    at_risk: float = DEFAULT_AT_RISK,
    sources: Mapping[str, str | Path] | None = None,
    store: Store | None = None,
    hashes: Mapping[str, str] | None = None,
) -> ClassReport:
    """Build the class report of ``records`` and write ``out/class.json`` and
    ``out/class.html``; returns the report.

    ``sources`` (student -> submission path) enables the identical-code signal; a
    ``store`` keeps their fingerprints by content (``hashes``: student -> content hash,
    when known), so a rerun does not compute them again.
    """
    prints = None
    if sources is not None:
        wanted = {r.student for r in records}
        prints = source_prints({s: p for s, p in sources.items() if s in wanted},
                               store=store, hashes=hashes)
    report = build_report(records, at_risk=at_risk, prints=prints,
                          model=model_prints() if prints is not None else None)
    out = Path(out)
    write_atomic(out / JSON_NAME, json.dumps(report.to_json(), indent=1, ensure_ascii=False)
                + "\n")
    write_atomic(out / HTML_NAME, class_html(report))
    return report


__all__ = ["DEFAULT_AT_RISK", "HTML_NAME", "JSON_NAME", "ClassReport", "build_report",
           "load_records", "misconception_info", "summary_text", "top_findings",
           "write_class_report"]
