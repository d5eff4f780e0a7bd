"""A merge carries the duplicate's dated lifecycle changes to the surviving entry (those
it lacks: the same stage on the same date is the same change), shows them before
merging, and an undo takes back exactly those, keeping a copy corrected since: nothing
recorded with its evidence is left behind on a hidden duplicate or lost by an undo."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.atlas.lifecycle import services as lifecycle
from apps.atlas.lifecycle.models import LifecycleEvent
from apps.atlas.lifecycle.services import LifecycleEventData
from apps.atlas.merge import services as merge_services
from apps.atlas.models import Evidence, Example, PassageLink
from apps.moderation.models import AuditAction, AuditLogEntry
from apps.sources.models import Passage

from .conftest import api
from .test_merge import coded_pair, full_snapshot  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def change(state: str, date: str, url: str = "https://example.org/news") -> LifecycleEventData:
    return LifecycleEventData(
        state=state, date=date, evidence_title=f"{state} reported", evidence_url=url
    )


def merge(actor, source, target, reason="Same system"):
    return merge_services.example_merge(
        actor=actor, source=source, target_id=target.pk, reason=reason,
        fields={"title": "target", "operator": "target", "lifecycle": "target"},
    )  # fmt: skip


def states(example) -> list[tuple[str, str]]:
    return [
        (event.state, event.date_display)
        for event in LifecycleEvent.objects.filter(example=example).order_by("date", "pk")
    ]


@pytest.fixture
def dated_pair(coded_pair, moderator):  # noqa: F811 - the fixture imported above
    """A records the pilot of 2019; B records the same pilot (other evidence) and the
    launch of 2021-03."""
    a, b = coded_pair
    lifecycle.lifecycle_event_add(actor=moderator, example=a, data=change("pilot", "2019"))
    lifecycle.lifecycle_event_add(
        actor=moderator, example=b, data=change("pilot", "2019", "https://other.example/")
    )
    lifecycle.lifecycle_event_add(actor=moderator, example=b, data=change("active", "2021-03"))
    return Example.objects.get(pk=a.pk), Example.objects.get(pk=b.pk)


def test_a_merge_copies_the_changes_the_survivor_lacks(dated_pair, moderator):
    a, b = dated_pair
    coded = a.lifecycle
    merged = merge(moderator, b, a)
    assert states(a) == [("pilot", "2019"), ("active", "2021-03")]
    assert states(b) == [("pilot", "2019"), ("active", "2021-03")]  # B keeps its own
    copy = LifecycleEvent.objects.get(example=a, state="active")
    assert merged.added_lifecycle_events == [copy.pk]
    assert (copy.evidence_url, copy.evidence_title) == (
        "https://example.org/news",
        "active reported",
    )
    assert copy.created_by_id == moderator.pk
    # The lifecycle the moderator chose holds (a hand-coded value, until the next change).
    assert Example.objects.get(pk=a.pk).lifecycle == coded
    log = AuditLogEntry.objects.get(action=AuditAction.MERGE)
    assert log.after["moved"]["lifecycle_events"] == [copy.pk]
    # The next recorded change decides from every event, the copies included.
    lifecycle.lifecycle_event_add(actor=moderator, example=a, data=change("pilot", "2018"))
    assert Example.objects.get(pk=a.pk).lifecycle == "active"


def test_undo_gives_both_entries_back_exactly(dated_pair, moderator):
    a, b = dated_pair
    a_before, b_before = full_snapshot(a), full_snapshot(b)
    merged = merge(moderator, b, a)
    merge_services.example_unmerge(actor=moderator, merge=merged, reason="Two systems")
    assert full_snapshot(a)["lifecycle_events"] == a_before["lifecycle_events"]
    assert full_snapshot(b) == b_before
    log = AuditLogEntry.objects.get(action=AuditAction.UNMERGE)
    assert log.after["lifecycle_events_removed"] == merged.added_lifecycle_events
    assert log.after["lifecycle_events_kept_corrected_since"] == []


def test_undo_keeps_a_copy_corrected_since(dated_pair, moderator):
    a, b = dated_pair
    merged = merge(moderator, b, a)
    copy = LifecycleEvent.objects.get(pk=merged.added_lifecycle_events[0])
    lifecycle.lifecycle_event_update(
        actor=moderator, event=copy, data=change("active", "2021-04"), reason="Launched in April"
    )
    merge_services.example_unmerge(
        actor=moderator, merge=Example.objects.get(pk=a.pk).merges_in.get(), reason="Two"
    )
    assert states(a) == [("pilot", "2019"), ("active", "2021-04")]
    log = AuditLogEntry.objects.get(action=AuditAction.UNMERGE)
    assert log.after["lifecycle_events_kept_corrected_since"] == [copy.pk]


def test_too_many_changes_together_are_refused_with_nothing_stored(dated_pair, moderator):
    a, b = dated_pair
    LifecycleEvent.objects.bulk_create(
        LifecycleEvent(
            example=a,
            state="active",
            date=f"{1990 + n}-01-01",
            evidence_title="t",
            evidence_url="https://example.org/",
        )  # fmt: skip
        for n in range(lifecycle.MAX_EVENTS - 1)
    )
    with pytest.raises(ValidationError) as refused:
        merge(moderator, b, a)
    assert "31 different lifecycle changes" in str(refused.value)
    assert Example.objects.get(pk=b.pk).status != "merged"
    assert LifecycleEvent.objects.filter(example=a).count() == lifecycle.MAX_EVENTS


def test_the_merge_page_and_the_api_preview_show_them(client, dated_pair, moderator):
    a, b = dated_pair
    client.force_login(moderator)
    page = client.get(f"/atlas/examples/{b.pk}/merge/?into={a.pk}").content.decode()
    effects = page.split('class="merge-effects"')[1].split("</ul>")[0]
    assert "1 dated lifecycle change is copied" in effects and "(2021-03)" in effects
    preview = api(moderator).get(f"/api/examples/{b.pk}/merge/?into={a.pk}").json()
    assert [(e["state"], e["date"]) for e in preview["lifecycle_events_added"]] == [
        ("active", "2021-03")
    ]
    assert states(a) == [("pilot", "2019")]  # nothing written by looking


@pytest.mark.parametrize("what", ["evidence", "passages"])
def test_more_evidence_or_passages_together_than_an_entry_holds_is_refused(
    coded_pair,  # noqa: F811 - the fixture imported above
    moderator,
    founding_paper,
    what,
):
    a, b = coded_pair
    if what == "evidence":
        for example, prefix in ((a, "a"), (b, "b")):
            Evidence.objects.bulk_create(
                Evidence(example=example, order=n, title=f"{prefix}{n}", url=f"https://{prefix}{n}.example/")
                for n in range(11)
            )  # fmt: skip
        message = "different pieces of evidence; an entry holds at most 20"
    else:
        document = founding_paper.current_document
        top = document.passages.count()
        Passage.objects.bulk_create(
            Passage(document=document, order=top + n, kind="paragraph", text="x", start=0,
                    end=1, anchor=f"p-extra-{n}")
            for n in range(22)
        )  # fmt: skip
        passages = list(Passage.objects.filter(document=document, anchor__startswith="p-extra-"))
        for example, chosen in ((a, passages[:11]), (b, passages[11:])):
            PassageLink.objects.bulk_create(PassageLink(example=example, passage=p) for p in chosen)
        message = "link 22 passages"
    with pytest.raises(ValidationError) as refused:
        merge(moderator, b, a)
    assert message in str(refused.value)
    assert Example.objects.get(pk=b.pk).status != "merged"
