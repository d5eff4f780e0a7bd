"""No cached payload is ever served stale (apps/common/http_cache.py, ADR 0007), with the
caches on as in production: for every public payload and every kind of change to what it
shows (a display name, an annotation's body, visibility, hiding, deletion, an entry's
title and status, a deactivated account), the next request, sending the ETag of the copy
the client holds, gets exactly what a render from an empty cache gives: never a 304 and
never the old body once the truth changed."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.common.http_payloads import PAYLOADS, Scene, api_me_url, scene  # noqa: F401

pytestmark = pytest.mark.django_db


def _display_name(s: Scene):
    s.author.display_name = "Ada Renamed"
    s.author.save()


def _annotation_body(s: Scene):
    from apps.annotations.services import annotation_update

    annotation_update(annotation=s.annotation, user=s.author, body="Schufa note edited")


def _made_private(s: Scene):
    from apps.annotations.services import annotation_update

    annotation_update(annotation=s.solo, user=s.author, visibility="private")


def _hidden(s: Scene):
    from apps.annotations.services import annotation_hide

    annotation_hide(annotation=s.annotation, moderator=s.moderator)


def _deleted(s: Scene):
    from apps.annotations.services import annotation_delete

    annotation_delete(annotation=s.solo, user=s.author)


def _entry_title(s: Scene):
    from apps.atlas.entries.services import example_update

    example_update(
        actor=s.moderator,
        example=s.example,
        changes={"title": "Schufa entry renamed"},
        change_reason="A clearer title.",
    )


def _entry_status(s: Scene):
    from apps.atlas.entries.transitions import example_transition

    example_transition(actor=s.moderator, example=s.example, to="archived", reason="Ended.")


def _account_deactivated(s: Scene):
    s.author.is_active = False
    s.author.save()


def _alignment_corrected(s: Scene):
    from apps.sources import services
    from apps.sources.models import Translation

    translation = Translation.objects.get(language="de")
    services.alignment_edit(actor=s.moderator, translation=translation, operation="merge", order=0)


def _translation_credit(s: Scene):
    from apps.sources.models import Translation

    translation = Translation.objects.get(language="de")
    translation.translator = "Creditscape contributors, renamed"
    translation.save()


def _legend_entry(s: Scene):
    from apps.annotations.services import legend_entry_create

    # The scene's annotation is tagged; the reader's payload and legend change colour.
    legend_entry_create(actor=s.moderator, tag="country:", match="prefix", colour="rose")


CHANGES = {
    "alignment corrected": (_alignment_corrected, "Beschreibung"),
    "translation credit": (_translation_credit, "Creditscape-Mitwirkende"),
    "highlight legend entry": (_legend_entry, "hl--c-rose"),
    "display name": (_display_name, "Ada Original"),
    "annotation body": (_annotation_body, "Schufa note original"),
    "visibility public to private": (_made_private, "Solo note original"),
    "hidden": (_hidden, "Schufa note original"),
    "deleted": (_deleted, "Solo note original"),
    "entry title": (_entry_title, "Schufa entry original"),
    "entry status": (_entry_status, "Schufa entry original"),
    "account deactivated": (_account_deactivated, "Ada Original"),
}

# Parts of a body that differ between two renders of the same data: the feed's build
# time, and relative times ("3 seconds ago"; a cached page may show them up to
# HTTP_CACHE_BODY_SECONDS old, which is the point of caching it).
_VOLATILE = re.compile(rb"<updated>[^<]*</updated>|(<time datetime=\"[^\"]*\">)[^<]*(</time>)")


def _body(response) -> bytes:
    return _VOLATILE.sub(rb"\1\2", response.content)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_no_payload_is_served_stale_after_a_change(client, scene, run_on_commit, change):  # noqa: F811
    apply, old_text = CHANGES[change]
    urls = {name: build(scene) for name, build in PAYLOADS.items()}
    held = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        held[name] = response
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, name

    with run_on_commit():  # as in production: the change commits
        apply(scene)

    # Every revalidation first, then the truth from an empty cache (clearing it earlier
    # would restart every version and make the later revalidations trivially fresh).
    afters = {
        name: client.get(url, HTTP_IF_NONE_MATCH=held[name]["ETag"]) for name, url in urls.items()
    }
    cache.clear()
    changed = []
    for name, url in urls.items():
        before, after, truth = held[name], afters[name], client.get(url)
        if truth.status_code == 200 and _body(truth) == _body(before):
            continue  # this payload does not show what changed
        changed.append(name)
        assert after.status_code != 304, f"{name}: 304 although it changed ({change})"
        assert after.status_code == truth.status_code, name
        if truth.status_code == 200:
            assert _body(after) == _body(truth), f"{name}: stale body after {change}"
            if old_text.encode() in _body(before) and old_text.encode() not in _body(truth):
                assert old_text.encode() not in _body(after), name
    assert changed, f"no payload showed the change {change}"


@pytest.mark.parametrize("change", ["display name", "account deactivated"])
def test_the_personal_payload_is_fresh_too(client, scene, run_on_commit, change):  # noqa: F811
    """Lane A's ``GET /api/me/`` (private, with an ETag), once it exists."""
    url = api_me_url()
    if url is None:
        pytest.skip("GET /api/me/ is not on this branch yet (lane A)")
    client.force_login(scene.author)
    before = client.get(url)
    with run_on_commit():
        CHANGES[change][0](scene)
    after = client.get(url, HTTP_IF_NONE_MATCH=before.get("ETag", ""))
    assert after.status_code != 304 or change == "account deactivated"
