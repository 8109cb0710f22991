"""Self-checks students can run on their own functions, without the model solution.

Each ``check_<function>(fn)`` tries the lecture's examples, properties any correct answer
has (a 7×7 image and a 3×3 filter give 5×5 at stride 1, 3×3 at stride 2 and an error at
stride 3; a delta filter returns the image; a convolution is linear; ...) and small known
answers (``KNOWN``, computed from the course's reference when the release is built and
stored here as numbers: this file holds no second implementation). Messages are written
here in Korean and English (students run this file with numpy only, without the grader's
catalogue); a pass prints ``✓ 자가 점검 통과 — n checks`` and its English.

A check judges its own function only, as the grader does. The grader answers a function's
calls to the graded functions taught before it correctly, so a mistake costs only its own
function's points. Here, when the check of ``conv2d`` fails and ``conv2d`` called
``zero_pad`` whose own check fails too, the verdict is not FAIL but "먼저 zero_pad를
고치세요 · fix zero_pad first" (WAIT): the check watches which earlier functions a
function calls while it is checked, and judges those by their own checks.

Passing every check is a good sign, not a grade: the autograder checks much more.

This file only needs numpy and the standard library, so it can sit next to the
notebooks. Use it from a notebook::

    from selfcheck import check_conv2d
    check_conv2d(conv2d)

or from a shell: ``python selfcheck.py my_solution.py``.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Check = Callable[[Callable], None]

# rubric:start  (written by `python -m assignments.build` from the rubric; do not edit)
#: Every function students write, in teaching order (autograder/rubric.py).
FUNCTIONS: tuple[str, ...] = (
    'output_size',
    'same_padding',
    'zero_pad',
    'conv2d_single',
    'conv2d',
    'max_pool2d',
    'avg_pool2d',
    'relu',
    'flatten',
    'dense',
    'softmax',
    'cross_entropy',
    'init_tiny_cnn',
    'tiny_cnn_forward',
    'relu_backward',
    'dense_backward',
    'conv2d_backward',
    'max_pool2d_backward',
    'numerical_gradient',
    'tiny_cnn_loss_and_grads',
    'train_tiny_cnn',
)
#: Graded functions the grader never answers for a later one (a function
#: argument cannot reach the sandbox): their mistakes count where they are used.
NOT_ANSWERED = ('numerical_gradient',)
#: The grader's training item (autograder/checks/backprop.py): its run and its
#: thresholds.
TRAIN = {
    'size': 64,
    'test_size': 8,
    'epochs': 3,
    'batch_size': 8,
    'lr': 0.02,
    'held_out': (600, 1100),
    'min_loss_drop': 0.1,
    'min_accuracy': 0.2,
    'loss_ratio': (0.3, 1.25),
    'min_move': 0.01,
    'max_move': 0.96,
}
# rubric:end

# ---------------------------------------------------------------- Korean particles

# korean:start
#: Final consonant index of a Hangul syllable (0: none; 8: ㄹ).
_NO_FINAL, _RIEUL = 0, 8
#: The last sound of each digit, read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_FINAL = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8,
                "9": 0}
#: Trailing zeros of a whole number name its last place: 십 (ㅂ), 백 (ㄱ), 천 (ㄴ), then
#: 만 (ㄴ) for 4 to 7 zeros, 억 (ㄱ) for 8 to 11, 조 (none) for 12 to 15, 경 (ㅇ) beyond.
_PLACE_FINAL = (17, 1, 4, 4, 4, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0)
#: Letters whose Korean name ends in a consonant: 엘, 엠, 엔, 알.
_LETTER_FINAL = {"l": 8, "m": 16, "n": 4, "r": 8}
#: Loanword endings that end in a consonant when said in Korean (-ing 패딩, -le 싱글).
_WORD_FINAL = (("ng", 21), ("le", 8), ("ne", 4), ("m", 16), ("n", 4), ("l", 8))
#: The particle pairs: (form after a final consonant, form after a vowel).
PARTICLES = {"은": ("은", "는"), "는": ("은", "는"), "이": ("이", "가"), "가": ("이", "가"),
             "을": ("을", "를"), "를": ("을", "를"), "과": ("과", "와"), "와": ("과", "와"),
             "으로": ("으로", "로"), "로": ("으로", "로")}
_SKIPPED_TAIL = " )]}'\"`’”»"
_MARKER = re.compile(r"(은\(는\)|는\(은\)|이\(가\)|가\(이\)|을\(를\)|를\(을\)|과\(와\)|와\(과\)"
                     r"|\(으\)로)")


def final_consonant(word: str) -> int | None:
    """The final consonant of ``word``'s last sound as Korean reads it: 0 for none, the
    jongseong index otherwise (8 is ㄹ), None when nothing in it can be read."""
    text = word.rstrip(_SKIPPED_TAIL)
    if not text:
        return None
    last = text[-1]
    if "\uac00" <= last <= "\ud7a3":
        return (ord(last) - 0xAC00) % 28
    if last == "%":
        return _NO_FINAL  # 퍼센트
    if last.isdigit():
        return _number_final(text)
    if last.isascii() and last.isalpha():
        return _latin_final(text)
    return None


def _number_final(text: str) -> int:
    digits = re.search(r"[0-9][0-9,]*(\.[0-9]+)?$", text).group(0).replace(",", "")
    if "." in digits or digits[-1] != "0" or set(digits) == {"0"}:
        return _DIGIT_FINAL[digits[-1]]
    zeros = len(digits) - len(digits.rstrip("0"))
    return _PLACE_FINAL[zeros - 1] if zeros <= len(_PLACE_FINAL) else 21


def _latin_final(text: str) -> int:
    run = re.search(r"[A-Za-z]+$", text).group(0)
    if len(run) == 1 or (run.isupper() and len(run) <= 4):
        return _LETTER_FINAL.get(run[-1].lower(), _NO_FINAL)
    lower = run.lower()
    for ending, final in _WORD_FINAL:
        if lower.endswith(ending):
            return final
    return _NO_FINAL


def with_particle(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle`` (either form may be given:
    "을" or "를", "이" or "가", "으로" or "로", ...)."""
    after_consonant, after_vowel = PARTICLES[particle]
    final = final_consonant(word)
    if final is None:
        final = 1  # cannot be read: the form after a consonant reads least wrong
    if after_consonant == "으로":
        return word + (after_vowel if final in (_NO_FINAL, _RIEUL) else after_consonant)
    return word + (after_vowel if final == _NO_FINAL else after_consonant)


def resolve_particles(text: str) -> str:
    """Every particle marker in ``text`` ("을(를)", "이(가)", "은(는)", "과(와)", "(으)로")
    replaced by the form the text right before it needs."""
    out, start = [], 0
    for match in _MARKER.finditer(text):
        marker = match.group(0)
        particle = "으로" if marker == "(으)로" else marker[0]
        word = text[start : match.start()]
        out.append(with_particle(word, particle))
        start = match.end()
    out.append(text[start:])
    return "".join(out)
# korean:end

# ---------------------------------------------------------------- messages


class Said(str):
    """A message in Korean and English. As a ``str`` it is the English text (what code
    compares); ``ko`` is the Korean, :meth:`both` the two lines, Korean first.

    This file runs beside the notebooks with numpy only, so it cannot use the grader's
    catalogue (``autograder/locale``): its messages are written here in both languages.
    Particles after a value are written "{x}을(를)" and chosen here from the value
    ("2를", "conv2d를", "(3, 7, 7)을")."""

    ko: str

    def __new__(cls, ko: str, en: str) -> Said:
        self = super().__new__(cls, en)
        self.ko = resolve_particles(ko)
        return self

    def both(self) -> str:
        return f"{self.ko}\n{self}"


def _said(ko: str, en: str) -> Said:
    return Said(ko, en)


def _ko(text: object) -> str:
    """The Korean of ``text`` (a Said), or the text itself (code, a number)."""
    return text.ko if isinstance(text, Said) else str(text)


def in_language(text: object, lang: str = "ko+en") -> str:
    """``text`` in ``lang``: "ko", "en" or "ko+en" (Korean line, then English line); a
    plain str (an error message of the student's code) as it is."""
    if not isinstance(text, Said):
        return str(text)
    return {"ko": text.ko, "en": str(text)}.get(lang, text.both())


def _failure(message: Said) -> AssertionError:
    """An AssertionError reading both languages (what a notebook shows), keeping the
    message (``.said``) for reports in one language."""
    error = AssertionError(message.both())
    error.said = message  # type: ignore[attr-defined]
    return error


# ---------------------------------------------------------------- small helpers


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ints(shape: tuple[int, ...], seed: int = 0, low: int = -4, high: int = 5) -> np.ndarray:
    """Small integers as floats: correct results are then exact."""
    return _rng(seed).integers(low, high, size=shape).astype(np.float64)


#: How many conditions the running check has verified (for its pass line).
_PASSED = [0]


def _expect(condition: bool, ko: str, en: str) -> None:
    if not condition:
        raise _failure(Said(ko, en))
    _PASSED[0] += 1


def _array(value, what: object) -> np.ndarray:
    _expect(isinstance(value, np.ndarray),
            f"{_ko(what)}: numpy 배열을 반환해야 하는데 {type(value).__name__}을(를) 반환했습니다",
            f"{what} should return a numpy array, got {type(value).__name__}")
    return value


