

# --- crash_on_import: the file raises while it is being loaded (a leftover experiment).
# Nothing can be graded, so every item scores 0 and the record says why.
EXPECTED_SCORE = 0

raise RuntimeError("testing my conv2d on the full dataset...")
