"""Gradescope: the autograder zip, and what runs inside Gradescope's container.

``build_bundle(out_zip, ...)`` (``autograder gradescope-bundle OUT.zip``) writes the zip
Gradescope asks for (https://gradescope-autograders.readthedocs.io/en/latest/specs/), with
at its root:

- ``setup.sh``: run once when Gradescope builds the image. Finds a Python ≥ 3.11
  (installing ``python3.11`` with apt if there is none), uses the virtual environment it
  runs in or makes one in ``$AUTOGRADER_ROOT/venv``, and installs the bundled wheel with
  pip, its dependencies pinned by ``constraints.txt``. It tries to install bubblewrap too
  (as root with apt); where the container has no user namespaces the grader falls back to
  its rlimit sandbox, as everywhere, and says so to the instructor only.
- ``run_autograder``: run for each submission; root from ``AUTOGRADER_ROOT`` (default
  ``/autograder``). Calls ``python -m autograder gradescope-run``; if even that fails to
  start, it still writes a valid ``results/results.json`` (score 0, the reason in both
  languages).
- ``conv_lab_gradescope.json``: what was chosen at bundle time (seed, language, call
  timeout, visibility of the tests and of the expected values, the version).
- ``conv_lab-<version>-py3-none-any.whl``: this package, built from the checkout (so the
  container never needs our index), and ``constraints.txt``: the exact versions of its
  dependencies installed here (hypothesis draws the same cases for the same seed only
  with the same hypothesis version).

``run(root)`` grades ``root/submission`` as one submission and writes
``root/results/results.json``; it never raises, and a broken submission or a grader failure
still gives a valid file. The student-visible ``output`` does not name the sandbox; stdout
(``results/stdout``, instructor-only on Gradescope) and ``extra_data`` do.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atomic import atomic_target, write_atomic
from ..i18n import LANGS, _, label
from ..reports.results_json import student_results
from ..reports.settings import ReportSettings
from ..reports.visibility import TEST_VISIBILITIES, VISIBILITIES

DIST = "conv-lab"
CONFIG_NAME = "conv_lab_gradescope.json"
PYTHON_FILE = ".python"  # written by setup.sh: the interpreter run_autograder uses
DEFAULT_ROOT = "/autograder"
#: What building the wheel reads from the checkout (pyproject.toml names the readme).
BUILD_FILES = ("pyproject.toml", "README.md", "autograder", "reference")
GRADER_FAILED = _("The grader could not grade this submission; your instructor can see why. "
                  "Please tell them.")

SETUP_SH = r"""#!/usr/bin/env bash
# conv-lab autograder setup, written by `autograder gradescope-bundle`.
# Gradescope runs this once, as root, while building the autograder image.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"

good_python() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PY=""
for candidate in python3 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1 && good_python "$candidate"; then
    PY="$(command -v "$candidate")"; break
  fi
done
if [ -z "$PY" ]; then  # e.g. Ubuntu 22.04's python3 is 3.10
  apt-get install -y -q python3.11 python3.11-venv
  PY="$(command -v python3.11)"
fi

if "$PY" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
  VENV_PY="$PY"  # already inside a virtual environment: install into it
else
  if ! "$PY" -m venv --help >/dev/null 2>&1; then
    apt-get install -y -q "python3.$("$PY" -c 'import sys; print(sys.version_info[1])')-venv"
  fi
  "$PY" -m venv "$ROOT/venv"
  VENV_PY="$ROOT/venv/bin/python"
fi

"$VENV_PY" -m pip install -q --constraint "$HERE/constraints.txt" "$HERE/@WHEEL@"
echo "$VENV_PY" > "$HERE/@PYTHON_FILE@"

# bubblewrap, if the container can have it; without it the grader falls back to rlimits.
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q bubblewrap || echo "note: bubblewrap not installed; rlimit sandbox"
fi
"$VENV_PY" -m autograder gradescope-check --config "$HERE/@CONFIG@"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# conv-lab: grade one Gradescope submission (written by `autograder gradescope-bundle`).
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PY="$(cat "$SOURCE/@PYTHON_FILE@" 2>/dev/null || command -v python3)"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
"$PY" -m autograder gradescope-run --root "$ROOT" --config "$SOURCE/@CONFIG@"
if [ ! -s "$ROOT/results/results.json" ]; then
  # the grader did not even start: still a valid results.json for Gradescope
  cat > "$ROOT/results/results.json" <<'EOF'
@FALLBACK@
EOF
fi
exit 0
"""


# --------------------------------------------------------------------------- bundle


def source_root() -> Path | None:
    """The checkout this package runs from (pyproject.toml beside ``autograder/``), or None
    when it runs from an installed wheel."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "reference").is_dir() else None


