"""Every generated file, as bytes keyed by its path relative to the repository root."""

from __future__ import annotations

from . import extract, known, modules, notebooks

MODEL_SOLUTION = "autograder/examples/model_solution.py"
STUBS = "assignments/stubs"
COURSE = "assignments/source/conv_layers"
DATA = extract.REFERENCE / "data"


def data_files(folder: str) -> dict[str, bytes]:
    """The digits and their licence note, copied beside the files that read them."""
    return {
        f"{folder}/digits.npz": (DATA / "digits.npz").read_bytes(),
        f"{folder}/DIGITS_README.md": (DATA / "README.md").read_bytes(),
    }


SELFCHECK = "autograder/selfcheck.py"


def selfcheck_text() -> bytes:
    """autograder/selfcheck.py with its known answers computed from the reference."""
    return known.spliced((extract.ROOT / SELFCHECK).read_text(encoding="utf-8")).encode()


def selfcheck_files(folder: str) -> dict[str, bytes]:
    """A copy of the standalone self-check beside the student's files."""
    return {f"{folder}/selfcheck.py": selfcheck_text()}


#: The provided helpers: released beside the notebooks, and a copy in the grader's package
#: that the sandbox puts beside a submission (a student's own copy is never used).
HELPERS = f"{modules.HELPERS_MODULE}.py"
PACKAGE_HELPERS = f"autograder/examples/{HELPERS}"


def all_files() -> dict[str, bytes]:
    helpers = modules.helpers_module().encode()
    files = {
        MODEL_SOLUTION: modules.model_solution().encode(),
        PACKAGE_HELPERS: helpers,
        f"{COURSE}/{HELPERS}": helpers,
        SELFCHECK: selfcheck_text(),
        f"{STUBS}/conv_layers.py": modules.student_stubs().encode(),
        **data_files(STUBS),
        **selfcheck_files(STUBS),
        **data_files(COURSE),
        **selfcheck_files(COURSE),
    }
    for lesson in notebooks.lessons():
        files[f"{COURSE}/{lesson.part.stem}.ipynb"] = notebooks.build(lesson).encode()
    return files
