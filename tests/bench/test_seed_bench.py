"""`manage.py seed_bench --scale small`: counts and the invariants the services keep
(anchors, quotes, threads, rendered Markdown, history, visibility in the atlas and in
search) hold for the generated corpus, on whatever database the suite runs on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.annotations.anchoring import context_around
from apps.annotations.models import AnchorStatus, Annotation, AnnotationAnchor
from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.entries import selectors as entry_selectors
from apps.atlas.models import Category, Evidence, Example, PassageLink, Status
from apps.common.markdown import render_markdown
from apps.moderation import permissions
from apps.moderation.models import AuditLogEntry, ModeratorScope
from apps.notifications.models import Notification
from apps.sources.models import DocumentStatus, Passage, Source
from apps.sources.starter import FOUNDING_PAPER
from bench.benchdata import SCALES, SEARCH_MARKER

pytestmark = pytest.mark.django_db
SMALL = SCALES["small"]
TINY = ["--users", "3", "--annotations", "4", "--replies", "5", "--passages", "30",
        "--extra-annotations", "20", "--entries", "20"]  # fmt: skip


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    seed("--scale", "small", "--seed", "7")
    return "bench-b1-"


def test_counts(seeded):
    users = get_user_model().objects.filter(username__startswith=seeded)
    assert users.count() == SMALL.users + 1
    paper = Source.objects.get(slug=FOUNDING_PAPER["slug"])
    on_paper = Annotation.objects.filter(source=paper)
    assert on_paper.filter(parent__isnull=True).count() == SMALL.paper_annotations
    assert on_paper.filter(parent__isnull=False).count() == SMALL.paper_replies
    generated = Source.objects.filter(slug__startswith=seeded)
    assert Passage.objects.filter(document__source__in=generated).count() == SMALL.passages
    assert Annotation.objects.filter(source__in=generated).count() == SMALL.annotations
    assert Example.objects.filter(slug__startswith=seeded).count() == SMALL.entries
    # Sources are long documents: every one but the last has passages_per_source.
    sizes = sorted(
        Passage.objects.filter(document__source=s).count() for s in generated
    )  # fmt: skip
    assert sizes[-1] == SMALL.passages_per_source


def test_roles_through_the_moderation_services(seeded):
    users = list(get_user_model().objects.filter(username__startswith=seeded).order_by("pk"))
    admin = next(u for u in users if u.username == f"{seeded}admin")
    assert permissions.roles(admin).admin
    assert not admin.has_usable_password()
    roles = [permissions.roles(u) for u in users if u != admin]
    moderators = [r for r in roles if r.moderator]
    assert moderators and any(r.countries is None for r in moderators)
    assert any(r.countries for r in moderators), "one moderator is scoped to countries"
    assert ModeratorScope.objects.filter(user__username__startswith=seeded).exists()
    assert any(r.trusted and not r.moderator for r in roles)
    assert any(not r.trusted for r in roles), "plain contributors too"
    granted = sum(1 for r in roles if r.trusted)
    assert AuditLogEntry.objects.filter(actor=admin).count() == granted


def test_documents_are_laid_out_as_the_importer_does(seeded):
    for source in Source.objects.filter(slug__startswith=seeded).select_related("current_document"):
        document = source.current_document
        assert document.status == DocumentStatus.READY and document.version == 1
        passages = list(document.passages.order_by("order"))
        assert "\n\n".join(p.text for p in passages) == document.text
        for passage in passages:
            assert document.text[passage.start : passage.end] == passage.text
        assert len({p.anchor for p in passages}) == len(passages)
        assert passages[0].kind == "heading"
        assert all(p.section for p in passages if p.kind == "paragraph")


def test_every_annotation_is_anchored_and_every_reply_threaded(seeded):
    annotations = {a.pk: a for a in Annotation.objects.select_related("document", "passage")}
    anchors = {a.annotation_id: a for a in AnnotationAnchor.objects.all()}
    roots = [a for a in annotations.values() if a.parent_id is None]
    replies = [a for a in annotations.values() if a.parent_id is not None]
    assert len(roots) == len(anchors) == SMALL.paper_annotations + SMALL.annotations * 9 // 10
    for root in roots:
        text = root.document.text
        assert (root.exact, root.prefix, root.suffix) == context_around(text, root.start, root.end)
        assert root.exact.strip()
        assert root.passage.start <= root.start < root.passage.end
        assert root.passage.document_id == root.document_id
        anchor = anchors[root.pk]
        assert (anchor.document_id, anchor.status, anchor.start, anchor.end) == (
            root.document_id, AnchorStatus.ANCHORED, root.start, root.end
        )  # fmt: skip
        assert root.thread_id is None and root.motivation != "replying"
    for reply in replies:
        parent = annotations[reply.parent_id]
        root = annotations[reply.thread_id]
        assert root.parent_id is None
        assert reply.thread_id == (parent.thread_id or parent.pk)
        assert reply.document_id == root.document_id and reply.source_id == root.source_id
        assert reply.start is None and reply.passage_id is None
        assert reply.motivation == "replying" and reply.visibility == root.visibility == "public"
        assert reply.created >= parent.created
    for annotation in annotations.values():
        assert annotation.body_html == render_markdown(annotation.body)
    created = Annotation.history.filter(history_type="+")
    assert sorted(created.values_list("id", flat=True)) == sorted(annotations)
    # Reply notifications, already read and e-mailed (a seed sends no mail).
    notices = Notification.objects.all()
    assert notices.exists()
    assert not notices.filter(emailed_at__isnull=True).exists()
    replies = Annotation.objects.select_related("parent").in_bulk(
        list(notices.values_list("subject_id", flat=True))
    )
    for notice in notices:
        reply = replies[notice.subject_id]
        assert notice.recipient_id == reply.parent.author_id != notice.actor_id


def test_entries_cover_every_country_and_category_and_are_visible(seeded):
    from django_countries import countries

    bench = Example.objects.filter(slug__startswith=seeded)
    published = bench.filter(status=Status.PUBLISHED)
    assert published.count() == SMALL.entries - SMALL.entries // 25
    assert not published.filter(published_at__isnull=True).exists()
    visible = entry_selectors.example_list(viewer=None).filter(slug__startswith=seeded)
    assert visible.count() == published.count()
    aggregates = aggregate_selectors.atlas_aggregates()
    assert aggregates["total"] == entry_selectors.published_examples().count()
    assert {code for code, _ in countries} <= set(published.values_list("country", flat=True))
    assert set(Category.objects.values_list("pk", flat=True)) == set(
        published.values_list("category", flat=True)
    )
    draft = bench.filter(status=Status.DRAFT).select_related("author").first()
    assert draft.author is not None
    assert entry_selectors.examples_visible_to(viewer=draft.author).filter(pk=draft.pk).exists()
    assert not entry_selectors.example_list(viewer=None).filter(pk=draft.pk).exists()
    for example in bench:
        assert example.summary_html == render_markdown(example.summary)
    created = Example.history.filter(history_type="+", slug__startswith=seeded)
    assert sorted(created.values_list("id", flat=True)) == sorted(
        bench.values_list("pk", flat=True)
    )
    assert Evidence.objects.filter(example__in=bench).values("example").distinct().count() == (
        bench.count()
    )
    assert Evidence.objects.filter(example__in=bench, source__isnull=False).exists()
    links = PassageLink.objects.filter(example__in=bench).select_related("passage__document")
    assert links.count() >= bench.count()
    assert all(link.passage.document.source.slug.startswith(seeded) for link in links)


def test_search_finds_the_seeded_marker(seeded, client):
    response = client.get("/api/search/", {"q": SEARCH_MARKER})

    assert response.status_code == 200
    counts = response.json()["counts_by_kind"]
    assert counts["passage"] > 0 and counts["annotation"] > 0 and counts["entry"] > 0


def test_refuses_a_database_with_other_data_and_stores_nothing(db):
    get_user_model().objects.create_user("someone", "someone@example.org", "pw-123456789")

    with pytest.raises(CommandError, match="not benchmark data"):
        seed(*TINY)

    assert not get_user_model().objects.filter(username__startswith="bench-").exists()
    assert not Annotation.objects.exists()
    assert not Example.objects.filter(slug__startswith="bench-").exists()


def test_force_and_additive_batches(db):
    get_user_model().objects.create_user("someone", "someone@example.org", "pw-123456789")
    seed(*TINY, "--force")
    out = seed(*TINY, "--force")

    assert "bench-b2-" in out
    assert get_user_model().objects.filter(username__startswith="bench-b2-").count() == 4
    paper = Source.objects.get(slug=FOUNDING_PAPER["slug"])
    assert Annotation.objects.filter(source=paper, parent__isnull=True).count() == 8


def test_bad_numbers_are_refused(db):
    with pytest.raises(CommandError, match="positive"):
        seed("--entries", "-1")
    with pytest.raises(CommandError, match="two annotations"):
        seed("--annotations", "1", "--replies", "3")
    assert not get_user_model().objects.exists()
