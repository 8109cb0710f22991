"""Graders that stand in for ``grade_submission`` in fault tests, importable on a Dask
worker (``tests/`` is on its PYTHONPATH) and in the local pool's spawned workers alike."""

from __future__ import annotations

import os
import signal

from autograder.grading import grade_submission
from autograder.results import GradeRecord


def kills_its_worker(sub, **options) -> GradeRecord:
    """``grade_submission``, except that a student whose name ends in ``killer`` kills
    the process grading it (as a grader bug or an out-of-memory kill would), every time."""
    if sub.student.endswith("killer"):
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_submission(sub, **options)
