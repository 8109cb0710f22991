"""The 8×8 handwritten digits (1,797 images), shipped with the package; see data/README.md."""

from __future__ import annotations

from importlib import resources

import numpy as np


def load_digits_split(test_fraction: float = 0.2, seed: int = 0):
    """The digits as a fixed, shuffled train/test split.

    Returns (x_train, y_train, x_test, y_test): images (N, 1, 8, 8) float64 scaled to
    [0, 1], labels (N,) int64. The same ``seed`` always gives the same split.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: 0과 1 사이여야 하는데 {test_fraction}입니다 · "
                         f"test_fraction must be between 0 and 1, got {test_fraction}")
    with resources.files("reference").joinpath("data/digits.npz").open("rb") as fh:
        data = np.load(fh, allow_pickle=False)
        images, labels = data["images"], data["labels"]
    x = images.astype(np.float64)[:, None] / 16.0
    y = labels.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]
