# ruff: noqa: F821  (np comes from the model solution this is appended to)
# --- flatten_nhwc: flatten moves the channels last first, as TensorFlow's NHWC order would,
# so each image's values come pixel by pixel instead of channel by channel.
EXPECTED_LOST = ('flatten: order and shape',)
EXPECTED_DIAGNOSIS = 'flattened in channels-last (N, H, W, C) order'


def flatten(x):
    x = as_float_array(x, "x")
    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)
