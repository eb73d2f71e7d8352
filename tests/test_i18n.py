"""The interface is Chinese: every message has a translation, and the compiled catalogue is used."""

import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.conftest import _missing

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        if "msgid" in block and not block.lstrip().startswith("#~"):
            yield block


def test_every_message_has_a_chinese_translation():
    untranslated = [
        block.splitlines()[0]
        for block in _entries()
        if 'msgstr ""' in block.replace('msgstr[0] ""', 'msgstr ""') and block.rstrip().endswith('""')
    ]
    fuzzy = [block.splitlines()[1] for block in _entries() if "#, fuzzy" in block]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_in_use():
    with translation.override("zh-hans"):
        assert translation.gettext("Civil servant assessment system") == "公务员考核管理系统"


def _msgids(po: Path) -> set[tuple[str | None, str]]:
    found = set()
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        context = re.search(r'^msgctxt "(.*)"', block, re.M)
        text = "".join(re.findall(r'"(.*)"', msgid.group(1))) if msgid else ""
        if text:
            found.add((context.group(1) if context else None, text))
    return found


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """A message marked for translation but missing from django.po shows in English: extract the messages
    of a copy of the tree as makemessages would, and find each one in the catalogue."""
    if not shutil.which("xgettext"):
        _missing("GNU gettext (xgettext) is not installed")
    root = Path(settings.BASE_DIR)
    tree = tmp_path / "tree"
    skip = shutil.ignore_patterns(".*", "__pycache__", "staticfiles", "node_modules", "screenshots", "*.po", "*.mo")
    apps = ("accounts", "api", "assessment", "audit", "common", "config", "periods", "scoring", "templates", "units")
    for name in apps:
        shutil.copytree(root / name, tree / name, ignore=skip)
    (tree / "locale").mkdir()
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    missing = _msgids(tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") - _msgids(PO)
    assert sorted(missing) == []
