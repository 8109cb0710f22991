"""The five things an instructor should act on first, as short sentences (English for
the terminal; English and Korean for the page).

Each candidate finding carries how many students it concerns; the five concerning the
most are shown, most first, and the commonest misconception is always among them.
Candidates: the commonest misconceptions (with the functions each was found in), the
most missed items, the item that fails most within one function (e.g. stride in conv2d),
the weakest notebook, items that timed out or crashed, students at risk, submissions that
attempted nothing, and integrity signals. Rates are over the students who attempted
something; those who attempted nothing are one finding of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import render
from ..reports.mistakes import title
from .outcomes import CRASH, TIMEOUT
from .stats import ClassReport

TOP = 5


@dataclass(frozen=True)
class Finding:
    """One finding: how many students it concerns, and what it says in each language."""

    students: int
    en: str
    ko: str


def _pct(n: int, total: int) -> str:
    return f"{round(100 * n / total)} %" if total else "0 %"


def _names(names: list[str], shown: int = 8) -> str:
    return ", ".join(names[:shown]) + (" …" if len(names) > shown else "")


def _misconceptions(report: ClassReport, total: int) -> list[Finding]:
    found = []
    for m in report.misconceptions[:3]:
        where = ", ".join(f"{f} ({n})" for f, n in m.functions_found().items())
        share = _pct(m.count, total)
        found.append(Finding(
            m.count, f"{share} ({m.count} of {total}): {m.name} [found in {where}]",
            f"{share} ({total}명 중 {m.count}명): {render(m.explanation, 'ko')} "
            f"[발견된 함수: {where}]"))
    return found


def _items(report: ClassReport) -> list[Finding]:
    found = []
    for item in [i for i in report.items if i.failed][:3]:
        share = _pct(item.failed, item.graded)
        found.append(Finding(item.failed,
                             f"{item.name!r} was missed by {share} "
                             f"({item.failed} of {item.graded})",
                             f"'{title(item.name, 'ko')}' 항목을 {share}({item.graded}명 중 "
                             f"{item.failed}명)가 "
                             "놓쳤습니다"))
    return found


def _worst_within_functions(report: ClassReport) -> list[Finding]:
    """Items that fail far more often than the other items of the same function."""
    by_function: dict[str, list] = {}
    for item in report.items:
        by_function.setdefault(item.name.split(":", 1)[0], []).append(item)
    found = []
    for function, items in by_function.items():
        if len(items) < 2:
            continue
        worst = min(items, key=lambda i: i.pass_rate)
        rest = [i for i in items if i is not worst]
        rest_rate = sum(i.failed for i in rest) / max(1, sum(i.graded for i in rest))
        if worst.failed and 1 - worst.pass_rate >= 2 * rest_rate + 0.1:
            what = worst.name.split(":", 1)[1].strip()
            what_ko = title(worst.name, "ko").split(":", 1)[-1].strip()
            share, others = _pct(worst.failed, worst.graded), round(100 * rest_rate)
            found.append(Finding(
                worst.failed,
                f"{what} fails most in {function}: {share} missed it, {others} % on average "
                "its other items",
                f"{function}에서는 '{what_ko}' 항목이 가장 많이 틀립니다: {share}가 놓쳤고, "
                f"다른 항목은 평균 {others} %"))
    return found


def _weakest_notebook(report: ClassReport, total: int) -> list[Finding]:
    parts = report.part_stats()
    if len(parts) < 2:
        return []
    weakest = min(parts, key=lambda p: p["mean"])
    below = sum(1 for s in report.students if s.attempted and s.weakest == weakest["notebook"])
    stem, mean = weakest["notebook"], weakest["mean"]
    return [Finding(below, f"weakest notebook: {stem} (mean {mean:.0f} %; the weakest for "
                    f"{below} of {total})",
                    f"가장 약한 노트북: {stem} (평균 {mean:.0f} %; {total}명 중 {below}명에게 "
                    "가장 약한 노트북)")]


def _stuck(report: ClassReport) -> list[Finding]:
    found = []
    for item in report.items:
        timeouts, crashes = item.kinds.get(TIMEOUT, 0), item.kinds.get(CRASH, 0)
        if timeouts or crashes:
            found.append(Finding(timeouts + crashes,
                                 f"{item.name!r}: {timeouts} timed out, {crashes} crashed "
                                 "(look for endless loops)",
                                 f"'{title(item.name, 'ko')}': 시간 초과 {timeouts}명, 비정상 "
                                 f"종료 {crashes}명 "
                                 "(끝나지 않는 반복문이 있는지 살펴보세요)"))
    return found


def _at_risk(report: ClassReport, total: int) -> list[Finding]:
    """Students below the threshold among those who attempted something."""
    risk = [s for s in report.at_risk_students if s.attempted]
    if not risk:
        return []
    names = _names([s.name for s in risk])
    limit = f"{report.at_risk:g} %"
    return [Finding(len(risk), f"{len(risk)} of {total} scored below {limit}: {names}",
                    f"{total}명 중 {len(risk)}명이 {limit} 미만: {names}")]


def _nothing_attempted(report: ClassReport) -> list[Finding]:
    nothing = report.nothing_attempted
    if not nothing:
        return []
    n, total, names = len(nothing), len(report.students), _names(nothing)
    return [Finding(n, f"{n} of {total} submissions attempted nothing (every function a stub, "
                    f"missing or not loadable; left out of the rates above): {names}",
                    f"제출물 {total}개 중 {n}개는 아무것도 시도하지 않았습니다 (모든 함수가 "
                    f"빈 틀이거나 없거나 불러올 수 없음; 위의 비율에서 뺐습니다): {names}")]


def _signals(report: ClassReport) -> list[Finding]:
    signals = [c for c in report.output_clusters + (report.code_clusters or [])
               if c.unexplained]
    if not signals:
        return []
    people = len({s for c in signals for s in c.students})
    return [Finding(people, f"integrity signals (not verdicts): {len(signals)} group(s) of "
                    f"{people} students share identical code or unexplained wrong answers; "
                    "see class.html",
                    f"무결성 신호 (판정 아님): {len(signals)}개 그룹, 학생 {people}명이 똑같은 "
                    "코드나 설명되지 않는 똑같은 오답을 냈습니다. class.html을 보세요")]


def candidates(report: ClassReport) -> list[Finding]:
    """Every finding worth showing; the commonest misconception comes first."""
    total = report.attempted
    return [*_misconceptions(report, total), *_items(report), *_worst_within_functions(report),
            *_weakest_notebook(report, total), *_stuck(report), *_at_risk(report, total),
            *_nothing_attempted(report), *_signals(report)]


def top_findings(report: ClassReport, n: int = TOP) -> list[Finding]:
    """The ``n`` findings concerning the most students, most first; the commonest
    misconception is always among them (it is what a lecture can address)."""
    found = candidates(report)
    ranked = [f for _, f in sorted(enumerate(found), key=lambda p: (-p[1].students, p[0]))]
    top = ranked[:n]
    if report.misconceptions and n and found[0] not in top:
        top[-1:] = [found[0]]
    return top


def summary_text(report: ClassReport) -> str:
    """The terminal summary: class mean/median and the top findings, numbered."""
    stats = report.score_stats()
    nothing = len(report.nothing_attempted)
    apart = f" ({nothing} attempted nothing)" if nothing else ""
    lines = [f"class: {len(report.students)} students{apart}, mean {stats['mean']:.1f} %, "
             f"median {stats['median']:.1f} %"]
    findings = top_findings(report)
    if findings:
        lines.append("act on first:")
        lines += [f"  {i}. {f.en}" for i, f in enumerate(findings, start=1)]
    else:
        lines.append("nothing to act on: every item passed")
    return "\n".join(lines)
