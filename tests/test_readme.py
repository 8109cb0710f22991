"""The README's promises that code can check: the rubric table and the Quickstart commands."""

import re
from pathlib import Path

from autograder.misconceptions import MISCONCEPTIONS
from autograder.rubric import FUNCTIONS, markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rubric_table_is_the_rubric():
    block = re.search(r"<!-- rubric:start -->\n(.*?)\n<!-- rubric:end -->", README, re.S)
    assert block, "README.md lost its rubric markers"
    assert block.group(1) == markdown_table(), "stale rubric table: paste markdown_table()"


def test_quickstart_has_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in re.findall(r"```bash\n(.*?)```", quick, re.S)[0].splitlines()
                if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert "autograder demo" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, f".ci/run must run the README's test command: {commands[1]}"


def test_readme_counts_match_the_code():
    assert f"write {len(FUNCTIONS)} numpy functions" in README
    assert f"{len(MISCONCEPTIONS)} mistakes are recognised" in README
