

# --- rejects_everything: every graded function raises ValueError, whatever it is given.
# The "rejects ..." items check that bad input raises ValueError, which this does for
# free; they count only when the same function also answers valid input, so it scores 0.
EXPECTED_SCORE = 0

_GRADED = ("output_size", "same_padding", "zero_pad", "conv2d_single", "conv2d", "max_pool2d",
           "avg_pool2d", "relu", "flatten", "dense", "softmax", "cross_entropy",
           "init_tiny_cnn", "tiny_cnn_forward", "relu_backward", "dense_backward",
           "conv2d_backward", "max_pool2d_backward", "numerical_gradient",
           "tiny_cnn_loss_and_grads", "train_tiny_cnn")


def _refuse(*args, **kwargs):
    raise ValueError("invalid geometry")


for _name in _GRADED:
    globals()[_name] = _refuse