def _shape(value, shape: tuple[int, ...], what: object) -> np.ndarray:
    arr = _array(value, what)
    _expect(arr.shape == shape, f"{_ko(what)}: 모양이 {shape}이어야 하는데 {arr.shape}입니다",
            f"{what}: expected shape {shape}, got {arr.shape}")
    return arr


def _close(got, want, what: object, tol: float = 1e-9) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    _expect(got.shape == want.shape,
            f"{_ko(what)}: 모양이 {want.shape}이어야 하는데 {got.shape}입니다",
            f"{what}: expected shape {want.shape}, got {got.shape}")
    _expect(not np.isnan(got).any(), f"{_ko(what)}: 결과에 nan이 있습니다",
            f"{what}: the result contains nan")
    bad = ~np.isclose(got, want, rtol=tol, atol=tol * max(1.0, float(np.abs(want).max(initial=0))))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise _failure(Said(
            f"{_ko(what)}: 위치 {list(where)}의 값이 틀렸습니다"
            f"(값 {bad.size}개 중 {int(bad.sum())}개가 다릅니다)",
            f"{what}: wrong at position {list(where)} "
            f"({int(bad.sum())} of {bad.size} values differ)"))


def _raises_value_error(fn: Callable, *args, what: object, **kwargs) -> None:
    try:
        result = fn(*args, **kwargs)
    except ValueError:
        _PASSED[0] += 1
        return
    shown = repr(result) if len(repr(result)) <= 120 else repr(result)[:117] + "..."
    raise _failure(Said(
        f"{_ko(what)}: ValueError 예외를 발생시켜야 하는데 {shown}을(를) 반환했습니다",
        f"{what} should raise ValueError, but it returned {shown}"))


# ---------------------------------------------------------------- part 1: sizes


def check_output_size(output_size: Callable) -> None:
    """The lecture's sizes, padding, rejection of sizes that are not whole, 'valid'/'same'."""
    for (n, f, s), want in {(7, 3, 1): 5, (7, 3, 2): 3, (32, 5, 1): 28, (28, 5, 1): 24,
                            (4, 3, 1): 2, (5, 3, 1): 3}.items():
        got = output_size(n, f, s)
        _expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
                f"output_size({n}, {f}, {s})는 정수(int)여야 하는데 "
                f"{type(got).__name__} {got!r}입니다",
                f"output_size({n}, {f}, {s}) should be a whole number (int), got "
                f"{type(got).__name__} {got!r}")
        _expect(got == want, f"output_size({n}, {f}, {s}): {want}이어야 하는데 {got}입니다",
                f"output_size({n}, {f}, {s}): expected {want}, got {got}")
    _raises_value_error(output_size, 7, 3, 3,
                        what=_said("output_size(7, 3, 3) (7×7, 3×3, 스트라이드 3)",
                                   "output_size(7, 3, 3) (7×7, 3×3, stride 3)"))
    _expect(output_size(7, 3, 1, padding=1) == 7,
            "3×3 필터에 패딩 1이면 7×7 이미지가 7로 유지되어야 합니다",
            "padding 1 should keep a 7×7 image at 7 with a 3×3 filter")
    _expect(output_size(5, 3, 1, padding=(0, 2)) == 5,
            "픽셀 5개에 폭 3인 필터, 패딩 (앞, 뒤) = (0, 2)이면 5가 나와야 합니다",
            "padding (before, after) = (0, 2) on 5 pixels with a 3-wide filter should give 5")
    _raises_value_error(output_size, 2, 5, 1,
                        what=_said("입력보다 큰 필터", "a filter larger than the input"))
    _expect(output_size(7, 3, 3, padding="valid") == 2,
            "'valid'는 강의의 7, 3, 스트라이드 3을 2로 내림해야 합니다",
            "'valid' should round the lecture's 7, 3, stride 3 down to 2")
    for n, s in [(7, 2), (8, 3), (5, 1)]:
        _expect(output_size(n, 3, s, padding="same") == math.ceil(n / s),
                f"'same'에서 픽셀 {n}개, 스트라이드 {s}이면 ceil({n} / {s})가 나와야 합니다",
                f"'same' with {n} pixels and stride {s} should give ceil({n} / {s})")


def check_same_padding(same_padding: Callable) -> None:
    """Padding that gives ceil(n / stride) outputs, split evenly, the odd zero after."""
    for n in range(1, 10):
        for f in range(1, 5):
            for s in range(1, 4):
                got = same_padding(n, f, s)
                _expect(isinstance(got, tuple) and len(got) == 2,
                        f"same_padding은 튜플 (앞, 뒤)를 반환해야 하는데 {got!r}입니다",
                        f"same_padding should return a tuple (before, after), got {got!r}")
                before, after = int(got[0]), int(got[1])
                _expect(before >= 0 and after >= 0,
                        f"same_padding({n}, {f}, {s})이 음수입니다",
                        f"same_padding({n}, {f}, {s}) is negative")
                _expect(after - before in (0, 1),
                        f"same_padding({n}, {f}, {s}) = {got}: 양쪽 패딩은 많아야 0 하나 "
                        "차이여야 하고, 남는 0은 뒤쪽에 붙입니다",
                        f"same_padding({n}, {f}, {s}) = {got}: the two sides should differ by "
                        "at most one zero, the extra one after")
                span = n + before + after - f
                out = span // s + 1 if span >= 0 else 0
                _expect(out == math.ceil(n / s),
                        f"same_padding({n}, {f}, {s}) = {got}으로는 위치가 "
                        f"ceil({n} / {s}) = {math.ceil(n / s)}개가 나오지 않습니다",
                        f"same_padding({n}, {f}, {s}) = {got} does not give "
                        f"ceil({n} / {s}) = {math.ceil(n / s)} positions")
                _expect(before + after < f + s,
                        f"same_padding({n}, {f}, {s}) = {got}은 필요한 것보다 많이 패딩합니다",
                        f"same_padding({n}, {f}, {s}) = {got} pads more than needed")


# ---------------------------------------------------------------- part 2: padding


def check_zero_pad(zero_pad: Callable) -> None:
    """Shapes, the image in the middle, zeros around, per-side padding, float32 kept."""
    x = _ints((2, 3, 4, 5), 1)
    out = _shape(zero_pad(x, 1), (2, 3, 6, 7), "zero_pad(x (2, 3, 4, 5), 1)")
    _close(out[..., 1:-1, 1:-1], x, _said("zero_pad(x, 1)의 가운데는 x여야 합니다",
                                          "the middle of zero_pad(x, 1) should be x"))
    _expect(out.sum() == x.sum() and np.abs(out).sum() == np.abs(x).sum(),
            "zero_pad는 0만 덧붙여야 합니다", "zero_pad should add only zeros")
    out = _shape(zero_pad(x, (2, 0)), (2, 3, 8, 5), "zero_pad(x, (2, 0))")
    _close(out[..., 2:-2, :], x, _said(
        "zero_pad(x, (ph, pw)): 이미지는 ph번 행에서 시작해야 합니다",
        "zero_pad(x, (ph, pw)): the image should start at row ph"))
    out = _shape(zero_pad(x[0, 0], ((0, 1), (2, 3))), (5, 10),
                 _said("zero_pad(이미지 (4, 5), ((0, 1), (2, 3)))",
                       "zero_pad(image (4, 5), ((0, 1), (2, 3)))"))
    _close(out[0:4, 2:7], x[0, 0], _said(
        "((위, 아래), (왼쪽, 오른쪽))이면 이미지는 top번 행, left번 열에서 시작해야 합니다",
        "with ((top, bottom), (left, right)) the image should start at row top, column left"))
    small = zero_pad(x.astype(np.float32), 1)
    _expect(small.dtype == np.float32,
            f"float32 입력은 float32로 남아야 하는데 {small.dtype}입니다",
            f"float32 input should stay float32, got {small.dtype}")


# ---------------------------------------------------------------- part 3: convolution


#: The lecture's hand computation (its figure 3.2, bias 0): this 5×5 image and filter give
#: LECTURE_FEATURE_MAP, which notebook 1 asks students to work out before they run anything.
LECTURE_IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                          [0, 1, 1, 0, 0]], dtype=float)
LECTURE_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
LECTURE_FEATURE_MAP = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def check_hand_computation(feature_map) -> None:
    """Notebook 1's exercise (not graded): the 3×3 feature map of the lecture's 5×5 example,
    worked out by hand. Prints which positions are still empty (None), or that it is right;
    raises AssertionError naming the wrong positions, never the right values."""
    grid = np.array(feature_map, dtype=object)
    if grid.shape != (3, 3):
        raise _failure(Said(f"3×3 특성 맵을 [[…], […], […]]처럼 세 줄로 적으세요(지금 모양은 "
                            f"{grid.shape})",
                            f"write the 3×3 feature map as three rows [[…], […], […]] (got "
                            f"shape {grid.shape})"))
    empty = [(i, j) for (i, j), v in np.ndenumerate(grid) if v is None]
    wrong = [(i, j) for (i, j), v in np.ndenumerate(grid) if v is not None
             and not (isinstance(v, (int, float, np.number)) and v == LECTURE_FEATURE_MAP[i][j])]
    if wrong:
        raise _failure(Said(f"위치 {wrong}의 값이 틀렸습니다. 그 위치에 필터를 놓고 겹치는 "
                            "수끼리 곱해 더해 보세요(편향은 0)",
                            f"the values at {wrong} are wrong: lay the filter there and add up "
                            "the products of the numbers on top of each other (bias 0)"))
    if empty:
        print(resolve_particles(f"✎ 아직 비어 있는 위치: {empty}. 손으로 계산해 None을(를) "
                                f"채우세요 · still empty: {empty}; work them out by hand"))
        return
    print("✓ 손 계산이 맞습니다: 강의와 같은 3×3 특성 맵입니다 · your hand computation is right: "
          "the lecture's 3×3 feature map")


