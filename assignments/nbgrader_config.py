"""nbgrader settings for the conv-lab course (nbgrader 0.9).

Run nbgrader from this folder (``cd assignments``); the course root is this folder
wherever it is copied to. The command sequence: docs/nbgrader.md ("Step by step, with
plain nbgrader").

The exchange folder is ``$CONVLAB_EXCHANGE`` if set, else ``~/.conv-lab-exchange`` (a
per-user default that needs no root; on a shared JupyterHub set CONVLAB_EXCHANGE to e.g.
/srv/nbgrader/exchange, writable by everyone, for instructors and students alike).
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

HERE = Path(__file__).resolve().parent

# What `autograder course` relies on, so that plain `nbgrader autograde` does the same
# (docs/nbgrader.md, "Safety"): locked cells restored from the source (an untouched one is
# not reported as changed), deleted test cells added back, output capped, each student's
# kernel in bubblewrap where it works (else nbgrader's own Execute). Settings below win.
try:
    from autograder.course.config import apply_safety
except ImportError:  # the grader is not installed here (e.g. a student's own machine)
    pass
else:
    apply_safety(c)

c.CourseDirectory.course_id = "conv_lab"
c.CourseDirectory.root = str(HERE)
# Never ship these into release/ or back in submissions: editor checkpoints, bytecode and
# the caches of tools run in the source folder (hypothesis, pytest, ruff, mypy).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            ".hypothesis", ".pytest_cache", ".ruff_cache", ".mypy_cache"]

c.Exchange.root = os.environ.get("CONVLAB_EXCHANGE", str(Path.home() / ".conv-lab-exchange"))
# Filesystem exchange: `nbgrader submit` names the student after the OS account unless
# `--student ID` is given; keep the default assignment/course layout.

# Solutions: the same stub text as assignments/stubs/conv_layers.py, and the default
# "### BEGIN SOLUTION" / "### END SOLUTION" markers written by assignments/build.py.
c.ClearSolutions.code_stub = {
    "python": "# 여기에 코드를 쓰세요 · YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.enforce_metadata = True  # a solution outside a solution cell is a build bug
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# Execution (validate and autograde). Notebook 5 trains a CNN and its hidden tests train
# it again; a loop-only conv2d answer is slow, so give each cell ten minutes.
c.Execute.timeout = 600
# nbgrader always keeps going after an error (Execute.allow_errors is fixed to True, not
# configurable): one broken answer does not cost the points of the cells after it. A graded
# cell that errors or writes to stderr scores 0.
c.Execute.interrupt_on_timeout = True

# Graded cells print feedback and end with the points earned (partial credit); nbgrader
# then shows the number as the cell's result. Keep their stdout in the feedback.
c.ClearOutput.enabled = True  # released and submitted notebooks start without outputs
