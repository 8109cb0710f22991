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
    """One graded item: ``name`` is ``"<function>: <what>"`` in English (the stable key of
    records, ``grades.csv`` columns and the store), ``what_ko`` the same ``<what>`` in Korean,
    in the glossary's terms (``docs/glossary.md``)."""

    name: str
    points: int
    what_ko: str = ""

    @property
    def function(self) -> str:
        return self.name.split(":", 1)[0]

    def what(self, lang: str = "en") -> str:
        """What the item grades, without the function: "bias" (en), "편향" (ko), or
        "편향 · bias" (ko+en)."""
        if lang not in TITLE_LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of "
                             f"{', '.join(TITLE_LANGS)}")
        en = self.name.split(": ", 1)[-1]
        if not self.what_ko or lang == "en":  # an item added without Korean: its English
            return en
        return self.what_ko if lang == "ko" else f"{self.what_ko} · {en}"

    def title(self, lang: str = "en") -> str:
        """The item as a student reads it: "conv2d: 편향" (ko), "conv2d: bias" (en),
        "conv2d: 편향 · bias" (ko+en). Raises ValueError for another ``lang``."""
        return f"{self.function}: {self.what(lang)}"


#: The languages an item's title comes in (the grader's --lang values).
TITLE_LANGS = ("ko+en", "ko", "en")


@dataclass(frozen=True)
class Part:
    """One notebook: its file stem, titles, and the functions students write in it."""

    stem: str
    title_en: str
    title_ko: str
    functions: tuple[str, ...]


PARTS: tuple[Part, ...] = (
    Part("01_feature_map_size", "Feature-map size", "특성 맵의 크기", ("output_size",)),
    Part("02_padding", "Padding", "패딩", ("same_padding", "zero_pad")),
    Part("03_convolution", "Convolution", "합성곱", ("conv2d_single", "conv2d")),
    Part("04_pooling_and_tiny_cnn", "Pooling and a tiny CNN", "풀링과 작은 CNN",
         ("max_pool2d", "avg_pool2d", "relu", "flatten", "dense", "softmax", "cross_entropy",
          "init_tiny_cnn", "tiny_cnn_forward")),
    Part("05_backprop_and_training", "Backprop and training", "역전파와 학습",
         ("relu_backward", "dense_backward", "conv2d_backward", "max_pool2d_backward",
          "numerical_gradient", "tiny_cnn_loss_and_grads", "train_tiny_cnn")),
)

ITEMS: tuple[Item, ...] = (
    # 1. Feature-map size: the lecture's rule and integer padding first, then the extensions
    Item("output_size: lecture examples", 3, "강의의 예"),
    Item("output_size: padding", 2, "패딩"),
    Item("output_size: rejects non-integer sizes", 2, "정수가 아닌 크기 거부"),
    Item("output_size: (before, after) padding", 1, "(앞, 뒤) 패딩"),
    Item("output_size: valid and same", 1, "valid와 same"),
    # 2. Padding: how much "same" needs, then adding it
    Item("same_padding: matches TensorFlow", 2, "TensorFlow와 같은 패딩"),
    Item("zero_pad: shape and placement", 3, "모양과 위치"),
    Item("zero_pad: per-side padding", 2, "변마다 다른 패딩"),
    Item("zero_pad: copies values exactly", 1, "값을 그대로 복사"),
    # 3. Convolution
    Item("conv2d_single: lecture examples", 3, "강의의 예"),
    Item("conv2d_single: random images and filters", 4, "무작위 이미지와 필터"),
    Item("conv2d_single: bias", 2, "편향"),
    Item("conv2d_single: stride", 3, "스트라이드"),
    Item("conv2d_single: padding", 3, "패딩"),
    Item("conv2d: output shape", 3, "출력 모양"),
    Item("conv2d: channels summed", 4, "채널 합"),
    Item("conv2d: multiple filters", 4, "여러 필터"),
    Item("conv2d: bias", 2, "편향"),
    Item("conv2d: stride", 4, "스트라이드"),
    Item("conv2d: padding", 4, "패딩"),
    Item("conv2d: same and valid padding", 3, "same과 valid 패딩"),
    Item("conv2d: output keeps the input's dtype", 2, "입력의 dtype 유지"),
    Item("conv2d: rejects bad geometry", 3, "맞지 않는 크기 거부"),
    # 4. Pooling and a tiny CNN
    Item("max_pool2d: windows and stride", 3, "윈도우와 스트라이드"),
    Item("max_pool2d: padding never wins", 2, "패딩은 최댓값이 되지 않음"),
    Item("avg_pool2d: windows and stride", 2, "윈도우와 스트라이드"),
    Item("relu: values", 1, "값"),
    Item("flatten: order and shape", 1, "순서와 모양"),
    Item("dense: values", 2, "값"),
    Item("softmax: values and stability", 2, "값과 수치 안정성"),
    Item("cross_entropy: values and stability", 2, "값과 수치 안정성"),
    Item("init_tiny_cnn: keys and shapes", 1, "키와 모양"),
    Item("tiny_cnn_forward: logits", 3, "로짓"),
    # 5. Backprop and training, weighted by effort: conv2d_backward is the longest answer,
    # numerical_gradient a short loop
    Item("relu_backward: gradients", 1, "기울기"),
    Item("dense_backward: gradients", 2, "기울기"),
    Item("conv2d_backward: gradients", 6, "기울기"),
    Item("max_pool2d_backward: gradients", 3, "기울기"),
    Item("numerical_gradient: centred differences", 1, "중앙 차분"),
    Item("tiny_cnn_loss_and_grads: loss and gradients", 4, "손실과 기울기"),
    Item("train_tiny_cnn: learns the digits", 3, "숫자 학습"),
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
