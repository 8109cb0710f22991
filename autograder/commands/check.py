"""``autograder check FILE``: a student runs the public checks on their own file."""

from __future__ import annotations

import argparse
import builtins
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .. import rubric
from ..i18n import DEFAULT_LANG, _, render_all
from ..reports.feedback import sandbox_text


def _as_builtin_error(exc: Exception) -> Exception:
    """The student's exception as its built-in class (ValueError, ...) when it is one,
    so a check written as ``except ValueError`` works through the sandbox too."""
    from ..student import StudentError

    if isinstance(exc, StudentError):
        cls = getattr(builtins, exc.exc_type, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(exc.message)
    return exc


def student_functions(student: Any) -> dict[str, Callable[..., Any]]:
    """Each graded function the student defines, as a plain callable through ``student``."""

    def proxy(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return student.call(name, *args, **kwargs)
            except Exception as exc:
                mapped = _as_builtin_error(exc)
                if mapped is exc:
                    raise
                raise mapped from None

        call.__name__ = call.__qualname__ = name
        return call

    return {name: proxy(name) for name in rubric.FUNCTIONS if student.has(name)}


def _open_student(path: Path, call_timeout: float | None) -> tuple[Any, str, list[str]]:
    """A sandboxed student if possible, else the file run in this process (it is your own)."""
    try:
        from ..sandbox import SandboxedStudent

        options = {} if call_timeout is None else {"call_timeout": call_timeout}
        student = SandboxedStudent(path, **options)
        return student, student.sandbox_kind, list(student.problems)
    except Exception as exc:  # no sandbox on this machine: the student's own code, own risk
        from ..student import InProcessStudent
        from ..submission import load_submission

        submission = load_submission(path)
        namespace: dict[str, Any] = {"__name__": "submission"}
        problems = [*submission.problems,
                    _("sandbox unavailable ({error}); ran in-process", error=str(exc))]
        try:
            exec(compile(submission_source(submission), str(path), "exec"), namespace)
        except BaseException as load_exc:  # SystemExit included
            problems.append(_("loading the file raised {error}",
                              error=f"{type(load_exc).__name__}: {load_exc}"))
        return InProcessStudent(namespace), "in-process", problems


def submission_source(submission: Any) -> str:
    """The code of a loaded submission, whatever form its units take; a notebook's IPython
    syntax removed, as the worker does (here it is the student's own code, on their machine)."""
    from ..jail.cells import python_only

    units = getattr(submission, "units", [])
    return "\n\n".join(
        u if isinstance(u, str)
        else "\n\n".join(map(python_only, u.cells)) if getattr(u, "is_notebook", False)
        else getattr(u, "source", u) for u in units)


def check_file(path: str | Path, out: TextIO | None = None,
               call_timeout: float | None = None, lang: str = DEFAULT_LANG) -> bool:
    """Run the public checks on ``path`` and print a PASS / FAIL / WAIT list (WAIT: the
    function called an earlier one whose own check fails, as the grader would not charge
    it); True iff all pass. The grader's own sentences are in ``lang`` ("ko+en": Korean,
    then English)."""
    from ..selfcheck import PASSED, WAITING, in_language, outcomes

    out = out if out is not None else sys.stdout

    def say(message: Any) -> None:
        for line in render_all(message, lang):
            print(line, file=out)

    path = Path(path)
    if not path.is_file():
        say(_("{path}: no such file (expected your .py or .ipynb file)", path=path))
        return False
    student, kind, problems = _open_student(path, call_timeout)
    try:
        say(_("Checking {name}; your code runs in {sandbox}.", name=path.name,
              sandbox=sandbox_text(kind)))
        for problem in problems:
            say(_("  problem: {problem}", problem=problem))
        results = outcomes(student_functions(student))
    finally:
        close = getattr(student, "close", None)
        if close:
            close()
    width = max((len(o.function) for o in results), default=0)
    for o in results:
        passed_ = o.status == PASSED
        lines = ("" if passed_ else in_language(o.message or "", lang)).strip().splitlines()
        lines = lines or [""]
        print(f"  {o.status}  {o.function.ljust(width)}  {lines[0]}".rstrip(), file=out)
        for line in lines[1:]:
            print(f"        {' ' * width}  {line}", file=out)
    passed = sum(o.status == PASSED for o in results)
    say(_("{passed} of {total} checks passed.", passed=passed, total=len(results)))
    waiting = sum(o.status == WAITING for o in results)
    if waiting:
        say(_("{waiting} wait for an earlier function to be fixed first.", waiting=waiting))
    if passed == len(results) and results:
        say(_("These are the public checks only; the grader tests much more."))
    return bool(results) and passed == len(results)


def main_check(args: argparse.Namespace) -> int:
    """``autograder check FILE``."""
    return 0 if check_file(args.file, call_timeout=args.timeout, lang=args.lang) else 1