def _image_filter(image: str, filt: str, extra: str = "", extra_ko: str = "") -> Said:
    """"7×7 image, 3×3 filter, stride 2" in both languages."""
    return _said(f"{image} 이미지, {filt} 필터" + (f", {extra_ko}" if extra_ko else ""),
                 f"{image} image, {filt} filter" + (f", {extra}" if extra else ""))


def check_conv2d_single(conv2d_single: Callable) -> None:
    """The lecture's sizes, a delta filter, shifts (no flipping), bias, stride, linearity."""
    _close(conv2d_single(LECTURE_IMAGE, LECTURE_FILTER), [[4, 3, 4], [2, 4, 3], [2, 3, 4]],
           _said("강의의 5×5 이미지와 필터 [[1, 0, 1], [0, 1, 0], [1, 0, 1]]",
                 "the lecture's 5×5 image with the filter [[1, 0, 1], [0, 1, 0], [1, 0, 1]]"))
    got = conv2d_single(np.arange(16.0).reshape(4, 4), np.ones((3, 3)))
    _close(got, [[45, 54], [81, 90]], _said("4×4 이미지, 모두 1인 3×3 필터",
                                            "4×4 image, 3×3 filter of ones"))
    image = _ints((7, 7), 2)
    for s, size in [(1, 5), (2, 3)]:
        _shape(conv2d_single(image, np.ones((3, 3)), stride=s), (size, size),
               _image_filter("7×7", "3×3", f"stride {s}", f"스트라이드 {s}"))
    _raises_value_error(conv2d_single, image, np.ones((3, 3)), stride=3,
                        what=_image_filter("7×7", "3×3", "stride 3", "스트라이드 3"))
    _shape(conv2d_single(image, np.ones((3, 3)), padding=1), (7, 7), _said("패딩 1", "padding 1"))
    delta = np.zeros((3, 3))
    delta[1, 1] = 1
    _close(conv2d_single(image, delta, padding=1), image, _said(
        "가운데만 1인 3×3 필터에 패딩 1이면 이미지가 그대로 나와야 합니다",
        "a 3×3 filter with a single 1 in the centre and padding 1 should return the image"))
    corner = np.zeros((3, 3))
    corner[0, 0] = 1
    _close(conv2d_single(image, corner), image[:5, :5], _said(
        "왼쪽 위 모서리만 1인 필터는 각 윈도우의 왼쪽 위 픽셀을 골라야 합니다"
        "(필터를 뒤집지 않았나요?)",
        "a filter with a single 1 in its top-left corner should pick each window's top-left "
        "pixel (is the filter flipped?)"))
    kernel = _ints((2, 3), 3)
    rect = _ints((5, 7), 4)
    base = conv2d_single(rect, kernel)
    _shape(base, (4, 5), _image_filter("5×7", "2×3"))
    _close(conv2d_single(rect, kernel, bias=2.5), base + 2.5, _said(
        "편향은 모든 출력값에 더해져야 합니다", "the bias should be added to every output value"))
    _close(conv2d_single(rect, kernel, stride=(1, 2)), base[:, ::2], _said(
        "스트라이드 (1, 2)이면 스트라이드 1 결과의 열을 하나 걸러 하나씩 얻어야 합니다",
        "stride (1, 2) should give every second column of the stride-1 result"))
    other = _ints((5, 7), 5)
    _close(conv2d_single(rect + 2 * other, kernel),
           base + 2 * conv2d_single(other, kernel), _said(
               "합성곱은 이미지에 대해 선형이어야 합니다",
               "convolution should be linear in the image"))
    _matches_known(conv2d_single, "conv2d_single same, stride 2")


def check_conv2d(conv2d: Callable) -> None:
    """The lecture's layer shapes, channels summed, one map per filter, bias, stride, dtype."""
    out = _shape(conv2d(np.zeros((1, 3, 32, 32)), np.zeros((6, 3, 5, 5)), np.zeros(6)),
                 (1, 6, 28, 28), _said("32×32×3 입력, 5×5×3 필터 6개",
                                       "32×32×3 input, six 5×5×3 filters"))
    _shape(conv2d(out, np.zeros((10, 6, 5, 5)), np.zeros(10)), (1, 10, 24, 24),
           _said("28×28×6 입력, 5×5×6 필터 10개", "28×28×6 input, ten 5×5×6 filters"))
    x = _ints((2, 3, 5, 6), 6)
    w = _ints((4, 3, 3, 2), 7)
    b = _ints((4,), 8)
    base = _shape(conv2d(x, w, b), (2, 4, 3, 5), "x (2, 3, 5, 6), w (4, 3, 3, 2)")
    picks = np.zeros((3, 3, 1, 1))
    for c in range(3):
        picks[c, c] = 1
    _close(conv2d(x, picks, np.zeros(3)), x, _said(
        "채널을 하나씩 고르는 1×1 필터들이면 입력이 그대로 나와야 합니다",
        "1×1 filters that each pick one channel should return the input"))
    corner = np.zeros((1, 3, 3, 2))
    corner[0, 1, 0, 0] = 1
    _close(conv2d(x, corner, np.zeros(1))[:, 0], x[:, 1, :3, :5], _said(
        "1번 채널의 왼쪽 위 모서리만 1인 필터는 각 윈도우에서 1번 채널의 왼쪽 위 픽셀을 "
        "골라야 합니다(필터를 뒤집지 않았나요?)",
        "a filter with a single 1 in the top-left corner of channel 1 should pick each "
        "window's top-left pixel of channel 1 (is the filter flipped?)"))
    ones = np.ones((1, 3, 1, 1))
    _close(conv2d(x, ones, np.zeros(1))[:, 0], x.sum(axis=1), _said(
        "채널 3개에 걸친 모두 1인 1×1 필터는 채널들의 합을 내야 합니다",
        "a 1×1 filter of ones over 3 channels should give the sum of the channels"))
    _close(conv2d(x, w, b) - conv2d(x, w, np.zeros(4)), np.broadcast_to(b[None, :, None, None],
           base.shape), _said("b[f]는 f번 특성 맵의 모든 값에 더해져야 합니다",
                              "b[f] should be added to every value of output map f"))
    _close(conv2d(x[:1], w, b), base[:1], _said(
        "배치의 이미지는 하나하나 따로 처리되어야 합니다",
        "each image in the batch should be processed on its own"))
    _close(conv2d(x, w[2:3], b[2:3]), base[:, 2:3], _said(
        "f번 특성 맵은 f번 필터에만 의존해야 합니다",
        "output map f should depend only on filter f"))
    _close(conv2d(x, w, b, stride=2)[:, :, :, :], base[:, :, ::2, ::2], _said(
        "스트라이드 2이면 스트라이드 1 결과의 행과 열을 하나 걸러 하나씩 얻어야 합니다",
        "stride 2 should give every second row and column of the stride-1 result"))
    padded = _shape(conv2d(x, w, b, padding=1), (2, 4, 5, 7), _said("패딩 1", "padding 1"))
    _close(padded[:, :, 1:-1, 1:-1], base, _said(
        "패딩은 패딩 없는 결과 둘레에 테두리만 더해야 합니다",
        "padding should only add a border around the unpadded result"))
    f32 = conv2d(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32))
    _expect(f32.dtype == np.float32, f"float32 입력이면 float32가 나와야 하는데 {f32.dtype}입니다",
            f"float32 inputs should give float32, got {f32.dtype}")
    _raises_value_error(conv2d, np.zeros((1, 1, 7, 7)), np.zeros((1, 1, 3, 3)), np.zeros(1),
                        stride=3, what=_said("7×7 입력, 3×3 필터, 스트라이드 3",
                                             "7×7 input, 3×3 filter, stride 3"))
    for case in ("conv2d same, stride 2", "conv2d valid, stride 2",
                 "conv2d padding ((0, 1), (2, 0))", "conv2d stride (2, 1), padding (1, 0)"):
        _matches_known(conv2d, case)


# ---------------------------------------------------------------- part 4: pooling and layers


