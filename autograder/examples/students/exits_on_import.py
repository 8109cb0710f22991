

# --- exits_on_import: the file ends with sys.exit() (copied from a script). The grader
# survives it; like a notebook, it keeps what was defined before the exit, so the score is
# the model solution's, and the record notes the exit.
EXPECTED_LOST = ()

import sys  # noqa: E402

sys.exit(3)
