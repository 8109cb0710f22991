"""Korean and English: the catalogue is complete and current, every message a student can
get renders in both, and ``en`` output holds no Hangul."""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

import autograder
from autograder import rubric
from autograder.checks import REGISTRY as CHECKS
from autograder.commands.check import check_file
from autograder.course.notebook import explain, score
from autograder.engine import grade_items
from autograder.examples import example_class, read
from autograder.i18n import (
    CONFIG_FILE,
    LANG_ENV,
    LOCALE_DIR,
    Message,
    _,
    course_lang,
    has_hangul,
    layout,
    placeholders,
    render,
)
from autograder.misconceptions import MISCONCEPTIONS
from autograder.reports import ReportSettings
from autograder.reports.feedback import failure_html, feedback_html, item_text, record_text
from autograder.reports.results_json import results_json_text
from autograder.results import GradeRecord
from autograder.student import InProcessStudent

ROOT = Path(__file__).resolve().parents[1]
PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / "autograder.po"
MO = PO.with_suffix(".mo")
MODEL_FILE = str(ROOT / "autograder/examples/model_solution.py")
BUGS = [s for s in example_class() if s.override and s.override.startswith("bugs/")]


def korean_catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def source_msgids() -> set[str]:
    """Every msgid marked with _() in the grader, as pybabel extract finds them."""
    found = extract_from_dir(str(Path(autograder.__file__).parent),
                             method_map=[("**.py", "python")], keywords={"_": None})
    return {message for _file, _line, message, _comments, _context in found}


# --------------------------------------------------------------------------- the catalogue


def test_every_message_in_the_source_has_a_korean_text_with_the_same_placeholders():
    catalogue = korean_catalogue()
    in_source = source_msgids()
    assert len(in_source) > 200  # the misconceptions, the checks' hints, the reports ...
    for msgid in sorted(in_source):
        entry = catalogue.get(msgid)
        assert entry is not None and entry.string, f"no Korean for {msgid!r}"
        assert not entry.fuzzy, f"fuzzy (unchecked) Korean for {msgid!r}"
        assert placeholders(entry.string) == placeholders(msgid), msgid
        assert has_hangul(entry.string), f"not Korean: {entry.string!r}"


def test_the_catalogue_holds_no_message_the_source_no_longer_has():
    stale = {m.id for m in korean_catalogue() if m.id} - source_msgids()
    assert not stale, f"obsolete entries (run pybabel update): {sorted(stale)}"


def test_the_compiled_catalogue_is_the_source_compiled():
    """The committed .mo is what ``pybabel compile`` makes of the committed .po."""
    compiled = io.BytesIO()
    write_mo(compiled, korean_catalogue())
    assert MO.read_bytes() == compiled.getvalue(), (
        "autograder.mo is stale: pybabel compile -d autograder/locale -D autograder")


def test_the_catalogues_are_package_data():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in text


def test_the_notebooks_terms_are_the_catalogues_terms():
    """The notebooks' Korean words for the lecture's ideas (docs/glossary.md), not other
    renderings (tests/test_glossary.py checks every variant the glossary rules out)."""
    strings = " ".join(m.string for m in korean_catalogue() if m.id)
    for term in ("필터", "스트라이드", "패딩", "제로 패딩", "특성 맵", "편향", "교차상관",
                 "완전연결층", "평탄화", "기울기", "셀", "예외를 발생시", "오버플로가 발생"):
        assert term in strings, term
    for avoided in ("커널을", "보폭", "바이어스", "특징 맵", "피처 맵", "그래디언트", "넘침"):
        assert avoided not in strings, avoided


# --------------------------------------------------------------------------- Message

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(a=st.integers(), b=texts)
def test_a_message_reads_as_its_english_text_and_survives_pickling(a, b):
    m = _("expected {expected}, got {got}", expected=a, got=b)
    assert m == f"expected {a}, got {b}" == render(m, "en")
    again = pickle.loads(pickle.dumps(m))
    assert isinstance(again, Message) and again.params == m.params
    assert render(again, "ko") == render(m, "ko") == f"기대한 값은 {a}인데 {b}입니다"


@given(value=texts)
def test_parameters_are_never_translated_but_nested_messages_are(value):
    inner = _("wrong values at {bad} of {total} positions", bad=3, total=16)
    m = layout("{path}: {summary}", path=value, summary=inner)
    assert render(m, "ko") == f"{value}: 16개 위치 중 3개의 값이 틀렸습니다"
    assert render(m, "en") == f"{value}: wrong values at 3 of 16 positions"


