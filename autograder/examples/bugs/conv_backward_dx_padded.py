# ruff: noqa: F821, RUF059  (np and the helpers come from the model solution this is appended to)
# --- conv_backward_dx_padded: conv2d_backward returns the gradient of the padded input,
# border included, instead of cropping it back to x's shape. In the tiny CNN the second
# layer's dx then no longer fits the pooling gradient, and the loss and training fail.
EXPECTED_LOST = ('conv2d_backward: gradients',)
EXPECTED_DIAGNOSIS = "dx still includes the padding border"


def conv2d_backward(dout, x, w, stride=1, padding=0):
    x, w, _ = _check_conv_inputs(x, w, None)
    n, c, h, wd = x.shape
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
    xp = zero_pad(x, pads)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh : i * sh + fh, j * sw : j * sw + fw]
            dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
            dxp[:, :, i * sh : i * sh + fh, j * sw : j * sw + fw] += np.tensordot(
                dout[:, :, i, j], w, axes=([1], [0]))
    return dxp, dw, db  # forgot to crop the padding off dxp
