"""One small world with an object behind every URL parameter, so each route can be
requested with a real sample URL (tests/security/routes.py fills its paths from here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.accounts.services import api_token_regenerate
from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.atlas.discussion import services as discussion
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.lifecycle import services as lifecycle_services
from apps.atlas.merge import services as merge_services
from apps.atlas.models import Example
from apps.atlas.suggestions import services as suggestion_services
from apps.atlas.taxonomy import ensure_default_categories
from apps.moderation.services import flag_create, review_item_open
from apps.releases import services as release_services
from apps.sources import services as source_services
from apps.sources.starter import load_founding_paper, load_founding_paper_translation
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator


@dataclass
class World:
    contributor: object
    other: object
    moderator: object
    values: dict[str, object] = field(default_factory=dict)


def _published(author, moderator, title: str, country: str = "FR") -> Example:
    example = entry_services.example_create(
        author=author,
        data=example_data(title=title, country=country),
        evidence=[evidence_data(title=title, url=f"https://example.org/{abs(hash(title))}")],
        submit=True,
        confirm_distinct=True,  # a factory: look-alike entries are made on purpose
    )
    example = transitions.example_transition(actor=moderator, example=example, to="published")
    entry_services.example_update(actor=moderator, example=example, changes={"region": "Lyon"})
    return Example.objects.get(pk=example.pk)


def build_world() -> World:
    # Browser tests flush the database between tests, migration-seeded rows included.
    ensure_default_categories()
    contributor = UserFactory(username="contributor")
    other = UserFactory(username="other")
    moderator = make_moderator(username="moderator")
    api_token_regenerate(user=contributor)

    source, _ = load_founding_paper()
    load_founding_paper_translation()  # the side-by-side reader and the alignment page
    source.refresh_from_db()
    document = source.current_document
    quote = "social credit system"
    start = document.text.index(quote)
    annotation = annotation_services.annotation_create(
        author=contributor,
        document=document,
        position=TextPositionSelector(start, start + len(quote)),
        body="A note",
    )

    # An invite-only reading group of the contributor's, with a note in it; the moderator
    # is not a member (site moderators are not, by default).
    group = annotation_services.group_create(creator=contributor, name="A seminar")
    group_quote = "Sesame Credit"
    group_start = document.text.index(group_quote)
    annotation_services.annotation_create(
        author=contributor,
        document=document,
        position=TextPositionSelector(group_start, group_start + len(group_quote)),
        body="A group note",
        visibility="group",
        group=group,
    )

    entry = _published(contributor, moderator, "French scoring")
    duplicate = _published(contributor, moderator, "French scoring again")
    kept = _published(contributor, moderator, "Another French scoring")
    merge = merge_services.example_merge(
        actor=moderator,
        source=duplicate,
        target_id=kept.pk,
        reason="Same system",
        fields={"title": "target"},
    )
    comment = discussion.comment_create(author=other, example=entry, body="A comment")
    suggestion = suggestion_services.suggestion_create(
        proposer=other, example=entry, changes={"legal_note": "Another note"}
    )
    flag_create(flagger=other, target=source, reason="inaccurate")
    item = review_item_open(item_type="uploaded_source", target=source)
    pending_upload = source_services.pending_upload_create(
        user=contributor, data=b"A kept file.\n", filename="kept.txt", throttle=False
    )
    first_history = entry.history.order_by("history_date", "history_id").first()
    lifecycle_event = lifecycle_services.lifecycle_event_add(
        actor=moderator,
        example=entry,
        data=lifecycle_services.LifecycleEventData(
            state="pilot", date="2019", evidence_title="Scheme announced",
            evidence_url="https://example.org/pilot",
        ),
    )  # fmt: skip
    release = release_services.release_create(actor=moderator, version="1.0.0", title="World")
    release_services.release_build(release_id=release.pk)  # no commit here: build it now

    return World(
        contributor=contributor,
        other=other,
        moderator=moderator,
        values={
            "slug": source.slug,
            "version": document.version,
            "document_id": document.pk,
            "pending_upload": pending_upload.pk,
            "annotation": annotation.pk,
            "example": entry.pk,
            "example_slug": entry.slug,
            "history_id": first_history.history_id,
            "merge": merge.pk,
            "comment": comment.pk,
            "suggestion": suggestion.pk,
            "item": item.pk,
            "username": contributor.username,
            "country": "FR",
            "group": group.slug,
            "group_token": group.invite_token,
            "release": release.version,
            "lifecycle_event": lifecycle_event.pk,
        },
    )
