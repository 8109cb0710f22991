"""The interactive steps the docs' command blocks leave to people, done by simulated people,
for tests/test_documented_commands.py. A block marks such a step with a comment line
``# ... what happens ...``; the test runs this module in its place, in the same shell:

    python -m support.doc_students submit COURSE EXCHANGE HOMES
        alice (model answers) and bob (the release untouched) fetch the released assignment
        and hand it in with nbgrader's submit --student, through the real exchange
    python -m support.doc_students edit
        the student in the current folder (a fetched conv_layers/) writes the model answers
    python -m support.doc_students grade COURSE EXCHANGE GRADES
        the instructor collects, autogrades and releases the feedback (autograder course grade)

Exit status 0 when the step was done; anything else is the test's own failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.course import DEFAULT_ASSIGNMENT
from support.simulated_students import answer_notebooks, model_answers

#: the two students of the exchange: id -> answers them (None: hands in the release as is)
STUDENTS = {"alice": True, "bob": False}


def model(folder: Path) -> None:
    answer_notebooks(folder, *model_answers())


def submit(course: str, exchange: str, homes: str) -> None:
    """alice and bob fetch (once) and submit (again each time) through the exchange."""
    from autograder.course.config import course_config
    from autograder.course.steps import fetch_and_submit

    cfg = course_config(course, exchange=exchange)
    for student, answers in STUDENTS.items():
        fetch_and_submit(cfg, DEFAULT_ASSIGNMENT, student, Path(homes) / student,
                         model if answers else None)


def grade(course: str, exchange: str, grades: str) -> int:
    """What the instructor runs after the deadline (docs/nbgrader.md, "A term")."""
    from autograder.course.cli import main

    return main(["grade", "--course", course, "--exchange", exchange, "--grades", grades])


def main(argv: list[str]) -> int:
    step, *args = argv
    if step == "submit":
        submit(*args)
        return 0
    if step == "edit":
        model(Path.cwd())
        return 0
    if step == "grade":
        return grade(*args)
    print(f"unknown step {step!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
