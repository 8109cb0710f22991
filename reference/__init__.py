"""conv-lab's reference: a numpy model solution of every function students write.

Batches are NCHW ``(N, C, H, W)``; filters ``(F, C, FH, FW)``; biases ``(F,)``.
"""

from .conv import conv2d, conv2d_backward, conv2d_backward_loops, conv2d_loops, conv2d_single
from .data import load_digits_split
from .geometry import output_size, same_padding
from .gradcheck import numerical_gradient
from .layers import (
    cross_entropy,
    cross_entropy_backward,
    dense,
    dense_backward,
    flatten,
    log_softmax,
    relu,
    relu_backward,
    softmax,
)
from .pad import zero_pad
from .pool import (
    avg_pool2d,
    avg_pool2d_loops,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_loops,
    max_pool2d_loops,
)
from .tiny_cnn import init_tiny_cnn, tiny_cnn_forward, tiny_cnn_loss_and_grads
from .train import accuracy, train_tiny_cnn

__all__ = [
    "accuracy",
    "avg_pool2d",
    "avg_pool2d_loops",
    "conv2d",
    "conv2d_backward",
    "conv2d_backward_loops",
    "conv2d_loops",
    "conv2d_single",
    "cross_entropy",
    "cross_entropy_backward",
    "dense",
    "dense_backward",
    "flatten",
    "init_tiny_cnn",
    "load_digits_split",
    "log_softmax",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_backward_loops",
    "max_pool2d_loops",
    "numerical_gradient",
    "output_size",
    "relu",
    "relu_backward",
    "same_padding",
    "softmax",
    "tiny_cnn_forward",
    "tiny_cnn_loss_and_grads",
    "train_tiny_cnn",
    "zero_pad",
]
