# --- same_padding_wrong_side: same_padding puts the odd zero before the image (top/left)
# instead of after it, as TensorFlow does. conv2d's "same" padding uses it.
EXPECTED_LOST = ('same_padding: matches TensorFlow',)
EXPECTED_DIAGNOSIS = "SAME padding's extra pixel put on the wrong side"


def same_padding(n, f, stride=1):
    out = -(-n // stride)
    total = max((out - 1) * stride + f - n, 0)
    after = total // 2
    return total - after, after
