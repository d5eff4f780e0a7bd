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
        return lambda passage: f'<span class="ext-passage" data-anchor="{passage.anchor}"></span>'

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


def test_a_passage_hook_must_return_a_renderer(client, make_source, monkeypatch):
    """The passage markup is built in Python (apps/sources/reader_text.py): a hook that
    returns slot templates, as the page hooks do, is a programming error."""

    def bad(**kwargs):
        return {"templates": {"passage": ["x.html"]}}

    monkeypatch.setattr(apps.get_app_config("atlas"), "reader_passage_extension", bad)
    source = make_source()
    client.raise_request_exception = True
    with pytest.raises(TypeError, match="apps.atlas.reader_passage_extension must return"):
        client.get(source.get_absolute_url())


def test_passage_text_is_escaped(client, make_source):
    source = make_source(b"<script>alert(1)</script> & <b>bold</b>\n\nSecond paragraph.")
    html = client.get(source.get_absolute_url()).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
