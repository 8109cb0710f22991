"""Graders that stop or hang their own pool process, for the pool's watchdog tests (module
level, so that the pool's spawned processes can import them)."""

from __future__ import annotations

import os
import signal
import time

from autograder.grading import SubmissionPath, grade_submission
from autograder.options import DEFAULT_OPTIONS, GradeOptions


def stops_itself_for_bob(sub: SubmissionPath, options: GradeOptions = DEFAULT_OPTIONS):
    """SIGSTOP to its own process on bob (as a submission run as the grader's user can)."""
    if sub.student == "bob":
        os.kill(os.getpid(), signal.SIGSTOP)
    return grade_submission(sub, options)


def hangs_for_bob(sub: SubmissionPath, options: GradeOptions = DEFAULT_OPTIONS):
    """Never returns on bob."""
    if sub.student == "bob":
        while True:
            time.sleep(60)
    return grade_submission(sub, options)
