# --- output_size_floored: output_size divides with // and never checks the remainder,
# so the lecture's 7×7 image with a 3×3 filter at stride 3 gets 2 instead of an error.
# conv2d and conv2d_single size their output with it, so they stop rejecting bad geometry too.
EXPECTED_LOST = ('output_size: rejects non-integer sizes',)
EXPECTED_DIAGNOSIS = "output size floored instead of rejected"


def output_size(n, f, stride=1, padding=0):
    if padding == "same":
        return -(-n // stride)
    if padding == "valid":
        padding = 0
    before, after = (padding, padding) if isinstance(padding, int) else padding
    if n + before + after < f:
        raise ValueError(f"filter {f} is larger than the padded input")
    return (n + before + after - f) // stride + 1
