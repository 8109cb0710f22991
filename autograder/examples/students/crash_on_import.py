# --- crash_on_import: the file raises on its first lines, before any function is defined
# (a leftover experiment). Nothing can be graded: every item scores 0 and the record says why.
PLACEMENT = "start"  # this file goes before the model solution
EXPECTED_SCORE = 0

raise RuntimeError("testing my conv2d on the full dataset...")
