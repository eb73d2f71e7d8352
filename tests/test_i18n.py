"""The interface is Chinese: every message has a translation, and the compiled catalogue is used."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

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
