"""The rubric: every graded item, its points, and which notebook teaches which function.

This is the one place points are defined. The autograder's checks, the nbgrader
notebooks' hidden-test cells (their ``points``) and the README's table all read it.
Items are named ``"<function>: <what>"``; the points sum to 100.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    name: str
    points: int

    @property
    def function(self) -> str:
        return self.name.split(":", 1)[0]


@dataclass(frozen=True)
class Part:
    """One notebook: its file stem, titles, and the functions students write in it."""

    stem: str
    title_en: str
    title_ko: str
    functions: tuple[str, ...]


PARTS: tuple[Part, ...] = (
    Part("01_feature_map_size", "Feature-map size", "피처 맵의 크기",
         ("output_size", "same_padding")),
    Part("02_padding", "Zero padding", "제로 패딩", ("zero_pad",)),
    Part("03_convolution", "Convolution", "합성곱", ("conv2d_single", "conv2d")),
    Part("04_pooling_and_tiny_cnn", "Pooling and a tiny CNN", "풀링과 작은 CNN",
         ("max_pool2d", "avg_pool2d", "relu", "flatten", "dense", "softmax", "cross_entropy",
          "init_tiny_cnn", "tiny_cnn_forward")),
    Part("05_backprop_and_training", "Backprop and training", "역전파와 학습",
         ("relu_backward", "dense_backward", "conv2d_backward", "max_pool2d_backward",
          "numerical_gradient", "tiny_cnn_loss_and_grads", "train_tiny_cnn")),
)

ITEMS: tuple[Item, ...] = (
    # 1. Feature-map size: the lecture's integer padding first, then the extensions
    Item("output_size: lecture examples", 2),
    Item("output_size: padding", 2),
    Item("output_size: rejects non-integer sizes", 2),
    Item("output_size: (before, after) padding", 1),
    Item("output_size: valid and same", 1),
    Item("same_padding: matches TensorFlow", 3),
    # 2. Padding
    Item("zero_pad: shape and placement", 3),
    Item("zero_pad: per-side padding", 2),
    Item("zero_pad: copies values exactly", 1),
    # 3. Convolution
    Item("conv2d_single: lecture examples", 3),
    Item("conv2d_single: random images and filters", 4),
    Item("conv2d_single: bias", 2),
    Item("conv2d_single: stride", 3),
    Item("conv2d_single: padding", 3),
    Item("conv2d: output shape", 3),
    Item("conv2d: channels summed", 4),
    Item("conv2d: multiple filters", 4),
    Item("conv2d: bias", 2),
    Item("conv2d: stride", 4),
    Item("conv2d: padding", 4),
    Item("conv2d: same and valid padding", 3),
    Item("conv2d: output keeps the input's dtype", 2),
    Item("conv2d: rejects bad geometry", 3),
    # 4. Pooling and a tiny CNN
    Item("max_pool2d: windows and stride", 3),
    Item("max_pool2d: padding never wins", 2),
    Item("avg_pool2d: windows and stride", 2),
    Item("relu: values", 1),
    Item("flatten: order and shape", 1),
    Item("dense: values", 2),
    Item("softmax: values and stability", 2),
    Item("cross_entropy: values and stability", 2),
    Item("init_tiny_cnn: keys and shapes", 1),
    Item("tiny_cnn_forward: logits", 3),
    # 5. Backprop and training, weighted by effort: conv2d_backward is the longest answer,
    # numerical_gradient a short loop
    Item("relu_backward: gradients", 1),
    Item("dense_backward: gradients", 2),
    Item("conv2d_backward: gradients", 6),
    Item("max_pool2d_backward: gradients", 3),
    Item("numerical_gradient: centred differences", 1),
    Item("tiny_cnn_loss_and_grads: loss and gradients", 4),
    Item("train_tiny_cnn: learns the digits", 3),
)

#: Every function students write, in teaching order.
FUNCTIONS: tuple[str, ...] = tuple(f for part in PARTS for f in part.functions)

TOTAL_POINTS = sum(item.points for item in ITEMS)


#: Graded functions never answered for a student (their argument is a function, which
#: cannot cross into the sandbox).
NOT_PROVIDED = frozenset({"numerical_gradient"})


@functools.cache
def provided_while_grading(function: str) -> tuple[str, ...]:
    """The graded functions taught before ``function``, in teaching order: while
    ``function`` is graded, the student's calls to these get correct answers, so a mistake
    in one of them costs its own items only (``autograder.provided``). Only earlier ones:
    a later function can never answer an earlier one (``conv2d`` is not given to
    ``conv2d_single``). Empty for a name that is not a graded function."""
    if function not in FUNCTIONS:
        return ()
    earlier = FUNCTIONS[: FUNCTIONS.index(function)]
    return tuple(f for f in earlier if f not in NOT_PROVIDED)


def items_for(function: str) -> tuple[Item, ...]:
    """The rubric items that grade ``function``, in rubric order."""
    return tuple(item for item in ITEMS if item.function == function)


def points_for(function: str) -> int:
    """Total points available for ``function``."""
    return sum(item.points for item in items_for(function))


def part_of(function: str) -> Part:
    """The notebook in which students write ``function``."""
    for part in PARTS:
        if function in part.functions:
            return part
    raise KeyError(f"{function!r} is not one of the functions students write")


def item(name: str) -> Item:
    """Look an item up by its full name."""
    for it in ITEMS:
        if it.name == name:
            return it
    raise KeyError(f"no rubric item named {name!r}")


def markdown_table() -> str:
    """The rubric as the Markdown table the README shows (a test keeps them equal)."""
    lines = ["| notebook | item | points |", "|---|---|---:|"]
    for part in PARTS:
        for it in ITEMS:
            if it.function in part.functions:
                lines.append(f"| {part.stem} | `{it.name}` | {it.points} |")
    lines.append(f"| | **total** | **{TOTAL_POINTS}** |")
    return "\n".join(lines)
