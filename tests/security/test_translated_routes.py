"""Every page of the route table in the three interface languages (ADR 0012): a German or
Chinese page shows no interface string in English.

An interface string is a msgid of the catalogue. It is "left in English" on a page when it
occurs there at least as often in the German (Chinese) rendering as in the English one: the
page's content (the paper's English text, entry titles) is the same in every language, so
only interface text can account for the difference. Msgids that occur inside some
translation ("API", "DOI", "Markdown", "Link") cannot be told apart and are left out."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from .routes import EXTERNAL, ROLES, ROUTES
from .world import build_world

LANGUAGES = {"de": "de-DE,de;q=0.9", "zh-hans": "zh-CN,zh;q=0.9"}
ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """The text a reader sees or hears: text nodes outside script/style/template, and the
    attributes that assistive technology reads out. Text inside an element marked with a
    ``lang`` of its own (the switcher's "English", "Deutsch", "简体中文") is in that language
    on purpose, so it is left out."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: is its text left out?

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.language = attributes.get("lang")
        own_language = attributes.get("lang", getattr(self, "language", None))
        skip = tag in ("script", "style", "template") or own_language != getattr(
            self, "language", None
        )
        if not any(self._stack) and not skip:
            self.parts.extend(v for k, v in attrs if k in ATTRIBUTES and v)
        if tag not in VOID:
            self._stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not any(self._stack):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@cache
def checkable_msgids(language: str) -> tuple[re.Pattern, ...]:
    path = Path(settings.LOCALE_PATHS[0]) / to_locale(language) / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    translations = " ".join(
        entry.msgstr or " ".join(entry.msgstr_plural.values()) for entry in catalogue
    )
    patterns = []
    for entry in catalogue:
        if entry.msgid_plural or "%" in entry.msgid or "<" in entry.msgid:
            continue  # rendered with values or markup: not findable as written
        text = " ".join(entry.msgid.split())
        if len(text) < 3 or not re.search(r"[A-Za-z]{3}", text):
            continue
        if " " not in text and not text[0].isupper():
            continue  # a field name ("note", "summary"): also a key in stored JSON, an id
        pattern = re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])")
        if pattern.search(translations):
            continue
        patterns.append(pattern)
    return tuple(patterns)


def left_in_english(
    english: str, translated: str, language: str, *, content: frozenset[str] = frozenset()
) -> list[str]:
    """The msgids that the translated rendering shows at least as often as the English
    one. ``content`` names words that are the page's data here (people's names)."""
    found = []
    for pattern in checkable_msgids(language):
        count = len(pattern.findall(translated))
        if count and count >= len(pattern.findall(english)):
            text = pattern.pattern.replace("\\", "")
            if not any(word in content for word in re.findall(r"\w+", text)):
                found.append(re.sub(r"\(\?<?[!=][^)]*\)", "", pattern.pattern))
    return found


# Text stored when it was written, in the writer's language (not rendered per reader):
# the review queue's flag summaries and the notices a moderation decision sends. Known
# gap, docs/translations.md.
STORED_TEXT = {
    "moderation:queue": {"Inaccurate"},
    # Decision notices in the one inbox (their reason is the moderator's words).
    "notifications:list": {"Reason", "Reason:"},
    # The paper's abstract, in the form's textarea ("Author affiliation: …").
    "sources:details_edit": {"Author"},
}


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


# Swagger UI (drf-spectacular's page for the API reference) ships no translations: the API
# reference stays English, like the API's field names.
UNTRANSLATED = {"api-docs"}


def _pages():
    rows = [(name, row) for name, row in ROUTES.items() if row.html and name not in UNTRANSLATED]
    rows += [(f"external {prefix}", row) for prefix, row in EXTERNAL.items() if row.html]
    return rows


def test_every_page_is_translated(client, world):
    users = dict(zip(ROLES, (None, world.contributor, world.moderator), strict=True))
    pages = [*_pages(), ("404", None)]
    assert len(pages) >= 25
    names = frozenset(
        word
        for user in (world.contributor, world.other, world.moderator)
        for word in re.findall(r"\w+", f"{user.public_name} {user.username}")
    )
    problems: list[str] = []
    for name, row in pages:
        if row is None:
            url, user = "/no-such-page/", None
        else:
            role = next(role for role, code in zip(ROLES, row.get, strict=True) if code == 200)
            url, user = row.path.format(**world.values), users[role]
        client.logout()
        if user is not None:
            client.force_login(user)
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        english_text = visible_text(english.content.decode())
        for language, header in LANGUAGES.items():
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=header)
            assert response.status_code == english.status_code, (name, language)
            html = response.content.decode()
            if "<html" in html:  # not for htmx fragments
                assert f'<html lang="{language}"' in html, (name, language)
            found = left_in_english(english_text, visible_text(html), language, content=names)
            # Country lists come from django-countries' catalogue, not ours: one built
            # at import stays English ("Jamaica" is "Jamaika", "牙买加" when translated).
            found += [word for word in ("Jamaica",) if word in visible_text(html)]
            allowed = STORED_TEXT.get(name, set())
            problems += [
                f"{name} ({url}) in {language}: {text}"
                for text in found
                if text.replace("\\", "") not in allowed
            ]
    assert problems == [], "English left on translated pages:\n" + "\n".join(problems)


def test_the_check_finds_an_interface_string_left_in_english():
    """The comparison itself: an interface string the German page still shows in English is
    found; the same words in the content of both renderings are not."""
    english = "Skip to content. Wong writes: Skip to content."
    assert (
        left_in_english(english, "Zum Inhalt springen. Wong writes: Skip to content.", "de") == []
    )
    assert left_in_english(english, "Skip to content. Wong writes: Skip to content.", "de")
