"""What a student's reports say besides the record: :class:`ReportSettings`.

The same record gives other files in another language, with another visibility or late
rule, or with another submission time; so these are frozen together, and their
:meth:`ReportSettings.digest` (for one student) is part of the digest the store keeps of
the files written: a rerun writes a student's files again only when the record, the
settings or the files on disk changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..i18n import DEFAULT_LANG, languages
from ..results import GradeRecord
from .late import UNKNOWN, LateAdjustment, LatePolicy, SubmissionTime, adjust, submission_time
from .visibility import check_visibility, holds_back

#: With the expected values held back, the full page (to hand out after the due date).
FULL_FEEDBACK = "feedback_after_due_date.html"


@dataclass(frozen=True)
class ReportSettings:
    """The choices that shape a student's reports (all have the plain defaults).

    - lang: "ko", "en" or "ko+en" (Korean, then English)
    - visibility, expected_visibility: Gradescope's, for results.json (see
      :mod:`autograder.reports.visibility`); the expected values held back also give a
      feedback.html without them and the full page as FULL_FEEDBACK
    - late: the course's late rule, or None; time: this submission's time (for the rule)
    """

    lang: str = DEFAULT_LANG
    visibility: str = "visible"
    expected_visibility: str = "visible"
    late: LatePolicy | None = None
    time: SubmissionTime | None = None

    def __post_init__(self) -> None:
        languages(self.lang)  # a ValueError names the accepted values
        check_visibility(self.visibility, self.expected_visibility)

    def for_submission(self, student: str, path: str | Path) -> ReportSettings:
        """These settings with the time of ``student``'s submission at ``path`` (when a late
        rule needs it)."""
        if self.late is None:
            return self
        return dataclasses.replace(self, time=submission_time(
            path, self.late.inbound, self.late.received_at(student)))

    @property
    def splits_tests(self) -> bool:
        """results.json gives each lost item a second, later test for its expected values."""
        return holds_back(self.visibility, self.expected_visibility)

    @property
    def holds_back_page(self) -> bool:
        """feedback.html leaves the expected values out (the full page is FULL_FEEDBACK)."""
        return self.expected_visibility != "visible"

    def file_names(self) -> tuple[str, ...]:
        """The files written per student, in this order."""
        names = ("results.json", "feedback.html")
        return (*names, FULL_FEEDBACK) if self.holds_back_page else names

    def adjustment(self, record: GradeRecord) -> LateAdjustment | None:
        """The late rule applied to ``record``'s raw score, or None without a rule."""
        if self.late is None:
            return None
        time = self.time or SubmissionTime(None, UNKNOWN, exact=False)
        return adjust(record.student, record.score, time, self.late)

    def digest(self, student: str) -> str:
        """What of these settings shapes ``student``'s files, as a short digest."""
        parts = [self.lang, self.visibility, self.expected_visibility,
                 self.late.digest_for(student) if self.late else "",
                 self.time.digest() if self.time and self.late else ""]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


#: The plain settings: both languages, everything visible, no late rule.
DEFAULT_SETTINGS = ReportSettings()
