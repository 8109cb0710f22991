# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- zero_pad_corner: zero_pad makes the bigger array but copies the image into its
# top-left corner, so all the zeros end up below and to the right. Every padded convolution
# (and the tiny CNN, which pads by 1) inherits the mistake.
# The weights trained on shifted images fail in the correct network (chance level), so
# training loses too.
EXPECTED_LOST = (
    'zero_pad: shape and placement',
    'zero_pad: per-side padding',
    'zero_pad: copies values exactly',
)
EXPECTED_DIAGNOSIS = "padding on one side only (the image sits in the top-left corner)"


def zero_pad(x, pad):
    x = np.asarray(x, dtype=np.float32 if np.asarray(x).dtype == np.float32 else np.float64)
    (top, bottom), (left, right) = padding_pairs(pad)
    *lead, h, w = x.shape
    out = np.zeros((*lead, h + top + bottom, w + left + right), dtype=x.dtype)
    out[..., :h, :w] = x  # should start at [top, left]
    return out
