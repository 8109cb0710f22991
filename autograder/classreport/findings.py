"""The five things an instructor should act on first, as short sentences.

Each candidate finding carries how many students it concerns; the five concerning the
most are shown, most first. Candidates: the commonest misconceptions, the most missed
items, the item that fails most within one function (e.g. stride in conv2d), the weakest
notebook, items that timed out or crashed, students at risk, and integrity signals.
"""

from __future__ import annotations

from .outcomes import CRASH, TIMEOUT
from .stats import ClassReport

TOP = 5


def _pct(n: int, total: int) -> str:
    return f"{round(100 * n / total)} %" if total else "0 %"


def candidates(report: ClassReport) -> list[tuple[int, str]]:
    """(students concerned, sentence) for every finding worth showing."""
    total = len(report.students)
    found: list[tuple[int, str]] = []
    for m in report.misconceptions[:3]:
        where = ", ".join(m.functions) if m.functions else "several functions"
        found.append((m.count, f"{_pct(m.count, total)} ({m.count} of {total}): {m.name} "
                      f"[{where}]"))
    for item in [i for i in report.items if i.failed][:3]:
        found.append((item.failed, f"{item.name!r} was missed by {_pct(item.failed, item.graded)}"
                      f" ({item.failed} of {item.graded})"))
    by_function: dict[str, list] = {}
    for item in report.items:
        by_function.setdefault(item.name.split(":", 1)[0], []).append(item)
    for function, items in by_function.items():
        if len(items) < 2:
            continue
        worst = min(items, key=lambda i: i.pass_rate)
        rest = [i for i in items if i is not worst]
        rest_rate = sum(i.failed for i in rest) / max(1, sum(i.graded for i in rest))
        if worst.failed and 1 - worst.pass_rate >= 2 * rest_rate + 0.1:
            what = worst.name.split(":", 1)[1].strip()
            found.append((worst.failed, f"{what} fails most in {function}: "
                          f"{_pct(worst.failed, worst.graded)} missed it, "
                          f"{round(100 * rest_rate)} % on average its other items"))
    parts = report.part_stats()
    if len(parts) > 1:
        weakest = min(parts, key=lambda p: p["mean"])
        below = sum(1 for s in report.students if s.weakest == weakest["notebook"])
        found.append((below, f"weakest notebook: {weakest['notebook']} (mean "
                      f"{weakest['mean']:.0f} %; the weakest for {below} of {total})"))
    for item in report.items:
        stuck = item.kinds.get(TIMEOUT, 0) + item.kinds.get(CRASH, 0)
        if stuck:
            found.append((stuck, f"{item.name!r}: {item.kinds.get(TIMEOUT, 0)} timed out, "
                          f"{item.kinds.get(CRASH, 0)} crashed (look for endless loops)"))
    risk = report.at_risk_students
    if risk:
        found.append((len(risk), f"{len(risk)} of {total} scored below {report.at_risk:g} %: "
                      + ", ".join(s.name for s in risk[:8]) + (" …" if len(risk) > 8 else "")))
    signals = [c for c in report.output_clusters if c.unexplained] + \
        [c for c in report.code_clusters or [] if c.unexplained]
    if signals:
        people = {s for c in signals for s in c.students}
        found.append((len(people), f"integrity signals (not verdicts): {len(signals)} group(s)"
                      f" of {len(people)} students share identical code or unexplained wrong "
                      "answers; see class.html"))
    return found


def top_findings(report: ClassReport, n: int = TOP) -> list[str]:
    """The ``n`` findings concerning the most students, most first; the commonest
    misconception is always among them (it is what a lecture can address)."""
    found = candidates(report)
    ranked = [text for _, (_, text) in sorted(enumerate(found), key=lambda p: (-p[1][0], p[0]))]
    top = ranked[:n]
    if report.misconceptions and n and found[0][1] not in top:
        top[-1:] = [found[0][1]]  # candidates() puts the commonest misconception first
    return top


def summary_text(report: ClassReport) -> str:
    """The terminal summary: class mean/median and the top findings, numbered."""
    stats = report.score_stats()
    lines = [f"class: {len(report.students)} students, mean {stats['mean']:.1f} %, "
             f"median {stats['median']:.1f} %"]
    findings = top_findings(report)
    if findings:
        lines.append("act on first:")
        lines += [f"  {i}. {text}" for i, text in enumerate(findings, start=1)]
    else:
        lines.append("nothing to act on: every item passed")
    return "\n".join(lines)
