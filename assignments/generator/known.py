"""The self-check's known answers: the reference run on the self-check's own inputs.

``autograder/selfcheck.py`` ships with students and must not compute an answer, so its
``KNOWN`` table is written here, at build time, from ``reference`` and embedded as
literals between its ``# known:start`` and ``# known:end`` lines.
"""

from __future__ import annotations

import importlib
import re

import reference

START, END = "# known:start", "# known:end"
WIDTH = 96


def known_answers() -> dict[str, list[list[float]]]:
    """Case name -> the reference's result on that case, as flat lists of floats."""
    selfcheck = importlib.import_module("autograder.selfcheck")
    out = {}
    for case, (function, args, kwargs) in selfcheck._cases().items():
        impl = getattr(reference, function)
        out[case] = selfcheck.leaves(case, impl(*args, **kwargs))
    return out


def _wrapped(values: list[float], indent: str) -> list[str]:
    """``[v, v, ...],`` broken into lines of at most WIDTH characters."""
    items = [repr(float(v)) for v in values]
    lines, line = [], indent + "["
    for k, item in enumerate(items):
        piece = item + ("," if k < len(items) - 1 else "],")
        if len(line) + len(piece) + 1 > WIDTH and line.strip() != "[":
            lines.append(line.rstrip())
            line = indent + " " + piece
        else:
            line += ("" if line.endswith("[") else " ") + piece
    lines.append(line if items else indent + "[],")
    return lines


def render(known: dict[str, list[list[float]]]) -> str:
    lines = [f"{START}  (written by `python -m assignments.build` from reference/; do not edit)",
             "KNOWN: dict[str, list[list[float]]] = {"]
    for case, leaves in known.items():
        lines.append(f"    {case!r}: [")
        for leaf in leaves:
            lines += _wrapped(leaf, " " * 8)
        lines.append("    ],")
    lines += ["}", END]
    return "\n".join(lines)


def spliced(text: str) -> str:
    """``text`` (selfcheck.py) with its KNOWN block rewritten."""
    pattern = re.compile(rf"^{re.escape(START)}.*?^{re.escape(END)}$", re.S | re.M)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"selfcheck.py must hold one {START} … {END} block")
    return pattern.sub(lambda _: render(known_answers()), text)
