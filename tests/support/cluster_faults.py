"""Graders that stand in for ``grade_submission`` in fault tests, importable on a Dask
worker (``tests/`` is on its PYTHONPATH) and in the local pool's spawned workers alike."""

from __future__ import annotations

import os
import signal
import time

from autograder.grading import grade_submission
from autograder.results import GradeRecord


def kills_its_worker(sub, options) -> GradeRecord:
    """``grade_submission``, except that a student whose name ends in ``killer`` kills
    the process grading it (as a grader bug or an out-of-memory kill would), every time."""
    if sub.student.endswith("killer"):
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_submission(sub, options)


def kills_its_worker_while_others_run(sub, options) -> GradeRecord:
    """``kills_its_worker`` for a worker with two threads: the killer waits a second first,
    everyone else three, so that every death happens while an honest submission runs."""
    time.sleep(1.0 if sub.student.endswith("killer") else 3.0)
    return kills_its_worker(sub, options)
