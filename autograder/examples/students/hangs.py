

# --- hangs: avg_pool2d never returns (a while loop whose index is never advanced).
# The call times out, that item scores 0 and every other item is graded as usual.
EXPECTED_LOST = ("avg_pool2d: windows and stride",)


def avg_pool2d(x, size=2, stride=None):
    i = 0
    while i < x.shape[2]:
        pass  # forgot i += 1
    return x