def check_max_pool2d(max_pool2d: Callable) -> None:
    """A known 4×4 example, padding that never wins, the default stride."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _close(max_pool2d(x)[0, 0], [[5, 7], [13, 15]], _said("0..15로 된 4×4 이미지의 max_pool2d",
                                                         "max_pool2d of the 4×4 image 0..15"))
    _shape(max_pool2d(_ints((2, 3, 6, 6), 9), 3), (2, 3, 2, 2), _said(
        "6×6에 크기 3(스트라이드는 기본값인 윈도우 크기)",
        "size 3 on 6×6 (stride defaults to the window)"))
    _shape(max_pool2d(_ints((1, 1, 5, 5), 9), 3, 1), (1, 1, 3, 3), _said(
        "5×5에 크기 3, 스트라이드 1", "size 3, stride 1 on 5×5"))
    _channels_apart(max_pool2d, "max_pool2d")
    negative = _ints((1, 2, 4, 4), 10, -9, -1)
    out = max_pool2d(negative, 3, 3, padding=1)
    _expect(np.all(np.asarray(out) < 0),
            "음수만 있는 입력에서 패딩한 칸이 최댓값으로 뽑혔습니다. 패딩은 절대 최댓값이 되면 "
            "안 됩니다",
            "padded cells won a max over negative values: padding must never be the maximum")


def _channels_apart(pool: Callable, name: str) -> None:
    """Two images, two channels of very different values: each (image, channel) is pooled
    on its own, so pooling one channel alone gives that channel of the whole."""
    x = _ints((2, 2, 4, 4), 30, 0, 9)
    x[:, 0] += 100  # channel 0 is far larger: a max or mean across channels shows at once
    whole = _shape(pool(x), (2, 2, 2, 2), _said(f"{name}, (2, 2, 4, 4) 입력",
                                                f"{name} of a (2, 2, 4, 4) input"))
    for n in range(2):
        for c in range(2):
            _close(whole[n, c], pool(x[n : n + 1, c : c + 1])[0, 0], _said(
                f"{name}: 이미지 {n}의 채널 {c}는 그 채널만 풀링한 결과와 같아야 합니다"
                "(채널이나 이미지끼리 섞으면 안 됩니다)",
                f"{name}: image {n}, channel {c} should equal pooling that channel alone "
                "(channels and images must not mix)"))


def check_avg_pool2d(avg_pool2d: Callable) -> None:
    """A known 4×4 example and a constant image."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _close(avg_pool2d(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]], _said(
        "0..15로 된 4×4 이미지의 avg_pool2d", "avg_pool2d of the 4×4 image 0..15"))
    _close(avg_pool2d(np.full((2, 2, 6, 6), 3.0), 3), np.full((2, 2, 2, 2), 3.0), _said(
        "값이 모두 같은 이미지의 평균은 그 값이어야 합니다",
        "the average of a constant image should be that constant"))
    _channels_apart(avg_pool2d, "avg_pool2d")


def check_relu(relu: Callable) -> None:
    """Positive values kept, the rest 0, shape kept."""
    _close(relu(np.array([[-2.0, 0.0, 3.5], [1.0, -0.5, 2.0]])), [[0, 0, 3.5], [1, 0, 2]],
           _said("작은 배열의 relu", "relu of a small array"))


def check_flatten(flatten: Callable) -> None:
    """(N, C, H, W) → (N, C·H·W), each example's values in their original order."""
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    out = _shape(flatten(x), (2, 12), _said("(2, 3, 2, 2)의 평탄화", "flatten of (2, 3, 2, 2)"))
    _close(out[0], np.arange(12.0), _said(
        "0번 예제는 값을 채널 순서로, 채널 안에서는 행 순서로 나열해야 합니다",
        "example 0 should list its values channel by channel, row by row"))
    _shape(flatten(x[:1]), (1, 12), _said("예제 하나짜리 배치의 평탄화",
                                          "flatten of a batch of one"))


def check_dense(dense: Callable) -> None:
    """Shapes, the identity, zero input."""
    w, b = _ints((3, 4), 11), _ints((4,), 12)
    out = _shape(dense(np.eye(3), w, b), (3, 4), _said("x (3, 3), w (3, 4)를 넣은 dense",
                                                       "dense with x (3, 3), w (3, 4)"))
    _close(out, w + b, _said("단위 행렬을 넣은 dense는 w + b를 내야 합니다",
                             "dense of the identity should give w + b"))
    _close(dense(np.zeros((2, 3)), w, b), np.tile(b, (2, 1)), _said(
        "0을 넣은 dense는 b를 내야 합니다", "dense of zeros should give b"))


def check_softmax(softmax: Callable) -> None:
    """Rows of probabilities, invariant to shifts, stable at ±1000."""
    z = _ints((3, 5), 13)
    p = _shape(softmax(z), (3, 5), _said("(3, 5) 점수의 softmax", "softmax of (3, 5) scores"))
    _expect(np.all(p > 0), "확률은 양수여야 합니다", "probabilities should be positive")
    _close(p.sum(axis=1), np.ones(3), _said("각 행의 합은 1이어야 합니다",
                                            "each row should sum to 1"))
    _close(softmax(z + 7.0), p, _said(
        "모든 점수에 같은 상수를 더해도 softmax는 바뀌지 않아야 합니다",
        "adding a constant to every score should not change softmax"))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = softmax(np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]]))
    _expect(np.all(np.isfinite(big)),
            "±1000 같은 점수의 softmax에서 nan이나 inf가 나오면 안 됩니다(오버플로가 발생합니다)",
            "softmax of scores like ±1000 should not give nan or inf")
    _close(big, softmax(np.array([[0.0, 1.0, -1.0], [0.0, -1.0, -2.0]])),
           _said("±1000의 softmax", "softmax of ±1000"))


def check_cross_entropy(cross_entropy: Callable) -> None:
    """log K for equal scores, the batch mean, stable at large scores."""
    loss = cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 3]))
    _expect(np.ndim(loss) == 0, f"cross_entropy는 숫자 하나를 반환해야 하는데 {loss!r}입니다",
            f"cross_entropy should return one number, got {loss!r}")
    _close(loss, math.log(5), _said("클래스 5개에 점수가 모두 같을 때",
                                    "equal scores over 5 classes"))
    z, y = _ints((3, 4), 14), np.array([1, 0, 3])
    _close(cross_entropy(np.vstack([z, z]), np.concatenate([y, y])), cross_entropy(z, y), _said(
        "배치를 두 번 이어 붙여도 손실은 같아야 합니다(합이 아니라 평균)",
        "a batch repeated twice should give the same loss (a mean, not a sum)"))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1]))
    _expect(np.isfinite(big), "1000 같은 점수의 cross_entropy도 유한한 값이어야 합니다",
            "cross_entropy of scores like 1000 should be finite")
    _close(big, 500.0, _said("레이블 [1, 1]일 때 [[1000, 0], [0, 1000]]의 cross_entropy",
                             "cross_entropy of [[1000, 0], [0, 1000]] with labels [1, 1]"), 1e-6)


#: The tiny CNN's parameter shapes, as the notebooks list them.
PARAM_SHAPES = {"conv1_w": (8, 1, 3, 3), "conv1_b": (8,), "conv2_w": (16, 8, 3, 3),
                "conv2_b": (16,), "fc_w": (64, 10), "fc_b": (10,)}


def _test_params(seed: int = 0) -> dict[str, np.ndarray]:
    """Fixed test weights: small multiples of 1/8 (not an initialisation scheme)."""
    return {k: _ints(shape, seed + i, -3, 4) / 8 for i, (k, shape) in
            enumerate(PARAM_SHAPES.items())}


def check_init_tiny_cnn(init_tiny_cnn: Callable) -> None:
    """Keys, shapes, random weights, the same seed giving the same weights."""
    params = init_tiny_cnn(0)
    _expect(isinstance(params, dict), "init_tiny_cnn은 dict를 반환해야 합니다",
            "init_tiny_cnn should return a dict")
    for k, shape in PARAM_SHAPES.items():
        _expect(k in params, f"키 {k!r}가 없습니다", f"missing key {k!r}")
        _shape(params[k], shape, f"params[{k!r}]")
        if k.endswith("_w"):
            _expect(np.ptp(params[k]) > 0,
                    f"{k}는 모두 같은 값이 아니라 무작위 값으로 시작해야 합니다",
                    f"{k} should start random, not all equal")
    again = init_tiny_cnn(0)
    _expect(all(np.array_equal(params[k], again[k]) for k in PARAM_SHAPES),
            "같은 시드면 같은 가중치가 나와야 합니다",
            "the same seed should give the same weights")


def _digits_like(n: int, seed: int) -> np.ndarray:
    return _ints((n, 1, 8, 8), seed, 0, 5) / 4


def check_tiny_cnn_forward(tiny_cnn_forward: Callable) -> None:
    """Shape (N, 10), each example scored on its own, a known answer."""
    params, x = _test_params(1), _digits_like(3, 2)
    logits = _shape(tiny_cnn_forward(x, params), (3, 10), _said("숫자 3개의 로짓",
                                                                "logits for 3 digits"))
    _expect(np.all(np.isfinite(logits)), "로짓은 유한한 값이어야 합니다",
            "logits should be finite")
    _close(tiny_cnn_forward(x[1:2], params), logits[1:2], _said(
        "각 예제는 따로 점수를 매겨야 합니다(배치 안의 예제끼리 섞이면 안 됩니다)",
        "each example should be scored on its own (the batch should not mix)"))
    _matches_known(tiny_cnn_forward, "tiny_cnn_forward")


