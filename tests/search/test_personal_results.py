"""The search page is the same for every viewer, so what only a viewer may find (their
private notes, their notes not yet public, their reading groups' notes) comes from its
private fragment, /search/personal/ (issue 14: a group's notes are found by its members
"in every search result"; issue 13: the page itself stays public)."""

from __future__ import annotations

import pytest

from apps.annotations import services as annotation_services
from apps.annotations.models import Annotation
from apps.search.contract import is_postgres
from tests.factories import UserFactory
from tests.personal import page_with_personal_layer

pytestmark = pytest.mark.django_db

WORD = "quokkanomics"


@pytest.fixture
def people(db):
    owner, member = UserFactory(), UserFactory()
    group = annotation_services.group_create(creator=owner, name="Seminar on scoring")
    annotation_services.group_join(user=member, group=group, invite=group.invite_token)
    return {"owner": owner, "member": member, "group": group, "outsider": UserFactory()}


@pytest.fixture
def notes(people, annotate, moderator):
    owner = people["owner"]
    made = {
        "public": annotate(owner, f"{WORD} in public"),
        "private": annotate(owner, f"{WORD} for me alone", visibility="private"),
        "group": annotate(
            owner, f"{WORD} for the seminar", visibility="group", group=people["group"]
        ),
        "other's private": annotate(people["outsider"], f"{WORD} kept", visibility="private"),
    }
    hidden = annotate(people["outsider"], f"{WORD} hidden by a moderator")
    annotation_services.annotation_hide(annotation=hidden, moderator=moderator)
    made["hidden"] = Annotation.objects.get(pk=hidden.pk)
    return made


def fragment(client, viewer, query: str = WORD, **params) -> str:
    if viewer is None:
        client.logout()
    else:
        client.force_login(viewer)
    response = client.get("/search/personal/", {"q": query, **params})
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    return response.content.decode()


def found(html: str, notes: dict) -> set[str]:
    return {name for name, note in notes.items() if f'#annotation-{note.pk}"' in html}


def test_each_viewer_finds_their_own_and_their_groups_notes_only(client, people, notes, moderator):
    assert found(fragment(client, people["owner"]), notes) == {"private", "group"}
    assert found(fragment(client, people["member"]), notes) == {"group"}
    assert found(fragment(client, people["outsider"]), notes) == {"other's private", "hidden"}
    # A moderator sees others' hidden notes in moderation, not here.
    assert found(fragment(client, moderator), notes) == set()
    assert found(fragment(client, None), notes) == set()
    assert fragment(client, None).strip() == ""


def test_a_member_who_leaves_finds_the_group_note_no_more(client, people, notes):
    annotation_services.group_leave(user=people["member"], group=people["group"])
    assert found(fragment(client, people["member"]), notes) == set()


def test_filters_and_kinds_apply(client, people, notes):
    owner = people["owner"]
    assert found(fragment(client, owner, kind="entry"), notes) == set()
    assert found(fragment(client, owner, author=owner.username), notes) == {"private", "group"}
    # A filter the page refuses (an unknown tag) gives an empty fragment, not an error.
    assert fragment(client, owner, tag="no-such-tag").strip() == ""


def test_the_public_page_holds_the_slot_and_the_member_reads_their_note(client, people, notes):
    client.force_login(people["member"])
    page = page_with_personal_layer(client, f"/search/?q={WORD}")
    assert f'#annotation-{notes["group"].pk}"' in page
    assert "only you and your groups can see" in page
    assert f'#annotation-{notes["private"].pk}"' not in page


def test_the_fragment_costs_a_fixed_number_of_queries(
    client, people, notes, annotate, django_assert_max_num_queries
):
    client.force_login(people["owner"])
    url = f"/search/personal/?q={WORD}"
    client.get(url)
    # The session's user, their roles, the sample, the hits shown (SQLite: the sample's
    # count in a query of its own).
    with django_assert_max_num_queries(4 if is_postgres() else 5) as captured:
        assert client.get(url).status_code == 200
    for n in range(5):
        annotate(people["owner"], f"{WORD} {n}", visibility="group", group=people["group"])
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_moderators_own_note_on_a_hidden_source_is_not_counted(people, annotate, moderator):
    """Moderators have no index rule of their own here: the count and the hits agree."""
    from apps.moderation.services.hiding import content_hide
    from apps.search.personal import search_personal
    from apps.search.providers import SearchRequest
    from apps.search.query import parse_query

    note = annotate(moderator, f"{WORD} mine", visibility="private")
    content_hide(target=note.source, actor=moderator)
    found = search_personal(request=SearchRequest(query=parse_query(WORD), viewer=moderator))
    assert (found.total, found.hits) == (0, [])
