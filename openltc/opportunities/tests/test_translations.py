"""The zh_Hans catalogue is complete and keeps every placeholder of its source text."""

from __future__ import annotations

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def test_every_message_is_translated_and_not_fuzzy():
    po = polib.pofile(str(PO))
    assert not po.untranslated_entries()
    assert not po.fuzzy_entries()
    assert not po.metadata_is_fuzzy
    assert len(po.translated_entries()) > 200


def test_placeholders_survive_translation():
    po = polib.pofile(str(PO))
    for entry in po.translated_entries():
        targets = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )
