# ruff: noqa: F821  (np and the helpers come from the model solution this is appended to)
# --- flatten_fortran: flatten reshapes with order="F", mixing the examples' values in
# column-major order. The tiny CNN's dense layer then reads scrambled features.
# The trained dense weights expect scrambled features, so in the correct network they
# classify poorly (below the 25% bar on the training digits), so training loses too.
EXPECTED_LOST = ('flatten: order and shape',)
EXPECTED_DIAGNOSIS = "flattened in Fortran (column-major) order"


def flatten(x):
    return np.reshape(x, (x.shape[0], -1), order="F")
