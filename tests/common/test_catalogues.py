"""The translation catalogues (locale/, ADR 0012): every shipped language translates every
msgid, nothing is fuzzy, and each translation keeps its msgid's placeholders, so a German
or Chinese page never shows English nor fails on a missing %(name)s. Run `make messages`
after adding strings; this test then lists what is left to translate."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ("django", "djangojs")
PLURAL_FORMS = {"de": "nplurals=2; plural=(n != 1);", "zh-hans": "nplurals=1; plural=0;"}

# %(name)s, %s, %d, %% and {name}, {0}, {} (str.format and JavaScript interpolate).
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|%%|\{[\w.]*\}")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def catalogue(language: str, domain: str) -> polib.POFile:
    folder = Path(settings.LOCALE_PATHS[0]) / to_locale(language) / "LC_MESSAGES"
    path = folder / f"{domain}.po"
    assert path.exists(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


def problems(entries, plural_count: int) -> list[str]:
    found = []
    for entry in entries:
        if entry.obsolete:
            continue
        name = entry.msgid if not entry.msgctxt else f"{entry.msgctxt}|{entry.msgid}"
        if entry.fuzzy:
            found.append(f"fuzzy: {name!r}")
            continue
        if not entry.msgid_plural:
            if not entry.msgstr.strip():
                found.append(f"untranslated: {name!r}")
            elif placeholders(entry.msgstr) != placeholders(entry.msgid):
                found.append(f"placeholders differ: {name!r} -> {entry.msgstr!r}")
            continue
        forms = [entry.msgstr_plural.get(index, "") for index in range(plural_count)]
        if not all(form.strip() for form in forms):
            found.append(f"untranslated plural: {name!r}")
            continue
        allowed = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
        for form in forms:
            # A singular may leave the count out ("one entry"); nothing may be invented.
            if set(placeholders(form)) - set(allowed):
                found.append(f"placeholders differ: {name!r} -> {form!r}")
        if set(placeholders(forms[-1])) != set(placeholders(entry.msgid_plural)):
            found.append(f"placeholders differ (plural): {name!r} -> {forms[-1]!r}")
    return found


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SHIPPED)
def test_every_msgid_is_translated_with_its_placeholders(language, domain):
    po = catalogue(language, domain)
    assert po.metadata.get("Language") == to_locale(language)
    assert po.metadata.get("Plural-Forms", "").startswith(PLURAL_FORMS[language])
    plural_count = 2 if language == "de" else 1
    found = problems(po, plural_count)
    assert not found, f"{len(found)} problems in {language}/{domain}.po:\n" + "\n".join(found[:60])


def test_the_check_catches_a_missing_translation_and_a_changed_placeholder():
    """The checker itself: an empty msgstr, a fuzzy entry, a renamed %(name)s and a lost
    {count} are all reported; a faithful translation is not."""
    entries = [
        polib.POEntry(msgid="Sources", msgstr=""),
        polib.POEntry(msgid="Hello %(name)s", msgstr="Hallo %(nom)s"),
        polib.POEntry(msgid="{count} passages", msgstr="Passagen"),
        polib.POEntry(msgid="Fuzzy", msgstr="Unscharf", flags=["fuzzy"]),
        polib.POEntry(msgid="Fine %(name)s", msgstr="Gut %(name)s"),
        polib.POEntry(
            msgid="%(count)s entry",
            msgid_plural="%(count)s entries",
            msgstr_plural={0: "ein Eintrag", 1: "%(count)s Einträge"},
        ),
        polib.POEntry(
            msgid="%(count)s source",
            msgid_plural="%(count)s sources",
            msgstr_plural={0: "%(count)s Quelle", 1: "Quellen"},
        ),
    ]
    found = problems(entries, plural_count=2)
    assert len(found) == 5, found
    assert not any("Fine" in line or "entry" in line for line in found)
