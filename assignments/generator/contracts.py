"""One Korean line per student function: what it takes and what it gives back.

It stands above the English docstring in the answer cells and the ``.py`` stub, so a
student reading in Korean knows the contract before the details.
"""
# ruff: noqa: E501  (Korean prose)

from __future__ import annotations

import unicodedata

from autograder import rubric

#: Columns a generated line may take, as ruff counts them (a Hangul syllable takes two).
LINE_WIDTH = 100

KOREAN: dict[str, str] = {
    "output_size": "한 축의 출력 크기 (n + 2p − f)/s + 1을 돌려주고, 정수가 아니면 ValueError를 발생시킵니다.",
    "same_padding": "TensorFlow의 'same'처럼 출력이 ceil(n / s)가 되도록 한 축에 붙일 0의 수 (앞, 뒤)를 돌려줍니다.",
    "zero_pad": "마지막 두 축(높이, 너비)의 가장자리에 0을 붙인 새 배열을 돌려줍니다. 입력은 바꾸지 않습니다.",
    "conv2d_single": "2차원 이미지 하나와 필터 하나로 피처 맵 W·X + b 를 계산해 (OH, OW) 배열로 돌려줍니다.",
    "conv2d": "(N, C, H, W) 입력에 필터 F개 (F, C, FH, FW)를 적용해 (N, F, OH, OW) 피처 맵을 돌려줍니다.",
    "max_pool2d": "채널마다 창의 최댓값을 골라 (N, C, OH, OW)를 돌려줍니다. 패딩 칸은 −∞로 봅니다.",
    "avg_pool2d": "채널마다 창의 평균을 계산해 (N, C, OH, OW)를 돌려줍니다.",
    "relu": "음수를 0으로 바꾼 같은 모양의 배열을 돌려줍니다.",
    "flatten": "(N, C, H, W)를 이미지마다 한 줄로 펼친 (N, C·H·W)를 돌려줍니다.",
    "dense": "완전연결층 x @ w + b 의 결과 (N, K)를 돌려줍니다.",
    "softmax": "점수를 행마다 합이 1인 확률로 바꿉니다. 큰 점수에서도 오버플로가 발생하지 않아야 합니다.",
    "cross_entropy": "정답 클래스의 −log 확률을 배치 평균한 손실(숫자 하나)을 돌려줍니다.",
    "init_tiny_cnn": "작은 CNN의 가중치(He 초기화)와 0인 편향을 담은 딕셔너리를 돌려줍니다.",
    "tiny_cnn_forward": "숫자 이미지 (N, 1, 8, 8)를 작은 CNN에 통과시켜 클래스 점수 (N, 10)을 돌려줍니다.",
    "relu_backward": "ReLU의 역전파: x > 0 인 곳에만 dout을 흘려보낸 dx를 돌려줍니다.",
    "dense_backward": "완전연결층의 역전파: (dx, dw, db)를 돌려줍니다.",
    "conv2d_backward": "합성곱 층의 역전파: x, w, b와 같은 모양의 (dx, dw, db)를 돌려줍니다.",
    "max_pool2d_backward": "최대 풀링의 역전파: 창마다 최댓값이 있던 칸으로 dout을 보낸 dx를 돌려줍니다.",
    "numerical_gradient": "중앙 차분 (f(x + h) − f(x − h)) / 2h 로 원소마다 기울기를 재고, x는 원래대로 되돌립니다.",
    "tiny_cnn_loss_and_grads": "작은 CNN의 손실과 모든 매개변수의 기울기 (loss, grads)를 돌려줍니다.",
    "train_tiny_cnn": "Adam으로 작은 CNN을 학습시키고 params, loss_history, test_accuracy 딕셔너리를 돌려줍니다.",
}


def korean_line(function: str, indent: str = "    ") -> str:
    """The contract as one comment line inside the function, above its docstring (a
    contract too long for the line is wrapped rather than left for ruff to refuse)."""
    if set(KOREAN) != set(rubric.FUNCTIONS):
        raise ValueError("every student function needs exactly one Korean contract line")
    return "\n".join(f"{indent}# {part}"
                     for part in wrapped(KOREAN[function], LINE_WIDTH - len(indent) - 2))


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (and in ruff's line-length count)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrapped(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` columns."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and display_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
