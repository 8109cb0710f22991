"""Each student function's contract in Korean: what it does, what it takes, what it gives back.

It stands above the English docstring in the answer cells and the ``.py`` stub, as comment
lines (the docstring itself is the reference's, word for word), so a student reading in
Korean knows the contract before the details. Terms follow docs/glossary.md.
"""
# ruff: noqa: E501  (Korean prose)

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from autograder import rubric

#: Columns a generated line may take, as ruff counts them (a Hangul syllable takes two).
LINE_WIDTH = 100


@dataclass(frozen=True)
class Contract:
    """What a function does (one sentence), its inputs (one line each), what it returns."""

    does: str
    inputs: tuple[str, ...]
    returns: str

    def __str__(self) -> str:
        return " ".join([self.does, *self.inputs, self.returns])


KOREAN: dict[str, Contract] = {
    "output_size": Contract(
        "한 축에서 필터가 놓일 수 있는 위치의 수(출력 크기)를 계산합니다.",
        ("n: 입력 크기, f: 필터 크기, stride: 스트라이드(모두 1 이상의 정수)",
         "padding: 양쪽 패딩 p, (앞, 뒤), \"valid\" 또는 \"same\""),
        "(n + 2p − f) / stride + 1인 정수. 자연수가 아니면 계산식을 보여 주는 ValueError 예외를 발생시킵니다."),
    "same_padding": Contract(
        "TensorFlow의 \"same\"이 한 축에 붙이는 0의 수를 계산합니다.",
        ("n: 입력 크기, f: 필터 크기, stride: 스트라이드",),
        "(앞, 뒤) 정수 쌍. 출력이 ceil(n / stride)가 되고, 합이 홀수이면 남는 한 겹은 뒤에 붙습니다."),
    "zero_pad": Contract(
        "배열의 마지막 두 축(높이, 너비) 둘레에 0을 붙인 새 배열을 만듭니다. 입력은 바꾸지 않습니다.",
        ("x: (..., H, W) 배열",
         "pad: p, (ph, pw) 또는 ((top, bottom), (left, right))"),
        "(..., H + top + bottom, W + left + right) 배열. float32 입력이면 float32, 아니면 float64."),
    "conv2d_single": Contract(
        "흑백 이미지 하나에 필터 하나를 적용해 특성 맵 W·X + b를 계산합니다.",
        ("image: (H, W) 이미지, kernel: (FH, FW) 필터(뒤집지 않음), bias: 편향(숫자 하나)",
         "stride: 정수 또는 (sh, sw), padding: p, (ph, pw), ((위, 아래), (왼쪽, 오른쪽)), \"valid\", \"same\""),
        "(OH, OW) 특성 맵. 크기가 맞지 않으면 ValueError 예외를 발생시킵니다."),
    "conv2d": Contract(
        "합성곱 층: 이미지 배치의 모든 이미지에 필터 F개를 적용합니다.",
        ("x: (N, C, H, W) 입력, w: (F, C, FH, FW) 필터, b: (F,) 편향 또는 None(편향 없음)",
         "stride, padding: conv2d_single과 같습니다"),
        "(N, F, OH, OW) 특성 맵. x와 w가 float32이면 float32, 아니면 float64."),
    "max_pool2d": Contract(
        "최대 풀링: 채널마다 따로, 윈도우마다 최댓값을 고릅니다.",
        ("x: (N, C, H, W), size: 윈도우 크기(정수 또는 (ph, pw))",
         "stride: None이면 윈도우 크기, padding: 패딩 칸은 −∞로 봅니다"),
        "(N, C, OH, OW) 배열."),
    "avg_pool2d": Contract(
        "평균 풀링: 채널마다 따로, 윈도우마다 평균을 계산합니다(패딩 없음).",
        ("x: (N, C, H, W), size: 윈도우 크기, stride: None이면 윈도우 크기",),
        "(N, C, OH, OW) 배열."),
    "relu": Contract(
        "ReLU: 음수를 0으로 바꿉니다.",
        ("x: 모양이 무엇이든 되는 배열",),
        "x와 모양이 같은 배열 max(x, 0)."),
    "flatten": Contract(
        "평탄화: 이미지마다 (C, H, W)를 한 줄로 폅니다(numpy의 기본 순서).",
        ("x: (N, C, H, W)",),
        "(N, C·H·W) 배열."),
    "dense": Contract(
        "완전연결층 x @ w + b를 계산합니다.",
        ("x: (N, D) 입력, w: (D, K) 가중치, b: (K,) 편향",),
        "(N, K) 배열(클래스마다 점수 하나)."),
    "softmax": Contract(
        "점수를 행마다 합이 1인 확률로 바꿉니다. 1000 같은 큰 점수에서도 오버플로가 없어야 합니다.",
        ("logits: (N, K) 점수",),
        "(N, K) 확률."),
    "cross_entropy": Contract(
        "교차 엔트로피 손실: 정답 클래스 확률의 −log를 배치 평균합니다.",
        ("logits: (N, K) 점수, labels: (N,) 0..K−1 정수 레이블",),
        "파이썬 float 하나."),
    "init_tiny_cnn": Contract(
        "작은 CNN의 시작 파라미터를 만듭니다: 가중치는 He 초기화, 편향은 0.",
        ("seed: 난수 시드(같은 시드면 같은 가중치)",),
        "키가 conv1_w, conv1_b, conv2_w, conv2_b, fc_w, fc_b인 dict(모양은 PARAM_SHAPES)."),
    "tiny_cnn_forward": Contract(
        "숫자 이미지를 작은 CNN에 통과시킵니다(순전파).",
        ("x: (N, 1, 8, 8) 이미지, params: init_tiny_cnn이 만든 것과 같은 dict",),
        "(N, 10) 로짓(클래스 점수)."),
    "relu_backward": Contract(
        "ReLU의 역전파: x > 0인 곳에만 dout을 흘려보냅니다.",
        ("dout: 위에서 내려온 기울기, x: ReLU의 입력(dout과 같은 모양)",),
        "x와 모양이 같은 dx."),
    "dense_backward": Contract(
        "완전연결층의 역전파.",
        ("dout: (N, K) 기울기, x: (N, D), w: (D, K) (dense에 준 그대로)",),
        "(dx (N, D), dw (D, K), db (K,)) 튜플."),
    "conv2d_backward": Contract(
        "합성곱 층의 역전파.",
        ("dout: (N, F, OH, OW) 기울기",
         "x, w, stride, padding: conv2d에 준 그대로"),
        "x, w, b와 모양이 같은 (dx, dw, db) 튜플."),
    "max_pool2d_backward": Contract(
        "최대 풀링의 역전파: 윈도우마다 최댓값이 있던 칸으로 dout을 보냅니다.",
        ("dout: (N, C, OH, OW) 기울기, x, size, stride: max_pool2d에 준 그대로(패딩 없음)",),
        "x와 모양이 같은 dx. 최댓값이 여럿이면 행 순서로 첫 칸이 받습니다."),
    "numerical_gradient": Contract(
        "중앙 차분 (f(x + h) − f(x − h)) / 2h로 원소마다 기울기를 잽니다.",
        ("f: 배열을 받아 숫자 하나를 돌려주는 함수, x: float64 배열(잠시 바꿨다가 되돌립니다), h: 간격",),
        "x와 모양이 같은 기울기 배열. 끝나면 x는 처음 값 그대로입니다."),
    "tiny_cnn_loss_and_grads": Contract(
        "작은 CNN의 손실과 모든 파라미터의 기울기를 계산합니다(순전파, 역전파).",
        ("x: (N, 1, 8, 8) 이미지, y: (N,) 0..9 레이블, params: init_tiny_cnn 형식의 dict",),
        "(loss, grads): loss는 float, grads는 params와 키와 모양이 같은 dict."),
    "train_tiny_cnn": Contract(
        "미니배치 Adam으로 작은 CNN을 학습시킵니다.",
        ("x_train, y_train, x_test, y_test: 데이터(None이면 load_digits_split())",
         "epochs, batch_size, lr: 학습 설정, seed: 시작 가중치와 배치 순서, verbose: 에포크마다 한 줄 출력"),
        "dict: params(학습한 파라미터), loss_history(에포크마다 평균 손실), test_accuracy(0~1 또는 None)."),
}


def korean_line(function: str, indent: str = "    ") -> str:
    """The contract as comment lines inside the function, above its docstring: what it does,
    "입력:" lines and a "반환:" line, each wrapped to the line width."""
    if set(KOREAN) != set(rubric.FUNCTIONS):
        raise ValueError("every student function needs exactly one Korean contract")
    contract = KOREAN[function]
    width = LINE_WIDTH - len(indent) - 2
    lines = wrapped(contract.does, width)
    for k, line in enumerate(contract.inputs):
        lines += _labelled("입력: " if k == 0 else "      ", line, width)
    lines += _labelled("반환: ", contract.returns, width)
    return "\n".join(f"{indent}# {line}".rstrip() for line in lines)


def _labelled(label: str, text: str, width: int) -> list[str]:
    """``text`` wrapped after ``label``, continuation lines indented under the text."""
    pad = " " * display_width(label)
    body = wrapped(text, width - display_width(label))
    return [label + body[0], *(pad + line for line in body[1:])]


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
