"""Other apps extend the reader through AppConfig.reader_extension and
reader_passage_extension (see apps/sources/reader_extensions.py) without the sources app
knowing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

from .conftest import passages_text

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def extension(settings, monkeypatch):
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEMPLATES_DIR]
    settings.TEMPLATES = templates
    calls = []

    def reader_extension(request, *, source, document):
        calls.append(("page", source.slug, document.version))
        return {
            "context": {"extension_greeting": "Hello"},
            "templates": {"tools": ["tests/reader_tools.html"]},
        }

    def reader_passage_extension(*, source, document, passages):
        calls.append(("passages", source.slug, document.version, len(passages)))
        return {"templates": {"passage": ["tests/reader_passage.html"]}}

    config = apps.get_app_config("annotations")
    monkeypatch.setattr(config, "reader_extension", reader_extension, raising=False)
    monkeypatch.setattr(config, "reader_passage_extension", reader_passage_extension, raising=False)
    return calls


def test_extension_context_and_slots_are_rendered(client, make_source, extension):
    source = make_source(passages_text(3))
    html = client.get(source.get_absolute_url()).text
    assert f'<p class="ext-tools">Hello for {source.slug}</p>' in html
    anchors = list(source.current_document.passages.values_list("anchor", flat=True))
    for anchor in anchors:
        assert f'<span class="ext-passage" data-anchor="{anchor}"></span>' in html
    assert sorted(extension) == [("page", source.slug, 1), ("passages", source.slug, 1, 4)]


def test_unknown_slot_is_a_programming_error(client, make_source, monkeypatch):
    def bad(request, **kwargs):
        return {"templates": {"footer": ["x.html"]}}

    monkeypatch.setattr(apps.get_app_config("atlas"), "reader_extension", bad, raising=False)
    source = make_source()
    client.raise_request_exception = True
    with pytest.raises(ValueError, match="Unknown reader slot 'footer' from apps.atlas"):
        client.get(source.get_absolute_url())


def test_a_page_slot_in_the_passage_hook_is_a_programming_error(client, make_source, monkeypatch):
    """The passage markup is cached for every viewer: only the passage slot goes there."""

    def bad(**kwargs):
        return {"templates": {"tools": ["x.html"]}}

    monkeypatch.setattr(apps.get_app_config("atlas"), "reader_passage_extension", bad)
    source = make_source()
    client.raise_request_exception = True
    with pytest.raises(ValueError, match="Unknown reader slot 'tools' from apps.atlas"):
        client.get(source.get_absolute_url())
