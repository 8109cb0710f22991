"""Korean for what goes wrong around the grading: the submission's problems
(syntax errors, files over the size limit, unreadable files), the sandbox's crash
reasons (killed by a signal, memory limit, load timeout, exit) and the grading's own
reasons (links, missing paths, the time budget, a dying grader, a report not written).

Each situation is produced for real (the real sandbox, real files, real processes), then
the record's text is rendered in Korean: it holds Hangul and no English sentence of the
grader's own (parameters such as file names and Python's own error text are left out
before looking), and in English it reads as before.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import rubric
from autograder.grading import SubmissionPath, find_submissions, grade_many, grade_submission
from autograder.i18n import Message, has_hangul, render
from autograder.incremental import _Run, is_report_problem
from autograder.options import GradeOptions
from autograder.reports import ReportSettings
from autograder.reports.feedback import feedback_html, record_text
from autograder.reports.results_json import results_json_text
from autograder.results import GradeRecord
from autograder.sandbox import SandboxedStudent
from autograder.sandbox.cgroups import parent_for
from autograder.store import Store, record_from_json, record_to_json
from autograder.submission import SizeLimits, load_submission

needs_memory_cgroup = pytest.mark.skipif(parent_for("memory") is None,
                                         reason="no writable memory cgroup on this host")
#: Four or more English words in a row: a sentence the Korean rendering must not hold.
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ ,;'()-]+[A-Za-z]{2,}){3,}")
ITEM = "relu: values"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in sources]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def assert_korean(text: object, *kept: str) -> str:
    """``text`` rendered in Korean holds Hangul and, once the ``kept`` parts (file names,
    Python's own messages) are taken out, no run of English words. Returns it."""
    ko = render(text, "ko")
    assert has_hangul(ko), ko
    rest = ko
    for part in kept:
        rest = rest.replace(part, " ")
    assert not ENGLISH_WORDS.search(rest), f"English left in {ko!r}: {ENGLISH_WORDS.search(rest)}"
    assert not has_hangul(render(text, "en"))
    return ko


def problems_section(page: str) -> str:
    found = re.search(r'<div class="problems">(.*?)</div>', page, re.S)
    assert found, "no problems section"
    return found.group(1)


def assert_reports_korean(record: GradeRecord, *kept: str) -> None:
    """The problems in feedback.html and results.json, as a student reads them."""
    for problem in record.problems:
        assert_korean(problem, *kept)
    section = html.unescape(re.sub(r"<[^>]+>", " ", problems_section(feedback_html(record, "ko"))))
    assert has_hangul(section)
    for part in kept:
        section = section.replace(part, " ")
    assert not ENGLISH_WORDS.search(section), section
    output = json.loads(results_json_text(record, ReportSettings("ko")))["output"]
    assert all(render(p, "ko") in output for p in record.problems)
    both = html.unescape(problems_section(feedback_html(record, "ko+en")))
    for problem in record.problems:
        if isinstance(problem, Message):
            assert both.index(render(problem, "ko")) < both.index(render(problem, "en"))
    assert '<pre lang="ko">' in both and '<pre lang="en">' in both
    assert not has_hangul(feedback_html(record, "en")) and not has_hangul(record_text(record, "en"))


# --------------------------------------------------------------------------- the submission


def test_a_syntax_error_in_a_file_is_explained_in_korean_by_the_real_sandbox(tmp_path):
    path = write(tmp_path / "alice.py", "def relu(x):\n    return x\n\n\ndef conv2d(x:\n    pass\n")
    record = grade_submission(SubmissionPath("alice", path), GradeOptions(items=[ITEM]))
    assert len(record.problems) == 1
    problem = record.problems[0]
    assert str(problem) == "alice.py: SyntaxError in line 5: '(' was never closed"
    assert render(problem, "ko") == ("alice.py: 5번째 줄에 문법 오류(SyntaxError)가 있습니다: "
                                     "'(' was never closed")
    assert_reports_korean(record, "'(' was never closed", "alice.py")


def test_a_syntax_error_in_a_notebook_cell_names_the_cell_in_korean(tmp_path):
    path = write(tmp_path / "nb.ipynb", notebook(
        "import numpy as np", "def relu(x):\n    return np.maximum(x, 0)",
        "def broken(:\n    pass"))
    with SandboxedStudent(path) as student:
        assert student.call("relu", -1) == 0
        problems = student.problems
    assert problems == ["nb.ipynb, cell 3: SyntaxError in line 1: invalid syntax"]
    assert render(problems[0], "ko") == ("nb.ipynb, 3번 셀: 1번째 줄에 문법 오류(SyntaxError)가 "
                                         "있습니다: invalid syntax")


def test_code_that_cannot_be_compiled_and_an_import_that_raises_read_in_korean(tmp_path):
    nul = write(tmp_path / "nul.py", b"def relu(x):\n    return x\n\x00\n")
    with SandboxedStudent(nul) as student:
        (problem,) = student.problems
    assert "cannot be compiled" in problem or "SyntaxError" in problem  # Python 3.11 / 3.12
    ko = assert_korean(problem, "source code string cannot contain null bytes",
                       "source code cannot contain null bytes")
    assert "컴파일할 수 없습니다" in ko or "문법 오류" in ko

    boom = write(tmp_path / "boom.py", "raise RuntimeError('boom')\n")
    record = grade_submission(SubmissionPath("boom", boom), GradeOptions(items=[ITEM]))
    (problem,) = record.problems
    assert problem.startswith("boom.py: RuntimeError: boom")  # the student's own text only
    # the page explains in Korean why nothing was found
    section = problems_section(feedback_html(record, "ko"))
    assert "함수를 하나도 찾지 못했습니다" in section and "Because of this" not in section


def test_a_file_over_the_size_limit_gets_a_korean_reason(tmp_path):
    path = write(tmp_path / "big.py", "# " + "x" * 20_000 + "\n")
    record = grade_submission(SubmissionPath("big", path), GradeOptions(items=[ITEM],
                              max_file_mb=0.01))
    assert record.score == 0
    (problem,) = record.problems
    assert str(problem) == "big.py: file is 0.0191 MB, over the 0.01 MB limit per file (not read)"
    ko = render(problem, "ko")
    assert "파일 하나에 허용되는 0.01 MB를 넘어 읽지 않았습니다" in ko
    assert_reports_korean(record, "big.py", "MB")


def test_the_total_size_limit_and_unreadable_files_get_korean_reasons(tmp_path):
    folder = tmp_path / "carol"
    write(folder / "a.py", "A = 1\n" * 200)
    write(folder / "b.py", "B = 2\n" * 200)
    write(folder / "c.py", b"\xff\xfe not text")
    write(folder / "d.py", "   \n")
    write(folder / "e.ipynb", "{not json")
    write(folder / "f.ipynb", json.dumps({"nbformat": 3, "worksheets": []}))
    sub = load_submission(folder, SizeLimits(max_file_bytes=10_000, max_total_bytes=1500))
    english = [str(p) for p in sub.problems]
    assert english[0] == ("b.py: file is 0.00114 MB, which takes the submission over the "
                          "0.00143 MB limit for all its files (0.00114 MB read before it; "
                          "not read)")
    assert english[1:3] == ["c.py: not UTF-8 text (byte 0 is 0xff)", "d.py: empty file"]
    assert english[4] == ("f.ipynb: not an nbformat-4 notebook (nbformat=3, expected 4 with a "
                          "'cells' list)")
    for problem in sub.problems:
        assert isinstance(problem, Message)
        # Python's JSON error text is a parameter, as a student's exception text is
        assert_korean(problem, "Expecting property name enclosed in double quotes")
    assert "제출물 전체에 허용되는 0.00143 MB를 넘어서" in render(sub.problems[0], "ko")
    for bad in (tmp_path / "nothing.py", write(tmp_path / "notes.txt", "hi")):
        (problem,) = load_submission(bad).problems
        assert_korean(problem, str(bad), "notes.txt", ".txt")


# --------------------------------------------------------------------------- the sandbox


@needs_memory_cgroup
def test_a_worker_killed_for_memory_at_load_time_says_why_in_korean(tmp_path):
    bomb = write(tmp_path / "bomb.py", (
        "import os\nkept = []\nfor i in range(1300):\n"
        "    if i % 32 == 0:\n        kept.append(os.memfd_create('fill'))\n"
        "    os.write(kept[-1], b'm' * (1 << 20))\n"))
    record = grade_submission(SubmissionPath("bomb", bomb), GradeOptions(items=[ITEM]))
    (problem,) = record.problems
    assert "memory limit of 1024 MB was reached" in problem
    ko = assert_korean(problem, "SIGKILL", "/tmp", "/dev/shm", "memfd", "MB")
    assert "메모리 제한 1024 MB에 도달했습니다" in ko
    assert "제출물을 불러오는 중에 워커가 죽었습니다" in ko
    assert_reports_korean(record, "SIGKILL", "/tmp", "/dev/shm", "memfd", "MB")


def test_a_worker_killed_by_a_signal_and_one_too_slow_to_load_say_why_in_korean(tmp_path):
    segv = write(tmp_path / "segv.py", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    with SandboxedStudent(segv) as student:
        (problem,) = student.problems
    assert "killed by SIGSEGV (signal 11) (crash in native code?)" in problem
    ko = assert_korean(problem, "SIGSEGV")
    assert "SIGSEGV 시그널(signal 11)을 받고 강제 종료되었습니다" in ko and "네이티브 코드" in ko

    slow = write(tmp_path / "slow.py", "import time\ntime.sleep(60)\n")
    with SandboxedStudent(slow, load_timeout=1) as student:
        (problem,) = student.problems
    assert problem == "loading the submission took longer than 1 s (stopped)"
    assert assert_korean(problem) == "제출물을 불러오는 데 1초를 넘겨서 중단했습니다"


def test_a_function_that_exits_the_worker_is_a_crash_explained_in_korean(tmp_path):
    path = write(tmp_path / "quits.py", "import os\n\ndef relu(x):\n    os._exit(3)\n")
    record = grade_submission(SubmissionPath("quits", path), GradeOptions(items=[ITEM]))
    (item,) = record.items
    summary = item.failure.summary
    assert "the worker died during relu: it exited with status 3" in summary
    ko = assert_korean(summary, "relu")
    assert "relu 함수를 실행하는 중에 워커가 죽었습니다: 스스로 종료했습니다(종료 상태 3)" in ko


# --------------------------------------------------------------------------- the grading


def test_links_missing_paths_and_wrong_kinds_get_korean_reasons(tmp_path):
    cls = tmp_path / "class"
    write(cls / "alice.py", "def relu(x):\n    return x\n")
    (cls / "mallory.py").symlink_to(cls / "alice.py")
    subs, _warnings = find_submissions([cls, tmp_path / "ghost.py",
                                        write(tmp_path / "hw.pdf", "%PDF")])
    by_name = {s.student: s for s in subs}
    for name, kept in (("mallory", ["mallory.py"]), ("ghost", [str(tmp_path / "ghost.py")]),
                       ("hw.pdf", ["'hw.pdf'", ".py", ".ipynb"])):
        record = grade_submission(by_name[name], GradeOptions(items=[ITEM]))
        assert record.score == 0
        (problem,) = record.problems
        assert isinstance(problem, Message)
        assert_reports_korean(record, *kept)
        for item in record.items:  # each item says "not graded: <the reason>", in Korean
            assert render(problem, "ko") in render(item.failure.summary, "ko")
            assert_korean(item.failure.summary, *kept)


def test_the_time_budget_line_is_korean(tmp_path):
    path = write(tmp_path / "slow.py", "import time\n\ndef relu(x):\n    time.sleep(5)\n"
                                       "    return x\n")
    record = grade_submission(SubmissionPath("slow", path), GradeOptions(items=[ITEM,
                              "relu_backward: gradients"], budget=2))
    line = [p for p in record.problems if "time budget" in p]
    assert line and line[0].startswith("grading stopped when the submission's time budget of 2 s")
    ko = assert_korean(line[0])
    assert "채점 시간 2초를 다 써서 채점을 멈췄습니다" in ko


def _dies_always(sub: SubmissionPath, options):
    """A grader that kills its own (trusted) process: a grader crash, twice."""
    os._exit(7)


def test_a_grader_that_dies_twice_gets_a_korean_record(tmp_path):
    (record,) = grade_many([SubmissionPath("bob", tmp_path / "bob.py")], workers=1,
                           grader=_dies_always)
    (problem,) = record.problems
    assert "died while grading this submission (twice)" in problem
    assert "두 번이나 죽었습니다" in assert_korean(problem)
    assert all(has_hangul(render(r.failure.summary, "ko")) for r in record.items)


def test_a_report_that_cannot_be_written_says_so_in_korean(tmp_path):
    record = GradeRecord("bob", [], "bubblewrap")
    out = tmp_path / "out"
    write(out / "bob", "not a folder")
    with Store.open(out) as store:
        run = _Run(store, [SubmissionPath("bob", tmp_path / "bob.py")], out, GradeOptions(),
                   ReportSettings(), False, [])
        assert run.write_reports(record, out / "bob", ReportSettings()) == ""
    (problem,) = record.problems
    assert is_report_problem(problem) and run.result.report_problems == [("bob", problem)]
    assert problem.startswith("the grader could not write this report (bob: ")
    assert "채점기가 이 리포트를 쓰지 못했습니다" in assert_korean(
        problem, *re.findall(r"\((bob: [^)]*)\)", str(problem)))


# --------------------------------------------------------------------------- the store


def test_problems_keep_both_languages_through_the_store_and_old_records_still_read(tmp_path):
    path = write(tmp_path / "alice.py", "def relu(x:\n")
    record = grade_submission(SubmissionPath("alice", path),
                              GradeOptions(items=[ITEM]))  # as stored
    assert isinstance(record.problems[0], Message) and has_hangul(render(record.problems[0], "ko"))
    old = json.loads(record_to_json(record))
    old["problems"] = ["SyntaxError in line 3"]  # a record whose problems are plain strings
    again = record_from_json(json.dumps(old))
    assert again.problems == ["SyntaxError in line 3"]
    assert "<pre>SyntaxError in line 3</pre>" in feedback_html(again, "ko+en")


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(file=texts, line=st.integers(), message=texts, plain=texts)
def test_a_stored_problem_renders_the_same_in_every_language(file, line, message, plain):
    from autograder.sandbox.sandboxed import worded_problem

    problem = worded_problem({"kind": "syntax", "file": file, "cell": 2, "line": line,
                              "message": message})
    record = GradeRecord("s", [], "bubblewrap", problems=[problem, plain])
    again = record_from_json(record_to_json(record))
    for lang in ("ko", "en"):
        assert [render(p, lang) for p in again.problems] == [render(p, lang)
                                                             for p in record.problems]
    assert render(again.problems[0], "ko").startswith(f"{file}, 2번 셀: {line}번째 줄에")


def test_forged_problem_facts_from_the_worker_are_bounded_or_dropped():
    from autograder.sandbox.sandboxed import MAX_TEXT, bounded_problems

    kept = bounded_problems([{"kind": "syntax", "file": "a.py", "cell": None, "line": 3,
                              "message": "m" * 10 * MAX_TEXT},
                             {"kind": "evil", "file": "a.py"}, {"file": 3}, 7,
                             {"kind": "raised", "file": "a.py", "cell": "x", "error": ["no"]}])
    assert len(kept) == 2
    assert len(kept[0]) < MAX_TEXT + 200 and kept[0].startswith("a.py: SyntaxError in line 3")
    assert kept[1] == "a.py: "  # a cell that is not a number is not shown; the error not a str
    assert rubric.ITEMS  # the rubric is loaded (grading above relies on it)


# --------------------------------------------------------------------------- selfcheck.py


def _calls(tree, name: str):
    import ast

    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name) and n.func.id == name]


