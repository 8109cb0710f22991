"""Every module of the grader imports on its own, first, in a fresh interpreter: an import
cycle (a module that imports a package whose __init__ imports the module back) shows up
only when the module in the middle is imported before the others.

One interpreter loads numpy and the third-party libraries, then forks a child per module
(fast), so each child starts with none of this project's modules loaded."""

import json
import pkgutil
import subprocess
import sys

import autograder
import reference

MODULES = sorted(
    info.name
    for package in (autograder, reference)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
    if not info.name.endswith("__main__") and ".examples." not in info.name
)

FORK_EACH = r'''
import importlib, json, os, sys, traceback
import numpy, hypothesis  # loaded once, before the fork: they are not under test
failed = {}
for module in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            sys.stderr.write(f"== {module}\n{traceback.format_exc()}")
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failed[module] = status
print(json.dumps(failed))
'''


def first_imports(modules: list[str]) -> tuple[dict[str, int], str]:
    proc = subprocess.run([sys.executable, "-c", FORK_EACH, json.dumps(modules)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), proc.stderr


def test_the_walk_found_the_packages():
    assert {"autograder.student", "autograder.jail.protocol", "autograder.store",
            "reference.conv"} <= set(MODULES)


def test_every_module_imports_first():
    failed, stderr = first_imports(MODULES)
    assert failed == {}, stderr[-3000:]


def test_a_cycle_is_caught(tmp_path):
    (tmp_path / "cyc_a.py").write_text("import cyc_b\nX = 1\n")
    (tmp_path / "cyc_b.py").write_text("from cyc_a import X\n")
    sys.path.insert(0, str(tmp_path))
    try:
        proc = subprocess.run([sys.executable, "-c", FORK_EACH, json.dumps(["cyc_a"])],
                              capture_output=True, text=True, timeout=120,
                              env={"PYTHONPATH": str(tmp_path)})
    finally:
        sys.path.remove(str(tmp_path))
    assert json.loads(proc.stdout) == {"cyc_a": 256}
