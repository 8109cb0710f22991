"""Korean particles chosen from the word before them: 은/는, 이/가, 을/를, 과/와, 으로/로.

A particle's form depends on whether the word before it ends in a final consonant
(받침): "필터를" but "편향을". Text made from parameters ("{function}이(가)", "{got}을(를)")
cannot know that in advance, so it is written with a marker and resolved once the word is
in place::

    resolve_particles("conv2d_single이(가) 2을(를) 반환했습니다")
    # 'conv2d_single이 2를 반환했습니다'

What counts as the word's last sound, as Korean reads it:

- a Hangul syllable: its own final consonant;
- a number: its last digit read in Sino-Korean (2 이, 3 삼, 6 육, 7 칠, 8 팔, 1 일);
  trailing zeros of a whole number name the place (10 십, 100 백, 1000 천, 10000 만,
  10⁸ 억, 10¹² 조); after a decimal point digits are read one by one (2.30 → 영);
- ``%`` is 퍼센트, a closing bracket or quote is skipped (``(3, 7, 7)`` ends in 칠);
- Latin letters: a single letter, or an all-capital acronym of up to four letters, by the
  letter's Korean name (l 엘, m 엠, n 엔, r 알 end in a consonant; ``dx`` is 디엑스);
  a longer word as the loanword is said: ending in -ng 패딩, -m 썸, -n or -ne 플래튼,
  -l or -le 커널, 싱글; everything else (-er 에러, -d 패드, -t 그래디언트) ends in a vowel.
  An identifier is judged by its last alphabetic run: ``conv2d`` ends in the letter d,
  ``same_padding`` in the word padding, ``init_tiny_cnn`` in CNN.

ㄹ counts as no final consonant for 으로/로 ("필터로", "커널로", "7로").

Plain Python with no imports beyond ``re``: ``autograder/selfcheck.py`` (released to
students, numpy only) carries a copy of this module's functions, written there by
``python -m assignments.build``; a test keeps the copy equal to this file.
"""

from __future__ import annotations

import re

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
