"""Queue, log and notices pages through HTTP."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.moderation.models import AuditLogEntry, ReviewItem
from apps.moderation.services import audit_record, review_item_claim

from .conftest import make_item, make_moderator

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/"


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def test_url_names():
    assert reverse("moderation:queue") == QUEUE
    assert reverse("moderation:log") == "/moderation/log/"


def test_queue_lists_items_with_labelled_checkboxes(mod_client, item):
    response = mod_client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert item.target_label in html
    assert f'<label for="item-{item.pk}"' in html
    assert "js/moderation.js" in html and 'id="moderation-help"' in html
    assert 'href="/moderation/"' in html  # the nav link for moderators


SHOWN_LINK = b'<li data-when="moderator"><a href="/moderation/"'
HIDDEN_LINK = b'<li data-when="moderator" hidden><a href="/moderation/"'


def test_nav_link_hidden_from_contributors(user_client):
    # Public pages carry it hidden for everyone; /api/me/ tells site.js to reveal it.
    assert HIDDEN_LINK in user_client.get("/sources/").content
    assert "moderation" not in user_client.get("/api/me/").json()["links"]
    assert HIDDEN_LINK in user_client.get("/notifications/").content


def test_nav_link_revealed_for_moderators(client):
    client.force_login(make_moderator())
    assert HIDDEN_LINK in client.get("/sources/").content  # public: the same for all
    me = client.get("/api/me/").json()
    assert me["roles"]["moderator"] is True and me["links"]["moderation"] == QUEUE
    assert SHOWN_LINK in client.get("/notifications/").content  # private page


def test_queue_forbidden_for_contributors_and_login_for_anonymous(client, user):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(user)
    assert client.get(QUEUE).status_code == 403


def test_queue_filters_and_scope(client, user):
    fr = make_item(author=user, country="FR")
    de = make_item(author=user, country="DE")
    french = make_moderator(countries=["FR"])
    client.force_login(french)
    html = client.get(QUEUE).content.decode()
    assert fr.target_label in html and de.target_label not in html
    client.force_login(make_moderator())
    html = client.get(QUEUE + "?country=DE").content.decode()
    assert de.target_label in html and fr.target_label not in html
    html = client.get(QUEUE + "?type=flag").content.decode()
    assert de.target_label not in html


def test_category_and_priority_are_chosen_from_lists_and_kept_in_the_url(mod_client, user):
    """Issue 19: "Filters offer real choices (categories and priority bands as selects);
    the URL keeps them": the categories items carry and the priority bands are options,
    and the filtered page shows its filters chosen."""
    scoring = make_item(author=user, category="geo-scoring", priority=2.0)
    low = make_item(author=user, category="geo-scoring", priority=1.0)
    other = make_item(author=user, category="tenant-screening", priority=4.0)
    html = mod_client.get(QUEUE).content.decode()
    category = re.search(r'<select name="category"[^>]*>(.*?)</select>', html, re.S)
    priority = re.search(r'<select name="min_priority"[^>]*>(.*?)</select>', html, re.S)
    assert category and priority, "category and priority are not selects"
    assert re.findall(r'<option value="([^"]*)"', category.group(1)) == [
        "", "geo-scoring", "tenant-screening"
    ]  # fmt: skip
    assert re.findall(r'<option value="([^"]*)"', priority.group(1)) == ["", "1", "2", "4"]

    html = mod_client.get(QUEUE, {"category": "geo-scoring", "min_priority": "2"}).text
    assert scoring.target_label in html
    assert low.target_label not in html and other.target_label not in html
    assert re.search(r'<option value="geo-scoring" selected>', html)
    assert re.search(r'<option value="2" selected>', html)
    # The form posts back to the filtered URL: a decision keeps the filters.
    assert 'action="/moderation/?category=geo-scoring&amp;min_priority=2"' in html


def test_queue_query_count_is_constant(mod_client, user, django_assert_max_num_queries):
    make_item(author=user)
    # session, user, groups, scopes, count, items; the category filter's choices and the
    # content type naming each row's adapter (its decisions), once: issue 19
    with django_assert_max_num_queries(9) as few:
        mod_client.get(QUEUE)
    for _ in range(10):
        review_item_claim(actor=make_moderator(), item=make_item(author=user))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert mod_client.get(QUEUE + "?sort=age").status_code == 200


def test_claim_from_the_page(mod_client, item, moderator):
    response = mod_client.post(reverse("moderation:claim", args=[item.pk]), {"next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    item.refresh_from_db()
    assert item.claimed_by == moderator


def test_claim_held_item_shows_conflict(mod_client, item):
    review_item_claim(actor=make_moderator(username="zed"), item=item)
    response = mod_client.post(reverse("moderation:claim", args=[item.pk]), follow=True)
    assert "zed claimed this item" in response.content.decode()


def test_bulk_decision_from_the_page(mod_client, user):
    items = [make_item(author=user) for _ in range(3)]
    response = mod_client.post(
        QUEUE,
        {"items": [items[0].pk, items[1].pk], "decision": "publish", "reason": "Checked"},
        follow=True,
    )
    assert "Publish: 2 items decided." in response.content.decode()
    assert ReviewItem.objects.filter(status="decided").count() == 2
    items[2].refresh_from_db()
    assert items[2].status == "open"


def test_decision_without_reason_on_the_page_changes_nothing(mod_client, item):
    response = mod_client.post(QUEUE, {"items": [item.pk], "decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.filter(action="decision").exists()


def test_decision_without_selection_is_explained(mod_client, item):
    response = mod_client.post(QUEUE, {"decision": "reject", "reason": "x"})
    assert response.status_code == 400
    assert "Select at least one item" in response.content.decode()


def test_a_rows_own_button_decides_that_row_with_its_reason(mod_client, user):
    """Issue 19, without JavaScript: each open row offers its type's decisions as
    buttons beside its own reason; the page comes back at the next row."""
    first, second, third = (make_item(author=user) for _ in range(3))
    page = mod_client.get(QUEUE).content.decode()
    assert f'value="publish:{first.pk}:' in page and f'value="hide:{first.pk}:' not in page
    assert '<option value="">' in page  # the panel has no default decision
    response = mod_client.post(
        QUEUE,
        {
            "items": [third.pk],  # ticked, but not what the button is about
            "decide_one": f"reject:{first.pk}:{second.pk}",
            f"reason-{first.pk}": "Off-topic for this archive",
            "reason": "",
        },
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#queue-item-{second.pk}")
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.status, first.decision, first.reason) == (
        "decided", "reject", "Off-topic for this archive",
    )  # fmt: skip
    assert third.status == "open"


def test_a_decision_the_item_does_not_offer_is_refused_on_the_page(mod_client, user):
    item = make_item(author=user)
    response = mod_client.post(
        QUEUE, {"decide_one": f"hide:{item.pk}:", f"reason-{item.pk}": "x"}, follow=True
    )
    assert "is not a decision for uploaded source" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize(
    "value",
    ["", "hide", "reject:", "reject:abc:1", "reject:99999999999999999999999:", ":::", "reject:-1:"],
)
def test_a_hostile_row_button_value_changes_nothing(mod_client, item, value):
    response = mod_client.post(
        QUEUE, {"decide_one": value, "reason": "x", f"reason-{item.pk}": "x"}, follow=True
    )
    assert response.status_code in (200, 400)
    item.refresh_from_db()
    assert item.status == "open"
    assert not AuditLogEntry.objects.filter(action="decision").exists()


def test_a_moderator_of_another_country_cannot_decide_a_row(client, user):
    item = make_item(author=user, country="DE")
    client.force_login(make_moderator(countries=["FR"]))
    response = client.post(
        QUEUE, {"decide_one": f"reject:{item.pk}:", f"reason-{item.pk}": "Not mine"}, follow=True
    )
    assert response.status_code in (200, 403, 404)
    item.refresh_from_db()
    assert item.status == "open"


def test_a_refused_row_is_named_by_what_it_shows_not_by_its_id(mod_client, user):
    """Journey 3: "Item 3: Cite the evidence …" named an id the page never shows; a
    refusal names the row's item. An item outside the moderator's countries stays "Item
    <id>" (its title is not theirs to read)."""
    held = make_item(author=user)
    review_item_claim(actor=make_moderator(), item=held)
    response = mod_client.post(
        QUEUE, {"decide_one": f"reject:{held.pk}:", f"reason-{held.pk}": "Dup"}, follow=True
    )
    page = response.content.decode()
    assert f"“{held.target_label}”: " in page
    assert f"Item {held.pk}:" not in page

    elsewhere = make_item(author=user, country="DE")
    french = Client()
    french.force_login(make_moderator(countries=["FR"]))
    page = french.post(
        QUEUE, {"items": [elsewhere.pk], "decision": "reject", "reason": "x"}, follow=True
    ).content.decode()
    assert elsewhere.target_label not in page