def build_wheel(dest: Path, root: Path | None = None) -> Path:
    """Build this package's wheel from the checkout into ``dest``; returns its path.

    Raises RuntimeError naming what is missing when there is no checkout or pip fails.
    """
    root = root or source_root()
    if root is None:
        raise RuntimeError("gradescope-bundle builds the wheel from the source checkout, and "
                           "this autograder runs from an installed copy; give --wheel FILE "
                           "(a conv_lab wheel) or run it from the checkout")
    dest.mkdir(parents=True, exist_ok=True)
    # a clean copy: setuptools would reuse (and ship) whatever a stale build/ holds
    tree = dest / "tree"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for name in BUILD_FILES:
        if (root / name).is_dir():
            shutil.copytree(root / name, tree / name, ignore=skip)
        else:
            tree.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, tree / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(dest), str(tree)], capture_output=True, text=True)
    wheels = sorted(dest.glob("conv_lab-*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(f"building the wheel from {root} failed:\n{done.stderr[-2000:]}")
    return wheels[-1]


def _requirement_names(requirements: Sequence[str]) -> list[str]:
    """Names of the requirements that apply without extras (``pytest>=8`` → ``pytest``)."""
    names = []
    for req in requirements:
        marker = req.split(";", 1)[1] if ";" in req else ""
        if re.search(r"\bextra\s*==", marker):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
        if match:
            names.append(match.group(1))
    return names


def pinned_dependencies(dist: str = DIST) -> list[str]:
    """``name==version`` for every installed package ``dist`` needs (without extras),
    transitively, sorted by name. Packages not installed here are left out."""
    seen: dict[str, str] = {}
    todo = _requirement_names(metadata.requires(dist) or [])
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = version
        todo += _requirement_names(metadata.requires(name) or [])
    return [f"{name}=={version}" for name, version in sorted(seen.items())]


def bundle_config(*, seed: int, lang: str, visibility: str, expected_visibility: str,
                  call_timeout: float | None, version: str) -> dict[str, Any]:
    """The choices stored in the bundle (``conv_lab_gradescope.json``), checked."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if visibility not in TEST_VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(TEST_VISIBILITIES)}, "
                         f"got {visibility!r}")
    if expected_visibility not in VISIBILITIES:
        raise ValueError(f"expected visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"got {expected_visibility!r}")
    return {"grader": DIST, "version": version, "seed": seed, "lang": lang,
            "visibility": visibility, "expected_visibility": expected_visibility,
            "call_timeout": call_timeout}


def fallback_results(reason: str, lang: str = "ko+en") -> dict[str, Any]:
    """A valid results.json for when grading itself failed: score 0, said to the student
    in their language, the reason for the instructor in ``extra_data``."""
    return {"score": 0, "execution_time": 0, "output": label(GRADER_FAILED, lang),
            "output_format": "text", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"grader_error": reason}}


def _script(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


def _add(zf: zipfile.ZipFile, name: str, data: bytes | str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    zf.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def build_bundle(
    out_zip: str | Path,
    *,
    seed: int = 0,
    lang: str = "ko+en",
    visibility: str = "visible",
    expected_visibility: str = "visible",
    call_timeout: float | None = None,
    wheel: str | Path | None = None,
) -> Path:
    """Write Gradescope's autograder zip to ``out_zip`` (see the module doc); returns it.

    ``wheel``: a conv_lab wheel to bundle instead of building one from the checkout.
    """
    version = metadata.version(DIST)
    config = bundle_config(seed=seed, lang=lang, visibility=visibility,
                           expected_visibility=expected_visibility,
                           call_timeout=call_timeout, version=version)
    out_zip = Path(out_zip)
    with tempfile.TemporaryDirectory(prefix="conv-lab-bundle-") as tmp:
        wheel_path = Path(wheel) if wheel else build_wheel(Path(tmp))
        if not wheel_path.is_file() or not wheel_path.name.startswith("conv_lab-"):
            raise ValueError(f"--wheel: expected a conv_lab-*.whl file, got {wheel_path}")
        names = dict(WHEEL=wheel_path.name, PYTHON_FILE=PYTHON_FILE, CONFIG=CONFIG_NAME)
        fallback = json.dumps(fallback_results("run_autograder: the grader did not start "
                                               "(see stdout)", lang), ensure_ascii=False)
        with atomic_target(out_zip) as partial, zipfile.ZipFile(partial, "w") as zf:
            _add(zf, "setup.sh", _script(SETUP_SH, **names), executable=True)
            _add(zf, "run_autograder", _script(RUN_AUTOGRADER, FALLBACK=fallback, **names),
                 executable=True)
            _add(zf, CONFIG_NAME, json.dumps(config, indent=2) + "\n")
            _add(zf, "constraints.txt", "\n".join(pinned_dependencies()) + "\n")
            _add(zf, wheel_path.name, wheel_path.read_bytes())
    return out_zip


# --------------------------------------------------------------------------- in the container


def load_config(path: str | Path) -> dict[str, Any]:
    """The bundle's choices; a missing key takes its default, a bad value raises ValueError."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return bundle_config(seed=int(raw.get("seed", 0)), lang=raw.get("lang", "ko+en"),
                         visibility=raw.get("visibility", "visible"),
                         expected_visibility=raw.get("expected_visibility", "visible"),
                         call_timeout=raw.get("call_timeout"),
                         version=raw.get("version", "?"))


def submitter_name(root: Path) -> str:
    """Who submitted, from Gradescope's ``submission_metadata.json`` (first user's email,
    else name), or "submission"."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        user = meta["users"][0]
        return str(user.get("email") or user.get("name") or "submission")
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return "submission"


def sandbox_note(kind: str) -> str:
    """One line for the instructor: which sandbox ran the student's code, and why."""
    if kind == "bubblewrap":
        return "sandbox: bubblewrap"
    from ..sandbox import bubblewrap_status

    _, _, why = bubblewrap_status()
    how = {"rlimit-as-other-user": "as an unprivileged user of its own, chrooted into a copy "
                                   "of Python and numpy, with resource limits",
           "rlimit-as-self": "AS THE GRADER'S OWN USER, with resource limits only: it could "
                             "read and change the grader's files"}
    return (f"sandbox: {kind} (fallback: {why or 'bubblewrap not used'}); the student's "
            f"code ran in a separate process {how.get(kind, 'with resource limits only')}, "
            "inside Gradescope's own container")


def run(root: str | Path, config_path: str | Path | None = None,
        out: Any = None) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; never raises.

    Returns what was written. ``out`` (default stdout) gets the instructor's log.
    """
    from ..grading import find_submissions, grade_submission
    from ..options import GradeOptions

    out = out if out is not None else sys.stdout
    root = Path(root)
    results_path = root / "results" / "results.json"
    lang = "ko+en"
    start = time.perf_counter()
    try:
        config = load_config(config_path or root / "source" / CONFIG_NAME)
        lang = config["lang"]
        print(f"conv-lab {config['version']} grading {root / 'submission'} (seed "
              f"{config['seed']}, lang {lang}, tests {config['visibility']}, expected values "
              f"{config['expected_visibility']})", file=out)
        subs, warnings = find_submissions([root / "submission"], expand=False)
        for warning in warnings:
            print(f"warning: {warning}", file=out)
        sub = dataclasses.replace(subs[0], student=submitter_name(root))
        record = grade_submission(sub, GradeOptions(seed=config["seed"],
                                                    call_timeout=config["call_timeout"]))
        settings = ReportSettings(lang=lang, visibility=config["visibility"],
                                  expected_visibility=config["expected_visibility"])
        results = student_results(record, settings)
        note = sandbox_note(record.sandbox)
        results.setdefault("extra_data", {})
        results["extra_data"].update({"sandbox_note": note, "grader_version": config["version"],
                                      "seed": config["seed"], "lang": lang})
        print(note, file=out)
        for problem in record.problems:
            print(f"problem: {problem}", file=out)
        print(f"score {results['score']} of {record.max_score:g}", file=out)
    except Exception as exc:  # a broken grader must still give Gradescope a valid file
        print(traceback.format_exc(), file=out)
        results = fallback_results(f"{type(exc).__name__}: {exc}", lang)
        results["execution_time"] = round(time.perf_counter() - start, 2)
    write_atomic(results_path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def check(config_path: str | Path, out: Any = None) -> int:
    """setup.sh's last step: the bundle's config reads and the grader imports. 0 if fine."""
    out = out if out is not None else sys.stdout
    config = load_config(config_path)
    from .. import engine, grading  # noqa: F401  (the import is the check)

    installed = metadata.version(DIST)
    print(f"conv-lab {installed} installed; bundle made with {config['version']}", file=out)
    # now, while the image is built, not in every submission's fresh container: without
    # bubblewrap the worker runs in a copy of Python and numpy made once (sandbox/runtime.py)
    from ..sandbox.bubblewrap import kind_in_use, other_user_status

    usable, why = other_user_status()
    print(f"student code will run in: {kind_in_use('auto')} (without bubblewrap: "
          f"{'rlimit-as-other-user, its runtime ready' if usable else why})", file=out)
    if installed != config["version"]:
        print(f"error: the bundle was made with conv-lab {config['version']} but pip installed "
              f"{installed}; build the bundle again", file=out)
        return 1
    return 0


def main_bundle(args: argparse.Namespace) -> int:
    """``autograder gradescope-bundle OUT.zip ...``."""
    try:
        path = build_bundle(args.out_zip, seed=args.seed, lang=args.lang,
                            visibility=args.visibility,
                            expected_visibility=args.expected_visibility,
                            call_timeout=args.timeout, wheel=args.wheel)
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment "
          "(docs/gradescope.md)")
    return 0


def main_run(args: argparse.Namespace) -> int:
    """``autograder gradescope-run``: what the bundle's ``run_autograder`` calls."""
    run(args.root, args.config)
    return 0


def main_check(args: argparse.Namespace) -> int:
    """``autograder gradescope-check``: what the bundle's ``setup.sh`` calls last."""
    return check(args.config)


def copy_into_root(bundle: Path, root: Path) -> Path:
    """Lay ``bundle`` out as Gradescope does: ``root/source`` (the zip's contents) and
    ``root/run_autograder``; returns ``root/source``. For tests and trying a bundle."""
    source = root / "source"
    source.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            target = source / info.filename
            target.write_bytes(zf.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    return source

