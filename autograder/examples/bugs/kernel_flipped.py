# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- kernel_flipped: conv2d flips each filter first, as a textbook "convolution" does.
# CNN layers (and the lecture) slide the filter as it is: a cross-correlation. Every conv2d
# value check fails wherever the filter is not symmetric, and so does everything the tiny CNN
# computes with it; the output shape and the rejection of bad geometry are unaffected.
# Training itself still runs, but the weights it learns are for flipped filters: run through
# the correct forward pass they classify no better than chance, so training loses too.
EXPECTED_LOST = (
    'conv2d: channels summed',
    'conv2d: multiple filters',
    'conv2d: bias',
    'conv2d: stride',
    'conv2d: padding',
    'conv2d: same and valid padding',
    "conv2d: output keeps the input's dtype",
)
EXPECTED_DIAGNOSIS = "kernel flipped (true convolution instead of the cross-correlation CNNs use)"


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    n, _, h, wd = x.shape
    f, _, fh, fw = w.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":
        pads = same_padding(h, fh, sh), same_padding(wd, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(wd, fw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(wd, fw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(wd, fw, sw, pads[1])
    if b is None:
        b = np.zeros(f)
    xp = zero_pad(x, pads)
    flipped = w[:, :, ::-1, ::-1]  # "convolution flips the kernel"
    out = np.zeros((n, f, oh, ow), dtype=float_dtype(x, w))
    for r in range(oh):
        for c in range(ow):
            window = xp[:, :, r * sh : r * sh + fh, c * sw : c * sw + fw]
            out[:, :, r, c] = np.tensordot(window, flipped, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
