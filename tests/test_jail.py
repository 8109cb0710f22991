"""The jail (autograder/jail/) is copied into the sandbox as one folder, where
nothing of this project but itself exists: it may import only the standard library,
numpy and its own modules."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.jail import protocol
from autograder.sandbox import stage

JAIL = stage.JAIL
MODULES = sorted(JAIL.glob("*.py"))
ALLOWED = set(sys.stdlib_module_names) | {"numpy"}


def imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) for every import statement: level 0 is absolute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found += [(node.level, node.module or alias.name) for alias in node.names]
            else:
                found.append((0, node.module or ""))
    return found


def test_the_jail_has_its_three_modules():
    assert {p.stem for p in MODULES} >= {"__init__", "worker", "protocol", "callables"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_jail_modules_import_only_the_standard_library_numpy_and_each_other(path):
    siblings = {p.stem for p in MODULES}
    for level, module in imports(path):
        if level:
            assert level == 1 and module.split(".")[0] in siblings, (path.name, module)
        else:
            assert module.split(".")[0] in ALLOWED, f"{path.name} imports {module}"


def test_the_import_check_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import json\nfrom autograder import rubric\nfrom ..reference import conv\n")
    found = imports(bad)
    assert (0, "autograder") in found and (2, "reference") in found
    assert not all(level == 0 and m.split(".")[0] in ALLOWED for level, m in found)


def test_a_copied_jail_loads_with_only_numpy_on_the_path(tmp_path):
    """As the sandbox runs it: isolated Python, no site, the copy and numpy's folder."""
    stage.copy_jail(tmp_path / "jail")
    numpy_dir = str(Path(np.__file__).resolve().parents[1])
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
            "import jail.worker, jail.protocol, jail.callables; "
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", code, str(tmp_path),
                           numpy_dir], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "jail" in loaded and "numpy" in loaded
    assert loaded - ALLOWED - {"jail", "__main__"} == set(), "the jail pulled in something else"
    assert not (tmp_path / "jail" / "__pycache__").exists()


def test_frames_carry_their_length_and_refuse_oversized_prefixes():
    payload = b"x" * 1000
    framed = protocol.frame(payload)
    prefix, rest = framed[: protocol.FRAME_PREFIX_BYTES], framed[protocol.FRAME_PREFIX_BYTES :]
    assert protocol.frame_length(prefix) == len(payload) and rest == payload
    with pytest.raises(protocol.ProtocolError, match="over the 999-byte limit"):
        protocol.frame_length(prefix, limit=999)
