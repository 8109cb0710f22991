"""``autograder course zip-collect`` unpacks an LMS download within bounds: a zip bomb of
nested zips (2.1 MB that would become 2.15 GB), too many bytes, paths out of the folder and
links are refused by name, one line each, and every other student is still collected.

Real nbgrader (generate_assignment, zip_collect), real zip files built here.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
ASSIGNMENT = "conv_layers"
NOTEBOOK = "01_feature_map_size.ipynb"


def course(tmp: Path, extra_config: str = "") -> Path:
    """A course folder: the repository's nbgrader_config.py and its first notebook."""
    if not (COURSE / "source" / ASSIGNMENT / NOTEBOOK).exists():
        pytest.skip("the nbgrader course is not built yet")
    dest = tmp / "course"
    (dest / "source" / ASSIGNMENT).mkdir(parents=True)
    config = (COURSE / "nbgrader_config.py").read_text() + extra_config
    (dest / "nbgrader_config.py").write_text(config)
    shutil.copy(COURSE / "source" / ASSIGNMENT / NOTEBOOK, dest / "source" / ASSIGNMENT)
    return dest


def zip_bytes(members: dict[str, bytes], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def nested_bomb(file_bytes: int = 9_600_000, per_zip: int = 16, outer: int = 14) -> bytes:
    """Zips of zips of zeros: ``outer`` × ``per_zip`` files of ``file_bytes`` zeros."""
    layer1 = zip_bytes({"zeros.ipynb": bytes(file_bytes)})
    layer2 = zip_bytes({f"{k}.zip": layer1 for k in range(per_zip)}, stored=True)
    return zip_bytes({f"{k}.zip": layer2 for k in range(outer)}, stored=True)


def zip_collect(course_dir: Path, downloads: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(course_dir.parent)}
    return subprocess.run([sys.executable, "-m", "autograder.cli", "course", "zip-collect",
                           "--course", str(course_dir), "--assignment", ASSIGNMENT,
                           str(downloads)], cwd=course_dir.parent, env=env,
                          capture_output=True, text=True, timeout=1800)


def disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def refusals(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.startswith("Refused ")]


def test_a_zip_bomb_of_nested_zips_is_refused_and_the_class_collected(tmp_path):
    c = course(tmp_path)
    notebook = (c / "source" / ASSIGNMENT / NOTEBOOK).read_bytes()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / f"alice_1000_2000_{NOTEBOOK}").write_bytes(notebook)
    (downloads / "bob_1001_2001_upload.zip").write_bytes(
        zip_bytes({f"bob_1001_2001_{NOTEBOOK}": notebook}))
    bomb = nested_bomb()
    assert 2.0e6 < len(bomb) < 2.3e6  # 2.1 MB, unpacking to 14·16·9.6 MB = 2.15 GB
    (downloads / "eve_1002_2002_bomb.zip").write_bytes(bomb)

    proc = zip_collect(c, downloads)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = refusals(proc)
    assert len(lines) == 14, proc.stdout  # one line for each zip inside the bomb
    assert all("eve_1002_2002_bomb.zip/" in line and "nested more than 2 deep" in line
               and "and 13 more" in line for line in lines)
    assert set(proc.stdout.split()) >= {"alice", "bob"}
    assert (c / "submitted" / "alice" / ASSIGNMENT / NOTEBOOK).is_file()
    assert (c / "submitted" / "bob" / ASSIGNMENT / NOTEBOOK).is_file()
    assert disk_bytes(c / "downloaded") < 20e6  # the download and what was kept of it


def test_size_limits_paths_out_of_the_folder_and_links_are_refused_by_name(tmp_path):
    c = course(tmp_path, "\nc.BoundedExtractor.max_total_mb = 25\n")
    notebook = (c / "source" / ASSIGNMENT / NOTEBOOK).read_bytes()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / f"alice_1000_2000_{NOTEBOOK}").write_bytes(notebook)
    flat = {f"big{k}.ipynb": bytes(10_000_000) for k in range(5)}
    flat["../../escape.ipynb"] = b"{}"
    (downloads / "eve_1002_2002_big.zip").write_bytes(zip_bytes(flat))
    link = zipfile.ZipInfo("link.ipynb")
    link.external_attr = 0o120777 << 16  # a symbolic link to the gradebook
    with zipfile.ZipFile(downloads / "mallory_1003_2003_links.zip", "w") as zf:
        zf.writestr(link, "../../../gradebook.db")
    (downloads / "to_gradebook.ipynb").symlink_to(c / "nbgrader_config.py")

    proc = zip_collect(c, downloads)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = refusals(proc)
    assert any("eve_1002_2002_big.zip" in line and "25 MB in all" in line
               and "big2.ipynb" in line for line in lines), lines
    assert any("paths outside the archive's folder: ../../escape.ipynb" in line
               for line in lines), lines
    assert any("mallory_1003_2003_links.zip" in line and "symbolic links" in line
               and "link.ipynb" in line for line in lines), lines
    assert any("symbolic links, not followed: to_gradebook.ipynb" in line
               for line in lines), lines
    assert (c / "submitted" / "alice" / ASSIGNMENT / NOTEBOOK).is_file()
    assert disk_bytes(c / "downloaded" / ASSIGNMENT / "extracted") <= 25 * 1024 * 1024
    assert not list(tmp_path.rglob("escape.ipynb"))
