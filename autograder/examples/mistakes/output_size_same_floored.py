# ruff: noqa: F821  (math and the helpers come from the model solution this is appended to)
# --- output_size_same_floored: output_size gives n // stride for "same" instead of
# ceil(n / stride), one position short whenever the stride does not divide the size.
EXPECTED_LOST = ('output_size: valid and same',)

_output_size_right = output_size


def output_size(n, f, stride=1, padding=0):
    if isinstance(padding, str) and padding.lower() == "same":
        return positive_int(n, "n") // positive_int(stride, "stride")  # should round up
    return _output_size_right(n, f, stride, padding)