# ---------------------------------------------------------------- part 5: gradients


def check_relu_backward(relu_backward: Callable) -> None:
    """Gradient passes where x > 0 only; a known answer."""
    _matches_known(relu_backward, "relu_backward")
    zero = relu_backward(np.ones((1, 3)), np.zeros((1, 3)))
    _close(zero, np.zeros((1, 3)), _said(
        "x == 0에서 relu_backward는 기울기를 흘려보내면 안 됩니다(x > 0인 곳만)",
        "relu_backward at x == 0 should pass no gradient (x > 0 only)"))


def check_dense_backward(dense_backward: Callable) -> None:
    """(dx, dw, db) with the shapes of x, w and b; a known answer."""
    got = dense_backward(_ints((3, 2), 20), _ints((3, 4), 17), _ints((4, 2), 18))
    _expect(isinstance(got, tuple) and len(got) == 3,
            "dense_backward는 (dx, dw, db)를 반환해야 합니다",
            "dense_backward should return (dx, dw, db)")
    for value, shape, name in zip(got, [(3, 4), (4, 2), (2,)], ["dx", "dw", "db"], strict=True):
        _shape(value, shape, name)
    _matches_known(dense_backward, "dense_backward")


def check_conv2d_backward(conv2d_backward: Callable) -> None:
    """(dx, dw, db) on small known cases: stride 1, and stride 2 with padding 1."""
    for case in ("conv2d_backward", "conv2d_backward stride 2 padding 1"):
        _, args, kwargs = _cases()[case]
        got = conv2d_backward(*args, **kwargs)
        _expect(isinstance(got, tuple) and len(got) == 3,
                "conv2d_backward는 (dx, dw, db)를 반환해야 합니다",
                "conv2d_backward should return (dx, dw, db)")
        for value, like, name in zip(got, [args[1], args[2], args[2][:, 0, 0, 0]],
                                     ["dx", "dw", "db"], strict=True):
            _shape(value, like.shape, f"{name} ({case})")
        _close(got[2], args[0].sum(axis=(0, 2, 3)), _said(
            "db는 dout을 이미지와 위치에 걸쳐 더한 값이어야 합니다",
            "db should be dout summed over images and positions"))
        _matches_known(conv2d_backward, case)


def check_max_pool2d_backward(max_pool2d_backward: Callable) -> None:
    """Gradient only at each window's maximum; known answers with and without overlap."""
    x = _rng(25).permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 7.0
    grad = _shape(max_pool2d_backward(np.ones((2, 2, 3, 3)), x), x.shape,
                  _said("max_pool2d_backward, 크기 2", "max_pool2d_backward, size 2"))
    _expect(np.count_nonzero(grad) == 2 * 2 * 3 * 3,
            "2×2 윈도우마다 기울기를 정확히 한 칸에만 보내야 합니다",
            "each 2×2 window should send its gradient to exactly one cell")
    for case in ("max_pool2d_backward size 2", "max_pool2d_backward size 3 stride 1"):
        _matches_known(max_pool2d_backward, case)


