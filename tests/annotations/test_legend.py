"""The highlight legend: global moderators edit it at /reader/legend/ (audit-logged),
the reader's payload and legend read it, and its ETag changes with every edit."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache

from apps.annotations import services
from apps.annotations.models import HighlightLegendEntry
from apps.moderation.models import AuditAction, AuditLogEntry
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db
URL = "/reader/legend/"


def _payload(html: str) -> dict:
    match = re.search(r'<script[^>]*id="annotation-data"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def add(client, **fields):
    data = {"action": "add", "new-match": "exact", "new-colour": "rose", "new-position": "0"}
    data.update({f"new-{k}": v for k, v in fields.items()})
    return client.post(URL, data)


def test_moderator_adds_edits_and_removes_entries_each_logged(client, moderator):
    client.force_login(moderator)
    assert client.get(URL).status_code == 200
    response = add(client, tag=" Surveillance ", label="Surveillance")
    assert response.status_code == 302
    entry = HighlightLegendEntry.objects.get()
    assert (entry.tag, entry.colour, entry.label) == ("surveillance", "rose", "Surveillance")
    response = client.post(URL, {
        "action": "update", "entry": entry.pk, f"e{entry.pk}-tag": "surveillance",
        f"e{entry.pk}-match": "exact", f"e{entry.pk}-colour": "sky",
        f"e{entry.pk}-label": "", f"e{entry.pk}-position": "3",
    })  # fmt: skip
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.colour, entry.position, entry.label) == ("sky", 3, "")
    assert client.post(URL, {"action": "delete", "entry": entry.pk}).status_code == 302
    assert not HighlightLegendEntry.objects.exists()
    rows = list(AuditLogEntry.objects.filter(action=AuditAction.LEGEND_CHANGE).order_by("pk"))
    assert [(r.before is None, r.after is None) for r in rows] == [
        (True, False), (False, False), (False, True),
    ]  # fmt: skip
    assert rows[1].before["colour"] == "rose" and rows[1].after["colour"] == "sky"
    assert all(r.actor_id == moderator.pk for r in rows)


def test_only_global_moderators(client, user):
    assert client.get(URL).status_code == 302  # to sign in
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert add(client, tag="x").status_code == 403
    client.force_login(make_moderator(countries=["DE"]))  # a country moderator
    assert add(client, tag="x").status_code == 403
    assert not HighlightLegendEntry.objects.exists()
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the service too
        services.legend_entry_create(actor=user, tag="x", match="exact", colour="rose")
    assert not AuditLogEntry.objects.filter(action=AuditAction.LEGEND_CHANGE).exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"tag": "x" * 2048}, "tag"),
        ({"tag": "<script>"}, "tag"),
        ({"tag": "a,b"}, "tag"),
        ({"tag": "country:ZZ"}, "tag"),
        ({"tag": ""}, "tag"),
        ({"tag": "ok", "colour": "#ff0000"}, "colour"),
        ({"tag": "ok", "match": "regex"}, "match"),
        ({"tag": "ok", "position": "-1"}, "position"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_stored(client, moderator, fields, field):
    client.force_login(moderator)
    response = add(client, **fields)
    assert response.status_code == 400
    assert field in response.context["add_form"].errors
    assert not HighlightLegendEntry.objects.exists()
    assert not AuditLogEntry.objects.filter(action=AuditAction.LEGEND_CHANGE).exists()


def test_duplicates_unknown_actions_and_entries(client, moderator):
    client.force_login(moderator)
    assert add(client, tag="country:", match="prefix").status_code == 302
    assert HighlightLegendEntry.objects.get().tag == "country:"
    response = add(client, tag="COUNTRY:", match="prefix")
    assert response.status_code == 400 and "already has an entry" in response.text
    assert client.post(URL, {"action": "explode"}).status_code == 400
    assert client.post(URL, {"action": "delete", "entry": "999999"}).status_code == 404
    assert client.post(URL, {"action": "delete", "entry": "x\u00a0"}).status_code == 404
    assert HighlightLegendEntry.objects.count() == 1


def test_reader_reads_the_legend_and_its_etag_changes(client, moderator, founding_paper):
    reader = f"/sources/{founding_paper.slug}/"
    first = client.get(reader)
    assert _payload(first.text)["legend"] == []
    assert client.get(reader, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.legend_entry_create(
        actor=moderator, tag="Country:cn", match="exact", colour="lilac", label="China"
    )
    services.legend_entry_create(actor=moderator, tag="scoring", match="prefix", colour="sand")
    after = client.get(reader, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert _payload(after.text)["legend"] == [
        ["exact", "country:CN", "lilac"], ["prefix", "scoring", "sand"],
    ]  # fmt: skip
    assert 'class="swatch hl--c-lilac"></span> China' in after.text
    assert "Tags starting with “scoring”" in after.text
    cache.clear()
    assert client.get(reader).content == after.content


def test_reader_query_count_with_a_full_legend(client, moderator, founding_paper, django_assert_max_num_queries):  # fmt: skip
    reader = f"/sources/{founding_paper.slug}/"
    cache.clear()
    with django_assert_max_num_queries(60) as baseline:
        client.get(reader)
    before = len(baseline.captured_queries)
    for n in range(20):
        services.legend_entry_create(actor=moderator, tag=f"tag{n}", match="exact", colour="mint")
    cache.clear()
    with django_assert_max_num_queries(before + 1):
        client.get(reader)
