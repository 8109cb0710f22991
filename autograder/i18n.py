"""Korean and English for everything a student reads from the grader.

A message is made once, where the grader knows what happened, and rendered later, by a
report, in one language or both. So messages are kept as a msgid and its parameters::

    summary = _("wrong values at {bad} of {total} positions", bad=3, total=16)
    str(summary)              # 'wrong values at 3 of 16 positions'  (English)
    render(summary, "ko")     # '16개 위치 중 3개의 값이 틀렸습니다'

:class:`Message` is a ``str`` whose value is the English text, so code that treats a
summary or a hint as a string keeps working (and keeps reading English); the reports
call :func:`render` with the language asked for. The msgid is the English source text
(gettext's convention); the Korean lives in ``autograder/locale/ko/LC_MESSAGES/
autograder.po``, compiled to ``autograder.mo`` (committed; a test recompiles and
compares). Maintained with Babel (``docs/translating.md``)::

    pybabel extract -F babel.cfg -o autograder.pot autograder
    pybabel update -i autograder.pot -d autograder/locale -D autograder
    pybabel compile -d autograder/locale -D autograder

Placeholders are ``str.format`` fields; numbers, shapes and code are passed as
parameters and are never translated. A parameter may itself be a Message (rendered in
the same language); any other value is shown with ``str``.
"""

from __future__ import annotations

import gettext
import os
import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .korean import resolve_particles

DOMAIN = "autograder"
LOCALE_DIR = Path(__file__).with_name("locale")
#: The languages a report can be written in; "ko+en" is both, Korean first.
LANGS = ("ko+en", "ko", "en")
DEFAULT_LANG = "ko+en"
#: How to join two renderings of one short label in "ko+en" text.
LABEL_SEPARATOR = " · "

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


class Message(str):
    """A translatable message: ``msgid`` with its ``params``; as a str, the English text."""

    msgid: str
    params: dict[str, Any]
    translate: bool

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None,
                translate: bool = True) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, _format(msgid, params, "en"))
        self.msgid, self.params, self.translate = msgid, params, translate
        return self

    def __reduce__(self) -> tuple:
        return (Message, (self.msgid, self.params, self.translate))

    # repr stays str's: code that shows a value with !r sees the English text.


def _(msgid: str, **params: Any) -> Message:
    """Mark ``msgid`` (English, with ``{name}`` fields) for translation; Babel extracts it."""
    return Message(msgid, params)


def to_data(text: Any) -> Any:
    """``text`` as plain JSON data that :func:`from_data` turns back into the same text in
    every language (for storing records): a Message becomes a dict, parameters their
    ``str`` (all that rendering uses); anything else is returned as it is."""
    if not isinstance(text, Message):
        return text
    return {"msgid": text.msgid, "translate": text.translate,
            "params": {k: to_data(v) if isinstance(v, Message) else str(v)
                       for k, v in text.params.items()}}


def from_data(data: Any) -> Any:
    """The inverse of :func:`to_data`."""
    if not (isinstance(data, dict) and "msgid" in data):
        return data
    params = {k: from_data(v) for k, v in data.get("params", {}).items()}
    return Message(data["msgid"], params, data.get("translate", True))


def layout(template: str, **params: Any) -> Message:
    """A message made only of other messages and code (e.g. ``"{path}: {summary}"``): its
    template is the same in every language, so it is not in the catalogue."""
    return Message(template, params, translate=False)


def languages(lang: str) -> tuple[str, ...]:
    """``"ko+en"`` → ``("ko", "en")``; a ValueError names the accepted values otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    return tuple(lang.split("+"))


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()  # the msgids are the English text
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def render(text: Any, language: str) -> str:
    """``text`` in one ``language`` ("ko" or "en"): a Message translated and filled in,
    anything else (a student's exception message, code) as it is."""
    if not isinstance(text, Message):
        return "" if text is None else str(text)
    if language == "en":  # a Message's own text is its English (made once, in __new__)
        return str.__str__(text)
    return _format(text.msgid, text.params, language, text.translate)


def _format(msgid: str, params: dict[str, Any], language: str, translate: bool = True) -> str:
    template = _catalog(language).gettext(msgid) if translate and language != "en" else msgid
    if not params:
        return template
    text = template.format(**{k: render(v, language) for k, v in params.items()})
    # Korean particles after a parameter ("{function}이(가)") depend on the value
    return resolve_particles(text) if language == "ko" else text


def render_all(text: Any, lang: str) -> list[str]:
    """``text`` in each language of ``lang`` ("ko+en" gives two), without repeats: a text
    that reads the same in both (code, a number) is given once."""
    out: list[str] = []
    for language in languages(lang):
        rendered = render(text, language)
        if rendered not in out:
            out.append(rendered)
    return out


def label(text: Any, lang: str) -> str:
    """A short label in ``lang``: "가장 작은 실패 사례 · Smallest failing case"."""
    return LABEL_SEPARATOR.join(render_all(text, lang))


def has_hangul(text: str) -> bool:
    """True if ``text`` holds any Korean letter."""
    return bool(_HANGUL.search(text))


def placeholders(template: str) -> set[str]:
    """The ``{field}`` names of a format string (``{{`` escapes excluded)."""
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# --------------------------------------------------------------------------- course setting

#: The environment variable that sets the language of the notebooks' score() output.
LANG_ENV = "CONVLAB_LANG"
#: The course's config file, looked for in the working folder and its parents.
CONFIG_FILE = "conv-lab.toml"


def course_lang(lang: str | None = None, start: Path | None = None) -> str:
    """The language for a notebook's ``score()``: ``lang`` if given, else
    ``$CONVLAB_LANG``, else ``feedback.lang`` in the nearest ``conv-lab.toml`` (the
    notebook's folder or a parent: the course ships it), else ``ko+en``. An unknown value
    falls back to the default, since a setting must never make a graded cell fail."""
    for candidate in (lang, os.environ.get(LANG_ENV, "").strip() or None,
                      _config_lang(start or Path.cwd())):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def _config_lang(start: Path) -> str | None:
    value = config_value("feedback", "lang", start)
    return value if isinstance(value, str) else None


def config_value(section: str, key: str, start: Path) -> object:
    """``[section] key`` of the nearest ``conv-lab.toml`` (``start`` or a parent), or None
    (no file, no such key, or a file that cannot be read: a setting never fails)."""
    for folder in (start, *start.parents):
        path = folder / CONFIG_FILE
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return None
            table = data.get(section, {})
            return table.get(key) if isinstance(table, dict) else None
    return None


def catalog_msgids(languages_: Iterable[str] = ("ko",)) -> dict[str, dict[str, str]]:
    """Each language's compiled catalogue as ``{msgid: text}`` (for tests and tools)."""
    out = {}
    for language in languages_:
        catalog = _catalog(language)
        out[language] = {k: v for k, v in getattr(catalog, "_catalog", {}).items()
                         if isinstance(k, str) and k}
    return out
