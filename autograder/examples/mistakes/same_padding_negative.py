# ruff: noqa: F821  (math and the helpers come from the model solution this is appended to)
# --- same_padding_negative: same_padding forgets the max(…, 0): when the stride is larger
# than the filter the "padding" comes out negative.
EXPECTED_LOST = ('same_padding: matches TensorFlow',)


def same_padding(n, f, stride=1):
    out = math.ceil(n / stride)
    total = (out - 1) * stride + f - n  # should be max(…, 0)
    return total // 2, total - total // 2