def test_plain_strings_render_as_they_are():
    assert render("ValueError: <b>", "ko") == "ValueError: <b>"
    assert render(None, "ko") == ""


def test_every_misconception_and_check_hint_is_translated():
    for m in MISCONCEPTIONS:
        for text in (m.name, m.hint):
            assert isinstance(text, Message) and has_hangul(render(text, "ko")), m.key
    for name, check in CHECKS.items():
        assert isinstance(check.hint, Message) and has_hangul(render(check.hint, "ko")), name


# --------------------------------------------------------------------------- graded feedback


def graded(source: str | dict, items: list[str] | None = None) -> GradeRecord:
    namespace = source if isinstance(source, dict) else {"__name__": "student",
                                                         "__file__": MODEL_FILE}
    if isinstance(source, str):
        exec(compile(source, "<student>", "exec"), namespace)
    return GradeRecord("student", grade_items(InProcessStudent(namespace), items=items),
                       "in-process")


def assert_korean_throughout(record: GradeRecord) -> None:
    lost = [r for r in record.items if not r.passed]
    assert lost
    for r in lost:
        f = r.failure
        for text in (f.summary, f.where, f.diagnosis, f.hint):
            if text:
                assert has_hangul(render(text, "ko")), (r.name, text)
        section = failure_html(r, "ko+en")
        korean = re.findall(r'<p[^>]*lang="ko">(.*?)</p>', section, re.S)
        english = re.findall(r'<p[^>]*lang="en">(.*?)</p>', section, re.S)
        assert korean and all(has_hangul(k) for k in korean), r.name
        assert english and not any(has_hangul(e) for e in english), r.name
        assert has_hangul(item_text(r, "ko")) and has_hangul(item_text(r, "ko+en"))


@pytest.mark.parametrize("bug", BUGS, ids=lambda s: s.name)
def test_a_graded_buggy_example_has_korean_in_every_lost_item(bug):
    facts = bug.expectations()
    record = graded(bug.source(), list(facts["EXPECTED_LOST"]))
    assert_korean_throughout(record)


def raises(*args, **kwargs):
    raise IndexError("index 3 is out of bounds")


def stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("namespace", [{}, {"conv2d": stub}, {"conv2d": raises}],
                         ids=["missing", "stub", "raises"])
def test_errors_and_missing_functions_are_explained_in_korean(namespace):
    assert_korean_throughout(graded(dict(namespace), ["conv2d: bias", "conv2d: stride"]))


def test_english_output_holds_no_hangul_and_korean_output_does():
    record = graded(next(b for b in BUGS if b.name == "bug_kernel_flipped").source())
    record.problems = ["SyntaxError in line 3"]
    for lang, korean in (("en", False), ("ko", True), ("ko+en", True)):
        for text in (feedback_html(record, lang), results_json_text(record, ReportSettings(lang)),
                     record_text(record, lang), explain(record.items, lang)):
            assert has_hangul(text) is korean, lang
    korean_page = feedback_html(record, "ko")
    assert "array of shape" not in korean_page and "배열" in korean_page


def test_the_page_marks_its_languages():
    record = graded(next(b for b in BUGS if b.name == "bug_conv_bias_missing").source(),
                    ["conv2d: bias"])
    both, ko, en = (feedback_html(record, lang) for lang in ("ko+en", "ko", "en"))
    assert '<html lang="ko">' in both and '<html lang="ko">' in ko and '<html lang="en">' in en
    assert 'lang="en"' in both and 'lang="en"' not in ko
    assert both.index("편향을 더하지 않음") < both.index("bias not added")  # Korean first


