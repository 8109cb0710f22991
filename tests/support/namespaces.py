"""A student's functions as a plain namespace, for tests that grade in this process."""

from __future__ import annotations

from pathlib import Path

from autograder import rubric

#: What a student's file is called when its text runs here (model_solution.py reads its
#: own folder through ``__file__``).
MODEL_FILE = str(Path(__file__).resolve().parents[2] / "autograder/examples/model_solution.py")


def run_source(source: str, file: str = MODEL_FILE) -> dict:
    """A student's namespace from their whole file's text."""
    namespace = {"__name__": "student", "__file__": file}
    exec(compile(source, "<student>", "exec"), namespace)
    return namespace


def stub_namespace() -> dict:
    """Every student function still the stub: each raises NotImplementedError."""
    def stub(name):
        def fn(*args, **kwargs):
            raise NotImplementedError(f"write {name}")

        return fn

    return {name: stub(name) for name in rubric.FUNCTIONS}