def _literal_text(node) -> str:
    """The literal parts of a str constant, an f-string or an implicit concatenation."""
    import ast

    return "".join(v.value for v in ast.walk(node)
                   if isinstance(v, ast.Constant) and isinstance(v.value, str))


def test_every_selfcheck_message_is_written_in_korean_and_english():
    """selfcheck.py runs without the catalogue: each message is a (Korean, English) pair."""
    import ast

    from autograder import selfcheck

    tree = ast.parse(Path(selfcheck.__file__).read_text(encoding="utf-8"))
    pairs = [(c.args[1], c.args[2]) for c in _calls(tree, "_expect")]
    pairs += [(c.args[0], c.args[1]) for c in _calls(tree, "_said") + _calls(tree, "Said")
              if len(c.args) == 2 and not isinstance(c.args[0], ast.Name)]  # not the helper
    assert len(pairs) > 100
    for ko, en in pairs:
        ko_text, en_text = _literal_text(ko), _literal_text(en)
        assert has_hangul(ko_text), ast.unparse(ko)
        assert not has_hangul(en_text) and en_text.strip(), ast.unparse(en)
    assert all(len(c.args) == 3 for c in _calls(tree, "_expect"))


def _bug_results(name: str):
    from support.namespaces import run_source

    from autograder import selfcheck
    from autograder.examples import example_class

    bug = next(s for s in example_class() if s.name == name)
    return {n: m for n, ok, m in selfcheck.run_checks(run_source(bug.source())) if not ok}


