"""The digits data, the tiny CNN's shapes, and training it to ≥ 97 % test accuracy."""

from pathlib import Path

import numpy as np
import pytest

import reference
from reference import (
    accuracy,
    init_tiny_cnn,
    load_digits_split,
    tiny_cnn_forward,
    train_tiny_cnn,
)


@pytest.fixture(scope="module")
def split():
    return load_digits_split()


def test_digits_split_shapes_and_values(split):
    x_train, y_train, x_test, y_test = split
    assert x_train.shape[1:] == x_test.shape[1:] == (1, 8, 8)
    assert len(x_train) + len(x_test) == 1797
    assert len(x_test) == round(1797 * 0.2)
    assert (len(y_train), len(y_test)) == (len(x_train), len(x_test))
    assert x_train.dtype == np.float64 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0 and x_test.max() <= 1.0
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_digits_split_is_fixed_and_disjoint(split):
    x_train, y_train, x_test, y_test = split
    again = load_digits_split()
    for a, b in zip(split, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = load_digits_split(seed=1)
    assert not np.array_equal(other[1], y_train)
    # Disjoint and complete: together the halves are the data set, each example exactly once.
    raw = np.load(Path(reference.__file__).parent / "data" / "digits.npz")

    def rows(images, labels):  # one row per example, sorted, to compare as multisets
        table = np.column_stack([np.asarray(images).reshape(len(labels), -1), labels])
        return table[np.lexsort(table.T[::-1])]

    np.testing.assert_array_equal(
        rows(np.concatenate([x_train, x_test]) * 16, np.concatenate([y_train, y_test])),
        rows(raw["images"].astype(np.float64), raw["labels"]),
    )


def test_accuracy_by_hand():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(logits, [1, 0, 0, 1]) == 0.5
    assert type(accuracy(logits, [1, 0, 1, 0])) is float


def test_tiny_cnn_shapes():
    params = init_tiny_cnn(0)
    assert {k: v.shape for k, v in params.items()} == {
        "conv1_w": (8, 1, 3, 3), "conv1_b": (8,), "conv2_w": (16, 8, 3, 3),
        "conv2_b": (16,), "fc_w": (64, 10), "fc_b": (10,),
    }
    assert tiny_cnn_forward(np.zeros((5, 1, 8, 8)), params).shape == (5, 10)
    for a, b in zip(init_tiny_cnn(3).values(), init_tiny_cnn(3).values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_reaches_97_percent(split):
    result = train_tiny_cnn(*split)
    assert result["test_accuracy"] >= 0.97
    history = result["loss_history"]
    assert len(history) == 12 and history[-1] < history[0] / 5
    assert set(result["params"]) == set(init_tiny_cnn())


def test_training_defaults_to_the_digits():
    small = train_tiny_cnn(epochs=1)
    assert 0.0 <= small["test_accuracy"] <= 1.0 and len(small["loss_history"]) == 1
