"""One Korean glossary (docs/glossary.md) everywhere a student reads.

The glossary's last column lists the words not to use; none of them may appear in the
notebooks, the stub, ``selfcheck.py``, ``convlab_helpers.py``, the rubric's Korean titles
or the grader's Korean catalogue. Korean particles are chosen from the word: no "을(를)"
is left for a student to read.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

from assignments.generator import contracts
from autograder import korean, rubric

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
COURSE = ROOT / "assignments" / "source" / "conv_layers"
PO = ROOT / "autograder" / "locale" / "ko" / "LC_MESSAGES" / "autograder.po"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def glossary() -> dict[str, list[str]]:
    """Korean term -> the variants not to use, from the glossary's table."""
    terms = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and HANGUL.search(cells[0]) and not cells[0].startswith("한국어"):
            variants = [] if cells[2] == "—" else [v.strip() for v in cells[2].split(",")]
            terms[cells[0]] = variants
    return terms


def variant_pattern(variant: str) -> re.Pattern:
    """``variant`` where a word starts: not right after another Hangul syllable."""
    return re.compile(r"(?<![\uac00-\ud7a3])" + re.escape(variant))


def student_texts() -> dict[str, str]:
    """Every text a student reads, by where it is."""
    texts = {}
    for path in sorted(COURSE.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts[path.name] = "\n".join(cell.source for cell in nb.cells)
    for rel in ("assignments/stubs/conv_layers.py", "autograder/selfcheck.py",
                "autograder/examples/convlab_helpers.py"):
        texts[rel] = (ROOT / rel).read_text(encoding="utf-8")
    texts["rubric titles"] = "\n".join(
        [it.title("ko") for it in rubric.ITEMS] + [p.title_ko for p in rubric.PARTS])
    texts["contract lines"] = "\n".join(str(v) for v in contracts.KOREAN.values())
    with PO.open("rb") as f:
        catalogue = read_po(f)
    texts["autograder.po"] = "\n".join(str(m.string) for m in catalogue if m.id)
    return texts


def hits(text: str, terms: dict[str, list[str]]) -> list[str]:
    found = []
    for term, variants in terms.items():
        for variant in variants:
            for match in variant_pattern(variant).finditer(text):
                context = text[max(0, match.start() - 20) : match.end() + 20].replace("\n", " ")
                found.append(f"{variant!r} (use {term!r}): …{context}…")
    return found


def test_the_glossary_has_the_terms_the_course_argued_about():
    terms = glossary()
    for term in ("특성 맵", "윈도우", "위치", "교차 엔트로피", "에포크", "파라미터", "필터",
                 "스트라이드", "패딩", "편향", "기울기", "평탄화", "완전연결층"):
        assert term in terms, term
    assert "창" in terms["윈도우"] and "에폭" in terms["에포크"] and "매개변수" in terms["파라미터"]
    assert "크로스 엔트로피" in terms["교차 엔트로피"] and "자리" in terms["위치"]


def test_the_variant_check_can_fail():
    terms = glossary()
    assert hits("필터가 놓이는 자리마다 창의 값을 더합니다", terms)
    assert hits("매 에폭마다", terms)
    assert not hits("x를 제자리에서 바꿉니다", terms)  # 자리 inside a word is not a variant


@pytest.mark.parametrize("where", list(student_texts()))
def test_no_student_text_uses_a_variant_the_glossary_rules_out(where):
    assert hits(student_texts()[where], glossary()) == []


@pytest.mark.parametrize("where", [w for w in student_texts() if w != "autograder.po"])
def test_no_student_text_leaves_a_particle_for_the_reader_to_choose(where):
    """"2을(를)" is written in the source of a message and resolved when it is made; what
    is handed out as text never shows it. (The catalogue keeps the markers: the grader
    resolves them when it renders a message.)"""
    text = student_texts()[where]
    if where == "autograder/selfcheck.py":  # its messages resolve theirs when they are made
        text = without_strings(text)
    assert not re.search(r"\((를|을|가|이|는|은|와|과|으)\)", text)


def without_strings(source: str) -> str:
    """Python ``source`` with its string literals left out (comments kept)."""
    import io
    import tokenize

    strings = {tokenize.STRING, *(getattr(tokenize, name) for name in
                                  ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                  if hasattr(tokenize, name))}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(t.string for t in tokens if t.type not in strings)


def test_particles_in_catalogue_messages_are_resolved_when_rendered():
    from autograder.i18n import _, render

    message = _("{function} called earlier graded functions more than {limit} times in one "
                "call; the worker was stopped", function="conv2d_single", limit=20000)
    ko = render(message, "ko")
    assert ko.startswith("conv2d_single이 ") and "(가)" not in ko
    assert korean.resolve_particles("relu이(가)") == "relu가"


def test_every_rubric_item_has_a_korean_title_beside_its_english_one():
    for it in rubric.ITEMS:
        assert HANGUL.search(it.what("ko")), it.name
        assert it.title("en") == it.name  # the stable English key stays as it was
        assert it.title("ko") == f"{it.function}: {it.what('ko')}"
        assert it.title("ko+en") == f"{it.function}: {it.what('ko')} · {it.what('en')}"
    with pytest.raises(ValueError, match="ko\\+en"):
        rubric.ITEMS[0].title("fr")
    added = rubric.Item("conv2d: handles a 1x1 filter", 3)  # an item added without Korean
    assert added.title("ko") == added.title("ko+en") == added.name