@pytest.mark.parametrize("bug", ["bug_kernel_flipped", "bug_softmax_no_max",
                                 "bug_output_size_floored", "bug_maxpool_zero_padding"])
def test_a_failed_selfcheck_reads_in_korean_with_no_english_sentence(bug):
    from autograder.selfcheck import in_language

    fails = _bug_results(bug)
    assert fails
    for message in fails.values():
        ko, en = in_language(message, "ko"), in_language(message, "en")
        assert has_hangul(ko) and not has_hangul(en)
        assert not ENGLISH_WORDS.search(ko), ko
        assert in_language(message, "ko+en") == f"{ko}\n{en}"


def test_a_failing_selfcheck_in_a_notebook_raises_both_languages():
    from autograder import selfcheck

    with pytest.raises(AssertionError) as caught:
        selfcheck.check_relu(lambda x: x)
    korean, english = str(caught.value).split("\n")
    assert korean == ("작은 배열의 relu: 위치 [0, 0]의 값이 틀렸습니다(값 6개 중 2개가 "
                      "다릅니다)")
    assert english == "relu of a small array: wrong at position [0, 0] (2 of 6 values differ)"


def test_the_check_command_prints_selfcheck_failures_in_the_asked_language(tmp_path):
    import io

    from autograder.commands.check import check_file
    from autograder.examples import example_class

    bug = next(s for s in example_class() if s.name == "bug_softmax_no_max")
    path = write(tmp_path / "mine.py", bug.source())
    printed = {}
    for lang in ("en", "ko", "ko+en"):
        out = io.StringIO()
        assert not check_file(path, out=out, lang=lang)
        printed[lang] = out.getvalue()
    assert "should not give nan or inf" in printed["en"] and not has_hangul(printed["en"])
    assert "오버플로가 발생합니다" in printed["ko"] and "should not give" not in printed["ko"]
    both = printed["ko+en"]
    assert both.index("오버플로가 발생합니다") < both.index("should not give nan or inf")
