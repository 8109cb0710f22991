"""``class.html``: the class report as one self-contained page, Korean first, then English.

No network and no external assets: styles are inline, plots are inline SVG, and the only
links are to the students' own ``<student>/feedback.html`` beside it and to anchors in
the page. Every text from a submission (names, code, values) is escaped. Printing drops
the navigation, keeps the colours of the bars, and does not split a row, a plot or a
piece of code across pages.

The page stays small for a class of thousands: summaries are shown (a few example students
per misconception, the lowest scores at risk, integrity groups largest first with their
evidence folded, a bounded number of them); the full lists (every student's score, every
student of a misconception or a group) are folded sections or in ``class.json`` and
``grades.csv``.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

from .. import rubric
from ..i18n import render
from ..reports.feedback import points_text, sandbox_text
from ..reports.mistakes import title
from .findings import top_findings
from .plots import bar_chart, histogram, time_edges
from .signals import CODE, Cluster
from .stats import SCORE_BINS, ClassReport

#: Example students named per misconception (all of them are in class.json).
EXAMPLES_SHOWN = 5
#: At-risk students shown unfolded, lowest first (the rest in a folded list).
AT_RISK_SHOWN = 50
#: Integrity groups shown per kind, largest first (all of them are in class.json).
GROUPS_SHOWN = 60
#: Students named in a group's heading and code samples shown per function.
GROUP_NAMES_SHOWN, SOURCES_SHOWN = 12, 3

#: (anchor, Korean title, English title) of every section, in page order.
SECTIONS = (
    ("findings", "먼저 살펴볼 다섯 가지", "Five findings to act on first"),
    ("scores", "점수 분포", "Score distribution"),
    ("items", "채점 항목별 통과율", "Pass rate of every rubric item"),
    ("misconceptions", "발견된 오개념", "Misconceptions found"),
    ("at-risk", "도움이 필요한 학생", "Students at risk"),
    ("students", "모든 학생의 점수", "Every student's score"),
    ("timing", "채점 시간과 샌드박스", "Grading time and sandbox"),
    ("signals", "무결성 신호 (판정이 아닌 신호)", "Integrity signals (signals, not verdicts)"),
)

CSS = """
body{font-family:"Noto Sans CJK KR","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",
 system-ui,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1d1d1f;
 line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:2px solid #3b6ea8;
 padding-bottom:.2em} h1 [lang=en],h2 [lang=en]{display:block;font-size:.7em;color:#555}
p [lang=en],li [lang=en],td [lang=en],th [lang=en],figcaption [lang=en]{color:#555}
table{border-collapse:collapse;margin:.6em 0;width:100%} th,td{border:1px solid #ccc;
 padding:.25em .5em;text-align:left;vertical-align:top} th{background:#eef2f7}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:inline-block;height:.8em;background:#3b6ea8;vertical-align:middle}
.bar.low{background:#c0392b} .muted{color:#666} .note{background:#fff8e1;border-left:4px
 solid #e0a800;padding:.5em .8em} .chart{width:100%;max-width:760px;height:auto}
pre{background:#f6f8fa;padding:.5em;overflow:auto;font-size:.85em;margin:0;
 white-space:pre-wrap;word-break:break-word}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:.6em}
.side>div{border:1px solid #ddd;padding:.4em} nav a{margin-right:1em} .nowrap{white-space:nowrap}
.findings li{margin:.3em 0} details{margin:.4em 0} summary{cursor:pointer;color:#3b6ea8}
details.group{border:1px solid #ddd;padding:.3em .6em} details.group>summary{color:inherit}
@media print{body{max-width:none;margin:0;font-size:10pt} nav{display:none}
 h2,h3{break-after:avoid} tr,pre,.side>div,figure{break-inside:avoid}
 details>*{display:block}
 a{color:inherit;text-decoration:none} .bar{print-color-adjust:exact;
 -webkit-print-color-adjust:exact}}
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def both(ko: str, en: str, tag: str = "span") -> str:
    """Korean then English, each marked with its language."""
    return f'<{tag} lang="ko">{ko}</{tag}> <{tag} lang="en">{en}</{tag}>'


def item_html(name: str) -> str:
    """A rubric item named in Korean, then in English ("conv2d: 스트라이드" · "conv2d:
    stride"); an item the rubric does not know as it is."""
    ko, en = title(name, "ko"), title(name, "en")
    return f"<code>{e(en)}</code>" if ko == en else both(e(ko), e(en))


def message_html(text: object, tag: str = "span") -> str:
    """A catalogue message (a misconception's name or hint) in Korean, then English; a
    plain text (a record's own words) as it is."""
    ko, en = render(text, "ko"), render(text, "en")
    return f"<{tag}>{e(en)}</{tag}>" if ko == en else both(e(ko), e(en), tag)


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def _bar(fraction: float, low: bool = False) -> str:
    width = max(0.0, min(1.0, fraction)) * 100
    return f'<span class="bar{" low" if low else ""}" style="width:{width:.0f}px"></span>'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int] = frozenset()
           ) -> str:
    """A table; ``head`` cells are HTML, ``rows`` cells are HTML (escape before)."""
    out = ["<table><thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _chart(labels: list[str], counts: list[int], xlabel: str, ylabel: str,
           caption_ko: str, caption_en: str) -> str:
    """A bar chart (inline SVG) with its caption."""
    svg = bar_chart(labels, counts, xlabel=xlabel, ylabel=ylabel)
    return f'<figure class="plot">{svg}<figcaption>{both(caption_ko, caption_en)}' \
           "</figcaption></figure>"


def _student_link(name: str, link: str) -> str:
    return f'<a href="{e(link)}">{e(name)}</a>'


def _folded(summary: str, body: str, cls: str = "") -> str:
    """A section the reader opens: ``summary`` always shown, ``body`` on demand."""
    klass = f' class="{cls}"' if cls else ""
    return f"<details{klass}><summary>{summary}</summary>{body}</details>"


def _more(shown: int, total: int) -> str:
    """'… and N more (class.json)', or '' when all are shown."""
    if total <= shown:
        return ""
    n = total - shown
    return " " + both(f"… 외 {n}명 (전체 목록: class.json)", f"… and {n} more (all in class.json)")


def _findings(report: ClassReport) -> str:
    found = top_findings(report)
    if not found:
        return both("모든 학생이 모든 항목을 통과했습니다.", "Every item passed.", "p")
    items = "".join(f"<li>{both(e(f.ko), e(f.en), 'div')}</li>" for f in found)
    return f'<ol class="findings">{items}</ol>'


def _nothing_attempted(report: ClassReport) -> str:
    nothing = report.nothing_attempted
    if not nothing:
        return ""
    n = len(nothing)
    line = both(f"아무것도 시도하지 않은 제출물 {n}개 (모든 함수가 빈 틀이거나 없거나 불러올 수 "
                "없음)는 점수 분포에는 들어가지만, 항목 통과율과 오개념 비율에서는 뺐습니다.",
                f"{n} submission(s) attempted nothing (every function a stub, missing or not "
                "loadable): in the score distribution, left out of the items' pass rates and "
                "the misconceptions' shares.")
    by_name = {s.name: s.feedback for s in report.students}
    names = ", ".join(_student_link(s, by_name[s]) for s in nothing)
    return f'<div class="note">{_folded(line, f"<p>{names}</p>")}</div>'


def _scores(report: ClassReport) -> str:
    stats = report.score_stats()
    labels = [f"{lo}–{hi}" for lo, hi in itertools.pairwise(SCORE_BINS)]
    chart = _chart(labels, report.histogram(), "score (%)", "students",
                   "점수 구간별 학생 수", "Students per score range")
    n, mean, median = len(report.students), stats["mean"], stats["median"]
    summary = both(f"학생 {n}명, 평균 {mean:.1f} %, 중앙값 {median:.1f} %",
                   f"{n} students, mean {mean:.1f} %, median {median:.1f} %", "p")
    rows = [[f"{e(p['notebook'])}<br>{both(e(p['title_ko']), e(p['title_en']))}",
             f"{p['mean']:.1f} %", f"{p['median']:.1f} %"] for p in report.part_stats()]
    table = _table([both("노트북", "notebook"), both("평균", "mean"), both("중앙값", "median")],
                   rows, {1, 2})
    return summary + _nothing_attempted(report) + chart + table


def _items(report: ClassReport) -> str:
    rows = []
    for i in report.items:
        rows.append([
            item_html(i.name), e(i.notebook), points_text(i.points),
            f"<span class=nowrap>{_bar(i.pass_rate, i.pass_rate < 0.5)} {_pct(i.pass_rate)}</span>",
            f"{i.failed}/{i.graded}", str(i.kinds.get("timeout", 0)),
            str(i.kinds.get("crash", 0)), str(i.kinds.get("error", 0)),
        ])
    note = both("가장 많이 놓친 항목부터 정렬했습니다. 아무것도 시도하지 않은 제출물은 세지 "
                "않았습니다.", "Sorted from the most missed; submissions that attempted "
                "nothing are not counted.", "p")
    return note + _table(
        [both("항목", "item"), both("노트북", "notebook"), both("배점", "points"),
         both("통과율", "pass rate"), both("실패", "failed"), both("시간 초과", "timed out"),
         both("비정상 종료", "crashed"), both("예외 발생", "raised")], rows, {2, 4, 5, 6, 7})


def _misconceptions(report: ClassReport) -> str:
    if not report.misconceptions:
        return both("알려진 실수와 일치한 답은 없었습니다.", "No answer matched a known mistake.",
                    "p")
    total = max(1, report.attempted)
    by_name = {s.name: s.feedback for s in report.students}
    rows = []
    for m in report.misconceptions:
        examples = ", ".join(
            f"{_student_link(s, by_name.get(s, ''))} <span class=muted>"
            f"({e(', '.join(m.found_in.get(s, [])))})</span>"
            for s in m.students[:EXAMPLES_SHOWN])
        where = "<br>".join(f"<code>{e(f)}</code> ×{n}" for f, n in m.functions_found().items())
        items = "<br>".join(f"{item_html(k)} ×{v}" for k, v in m.items.items())
        rows.append([f"<b>{message_html(m.explanation)}</b><br>"
                     f"<span class=muted>{message_html(m.hint)}</span>",
                     f"{m.count} ({m.count / total:.0%})", where, items,
                     examples + _more(EXAMPLES_SHOWN, m.count)])
    note = both("비율은 무언가를 시도한 학생 중에서 셉니다. 함수: 그 실수가 실제로 발견된 곳 "
                "(학생 수).", "Shares are of the students who attempted something. Functions: "
                "where the mistake was found (students).", "p")
    return note + _table([both("오개념 (설명과 힌트)", "misconception (explanation and hint)"),
                          both("학생 수", "students"), both("발견된 함수", "found in"),
                          both("항목", "items"),
                          both("학생 예 (피드백 링크, 발견된 함수)",
                               "examples (links to feedback; where found)")], rows, {1})


def _at_risk_rows(report: ClassReport, risk: list) -> str:
    titles = {p.stem: p for p in rubric.PARTS}
    rows = []
    for s in risk:
        weakest = titles.get(s.weakest)
        where = (f"{e(s.weakest)} ({s.parts[s.weakest]:.0f} %)<br>"
                 f"{both(e(weakest.title_ko), e(weakest.title_en))}") if weakest else "—"
        if not s.attempted:
            where = both("아무것도 시도하지 않음", "attempted nothing")
        rows.append([_student_link(s.name, s.feedback), f"{s.percent:.1f} %", where,
                     e("; ".join(s.problems)) or "—"])
    return _table([both("학생", "student"), both("점수", "score"),
                   both("가장 약한 노트북", "weakest notebook"),
                   both("제출물 문제", "problems with the submission")], rows, {1})


def _at_risk(report: ClassReport) -> str:
    risk = sorted(report.at_risk_students, key=lambda s: (not s.attempted, s.percent))
    head = both(f"{report.at_risk:g} % 미만인 학생: {len(risk)}명 (점수가 낮은 순, 아무것도 "
                "시도하지 않은 학생은 끝에)",
                f"Below {report.at_risk:g} %: {len(risk)} student(s) (lowest first; those who "
                "attempted nothing last)", "p")
    if not risk:
        return head
    out = head + _at_risk_rows(report, risk[:AT_RISK_SHOWN])
    if len(risk) > AT_RISK_SHOWN:
        rest = len(risk) - AT_RISK_SHOWN
        out += _folded(both(f"나머지 {rest}명 보기", f"Show the other {rest}"),
                       _at_risk_rows(report, risk[AT_RISK_SHOWN:]))
    return out


def _students(report: ClassReport) -> str:
    """Every student's score in one folded, compact table (class order)."""
    n = len(report.students)
    rows = "".join(
        f'<tr><td>{_student_link(s.name, s.feedback)}<td class="n">{s.percent:.1f} %'
        f'<td class="n">{points_text(s.score)}<td>{e(s.weakest or "")}'
        f"{'' if s.attempted else ' · ' + both('시도 없음', 'nothing attempted')}\n"
        for s in report.students)
    table = (f"<table><thead><tr><th>{both('학생', 'student')}<th>{both('점수', 'score')}"
             f"<th>{both('점수 (점)', 'points')}<th>{both('가장 약한 노트북', 'weakest notebook')}"
             f"</thead><tbody>\n{rows}</tbody></table>")
    note = both("같은 목록이 grades.csv와 class.json에도 있습니다.",
                "The same list is in grades.csv and class.json.", "p")
    return note + _folded(both(f"학생 {n}명의 점수 펼치기", f"Show all {n} students' scores"),
                          table)


def _timing(report: ClassReport) -> str:
    seconds = [s.seconds for s in report.students]
    edges = time_edges(seconds)
    labels = [f"{lo:g}–{hi:g}" for lo, hi in itertools.pairwise(edges)]
    chart = _chart(labels, histogram(seconds, edges), "seconds per submission", "submissions",
                   "제출물 하나를 채점하는 데 걸린 시간", "Time to grade one submission")
    data = report.to_json()["grading_time"]
    mean, median, longest = data["mean"], data["median"], data["max"]
    line = both(f"평균 {mean:.1f}초, 중앙값 {median:.1f}초, 최대 {longest:.1f}초",
                f"mean {mean:.1f} s, median {median:.1f} s, longest {longest:.1f} s", "p")
    rows = [[e(kind), message_html(sandbox_text(kind)), str(n)]
            for kind, n in report.sandboxes.items()]
    table = _table([both("샌드박스", "sandbox"), both("설명", "what it is"),
                    both("제출물 수", "submissions")], rows, {2})
    return line + chart + table


def _evidence_html(c: Cluster) -> str:
    parts = []
    for ev in c.evidence:
        if "item" in ev:
            explained = ev["explained_by"]
            if explained:
                why = both(f"알려진 실수로 설명됨: {e(explained)} (흔한 실수라 약한 신호)",
                           f"explained by a known mistake: {e(explained)} (common: a weak signal)")
            else:
                why = both("알려진 실수로 설명되지 않음", "no known mistake explains it")
            case_title = both("가장 작은 실패 사례", "shrunk case")
            parts.append(f"<p>{item_html(ev['item'])} — {why}</p>"
                         f'<div class="side"><div><b>{case_title}</b>'
                         f"<pre>{e(ev['case'])}</pre></div><div><b>"
                         f"{both('모두가 낸 같은 오답', 'the identical wrong answer')}</b>"
                         f"<pre>{e(ev['got'])}</pre></div></div>")
        elif not ev["model_solution"]:
            shown = list(ev["sources"].items())[:SOURCES_SHOWN]
            sources = "".join(f"<div><b>{e(s)}</b><pre>{e(code)}</pre></div>"
                              for s, code in shown)
            rest = len(ev["sources"]) - len(shown)
            more = (both(f"같은 코드의 나머지 {rest}개는 class.json에 있습니다.",
                         f"The other {rest} copies of the same code are in class.json.", "p")
                    if rest > 0 else "")
            parts.append(f"<p><code>{e(ev['function'])}</code> · fingerprint "
                         f"<code>{e(ev['fingerprint'])}</code></p>"
                         f'<div class="side">{sources}</div>{more}')
    model = [ev["function"] for ev in c.evidence if ev.get("model_solution")]
    if model:
        names = ", ".join(f"<code>{e(f)}</code>" for f in model)
        parts.append(f"<p>{both('모범 답안과 같은 코드', 'The same code as the model solution')}"
                     f": {names}</p>")
    return "".join(parts)


def _cluster_html(c: Cluster, index: int) -> str:
    """One group: its size, who (the first few named) and what they share; the evidence
    folded, with every member named inside."""
    n = len(c.students)
    who = ", ".join(e(s) for s in c.students[:GROUP_NAMES_SHOWN])
    if n > GROUP_NAMES_SHOWN:
        who += f", … (+{n - GROUP_NAMES_SHOWN})"
    things = "functions" if c.kind == CODE else "items"
    strength = (both(f"설명되지 않는 것 {c.unexplained}개", f"{c.unexplained} unexplained")
                if c.unexplained else both("약한 신호", "weak signal"))
    summary = (f"#{index} · {both(f'학생 {n}명', f'{n} students')} · "
               f"{both(f'같은 것 {len(c.evidence)}개', f'{len(c.evidence)} identical {things}')}"
               f" · {strength}: {who}")
    members = (f"<p><b>{both('학생 전체', 'all students')}</b>: "
               f"{', '.join(e(s) for s in c.students)}</p>" if n > GROUP_NAMES_SHOWN else "")
    return _folded(summary, members + _evidence_html(c), "group")


def _groups(clusters: list[Cluster]) -> str:
    """Groups, largest first (signals before weak ones of the same size), at most
    ``GROUPS_SHOWN``."""
    if not clusters:
        return both("없음", "None found.", "p")
    ordered = sorted(clusters, key=lambda c: (-len(c.students), -c.unexplained,
                                              -len(c.evidence), c.students))
    out = [_cluster_html(c, i) for i, c in enumerate(ordered[:GROUPS_SHOWN], start=1)]
    if len(ordered) > GROUPS_SHOWN:
        rest = len(ordered) - GROUPS_SHOWN
        out.append(both(f"작은 그룹 {rest}개는 class.json에 있습니다.",
                        f"{rest} smaller group(s) are in class.json.", "p"))
    return "".join(out)


def _signals(report: ClassReport) -> str:
    intro = both(
        "아래 목록은 사람이 직접 확인해야 할 신호일 뿐, 부정행위의 증거나 판정이 아닙니다. "
        "같은 실수를 각자 저지른 학생들은 같은 오답을 냅니다. 큰 그룹부터 보이며, 그룹을 "
        "누르면 증거가 펼쳐집니다.",
        "These are signals for a person to look at, not verdicts or proof of anything. "
        "Students who make the same common mistake on their own give the same wrong answer. "
        "Largest groups first; open a group for its evidence.",
        "p")
    title = both("같은 사례에서 똑같은 오답", "Identical wrong answers on the same case")
    out = [f'<div class="note">{intro}</div>', f"<h3>{title}</h3>",
           _groups(report.output_clusters)]
    out.append(f"<h3>{both('정규화 후 똑같은 코드', 'Identical code after normalising')}</h3>")
    if report.code_clusters is None:
        out.append(both("제출물 소스가 주어지지 않아 비교하지 않았습니다.",
                        "Not compared: the submissions were not given.", "p"))
    else:
        out.append(_groups(report.code_clusters))
    if report.notes:
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    return "".join(out)


_BODIES = {"findings": _findings, "scores": _scores, "items": _items,
           "misconceptions": _misconceptions, "at-risk": _at_risk, "students": _students,
           "timing": _timing, "signals": _signals}


def class_html(report: ClassReport) -> str:
    """The whole page as text."""
    links = "".join(f'<a href="#{a}">{both(ko, en)}</a>' for a, ko, en in SECTIONS)
    nav = f"<nav>{links}</nav>"
    sections = "".join(f'<section id="{a}"><h2>{both(ko, en)}</h2>{_BODIES[a](report)}</section>'
                       for a, ko, en in SECTIONS)
    return (f'<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>반 전체 보고서 · Class report</title><style>{CSS}</style></head><body>"
            f"<h1>{both('반 전체 보고서', 'Class report')}</h1>{nav}{sections}</body></html>\n")
