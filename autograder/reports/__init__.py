"""Every report the grader writes, written once, with the course's rules applied as it
writes.

Per student (:mod:`.student`): ``write(record, folder, settings)`` writes ``results.json``
(Gradescope's format, :mod:`.results_json`), ``feedback.html`` (:mod:`.feedback`, from a
Jinja2 template) and, when the expected values wait, the full page to hand out later;
:class:`ReportSettings` (:mod:`.settings`) holds the language, the visibility
(:mod:`.visibility`), the late rule (:mod:`.late`) and the submission's time, and its
digest is part of the digest the store keeps, so a rerun writes only what changed.

Per class, at the end, from the store: ``grades.csv`` (:mod:`.grades`) and the class
report (``class.html``/``class.json``, :mod:`autograder.classreport`), each once.

Nothing here imports the grading run; the run (:mod:`autograder.incremental`) calls these.
"""

from __future__ import annotations

from .grades import GRADES_CSV, grades_csv_text, read_grades_csv, write_grades_csv
from .settings import FULL_FEEDBACK, ReportSettings
from .student import digest_on_disk, files_digest, render, student_folder, up_to_date, write


def write_class_report(records, out, *, at_risk, sources=None, store=None, hashes=None):
    """``class.html`` and ``class.json`` (:func:`autograder.classreport.write_class_report`)."""
    from ..classreport import write_class_report as write_it

    return write_it(records, out, at_risk=at_risk, sources=sources, store=store,
                    hashes=hashes)

def keep_prints(store, path, content_hash):
    """Fingerprint one submission for the class report, kept in ``store`` by content."""
    from ..classreport import source_prints

    source_prints({"": path}, store=store, hashes={"": content_hash})


__all__ = ["FULL_FEEDBACK", "GRADES_CSV", "ReportSettings", "digest_on_disk", "files_digest",
           "grades_csv_text", "keep_prints", "read_grades_csv", "render", "student_folder",
           "up_to_date", "write", "write_class_report", "write_grades_csv"]
