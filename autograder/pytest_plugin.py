"""pytest front-end for the autograder (work in progress: options and marker only).

Inert unless ``--submission`` is given, so it costs nothing in ordinary test runs.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conv-lab autograder")
    group.addoption("--submission", default=None, help="student file or folder to grade")
    group.addoption("--results-json", default=None, help="write Gradescope results.json here")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): the test is a rubric item worth n points")
