"""A merge carries the duplicate's name-only credits (recorded from an imported file, ADR
0017) to the surviving entry, without repeating a credit the survivor has, shows them
before merging, and an undo takes back exactly those: nobody's credit is lost, swapped
or doubled."""

from __future__ import annotations

import pytest

from apps.atlas.contributors import credit_records
from apps.atlas.merge import services as merge_services
from apps.atlas.models import Example, ExampleContributor, ExampleMerge
from apps.moderation.models import AuditAction, AuditLogEntry

from .conftest import api
from .test_merge import coded_pair, full_snapshot  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

WANG = "0000-0001-5109-3700"
LI = "0000-0002-1825-0097"
CHEN = "0000-0002-1694-233X"


def record(example, credits: list[dict]) -> Example:
    Example.objects.filter(pk=example.pk).update(recorded_credits=credits)
    return Example.objects.get(pk=example.pk)


def merge(actor, source, target, reason="Same system"):
    return merge_services.example_merge(
        actor=actor, source=source, target_id=target.pk, reason=reason,
        fields={"title": "target", "operator": "target"},
    )  # fmt: skip


@pytest.fixture
def credited_pair(coded_pair):  # noqa: F811 - the fixture imported above
    """A and B each with credits from an imported file; some name the same people."""
    a, b = coded_pair
    a = record(
        a,
        [
            {"name": "Wang Lei", "orcid": WANG, "role": "author"},
            {"name": "Li Na", "orcid": "", "role": "editor"},
        ],
    )
    b = record(
        b,
        [
            {"name": "W. Lei", "orcid": WANG, "role": "author"},  # A has this iD
            {"name": "li  NA", "orcid": "", "role": "author"},  # A has this name, no iD
            {"name": "Li Na", "orcid": LI, "role": "author"},  # same name, with an iD
            {"name": "Zhang Wei", "orcid": "", "role": "editor"},
        ],
    )
    return a, b


def test_a_merge_carries_name_only_credits_the_survivor_lacks(credited_pair, moderator):
    a, b = credited_pair
    own, theirs = list(a.recorded_credits), list(b.recorded_credits)
    merged = merge(moderator, b, a)
    a, b = Example.objects.get(pk=a.pk), Example.objects.get(pk=b.pk)
    carried = [
        {"name": "Li Na", "orcid": LI, "role": "merged"},
        {"name": "Zhang Wei", "orcid": "", "role": "merged"},
    ]
    # A's own credits first, unchanged and in order; B's new ones after, once each.
    assert a.recorded_credits == own + carried
    assert merged.added_credits == carried
    assert b.recorded_credits == theirs  # B keeps its own (an undo gives it back as it was)
    records = credit_records(a)
    assert [(r["name"], r["orcid"]) for r in records][-4:] == [
        ("Wang Lei", WANG), ("Li Na", ""), ("Li Na", LI), ("Zhang Wei", ""),
    ]  # fmt: skip
    log = AuditLogEntry.objects.get(action=AuditAction.MERGE)
    assert log.after["credited_by_name"] == carried
    # The survivor's history shows the credits as part of the merge's version.
    row = Example.history.filter(id=a.pk).order_by("-history_date", "-history_id").first()
    assert row.recorded_credits == own + carried


def test_undo_takes_back_exactly_what_the_merge_carried(
    credited_pair, moderator, user, make_published
):
    a, b = credited_pair
    a_before, b_before = full_snapshot(a), full_snapshot(b)
    first = merge(moderator, b, a)
    # Another duplicate merged in since: its credit stays through the first one's undo.
    c = record(
        make_published(user, title="Schufa address score", country="DE"),
        [{"name": "Chen Jie", "orcid": CHEN, "role": "author"}],
    )
    merge(moderator, c, a)
    merge_services.example_unmerge(actor=moderator, merge=first, reason="Two systems")
    a = Example.objects.get(pk=a.pk)
    assert a.recorded_credits == [*a_before["entry"]["recorded_credits"],
                                  {"name": "Chen Jie", "orcid": CHEN, "role": "merged"}]  # fmt: skip
    assert full_snapshot(b) == b_before


