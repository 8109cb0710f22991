

# --- exits_on_import: the file calls sys.exit() while it is being loaded (copied from a
# script). The grader must survive it and score 0 with the reason.
EXPECTED_SCORE = 0

import sys  # noqa: E402

sys.exit(3)
