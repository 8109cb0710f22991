"""Korean particles chosen from the word before them (autograder/korean.py).

Known answers are how a Korean speaker reads the word, written here by hand; the
properties hold for every Hangul syllable and every whole number.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.korean import final_consonant, resolve_particles, with_particle

#: word -> (을/를, 이/가, 으로/로), as read aloud
KNOWN = {
    "필터": ("필터를", "필터가", "필터로"),
    "편향": ("편향을", "편향이", "편향으로"),
    "커널": ("커널을", "커널이", "커널로"),  # ㄹ takes 로
    "2": ("2를", "2가", "2로"),  # 이
    "3": ("3을", "3이", "3으로"),  # 삼
    "1": ("1을", "1이", "1로"),  # 일: ㄹ
    "6": ("6을", "6이", "6으로"),  # 육
    "10": ("10을", "10이", "10으로"),  # 십
    "100": ("100을", "100이", "100으로"),  # 백
    "1000": ("1000을", "1000이", "1000으로"),  # 천
    "20000": ("20000을", "20000이", "20000으로"),  # 이만
    "1,437": ("1,437을", "1,437이", "1,437로"),  # 칠
    "2.33": ("2.33을", "2.33이", "2.33으로"),  # 삼
    "2.30": ("2.30을", "2.30이", "2.30으로"),  # 영 (digits after the point, one by one)
    "17%": ("17%를", "17%가", "17%로"),  # 퍼센트
    "(3, 7, 7)": ("(3, 7, 7)을", "(3, 7, 7)이", "(3, 7, 7)로"),  # 칠
    "conv2d": ("conv2d를", "conv2d가", "conv2d로"),  # 디
    "conv2d_single": ("conv2d_single을", "conv2d_single이", "conv2d_single로"),  # 싱글
    "same_padding": ("same_padding을", "same_padding이", "same_padding으로"),  # 패딩
    "flatten": ("flatten을", "flatten이", "flatten으로"),  # 플래튼
    "relu": ("relu를", "relu가", "relu로"),  # 렐루
    "ValueError": ("ValueError를", "ValueError가", "ValueError로"),  # 에러
    "CNN": ("CNN을", "CNN이", "CNN으로"),  # 씨엔엔
    "init_tiny_cnn": ("init_tiny_cnn을", "init_tiny_cnn이", "init_tiny_cnn으로"),
    "x": ("x를", "x가", "x로"),  # 엑스
    "M": ("M을", "M이", "M으로"),  # 엠
    "dx": ("dx를", "dx가", "dx로"),
    "None": ("None을", "None이", "None으로"),  # 논
    "Adam": ("Adam을", "Adam이", "Adam으로"),  # 아담
    "float32": ("float32를", "float32가", "float32로"),  # 삼십이
    "'same'": ("'same'를", "'same'가", "'same'로"),  # 세임: the quote is skipped
    "'valid'": ("'valid'를", "'valid'가", "'valid'로"),  # 밸리드
}


@pytest.mark.parametrize("word", list(KNOWN))
def test_known_words_take_the_particles_a_speaker_uses(word):
    assert (with_particle(word, "을"), with_particle(word, "이"),
            with_particle(word, "으로")) == KNOWN[word]
    # either form of a pair names it
    assert with_particle(word, "를") == with_particle(word, "을")
    assert with_particle(word, "가") == with_particle(word, "이")
    assert with_particle(word, "로") == with_particle(word, "으로")


def test_topic_and_and_particles():
    assert with_particle("conv2d", "은") == "conv2d는"
    assert with_particle("편향", "는") == "편향은"
    assert with_particle("필터", "과") == "필터와"
    assert with_particle("편향", "와") == "편향과"


syllables = st.integers(0xAC00, 0xD7A3).map(chr)


@given(syllable=syllables, before=st.text("가나다 abc123", max_size=5))
def test_a_hangul_syllable_decides_by_its_own_final_consonant(syllable, before):
    final = (ord(syllable) - 0xAC00) % 28
    assert final_consonant(before + syllable) == final
    assert with_particle(before + syllable, "을").endswith("를" if final == 0 else "을")
    assert with_particle(before + syllable, "으로").endswith(
        "로" if final in (0, 8) else "으로")


@given(n=st.integers(0, 10**15))
def test_a_whole_number_ends_as_korean_reads_its_last_place(n):
    reading = {0: "영", 1: "일", 2: "이", 3: "삼", 4: "사", 5: "오", 6: "육", 7: "칠",
               8: "팔", 9: "구"}
    if n % 10 or n == 0:
        spoken = reading[n % 10]
    else:
        zeros = len(str(n)) - len(str(n).rstrip("0"))
        spoken = ("십", "백", "천")[zeros - 1] if zeros <= 3 else (
            "만" if zeros < 8 else "억" if zeros < 12 else "조")
    assert final_consonant(str(n)) == (ord(spoken) - 0xAC00) % 28


def test_markers_are_resolved_from_the_text_before_them():
    assert resolve_particles("conv2d_single이(가) 2을(를) 반환했습니다") == \
        "conv2d_single이 2를 반환했습니다"
    assert resolve_particles("x은(는) (2, 3)(으)로, 필터과(와) 편향") == \
        "x는 (2, 3)으로, 필터와 편향"
    assert resolve_particles("마커 없음") == "마커 없음"


def test_a_word_that_cannot_be_read_takes_the_form_after_a_consonant():
    assert final_consonant("→") is None and final_consonant("") is None
    assert with_particle("→", "을") == "→을"
