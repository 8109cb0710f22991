# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- conv_single_bias_missing: conv2d_single computes W·X but never adds the bias.
EXPECTED_LOST = ('conv2d_single: bias',)
EXPECTED_DIAGNOSIS = 'bias not added'


def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
    image = as_float_array(image, "image", 2, "(H, W)")
    kernel = as_float_array(kernel, "kernel", 2, "(FH, FW)")
    (h, w), (fh, fw) = image.shape, kernel.shape
    sh, sw = as_pair(stride, "stride")
    if padding == "same":
        pads = same_padding(h, fh, sh), same_padding(w, fw, sw)
        oh, ow = output_size(h, fh, sh, "same"), output_size(w, fw, sw, "same")
    elif padding == "valid":
        pads = (0, 0), (0, 0)
        oh, ow = output_size(h, fh, sh, "valid"), output_size(w, fw, sw, "valid")
    else:
        pads = padding_pairs(padding)
        oh, ow = output_size(h, fh, sh, pads[0]), output_size(w, fw, sw, pads[1])
    x = zero_pad(image, pads)
    out = np.zeros((oh, ow), dtype=float_dtype(image, kernel))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(x[i * sh : i * sh + fh, j * sw : j * sw + fw] * kernel)  # no bias
    return out