def test_the_panel_makes_no_decision_by_default(mod_client, item):
    response = mod_client.post(QUEUE, {"items": [item.pk], "reason": "x"})
    assert response.status_code == 400
    assert "Choose a decision" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"


@pytest.fixture
def log_rows(moderator, user):
    for index in range(3):
        audit_record(actor=moderator, action="hide", target=user, reason=f"Reason {index}")
    audit_record(actor=moderator, action="role_change", target=user, reason="=cmd|' /C calc'!A0")


def test_log_page_filters(mod_client, log_rows):
    html = mod_client.get("/moderation/log/?action=hide").content.decode()
    assert "Reason 2" in html and "calc" not in html
    assert mod_client.get("/moderation/log/?action=bogus").status_code == 200


def test_log_csv_download(mod_client, log_rows):
    response = mod_client.get("/moderation/log/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "actor", "action"]
    assert len(rows) == 5
    assert rows[1][8].startswith("'=")  # formula defused


def test_log_forbidden_for_contributors(user_client):
    assert user_client.get("/moderation/log/").status_code == 403
    assert user_client.get("/moderation/log/?format=csv").status_code == 403


def test_log_query_count(mod_client, moderator, user, django_assert_max_num_queries):
    for index in range(30):
        audit_record(actor=moderator, action="hide", target=user, reason=f"r{index}")
    # session, user, groups, scopes, count, rows (content types come from their cache)
    with django_assert_max_num_queries(7):
        assert mod_client.get("/moderation/log/").status_code == 200


# --- User roles page --------------------------------------------------------------------


def test_moderator_makes_user_trusted_from_the_page(mod_client, user):
    from apps.moderation import permissions

    url = reverse("moderation:user", args=[user.username])
    assert mod_client.get(url).status_code == 200
    response = mod_client.post(url, {"action": "grant_trusted", "reason": "Solid entries"})
    assert response.status_code == 302
    assert permissions.is_trusted(user)
    assert "Solid entries" in mod_client.get(url).content.decode()  # history


def test_user_page_needs_a_reason(mod_client, user):
    url = reverse("moderation:user", args=[user.username])
    response = mod_client.post(url, {"action": "shadow_hide_on", "reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    assert not AuditLogEntry.objects.exists()


def test_moderator_cannot_appoint_moderators_from_the_page(mod_client, user):
    url = reverse("moderation:user", args=[user.username])
    response = mod_client.post(url, {"action": "grant_moderator", "reason": "x"})
    assert response.status_code == 403
    assert not AuditLogEntry.objects.exists()


def test_admin_appoints_scoped_moderator_from_the_page(client, user):
    from apps.moderation import permissions

    from .conftest import make_admin

    client.force_login(make_admin())
    url = reverse("moderation:user", args=[user.username])
    response = client.post(
        url, {"action": "grant_moderator", "countries": ["FR", "BE"], "reason": "Volunteer"}
    )
    assert response.status_code == 302
    assert permissions.moderator_countries(user) == frozenset({"FR", "BE"})


def test_user_page_forbidden_for_contributors(user_client, other_user):
    assert (
        user_client.get(reverse("moderation:user", args=[other_user.username])).status_code == 403
    )


# --- The navigation link ----------------------------------------------------------------


def test_nav_link_costs_no_query_once_signed_in(client, user, django_assert_num_queries):
    from django.conf import settings
    from django.contrib.auth.models import Group

    from apps.moderation.permissions import MODERATOR_GROUP

    client.force_login(user)  # warms the cached answer
    # (session,) user, the notifications page, its header badge, the viewer's roles
    # (which of the notifications they may still read): none for the link. With Redis
    # the session is read from the cache (cached_db).
    cached_session = settings.SESSION_ENGINE.endswith("cached_db")
    with django_assert_num_queries(4 if cached_session else 5):
        assert HIDDEN_LINK in client.get("/notifications/").content
    assert Group.objects.filter(name=MODERATOR_GROUP).exists()


def test_nav_link_follows_group_changes(client, user, run_on_commit):
    from django.contrib.auth.models import Group

    from apps.moderation.permissions import MODERATOR_GROUP

    client.force_login(user)
    assert HIDDEN_LINK in client.get("/notifications/").content
    assert client.get("/api/me/").json()["roles"]["moderator"] is False
    with run_on_commit():
        user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    assert SHOWN_LINK in client.get("/notifications/").content
    assert client.get("/api/me/").json()["roles"]["moderator"] is True
    with run_on_commit():
        user.groups.clear()
    assert HIDDEN_LINK in client.get("/notifications/").content
    assert client.get("/api/me/").json()["roles"]["moderator"] is False


def test_countries_may_be_typed_as_lowercase_iso_codes(client, user):
    """The country picker sends ISO codes; a code typed by hand counts in any case, and
    an unknown one is a form error with nothing changed."""
    from apps.moderation import permissions

    from .conftest import make_admin

    client.force_login(make_admin())
    url = reverse("moderation:user", args=[user.username])
    page = client.get(url).content.decode()
    # The one country widget (static/js/country-combobox.js, on every page), as chips.
    assert re.search(r'<select name="countries"[^>]*data-country-combobox[^>]*multiple', page)
    assert "js/country-picker" not in page
    response = client.post(
        url, {"action": "grant_moderator", "countries": ["fr", " de "], "reason": "Volunteer"}
    )
    assert response.status_code == 302
    assert permissions.moderator_countries(user) == frozenset({"FR", "DE"})
    response = client.post(
        url, {"action": "grant_moderator", "countries": ["XX"], "reason": "Volunteer"}
    )
    assert response.status_code == 400
    permissions.forget_roles(user)
    assert permissions.moderator_countries(user) == frozenset({"FR", "DE"})