def _quadratic(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda x: float(0.5 * x.ravel() @ a @ x.ravel() + b @ x.ravel())


def _sin_sum(w: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda x: float(np.sum(np.sin(w * x)))


def _test_function(name: str, **kwargs: np.ndarray) -> Callable[[np.ndarray], float]:
    """A function to hand to numerical_gradient. When the autograder is installed it is
    also a named reference (``FunctionRef``), so it can reach code running in its sandbox."""
    local = {"quadratic": _quadratic, "sin_sum": _sin_sum}[name](**kwargs)
    try:
        from autograder.jail.protocol import FunctionRef
    except ImportError:
        return local

    class NamedFunction(FunctionRef):
        def __call__(self, x: np.ndarray) -> float:
            return local(x)

    return NamedFunction(name, kwargs)


def check_numerical_gradient(numerical_gradient: Callable) -> None:
    """Known gradients (calculus, not code), centred accuracy, x restored."""
    x = _ints((2, 3), 27) / 2
    before = x.copy()
    squares = _test_function("quadratic", a=2 * np.eye(6), b=np.zeros(6))  # sum(x²)
    grad = numerical_gradient(squares, x)
    _close(grad, 2 * before, _said("sum(x²)의 기울기는 2x입니다",
                                   "the gradient of sum(x²) is 2x"), 1e-6)
    _expect(np.array_equal(x, before), "numerical_gradient는 x를 받은 그대로 돌려놓아야 합니다",
            "numerical_gradient should leave x as it found it")
    w = np.array([2.0, -1.5, 3.0])
    point = np.array([1.0, 0.3, -0.7])
    got = numerical_gradient(_test_function("sin_sum", w=w), point.copy(), h=1e-3)
    _expect(np.allclose(got, w * np.cos(w * point), rtol=0, atol=1e-5),
            "h = 1e-3일 때 sum(sin(w·x))의 기울기가 h²보다 더 크게 어긋납니다. 중앙 차분을 "
            "썼나요?",
            "with h = 1e-3 the gradient of sum(sin(w·x)) is off by more than h²: is the "
            "difference centred?")


def check_tiny_cnn_loss_and_grads(tiny_cnn_loss_and_grads: Callable) -> None:
    """The loss of equal scores is log 10; a known loss and known gradient entries."""
    blank = {k: np.zeros(s) for k, s in PARAM_SHAPES.items()}
    got = tiny_cnn_loss_and_grads(np.zeros((2, 1, 8, 8)), np.array([3, 7]), blank)
    _expect(isinstance(got, tuple) and len(got) == 2, "(loss, grads)를 반환해야 합니다",
            "should return (loss, grads)")
    loss, grads = got
    _expect(np.ndim(loss) == 0 and np.isfinite(loss),
            f"손실은 숫자 하나여야 하는데 {loss!r}입니다",
            f"the loss should be a number, got {loss!r}")
    _close(loss, math.log(10), _said(
        "가중치가 모두 0이면 점수가 모두 같으므로 손실은 log 10이어야 합니다",
        "zero weights give equal scores: the loss should be log 10"), 1e-9)
    _expect(isinstance(grads, dict) and set(grads) >= set(PARAM_SHAPES),
            f"grads는 키가 {sorted(PARAM_SHAPES)}인 dict여야 합니다",
            f"grads should be a dict with keys {sorted(PARAM_SHAPES)}")
    for k, shape in PARAM_SHAPES.items():
        _shape(np.asarray(grads[k]), shape, f"grads[{k!r}]")
    _matches_known(tiny_cnn_loss_and_grads, "tiny_cnn_loss_and_grads")


def _digits_split() -> tuple[np.ndarray, np.ndarray]:
    """The training digits of the course's fixed split, as ``load_digits_split()`` gives
    them, from digits.npz beside this file or in the working folder."""
    here = Path(__file__).resolve().parent
    for folder in (here, Path.cwd(), here.parent / "reference" / "data"):
        path = folder / "digits.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as data:
                images, labels = data["images"], data["labels"]
            order = _rng(0).permutation(len(labels))
            train = order[round(len(labels) * 0.2):]
            x = images.astype(np.float64)[:, None] / 16.0
            return x[train], labels.astype(np.int64)[train]
    raise _failure(Said("selfcheck.py 옆이나 이 폴더에서 digits.npz를 찾지 못했습니다",
                        "digits.npz not found beside selfcheck.py or in this folder"))


def check_train_tiny_cnn(train_tiny_cnn: Callable) -> None:
    """The grader's training run and its criteria: the loss falls, the loss history belongs
    to the returned params, every parameter moved by Adam-sized steps, and unseen digits
    are recognised well above chance."""
    x_all, y_all = _digits_split()
    n, epochs, lr = TRAIN["size"], TRAIN["epochs"], TRAIN["lr"]
    x, y = x_all[:n], y_all[:n]
    out = train_tiny_cnn(x, y, x_all[n : n + TRAIN["test_size"]],
                         y_all[n : n + TRAIN["test_size"]], epochs=epochs,
                         batch_size=TRAIN["batch_size"], lr=lr, seed=0)
    _expect(isinstance(out, dict) and {"params", "loss_history"} <= set(out),
            "train_tiny_cnn은 params와 loss_history가 든 dict를 반환해야 합니다",
            "train_tiny_cnn should return a dict with params and loss_history")
    try:
        history = [float(v) for v in out["loss_history"]]
    except (TypeError, ValueError):
        history = []
    _expect(len(history) == epochs,
            f"loss_history에는 에포크마다 평균 손실이 하나씩, {epochs}개 있어야 합니다",
            f"loss_history should hold one mean loss per epoch, {epochs} numbers")
    rounded = [round(v, 3) for v in history]
    _expect(all(math.isfinite(v) for v in history) and history[-1] < (
        1 - TRAIN["min_loss_drop"]) * history[0],
            f"숫자 {n}개로 {epochs} 에포크 학습하면 손실이 {TRAIN['min_loss_drop']:.0%} 이상 "
            f"줄어야 하는데 {rounded}입니다",
            f"the loss should fall by at least {TRAIN['min_loss_drop']:.0%} in {epochs} epochs "
            f"on {n} digits, got {rounded}")
    params = out["params"]
    forward = _earlier("tiny_cnn_forward")
    loss = float(_earlier("cross_entropy")(forward(x, params), y))
    low, high = (r * history[-1] for r in TRAIN["loss_ratio"])
    _expect(math.isfinite(loss) and low <= loss <= high,
            f"loss_history가 반환한 파라미터의 것이 아닙니다: 학습 숫자에서 그 파라미터의 손실은 "
            f"{loss:.3f}인데 마지막 에포크의 평균 손실은 {history[-1]:.3f}입니다",
            f"loss_history does not belong to the returned params: on the training digits "
            f"they have a loss of {loss:.3f}, but the last epoch's mean loss is "
            f"{history[-1]:.3f}")
    start = _earlier("init_tiny_cnn")(0)
    for name in sorted(start):
        moved = float(np.max(np.abs(np.asarray(params[name], dtype=float)
                                    - np.asarray(start[name], dtype=float))))
        _expect(TRAIN["min_move"] <= moved <= TRAIN["max_move"],
                f"params[{name!r}]이(가) init_tiny_cnn(0)에서 최대 {moved:.3g}만큼 움직였습니다. "
                f"Adam 단계로 학습했다면 {TRAIN['min_move']:g}와 {TRAIN['max_move']:g} 사이여야 "
                "합니다(모든 파라미터를 갱신했나요?)",
                f"params[{name!r}] moved at most {moved:.3g} from init_tiny_cnn(0); Adam steps "
                f"move every parameter by between {TRAIN['min_move']:g} and "
                f"{TRAIN['max_move']:g} (is every parameter updated?)")
    start_, stop = TRAIN["held_out"]
    guesses = np.argmax(np.asarray(forward(x_all[start_:stop], params)), axis=1)
    accuracy = float(np.mean(guesses == y_all[start_:stop]))
    _expect(accuracy >= TRAIN["min_accuracy"],
            f"학습한 파라미터가 학습에 쓰지 않은 숫자 {stop - start_}개 중 "
            f"{accuracy:.0%}만 맞혔습니다(찍으면 10%). {TRAIN['min_accuracy']:.0%} 이상이어야 "
            "합니다",
            f"the trained params recognise {accuracy:.0%} of {stop - start_} digits they did not "
            f"train on (chance is 10%); at least {TRAIN['min_accuracy']:.0%} expected")


# ---------------------------------------------------------------- known answers


def _cases() -> dict[str, tuple[str, tuple, dict]]:
    """Inputs of the known answers: case name -> (function, args, kwargs).

    ``python -m assignments.build`` runs the reference on exactly these and writes the
    results into KNOWN below; nothing in this file computes an answer.
    """
    x, w, b = _ints((1, 2, 5, 6), 31), _ints((2, 2, 3, 2), 32), _ints((2,), 33)
    xb, wb = _ints((2, 2, 5, 5), 21) / 2, _ints((3, 2, 3, 3), 22) / 2
    pool = _rng(25).permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 7.0
    return {
        "conv2d same, stride 2": ("conv2d", (x, w, b), {"stride": 2, "padding": "same"}),
        "conv2d valid, stride 2": ("conv2d", (x, w, b), {"stride": 2, "padding": "valid"}),
        "conv2d padding ((0, 1), (2, 0))": ("conv2d", (x, w, b), {"padding": ((0, 1), (2, 0))}),
        "conv2d stride (2, 1), padding (1, 0)": ("conv2d", (x, w, b),
                                                 {"stride": (2, 1), "padding": (1, 0)}),
        "conv2d_single same, stride 2": ("conv2d_single", (x[0, 0], w[0, 0]),
                                         {"stride": 2, "padding": "same"}),
        "relu_backward": ("relu_backward", (_ints((3, 4), 16), _ints((3, 4), 15) + 0.5), {}),
        "dense_backward": ("dense_backward", (_ints((3, 2), 20), _ints((3, 4), 17),
                                              _ints((4, 2), 18)), {}),
        "conv2d_backward": ("conv2d_backward", (_ints((2, 3, 3, 3), 24), xb, wb), {}),
        "conv2d_backward stride 2 padding 1": (
            "conv2d_backward", (_ints((2, 3, 3, 3), 25), xb, wb), {"stride": 2, "padding": 1}),
        "max_pool2d_backward size 2": ("max_pool2d_backward", (_ints((2, 2, 3, 3), 26), pool),
                                       {}),
        "max_pool2d_backward size 3 stride 1": (
            "max_pool2d_backward", (_ints((2, 2, 4, 4), 26), pool), {"size": 3, "stride": 1}),
        "tiny_cnn_forward": ("tiny_cnn_forward", (_digits_like(3, 2), _test_params(1)), {}),
        "tiny_cnn_loss_and_grads": ("tiny_cnn_loss_and_grads",
                                    (_digits_like(2, 4), np.array([3, 7]), _test_params(3)), {}),
    }


#: Of the tiny CNN's gradients, the known answers keep these (the rest would be 1,800 numbers).
KNOWN_GRADS = ("conv1_b", "conv1_w", "conv2_b", "fc_b")


def leaves(case: str, value) -> list[list[float]]:
    """A result as a list of flat lists of floats (arrays and numbers, in tuples or dicts,
    dict keys in sorted order); of ``tiny_cnn_loss_and_grads`` the loss and KNOWN_GRADS."""
    if case == "tiny_cnn_loss_and_grads" and isinstance(value, tuple) and len(value) == 2 \
            and isinstance(value[1], dict):
        value = (value[0], {k: value[1].get(k) for k in KNOWN_GRADS})
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in leaves(case, value[k])]
    if isinstance(value, tuple):
        return [leaf for v in value for leaf in leaves(case, v)]
    return [np.asarray(value, dtype=float).ravel().tolist()]


def _matches_known(fn: Callable, case: str, tol: float = 1e-9) -> None:
    """``fn`` on the inputs of ``case`` must give the result stored in KNOWN."""
    name, args, kwargs = _cases()[case]
    got = fn(*args, **kwargs)
    want = KNOWN[case]
    try:
        found = leaves(case, got)
    except (TypeError, ValueError):
        raise _failure(Said(f"{name} ({case})이(가) 숫자가 아닌 {type(got).__name__}을(를) "
                            "반환했습니다",
                            f"{name} ({case}) returned {type(got).__name__}, not numbers")
                       ) from None
    _expect(len(found) == len(want),
            f"{name} ({case}): 결과가 {len(want)}개여야 하는데 {len(found)}개를 반환했습니다",
            f"{name} ({case}) returned {len(found)} results, expected {len(want)}")
    for k, (g, e) in enumerate(zip(found, want, strict=True)):
        label = (_said(f"{name} ({case}), {k + 1}번째 결과", f"{name} ({case}), result {k + 1}")
                 if len(want) > 1 else f"{name} ({case})")
        _close(np.asarray(g, dtype=float), np.asarray(e, dtype=float), label, tol)



# known:start  (written by `python -m assignments.build` from reference/; do not edit)
KNOWN: dict[str, list[list[float]]] = {
    'conv2d same, stride 2': [
        [-12.0, 4.0, 14.0, -7.0, 7.0, 15.0, -9.0, -13.0, -6.0, 12.0, 6.0, 7.0, -26.0, -2.0,
         33.0, -1.0, -28.0, 19.0],
    ],
    'conv2d valid, stride 2': [
        [-19.0, 33.0, 26.0, -5.0, 31.0, 35.0, 13.0, -32.0, -10.0, -18.0, -31.0, 22.0],
    ],
    'conv2d padding ((0, 1), (2, 0))': [
        [3.0, 12.0, -19.0, 16.0, 33.0, 1.0, 26.0, 3.0, 21.0, -7.0, -13.0, 7.0, -27.0, 15.0, 3.0,
         9.0, -5.0, -8.0, 31.0, 7.0, 35.0, 3.0, -8.0, -9.0, 13.0, -13.0, -20.0, -6.0, -1.0,
         -18.0, 13.0, -13.0, -32.0, -2.0, -10.0, -1.0, -26.0, -26.0, -26.0, -2.0, 58.0, 33.0,
         -1.0, -25.0, -18.0, -22.0, -31.0, 17.0, 22.0, -1.0, -3.0, -1.0, -22.0, -28.0, 20.0,
         19.0],
    ],
    'conv2d stride (2, 1), padding (1, 0)': [
        [-12.0, 24.0, 4.0, -9.0, 14.0, -7.0, -13.0, 7.0, -27.0, 15.0, -9.0, 13.0, -13.0, -20.0,
         -6.0, 12.0, -12.0, 6.0, 16.0, 7.0, -26.0, -26.0, -2.0, 58.0, 33.0, -1.0, -22.0, -28.0,
         20.0, 19.0],
    ],
    'conv2d_single same, stride 2': [
        [8.0, -5.0, 7.0, -24.0, -5.0, 27.0, -1.0, -21.0, -10.0],
    ],
    'relu_backward': [
        [0.0, 1.0, 3.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    ],
    'dense_backward': [
        [18.0, -16.0, 16.0, 4.0, -8.0, 6.0, -6.0, 2.0, 19.0, -18.0, 18.0, 8.0],
        [-8.0, 8.0, -2.0, 3.0, -20.0, 8.0, -14.0, 9.0],
        [6.0, -5.0],
    ],
    'conv2d_backward': [
        [-2.0, -1.0, -2.5, -1.0, -1.5, 1.0, 7.5, -15.0, 4.0, -3.5, 9.0, -5.5, -3.0, -0.5, -5.0,
         8.0, -8.5, 10.0, -4.5, -4.5, 3.5, -9.0, -8.5, 4.5, 7.0, -1.0, -6.5, -1.5, -7.5, 2.5,
         -4.0, -6.0, -8.0, 12.0, -3.0, -4.0, -8.5, 24.0, -6.0, -16.5, -1.5, -0.5, 23.0, -8.5,
         -5.5, -4.0, 7.0, 26.0, 1.0, -5.0, 0.0, 4.5, 4.0, 2.5, 1.0, 9.5, -5.0, 12.0, 6.5, -6.5,
         18.0, -25.0, 7.0, 10.0, -15.5, 11.5, -12.0, 27.0, -9.0, -4.5, 5.0, -7.0, -5.5, -9.5,
         9.0, -1.0, 2.0, -5.0, 0.0, 6.0, -2.0, 4.0, 12.0, 11.0, -2.5, -3.5, 8.5, 19.5, -6.5,
         -20.5, -3.5, 6.5, 26.0, -0.5, -3.0, -5.0, 10.5, 17.0, 14.0, 1.0],
        [-3.5, -19.5, 10.5, -1.5, -25.5, 0.5, -15.0, 10.0, 0.0, -3.0, 19.5, -20.0, -11.5, 7.5,
         4.5, -11.5, -5.0, 18.5, -7.5, -26.5, 9.5, 12.5, 4.0, 1.5, 0.5, 12.5, 9.0, 22.0, 23.5,
         -6.0, -21.0, 25.0, 24.5, -0.5, -10.5, 3.0, 21.0, -1.0, -14.0, -6.0, 23.5, 0.0, 16.0,
         -7.0, -2.5, -3.0, 3.5, 12.5, 9.5, -20.0, -0.5, 21.0, 0.0, -24.5],
        [-8.0, -4.0, 18.0],
    ],
    'conv2d_backward stride 2 padding 1': [
        [3.0, 10.5, -4.0, -9.0, 10.0, 5.5, -9.0, 4.5, -0.5, 7.0, -10.0, 8.0, 0.0, 10.5, -10.0,
         -4.0, -4.0, 6.0, 9.5, -4.5, 2.0, -4.5, -1.0, -4.5, -3.0, -9.0, 0.0, -5.0, -2.5, -4.0,
         -2.0, -1.5, 5.5, -9.0, -15.0, -7.0, 13.0, -1.0, -7.0, -0.5, 10.0, 7.5, -1.5, -12.5,
         24.5, 2.5, -4.0, 0.5, 2.5, -12.0, 4.0, 3.5, -6.0, 11.5, -7.0, -2.5, -4.5, -6.5, 0.5,
         -2.0, 4.0, -3.0, 0.0, -0.5, 2.0, 0.0, 2.0, -2.0, 9.5, 1.0, 1.0, -3.0, 2.0, -2.5, 5.0,
         5.0, 0.5, -0.5, 12.5, -0.5, -4.5, 4.0, 11.0, 14.0, 12.0, 1.5, -1.5, -3.0, 2.0, -3.5,
         -7.0, 0.0, -3.0, 14.0, -8.0, 2.5, -2.0, 0.5, 0.0, 2.5],
        [-2.0, -4.5, 4.0, -15.5, -2.0, -11.0, -4.0, 15.0, -3.5, 5.0, 3.0, -3.0, -4.0, 13.5,
         -12.0, -1.5, -15.5, 0.0, -4.0, -11.5, 4.5, 7.0, 5.5, -10.0, 2.5, 0.0, 9.5, 5.5, 9.5,
         -8.0, -1.0, -9.0, 12.5, 4.0, -2.0, 0.0, -6.0, 14.0, 0.0, -15.0, 26.5, 3.0, 7.0, -10.5,
         -9.5, -7.5, -16.0, 11.0, -20.0, -21.0, -18.5, -4.5, 8.0, -13.0],
        [-6.0, -12.0, -4.0],
    ],
    'max_pool2d_backward size 2': [
        [3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0,
         -4.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 2.0, -1.0, 0.0, 0.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 2.0, 0.0, 4.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 4.0, 0.0, 0.0, 0.0, -4.0, -3.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0,
         -4.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -3.0,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, -2.0, 0.0, -3.0, 0.0, 0.0, 4.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0],
    ],
    'max_pool2d_backward size 3 stride 1': [
        [3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0,
         0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, -7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 8.0,
         0.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, -3.0, 0.0, 0.0, 7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 4.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 13.0, 0.0,
         -4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -5.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, -5.0, 0.0, 0.0, 6.0, 0.0,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ],
    'tiny_cnn_forward': [
        [1.81103515625, 0.2451171875, -1.48388671875, -0.73486328125, 0.0283203125,
         0.60791015625, -0.9111328125, -0.6748046875, -0.0537109375, -0.9189453125, 2.41015625,
         0.30029296875, -0.8984375, -0.85986328125, 0.076171875, 0.3994140625, -1.24755859375,
         -0.3564453125, -0.00048828125, -1.091796875, 2.8984375, -0.07958984375, -1.01171875,
         -0.68115234375, -0.09130859375, -0.05810546875, -1.20361328125, -1.1025390625,
         0.1767578125, -1.13232421875],
    ],
    'tiny_cnn_loss_and_grads': [
        [3.084856390218068],
        [-0.43797953758677965, -0.6730579656817631, 0.16772308845278075, 0.9763716263332737,
         0.15677712016472523, 1.0193968963722106, 0.6655025828869648, -0.08051197688944639],
        [-0.3582677075491939, -0.7845017471434188, -0.04045085697377279, -0.289444425665512,
         -0.28924655656462145, -0.5802438927777942, 0.424660219098665, -0.7658722022013892,
         0.29496241145066976, -0.21144692600058634, -0.5842738276919467, -0.7277239784060807,
         -0.43918638327028275, -0.5820718680066769, 0.05562111164274876, 0.10964810660604636,
         -1.1723017227208636, -0.25914433986130037, -0.13729835916555014, -0.030584762490438483,
         -0.23443893017007544, 0.08317774608541872, 0.3834713486166393, 0.18652994939779835,
         0.37677762246191693, 0.1817256369435255, -0.29205293591254056, 0.4257481647679467,
         0.06831523326719452, 0.558044203286172, 0.20291265909165557, 0.6558825636892723,
         0.6312847281505947, -0.36946756370013567, 0.41517401550167976, 0.570688531075164,
         0.375249491938883, -0.6426736721886795, -0.3598225480704217, -0.07014513098608799,
         -0.008292213048533587, 0.2181693664515084, -0.9487442033222647, 0.28308477509620766,
         0.10278498008886011, 0.49777106728468207, 0.17458411897695206, -0.0923485441826156,
         0.25957969054154983, 1.0470150258409894, 0.45442482984860233, 0.23964413200845408,
         0.14777751564548613, 0.3765136201594644, -0.17955059797947798, 0.1564988137432084,
         0.09655666500600285, -0.06945014197833464, 0.7793592799116833, 0.579325618703488,
         0.35661785532972984, 0.06428273008080937, 0.24259467228827275, -0.004247325278632544,
         -0.4165463110189619, -0.5782061972177113, 0.31313178574189726, 0.250959265424861,
         -0.034742541432677077, 0.32216990052974365, -0.2245034680609834, 0.1666882424331153],
        [0.21300956849256286, 0.13275369152142588, -0.0759044792478965, -0.4316194344194203,
         -0.05255157927680143, 0.0, 0.30775584063868405, -0.047886225658226866,
         -0.09586564220155819, 0.07323781355212866, -0.0800732371626395, 0.04713369048484963,
         0.08458405556815739, -0.025929443178198577, 0.3014843113018538, 0.5010667137368929],
        [0.044359228935845985, 0.008725233952344515, 0.014417625877992783, -0.4531992292775369,
         0.058308535233870945, 0.005882057920123059, 0.07287251766732374, -0.40805300516403,
         0.0509628175320362, 0.6057242173220296],
    ],
}
# known:end


# ---------------------------------------------------------------- judging one function


PASSED, FAILED, WAITING = "PASS", "FAIL", "WAIT"


@dataclass(frozen=True)
class Outcome:
    """The verdict on one function: PASS, FAIL (its own mistake), or WAIT (it called an
    earlier function whose own check fails: ``first`` names what to fix first)."""

    function: str
    status: str
    message: object = ""  # a Said, or the text of the student's own exception
    count: int = 0  # conditions verified, when it passed
    first: tuple[str, ...] = ()


def earlier(function: str) -> tuple[str, ...]:
    """The graded functions taught before ``function`` that the grader answers itself while
    ``function`` is graded (``autograder.rubric.provided_while_grading``)."""
    if function not in FUNCTIONS:
        return ()
    return tuple(f for f in FUNCTIONS[: FUNCTIONS.index(function)] if f not in NOT_ANSWERED)


def fix_first(function: str, first: tuple[str, ...]) -> Said:
    """What a WAIT says: "먼저 zero_pad를 고치세요 · fix zero_pad first"."""
    names = ", ".join(first)
    return Said(f"먼저 {names}을(를) 고치세요. {function}은(는) {names}을(를) 부르는데 "
                f"{names}의 자가 점검이 통과하지 않아서, 아직 {function}만 따로 판단할 수 "
                "없습니다",
                f"fix {names} first: {function} calls {names}, whose own self-check does not "
                f"pass, so {function} cannot be judged on its own yet")


#: What the running check may look up besides the function it checks (the namespace the
#: student's functions live in) and which earlier functions it used.
_CONTEXT: dict = {"namespace": {}, "called": set()}


def _earlier(name: str) -> Callable:
    """An earlier function the running check itself needs (the training check measures the
    trained params with the student's tiny_cnn_forward): counted as called."""
    _CONTEXT["called"].add(name)
    fn = _CONTEXT["namespace"].get(name)
    if not callable(fn):
        raise _failure(Said(f"이 점검에는 {name}이(가) 필요한데 정의되지 않았습니다",
                            f"this check needs {name}, which is not defined"))
    return fn


def _recording(name: str, fn: Callable, called: set) -> Callable:
    @functools.wraps(fn)
    def recorded(*args, **kwargs):
        called.add(name)
        return fn(*args, **kwargs)

    return recorded


def _is_stub(fn: Callable) -> bool:
    """True while ``fn``'s body only raises NotImplementedError (the notebooks' stub)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_names == ("NotImplementedError",)


def _attempt(name: str, fn: Callable, namespace: Mapping) -> tuple[object, int, set]:
    """Run ``name``'s check on ``fn``: (None or what went wrong, conditions verified, the
    earlier functions it called). While it runs, the earlier functions in the namespace
    ``fn`` looks its globals up in record that they were called; where that is not the
    namespace the functions were given in (a function in a sandbox, reached through a
    proxy), every earlier function counts as called."""
    called: set[str] = set()
    swapped: dict[str, Callable] = {}
    globals_ = getattr(fn, "__globals__", None)
    watched = isinstance(globals_, dict) and globals_ is namespace
    if watched:
        for other in earlier(name):
            original = globals_.get(other)
            if callable(original):
                swapped[other] = original
                globals_[other] = _recording(other, original, called)
    else:
        called |= set(earlier(name))
    _CONTEXT.update(namespace=namespace, called=called)
    _PASSED[0] = 0
    problem: object = None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            CHECKS[name](fn)
    except AssertionError as exc:
        problem = getattr(exc, "said", None) or str(exc)
    except NotImplementedError:
        # a function that cannot be watched (in a sandbox) shows no body: its
        # NotImplementedError is taken as its own
        problem = NOT_IMPLEMENTED if _is_stub(fn) or not watched else Said(
            "호출한 함수가 NotImplementedError 예외를 발생시켰습니다",
            "a function it calls raised NotImplementedError")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:280]
        problem = Said(f"{error} 예외가 발생했습니다", f"raised {error}")
    finally:
        if watched:
            globals_.update(swapped)
        _CONTEXT.update(namespace={}, called=set())
    return problem, _PASSED[0], called


def judge(name: str, fn: object, namespace: Mapping | None = None,
          verdicts: dict | None = None) -> Outcome:
    """The verdict on ``fn`` as ``name``: its check, and when that fails, the checks of the
    earlier functions it called (looked up in ``namespace``, by default ``fn``'s globals;
    ``verdicts`` keeps verdicts already reached)."""
    verdicts = {} if verdicts is None else verdicts
    if name in verdicts:
        return verdicts[name]
    if namespace is None:
        namespace = getattr(fn, "__globals__", None) or {name: fn}
    if not callable(fn):
        outcome = Outcome(name, FAILED, NOT_DEFINED)
    else:
        problem, count, called = _attempt(name, fn, namespace)
        if problem is None:
            outcome = Outcome(name, PASSED, "ok", count)
        elif problem is NOT_IMPLEMENTED:
            outcome = Outcome(name, FAILED, problem)
        else:
            first: list[str] = []
            for other in earlier(name):
                if other in called:
                    found = judge(other, namespace.get(other), namespace, verdicts)
                    first += [other] if found.status == FAILED else list(found.first)
            first = list(dict.fromkeys(f for f in FUNCTIONS if f in first))
            outcome = (Outcome(name, WAITING, fix_first(name, tuple(first)), 0, tuple(first))
                       if first else Outcome(name, FAILED, problem))
    verdicts[name] = outcome
    return outcome


# ---------------------------------------------------------------- running them


def pass_line(function: str, count: int) -> str:
    """What a passed check prints, so a silent cell is never mistaken for a passed one."""
    return f"✓ 자가 점검 통과 — {count} checks · self-check passed: {function}, {count} checks"


def wait_line(outcome: Outcome) -> str:
    """What a check that must wait prints (not an error: the function may well be right)."""
    return f"⏸ {outcome.function}: {in_language(outcome.message)}"


def _reporting(function: str, check: Check) -> Callable:
    def run(fn: Callable, quiet: bool = False) -> int:
        outcome = judge(function, fn)
        if outcome.status == FAILED:
            message = outcome.message
            if message is NOT_IMPLEMENTED:  # the stub: say so the way the stub does
                raise NotImplementedError(f"{function}: {message.both()}")
            raise _failure(message) if isinstance(message, Said) else AssertionError(message)
        if not quiet:
            print(pass_line(function, outcome.count) if outcome.status == PASSED
                  else wait_line(outcome))
        return outcome.count

    run.__name__, run.__doc__ = check.__name__, check.__doc__
    return run


CHECKS: dict[str, Check] = {name: globals()[f"check_{name}"] for name in FUNCTIONS}
for _name, _check in CHECKS.items():  # each check reports its verdict when called alone
    globals()[f"check_{_name}"] = _reporting(_name, _check)


NOT_DEFINED = Said("정의되지 않았습니다", "not defined")
NOT_IMPLEMENTED = Said("아직 구현하지 않았습니다", "not implemented yet")


def outcomes(functions: Mapping[str, Callable]) -> list[Outcome]:
    """The verdict on every function in ``functions`` (a module's namespace, say), in
    teaching order; a function missing from it is FAIL, "not defined"."""
    verdicts: dict[str, Outcome] = {}
    return [judge(name, functions.get(name), functions, verdicts) for name in CHECKS]


def run_checks(functions: Mapping[str, Callable]) -> list[tuple[str, bool, object]]:
    """Every check as (name, passed, message); a WAIT is not passed, and its message says
    which earlier function to fix first. A message is a :class:`Said` (its str the English;
    :func:`in_language` picks), or the text of an exception the student's own code raised."""
    return [(o.function, o.status == PASSED, o.message) for o in outcomes(functions)]


def _load(path: str) -> dict:
    spec = importlib.util.spec_from_file_location("student_solution", Path(path))
    if spec is None or spec.loader is None:
        raise SystemExit(resolve_particles(f"{path}을(를) 불러올 수 없습니다 · cannot load {path}"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


USAGE = "사용법 · usage: python selfcheck.py conv_layers.py"
HELP = f"""{USAGE}

.py 파일에 쓴 함수마다 자가 점검을 하고 결과를 표로 보여 줍니다. PASS는 통과, FAIL은 그
함수 자체의 잘못입니다(이유가 함께 나옵니다). WAIT는 그 함수가 부르는 앞 함수가 자가 점검을
통과하지 못했다는 뜻이니 앞 함수부터 고치세요. 모두 통과하면 종료 코드는 0입니다. numpy만
있으면 됩니다.
Runs the self-check of every function in your .py file and prints a table: PASS, FAIL
(the function's own mistake, with why) or WAIT (an earlier function it called fails its
own self-check: fix that one first). Exit status 0 when every check passes. Needs numpy
only.

노트북에서는 · in a notebook:
    from selfcheck import check_conv2d
    check_conv2d(conv2d)"""


def main(argv: list[str] | None = None) -> int:
    """``python selfcheck.py my_solution.py``: run every check, print a table
    (``--help``: what it does; a file that is not there: one line, exit 2)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(HELP)
        return 0
    if len(args) != 1:
        print(USAGE)
        return 2
    if not Path(args[0]).is_file():
        print(f"{args[0]}: 파일이 없습니다 · no such file ({USAGE})")
        return 2
    results = outcomes(_load(args[0]))
    width = max(len(o.function) for o in results)
    for o in results:
        lines = [""] if o.status == PASSED else in_language(o.message).splitlines() or [""]
        print(f"{o.status}  {o.function:<{width}}  {lines[0]}".rstrip())
        for line in lines[1:]:
            print(f"      {' ' * width}  {line}")
    passed = sum(o.status == PASSED for o in results)
    waiting = sum(o.status == WAITING for o in results)
    print(f"자가 점검 {len(results)}개 중 {passed}개 통과"
          + (f", {waiting}개는 앞 함수를 먼저 고쳐야 판단할 수 있습니다" if waiting else "")
          + f" · {passed} of {len(results)} self-checks pass"
          + (f", {waiting} wait for an earlier function" if waiting else ""))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