def test_the_check_command_speaks_the_asked_language(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(read("model_solution.py"), encoding="utf-8")
    outputs = {}
    for lang in ("en", "ko", "ko+en"):
        out = io.StringIO()
        assert check_file(path, out=out, lang=lang)
        outputs[lang] = out.getvalue()
    assert not has_hangul(outputs["en"]) and "checks passed." in outputs["en"]
    assert has_hangul(outputs["ko"]) and "checks passed." not in outputs["ko"]
    both = outputs["ko+en"]
    assert both.index("개를 통과했습니다") < both.index("checks passed.")


# --------------------------------------------------------------------------- course setting


def test_the_course_language_comes_from_the_argument_the_environment_then_the_file(
        monkeypatch, tmp_path):
    monkeypatch.delenv(LANG_ENV, raising=False)
    folder = tmp_path / "course" / "submitted" / "alice"
    folder.mkdir(parents=True)
    assert course_lang(start=folder) == "ko+en"
    (tmp_path / "course" / CONFIG_FILE).write_text('[feedback]\nlang = "ko"\n')
    assert course_lang(start=folder) == "ko"
    monkeypatch.setenv(LANG_ENV, "en")
    assert course_lang(start=folder) == "en"
    assert course_lang("ko+en", start=folder) == "ko+en"
    monkeypatch.setenv(LANG_ENV, "fr")  # unknown: ignored, never an error in a graded cell
    assert course_lang(start=folder) == "ko"
    (tmp_path / "course" / CONFIG_FILE).write_text("not = toml = at all")
    assert course_lang(start=folder) == "ko+en"


def test_score_prints_in_the_course_language(monkeypatch, capfd):
    def conv2d(*args, **kwargs):
        raise NotImplementedError

    for lang, korean, english in (("ko", True, False), ("en", False, True),
                                  ("ko+en", True, True)):
        monkeypatch.setenv(LANG_ENV, lang)
        assert score("conv2d", {"conv2d": conv2d}) == 0.0
        out, err = capfd.readouterr()
        assert err == ""
        assert has_hangul(out) is korean
        assert ("conv2d is not implemented yet" in out) is english
    assert rubric.points_for("conv2d") > 0


# --------------------------------------------------------------------------- the commands


def test_grade_writes_english_only_with_lang_en_and_both_by_default(tmp_path):
    from autograder.cli import main

    submission = tmp_path / "alice.py"
    source = read("model_solution.py") + "\n\ndef relu(x):\n    return x\n"
    submission.write_text(source, encoding="utf-8")
    for lang, korean in (("en", False), (None, True)):
        out = tmp_path / f"out-{lang}"
        argv = ["grade", str(submission), "--out", str(out), "--quiet", "--workers", "1"]
        assert main(argv + (["--lang", lang] if lang else [])) == 0
        page = (out / "alice" / "feedback.html").read_text(encoding="utf-8")
        results = (out / "alice" / "results.json").read_text(encoding="utf-8")
        assert has_hangul(page) is korean and has_hangul(results) is korean
        assert rubric.item("relu: values").title(lang or "ko+en") in page


def test_every_command_takes_lang_and_rejects_others(capsys):
    from autograder.cli import build_parser

    parser = build_parser()
    for argv in (["grade", "x.py", "--out", "o"], ["check", "x.py"], ["demo"],
                 ["course", "audit"], ["course", "cycle", "--exchange", "e"]):
        assert parser.parse_args([*argv, "--lang", "ko"]).lang == "ko"
        with pytest.raises(SystemExit):
            parser.parse_args([*argv, "--lang", "fr"])
    assert "ko+en" in capsys.readouterr().err


@given(a=st.integers(), b=texts, path=texts)
def test_a_message_stored_as_json_renders_the_same_in_every_language(a, b, path):
    import json

    from autograder.i18n import from_data, to_data

    inner = _("expected {expected}, got {got}", expected=a, got=(b, 2))
    m = layout("{path}: {summary}", path=path, summary=inner)
    again = from_data(json.loads(json.dumps(to_data(m))))
    for language in ("ko", "en"):
        assert render(again, language) == render(m, language)
    assert from_data(to_data("plain")) == "plain"


def test_the_pytest_front_end_writes_the_asked_language(tmp_path):
    import json
    import subprocess
    import sys

    sub = tmp_path / "alice.py"
    sub.write_text(read("model_solution.py") + "\n\ndef relu(x):\n    return x\n",
                   encoding="utf-8")
    for lang, korean in (("en", False), ("ko", True)):
        out = tmp_path / f"results-{lang}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "autograder.checks", "-k", "relu",
             "--submission", str(sub), "--results-json", str(out), "--feedback-lang", lang,
             "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert has_hangul(out.read_text(encoding="utf-8")) is korean
        assert has_hangul(proc.stdout) is korean
        assert json.loads(out.read_text(encoding="utf-8"))["score"] < rubric.TOTAL_POINTS


def test_a_record_read_back_from_the_store_keeps_both_languages():
    from autograder.store import record_from_json, record_to_json

    record = graded(next(b for b in BUGS if b.name == "bug_kernel_flipped").source(),
                    ["conv2d_single: random images and filters"])
    again = record_from_json(record_to_json(record))
    for lang in ("ko", "en", "ko+en"):
        assert feedback_html(again, lang) == feedback_html(record, lang)
    assert has_hangul(feedback_html(again, "ko"))
