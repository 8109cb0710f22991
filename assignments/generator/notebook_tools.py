"""The notebooks' own tools, released in ``convlab_helpers.py`` with the input checks.

The build copies everything between ``# tools:start`` and ``# tools:end`` into the module
(its imports are merged with the checks' imports), so this file is where they are written,
linted and tested. None of it computes anything a graded item asks for.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

# tools:start
#: Cells that are not the student's own definitions: provided code, demos, self-checks, tests.
NOT_YOURS = {"convlab:provided", "convlab:demo", "convlab:selfcheck", "convlab:tests"}


def require_written(fn) -> None:
    """Raise NotImplementedError while ``fn`` is still the stub (the graded cells call this).

    A stub's body only raises NotImplementedError; any other body counts as started, and
    the hidden tests then decide the points.
    """
    if fn.__code__.co_names == ("NotImplementedError",):
        raise NotImplementedError(
            f"{fn.__name__}: 아직 작성하지 않았습니다. 셀의 `raise NotImplementedError()`를 "
            f"여러분의 코드로 바꾸세요 · {fn.__name__} is not written yet: replace "
            "`raise NotImplementedError()` in its cell"
        )


def _definitions_only(source: str) -> ast.Module:
    """The def, class and import statements of a cell (IPython lines ignored)."""
    lines = [("pass" if line.lstrip().startswith(("%", "!")) else line)
             for line in source.splitlines()]
    tree = ast.parse("\n".join(lines))
    tree.body = [node for node in tree.body if isinstance(
        node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))]
    return tree


def load_your_functions(notebooks: dict, namespace: dict) -> None:
    """Define in ``namespace`` (the notebook's ``globals()``) the functions you wrote in the
    earlier notebooks beside this one.

    Only your answer cells' definitions run (never their tests or figures). A notebook
    that is missing or cannot be read is reported and skipped: this notebook still runs.
    """
    for stem, names in notebooks.items():
        path = Path(f"{stem}.ipynb")
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"⚠ {path.name}: 읽지 못했습니다 · cannot be read ({type(error).__name__}); "
                  f"{', '.join(names)}: 정의되지 않음 · not defined")
            continue
        for number, cell in enumerate(nb.get("cells", []), start=1):
            meta = cell.get("metadata", {})
            if (cell.get("cell_type") != "code" or NOT_YOURS & set(meta.get("tags", []))
                    or meta.get("nbgrader", {}).get("grade")):
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            try:
                exec(compile(_definitions_only(source), f"<{path.name}, cell {number}>",
                             "exec"), namespace)
            except Exception as error:
                print(f"⚠ {path.name}, 셀 {number} · cell {number}: {type(error).__name__}: "
                      f"{error}")
        missing = [name for name in names if name not in namespace]
        print(f"{path.name}: " + (f"⚠ 없음 · missing: {', '.join(missing)}" if missing
                                  else f"불러옴 · loaded {', '.join(names)}"))


#: Fonts with Hangul that matplotlib may find, best first.
KOREAN_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans KR", "NanumGothic",
                "Malgun Gothic", "AppleGothic")
_FIGURE_FONT: list[str] = []


def use_korean_font(plt) -> str | None:
    """Make ``plt`` (matplotlib.pyplot) draw Korean with the first installed font of
    KOREAN_FONTS; returns its name, or None when there is none (figures then use their
    English text only: see ``figure_text``)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    if not installed & set(KOREAN_FONTS):  # a font cache made before the fonts were installed
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name for hint in ("CJK", "Nanum", "malgun", "AppleGothic")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in KOREAN_FONTS:
        if name in installed:
            plt.rcParams["font.family"] = name
            plt.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
            _FIGURE_FONT[:] = [name]
            return name
    _FIGURE_FONT.clear()
    return None


def figure_text(ko: str, en: str, sep: str = "\n") -> str:
    """A figure's title or label: Korean, then English (only English without a Korean
    font, where Hangul would come out as empty boxes)."""
    return f"{ko}{sep}{en}" if _FIGURE_FONT else en
# tools:end
