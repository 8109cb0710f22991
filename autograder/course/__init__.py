"""The nbgrader side of conv-lab: everything here except ``notebook`` needs the optional
``nbgrader`` extra (``pip install 'conv-lab[nbgrader]'``).

- ``config``: nbgrader settings the cycle relies on (``SAFETY``) and a course's Config
- ``preprocessors``: ``OverwriteCellsSafely``, used by nbgrader's autograde
- ``steps``: one function per nbgrader step (generate, release, collect, zip_collect,
  autograde, feedback, export), each through nbgrader's own Python API
- ``cycle``: the steps in order, with the sandboxed second opinion
- ``gradebook``: sandboxed scores into nbgrader's gradebook
- ``audit``: in-kernel vs sandboxed scores, the suspicious flagged
- ``notebook``: ``score()``, called by the notebooks' hidden-test cells
- ``cli``: the ``autograder course`` subcommands (also ``python -m autograder.course``)

This file and ``cli`` import no nbgrader, so that ``autograder grade``/``check``/``demo``
work, and ``autograder course`` can say what is missing, without the extra installed.
The command sequence as plain ``nbgrader`` commands is in docs/nbgrader.md.
"""

# Here, not in ``config``, so the CLI can show them as defaults without importing nbgrader.
DEFAULT_COURSE_ID = "conv_lab"  # as in assignments/nbgrader_config.py
DEFAULT_ASSIGNMENT = "conv_layers"
#: The term's seed, for ``score()`` in the kernels nbgrader starts and the sandboxed grading.
SEED_ENV = "CONVLAB_SEED"
#: Set (to anything but "" or "0") to see nbgrader's log, library warnings and the student
#: kernels' own output (``autograder course --verbose`` sets it).
VERBOSE_ENV = "CONVLAB_VERBOSE"
