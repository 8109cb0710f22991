"""What the self-check knows, written into it at build time as literals.

``autograder/selfcheck.py`` ships with students, runs with numpy only and must not compute
an answer, so three blocks of it are written here:

- ``KNOWN`` (between ``# known:start`` and ``# known:end``): the reference run on the
  self-check's own inputs;
- the rubric's teaching order and the training item's numbers (``# rubric:start`` …);
- a copy of ``autograder/korean.py``'s particle functions (``# korean:start`` …).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import reference

ROOT = Path(__file__).resolve().parents[2]

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


def _splice(text: str, start: str, end: str, block: str, what: str) -> str:
    """``text`` with the lines from ``start`` to ``end`` (markers included) replaced."""
    pattern = re.compile(rf"^{re.escape(start)}.*?^{re.escape(end)}$", re.S | re.M)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"{what} must hold one {start} … {end} block")
    return pattern.sub(lambda _: block, text)


#: Where the self-check learns the rubric's teaching order and the training item's numbers.
RUBRIC_START, RUBRIC_END = "# rubric:start", "# rubric:end"
#: Where the self-check carries its copy of autograder/korean.py.
KOREAN_START, KOREAN_END = "# korean:start", "# korean:end"
KOREAN = ROOT / "autograder" / "korean.py"


def rubric_block() -> str:
    """The teaching order, which functions the grader never answers, and the training
    item's settings and thresholds, as literals for the self-check."""
    from autograder import rubric
    from autograder.checks import backprop

    train = {"size": backprop.TRAIN_SIZE, "test_size": backprop.TEST_SIZE,
             "epochs": backprop.EPOCHS, "batch_size": backprop.BATCH_SIZE,
             "lr": backprop.LEARNING_RATE,
             "held_out": (backprop.HELD_OUT.start, backprop.HELD_OUT.stop),
             "min_loss_drop": backprop.MIN_LOSS_DROP, "min_accuracy": backprop.MIN_ACCURACY,
             "loss_ratio": backprop.LOSS_RATIO, "min_move": backprop.MIN_MOVE,
             "max_move": backprop.MAX_MOVE}
    lines = [f"{RUBRIC_START}  (written by `python -m assignments.build` from the rubric; "
             "do not edit)",
             "#: Every function students write, in teaching order (autograder/rubric.py).",
             "FUNCTIONS: tuple[str, ...] = ("]
    lines += [f"    {f!r}," for f in rubric.FUNCTIONS]
    lines += [")",
              "#: Graded functions the grader never answers for a later one (a function",
              "#: argument cannot reach the sandbox): their mistakes count where they are used.",
              f"NOT_ANSWERED = {tuple(sorted(rubric.NOT_PROVIDED))!r}",
              "#: The grader's training item (autograder/checks/backprop.py): its run and its",
              "#: thresholds.",
              "TRAIN = {"]
    lines += [f"    {k!r}: {v!r}," for k, v in train.items()]
    lines += ["}", RUBRIC_END]
    return "\n".join(lines)


def korean_block() -> str:
    """autograder/korean.py's functions, markers included."""
    text = KOREAN.read_text(encoding="utf-8")
    return KOREAN_START + text.split(KOREAN_START, 1)[1].split(KOREAN_END, 1)[0] + KOREAN_END


def spliced(text: str) -> str:
    """``text`` (selfcheck.py) with its KNOWN, rubric and Korean blocks rewritten."""
    text = _splice(text, START, END, render(known_answers()), "selfcheck.py")
    text = _splice(text, RUBRIC_START, RUBRIC_END, rubric_block(), "selfcheck.py")
    return _splice(text, KOREAN_START, KOREAN_END, korean_block(), "selfcheck.py")
