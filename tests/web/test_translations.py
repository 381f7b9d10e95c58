"""Every interface string has a Chinese translation that keeps its placeholders."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from factories import ROOT

CATALOG = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("**/.venv/**", "ignore"), ("tests/**", "ignore"), ("**.py", "python"), ("templates/**.html", "jinja2")]


def interface_messages() -> set[str]:
    """The messages the code and templates mark for translation, extracted as pybabel does."""
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=keywords, options_map={"templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_is_translated():
    with CATALOG.open("rb") as handle:
        catalog = {message.id: message.string for message in read_po(handle) if message.id}
    messages = interface_messages()
    assert len(messages) > 80
    untranslated = sorted(message for message in messages if not catalog.get(message))
    assert untranslated == []
    for message in messages:
        assert sorted(re.findall(r"%\(\w+\)s", message)) == sorted(re.findall(r"%\(\w+\)s", catalog[message]))