def test_undo_gives_the_survivor_its_own_credits_back_exactly(credited_pair, moderator):
    a, b = credited_pair
    a_before, b_before = full_snapshot(a), full_snapshot(b)
    merged = merge(moderator, b, a)
    merge_services.example_unmerge(actor=moderator, merge=merged, reason="Two systems")
    assert full_snapshot(a) == a_before
    assert full_snapshot(b) == b_before
    log = AuditLogEntry.objects.get(action=AuditAction.UNMERGE)
    assert log.after["credit_by_name_removed"] == merged.added_credits


@pytest.mark.parametrize("verified, carried", [(True, False), (False, True)])
def test_an_accounts_orcid_id_counts_as_the_same_person_only_when_verified(
    coded_pair,  # noqa: F811 - the fixture imported above
    moderator,
    user,
    verified,
    carried,
):
    a, b = coded_pair  # A's author is ``user``
    user.orcid, user.orcid_verified = WANG, verified
    user.save(update_fields=["orcid", "orcid_verified"])
    b = record(b, [{"name": "Wang Lei", "orcid": WANG, "role": "author"}])
    merge(moderator, b, a)
    names = [c["name"] for c in Example.objects.get(pk=a.pk).recorded_credits]
    # A self-declared iD must not take the imported person's credit away.
    assert names == (["Wang Lei"] if carried else [])


def test_the_merge_page_and_the_api_preview_show_them(client, credited_pair, moderator):
    a, b = credited_pair
    client.force_login(moderator)
    page = client.get(f"/atlas/examples/{b.pk}/merge/?into={a.pk}").content.decode()
    effects = page.split('class="merge-effects"')[1].split("</ul>")[0]
    assert "Newly credited as contributors:" in effects
    assert f"Li Na (ORCID {LI})" in effects and "Zhang Wei" in effects
    assert "W. Lei" not in effects and "named in an imported file" in effects
    preview = api(moderator).get(f"/api/examples/{b.pk}/merge/?into={a.pk}").json()
    assert preview["credited_by_name"] == [
        {"name": "Li Na", "orcid": LI},
        {"name": "Zhang Wei", "orcid": ""},
    ]
    # Nothing was written by looking.
    assert Example.objects.get(pk=a.pk).recorded_credits == a.recorded_credits


def test_a_credit_two_merges_brought_stays_until_both_are_undone(
    credited_pair, moderator, user, make_published
):
    a, b = credited_pair
    own = list(a.recorded_credits)
    first = merge(moderator, b, a)
    c = record(
        make_published(user, title="Schufa address score", country="DE"),
        [{"name": "Zhang Wei", "orcid": "", "role": "author"}],  # B brought Zhang Wei already
    )
    second = merge(moderator, c, a)
    assert second.added_credits == []
    merge_services.example_unmerge(actor=moderator, merge=first, reason="Two systems")
    names = [credit["name"] for credit in Example.objects.get(pk=a.pk).recorded_credits]
    assert names == [*(credit["name"] for credit in own), "Zhang Wei"]
    merge_services.example_unmerge(
        actor=moderator, merge=ExampleMerge.objects.get(pk=second.pk), reason="Also two"
    )
    assert Example.objects.get(pk=a.pk).recorded_credits == own


def test_an_account_two_merges_credited_stays_until_both_are_undone(
    coded_pair,  # noqa: F811 - the fixture imported above
    moderator,
    other_user,
    make_published,
):
    a, b = coded_pair  # B's author is ``other_user``
    first = merge(moderator, b, a)
    c = make_published(other_user, title="Schufa address score", country="DE")
    second = merge(moderator, c, a)
    credited = lambda: set(  # noqa: E731
        ExampleContributor.objects.filter(example=a).values_list("user_id", flat=True)
    )
    assert other_user.pk in credited()
    merge_services.example_unmerge(actor=moderator, merge=first, reason="Two systems")
    assert other_user.pk in credited()  # C's merge still brings them
    row = ExampleContributor.objects.get(example=a, user=other_user)
    assert row.merge_id == second.pk
    log = AuditLogEntry.objects.get(action=AuditAction.UNMERGE)
    assert other_user.pk not in log.after["credit_removed"]
    merge_services.example_unmerge(
        actor=moderator, merge=ExampleMerge.objects.get(pk=second.pk), reason="Also two"
    )
    assert other_user.pk not in credited()
