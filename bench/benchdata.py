"""Benchmark data: a realistic corpus written fast, for `manage.py seed_bench`, the load
test and the bench/ modules.

Rows are written around the services (they validate and save one row at a time, far too
slow for 10^5 rows) but hold exactly what the services would store: passages laid out by
the importer's own ``pipeline.layout`` (offsets, anchors, sections), annotations with
selectors recomputed from the text by ``anchoring.context_around`` and an ``anchored`` row
on their version, replies with their parent and thread root, rendered Markdown, history
rows, reply notifications, published entries with evidence and passage links, and the
stored search vectors computed by ``apps.search.services`` at the end. Roles are given
through the moderation services (a handful of users, so speed does not matter there).

Speed: on PostgreSQL every table is filled with ``COPY`` and ids reserved from the
table's sequence up front (children can point at parents without a round trip per row);
elsewhere (SQLite, the small scale) with ``executemany``. A batch is one transaction:
it is all there or not at all.

Each run is *additive*: it adds a new batch whose users and slugs carry the batch number
(``bench-b2-…``), and more annotations on the founding paper.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

BENCH_PREFIX = "bench-"
# One word no real text uses, put in some passages, annotations and entries, so a check
# (tests/common/test_seed_bench.py) can search for it and know it must be found.
SEARCH_MARKER = "benchmarkable"
MARKER_EVERY = 50
BATCH_ROWS = 10_000
PASSWORD_UNUSABLE = "!bench-unusable"  # starts with "!": Django treats it as unusable


@dataclass(frozen=True)
class Scale:
    users: int
    paper_annotations: int
    paper_replies: int
    passages: int  # in the generated sources (the founding paper is extra)
    annotations: int  # spread over the generated sources; one in ten a reply
    entries: int
    passages_per_source: int = 500


SCALES = {
    # CI smoke: seconds, also on SQLite. 600 entries: every country gets a published one
    # (each comes round twice, and no two of its turns are both drafts).
    "small": Scale(
        users=12, paper_annotations=40, paper_replies=100, passages=1_200, annotations=400,
        entries=600, passages_per_source=300,
    ),
    "full": Scale(
        users=200, paper_annotations=2_000, paper_replies=5_000, passages=100_000,
        annotations=200_000, entries=100_000,
    ),
}  # fmt: skip


# --- Text ---------------------------------------------------------------------------------

_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*[A-Za-z]$")


def vocabulary() -> list[str]:
    """Words of the founding paper (with their frequencies), letters only, so generated
    text is plain prose: no Markdown syntax, and ``render_plain`` equals the renderer."""
    from apps.sources.starter import FOUNDING_PAPER_FILE

    words = [w.strip(".,;:()'\"“”‘’!?") for w in FOUNDING_PAPER_FILE.read_text().split()]
    return [w for w in words if _WORD.match(w)]


def render_plain(text: str) -> str:
    """What ``apps.common.markdown.render_markdown`` gives for one paragraph of plain
    words (no Markdown syntax), at a fraction of the cost (checked by the test)."""
    return f"<p>{html.escape(text, quote=False)}</p>\n" if text else ""


_PLAIN_PROSE = re.compile(r"[A-Za-z][A-Za-z0-9' ,.;:-]*")


class Renderer:
    """Markdown to HTML for generated bodies: plain prose by ``render_plain``, anything
    else by the real renderer, once per distinct text."""

    def __init__(self):
        self.rendered: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if _PLAIN_PROSE.fullmatch(text) and "  " not in text:
            return render_plain(text)
        if text not in self.rendered:
            from apps.common.markdown import render_markdown

            self.rendered[text] = render_markdown(text)
        return self.rendered[text]


class Prose:
    """Seeded random prose from the paper's words."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary()

    def words_(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(low, high)))

    def title(self, low: int = 4, high: int = 9) -> str:
        return self.words_(low, high).capitalize()

    def sentence(self, low: int = 8, high: int = 24) -> str:
        return self.words_(low, high).capitalize() + "."

    def paragraph(self, low: int = 2, high: int = 6, *, marker: bool = False) -> str:
        sentences = [self.sentence() for _ in range(self.rng.randint(low, high))]
        if marker:
            sentences.insert(1, f"This is {SEARCH_MARKER} text.")
        return " ".join(sentences)


# --- Fast inserts -------------------------------------------------------------------------

_PLAIN_TYPES = (int, str, bool, float, datetime.datetime, datetime.date, type(None))


def _reserve_ids(table: str, column: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer at a time, so the next free ids are known inside the
        # transaction; explicit ids also move sqlite_sequence on.
        cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {table}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(highest, row[0] if row else 0) + 1
        return list(range(first, first + count))


def insert_rows(model, objs: Sequence) -> Sequence:
    """Insert unsaved instances of ``model`` with explicit ids (set on the instances).

    ``auto_now``/``auto_now_add`` fields keep a value already set (so generated rows can
    be spread over time) and get now otherwise. No signals, no ``save()``: the caller
    writes what the services would have written.
    """
    if not objs:
        return objs
    # Raw attribute values (a country field's descriptor would build a Country per read).
    ids = insert_values(model, [obj.__dict__ for obj in objs])
    attname = model._meta.pk.attname
    for obj, pk_value in zip(objs, ids, strict=True):
        setattr(obj, attname, pk_value)
        obj._state.adding = False
        obj._state.db = "default"
    return objs


def insert_values(model, rows: Sequence[dict]) -> list[int]:
    """Insert rows given as {attname: value} (missing fields get their default; the
    primary key is reserved here, and written back into each dict). Returns the ids."""
    if not rows:
        return []
    opts = model._meta
    fields = list(opts.concrete_fields)
    pk = opts.pk
    ids = _reserve_ids(opts.db_table, pk.column, len(rows))
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    values = []
    for row, pk_value in zip(rows, ids, strict=True):
        row[pk.attname] = pk_value
        line = []
        for f in fields:
            value = row.get(f.attname, _MISSING)
            if value is _MISSING or (value is None and f.attname in stamped):
                value = now if f.attname in stamped else f.get_default()
                row[f.attname] = value
            # On PostgreSQL psycopg adapts plain values itself; JSON, countries and the
            # like (and everything on SQLite) go through the field, as bulk_create does.
            if not (postgres and type(value) in _PLAIN_TYPES):
                value = f.get_db_prep_save(value, connection)
            line.append(value)
        values.append(line)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
                for line in values:
                    copy.write_row(line)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({marks})", values
            )
    return ids


_MISSING = object()


def insert_history(objs: Sequence, *, date=None, user_id=None) -> None:
    """The "+" (created) history rows django-simple-history writes when a service saves."""
    if not objs:
        return
    historical = type(objs[0]).history.model
    tracked = [f.attname for f in historical.tracked_fields]
    now = date or timezone.now()
    rows = []
    for obj in objs:
        raw = obj.__dict__
        row = {name: raw[name] for name in tracked}
        row.update(history_date=raw.get("modified") or now, history_user_id=user_id,
                   history_change_reason=None, history_type="+")  # fmt: skip
        rows.append(row)
    insert_values(historical, rows)


def chunked(items: Sequence, size: int = BATCH_ROWS) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Users and roles ------------------------------------------------------------------------

GIVEN = ["Ada", "Bo", "Chen", "Dara", "Emeka", "Farah", "Gül", "Hana", "Ivo", "Jun", "Kofi",
         "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven"]  # fmt: skip
FAMILY = ["Abe", "Berger", "Costa", "Dlamini", "Eriksen", "Fischer", "García", "Haddad",
          "Ito", "Jansen", "Kowalski", "Li", "Moreau", "Nowak", "Okafor", "Petrov"]  # fmt: skip


def person_name(n: int, step: int = 1) -> str:
    return f"{GIVEN[n % len(GIVEN)]} {FAMILY[(n * step) % len(FAMILY)]}"


AFFILIATIONS = ["Curtin University", "University of Amsterdam", "Tsinghua University",
                "Humboldt University Berlin", "University of Cape Town", "Independent"]  # fmt: skip


@dataclass
class BenchUsers:
    admin: object
    moderators: list = field(default_factory=list)
    trusted: list = field(default_factory=list)
    contributors: list = field(default_factory=list)

    @property
    def everyone(self) -> list:
        return [*self.moderators, *self.trusted, *self.contributors]


def make_users(prefix: str, count: int, *, password_hash: str = PASSWORD_UNUSABLE) -> BenchUsers:
    """An admin (superuser) and ``count`` users: about one in 25 a moderator (the first
    global, the others scoped to two countries), one in 10 trusted, the rest contributors.
    Roles are granted through the moderation services, by the admin, with audit rows."""
    from django.contrib.auth import get_user_model
    from django_countries import countries

    from apps.moderation import services as moderation

    User = get_user_model()
    codes = [code for code, _name in countries]
    admin = User(username=f"{prefix}admin", email=f"{prefix}admin@example.org",
                 password=password_hash, is_staff=True, is_superuser=True,
                 display_name="Bench admin")  # fmt: skip
    insert_rows(User, [admin])
    people = []
    for i in range(count):
        people.append(
            User(username=f"{prefix}user-{i}", email=f"{prefix}user-{i}@example.org",
                 password=password_hash, display_name=person_name(i, 7),
                 affiliation=AFFILIATIONS[i % len(AFFILIATIONS)],
                 country=codes[(i * 13) % len(codes)],
                 date_joined=timezone.now() - datetime.timedelta(days=count - i))
        )  # fmt: skip
    insert_rows(User, people)
    moderators = max(2, count // 25) if count >= 3 else 0
    trusted = max(1, count // 10) if count >= 3 else 0
    result = BenchUsers(admin=admin)
    for i, user in enumerate(people):
        if i < moderators:
            scope = (
                [] if i == 0 else [codes[(i * 31) % len(codes)], codes[(i * 31 + 1) % len(codes)]]
            )
            moderation.role_grant_moderator(
                actor=admin, user=user, countries=scope, everywhere=not scope,
                reason="Benchmark data",
            )  # fmt: skip
            result.moderators.append(user)
        elif i < moderators + trusted:
            moderation.role_grant_trusted(actor=admin, user=user, reason="Benchmark data")
            result.trusted.append(user)
        else:
            result.contributors.append(user)
    return result


# --- Sources --------------------------------------------------------------------------------


def make_documents(
    sources_and_blocks: Sequence[tuple], *, version: int = 1, created_by_id=None
) -> list:
    """A ready version of each (saved) source from its blocks, laid out by the importer's
    own ``pipeline.layout``, with passages; it becomes the source's current version.
    Returns [(document, [passages])]."""
    from apps.sources.importers.pipeline import layout
    from apps.sources.models import Document, DocumentStatus, Passage, Source

    now = timezone.now()
    documents, layouts = [], []
    for source, blocks in sources_and_blocks:
        text, specs = layout(blocks)
        documents.append(
            Document(source_id=source.pk, version=version, status=DocumentStatus.READY,
                     import_format="text", original_filename=f"{source.slug}.txt", text=text,
                     content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                     created_by_id=created_by_id, import_started=now, import_finished=now,
                     attempts=1)
        )  # fmt: skip
        layouts.append(specs)
    insert_rows(Document, documents)
    result = []
    all_passages = []
    for document, specs in zip(documents, layouts, strict=True):
        passages = [
            Passage(document_id=document.pk, order=s.order, kind=s.kind, section=s.section[:500],
                    text=s.text, start=s.start, end=s.end, anchor=s.anchor)
            for s in specs
        ]  # fmt: skip
        all_passages.extend(passages)
        result.append((document, passages))
    for chunk in chunked(all_passages):
        insert_rows(Passage, chunk)
    sources = [source for source, _blocks in sources_and_blocks]
    for source, document in zip(sources, documents, strict=True):
        source.current_document_id = document.pk
    Source.objects.bulk_update(sources, ["current_document"], batch_size=1000)
    return result


def long_document_blocks(prose: Prose, passages: int, *, marker_from: int = 0) -> list:
    """A long text: a heading every 8–15 paragraphs, paragraphs of 2–6 sentences."""
    from apps.sources.importers.base import Block

    blocks, until_heading = [], 0
    for n in range(passages):
        if until_heading == 0:
            blocks.append(Block("heading", prose.title(3, 8)))
            until_heading = prose.rng.randint(8, 15)
        else:
            marker = (marker_from + n) % MARKER_EVERY == 0
            blocks.append(Block("paragraph", prose.paragraph(marker=marker)))
            until_heading -= 1
    return blocks


def make_sources(prose: Prose, *, prefix: str, passages: int, per_source: int, added_by) -> list:
    """Sources with long documents, ``passages`` passages in all (the last may be
    shorter). Returns [(source, document, [passages])]."""
    from apps.sources.models import Source, SourceType

    types = [SourceType.PAPER, SourceType.REPORT, SourceType.LAW, SourceType.NEWS]
    made, done, n = [], 0, 0
    while done < passages:
        size = min(per_source, passages - done)
        title = prose.title(5, 12)
        source = Source(
            slug=f"{prefix}source-{n}", title=title,
            authors=[person_name(n), person_name(n + 5, 3)],
            year=1995 + n % 30, venue="Journal of Benchmark Studies", publisher="Bench Press",
            source_type=types[n % len(types)], abstract=prose.paragraph(3, 6),
            added_by_id=added_by.pk if added_by else None,
        )  # fmt: skip
        made.append((source, long_document_blocks(prose, size, marker_from=done)))
        done += size
        n += 1
    insert_rows(Source, [s for s, _b in made])
    insert_history([s for s, _b in made])
    documents = make_documents(made, created_by_id=added_by.pk if added_by else None)
    return [(s, d, p) for (s, _b), (d, p) in zip(made, documents, strict=True)]


# --- Annotations ------------------------------------------------------------------------------

# The same pools as bench/bench_annotations.py, so it can generate through here and still
# measure the same data.
TAGS = [[], [], ["surveillance"], ["country:DE"], ["scoring", "credit"], ["question"]]
MOTIVATIONS = ["commenting", "commenting", "questioning", "highlighting", "tagging"]
ROOT_BODY = "A remark about **this** passage, see [the report](https://example.org/report)."
REPLY_BODY = "I agree, and @reader1 should see this."


def random_span(rng: random.Random, passages, low: int = 10, high: int = 200) -> tuple[int, int]:
    passage = rng.choice(passages)
    length = min(rng.randint(low, high), passage.end - passage.start)
    start = rng.randint(passage.start, passage.end - length)
    return start, start + length


@dataclass
class AnnotationCounts:
    roots: int = 0
    replies: int = 0
    private: int = 0
    notifications: int = 0


def annotate(
    rng: random.Random,
    *,
    document,
    passages,
    authors: Sequence,
    roots: int,
    replies: int,
    reply_authors: Sequence | None = None,
    body: Callable[[int], str] | None = None,
    reply_body: Callable[[int], str] | None = None,
    created: Callable[[int], datetime.datetime] | None = None,
    history: bool = True,
    notifications: bool = True,
) -> AnnotationCounts:
    """``roots`` annotations on random spans of ``document`` (one in 20 private) and
    ``replies`` public replies in nested threads on its public roots.

    Each root stores what ``annotation_create`` stores: quote, 32-character prefix and
    suffix recomputed from the text, position, the passage holding its start, rendered
    body, and an ``anchored`` row on its version. Each reply what ``annotation_reply``
    stores: parent, thread root, no target. With ``notifications`` the parent's author is
    told of a reply (as ``_notify`` does), marked read and e-mailed so that nothing is
    sent. ``body(i)``/``reply_body(i)`` give the i-th text (default: bench_annotations').
    """
    from django.contrib.contenttypes.models import ContentType

    from apps.annotations.anchoring import context_around
    from apps.annotations.models import AnchorStatus, Annotation, AnnotationAnchor
    from apps.notifications.models import Notification, NotificationKind

    passages = sorted(passages, key=lambda p: p.start)
    starts = [p.start for p in passages]
    text = document.text
    reply_authors = reply_authors or authors
    html_of = Renderer()

    counts = AnnotationCounts()
    public_roots: list[Annotation] = []
    threads: dict[int, list] = {}
    made = 0
    while made < roots:
        batch = []
        for i in range(made, min(roots, made + BATCH_ROWS)):
            start, end = random_span(rng, passages)
            exact, prefix, suffix = context_around(text, start, end)
            # The passage holding the start (``services.targets._passage_at``).
            passage = passages[_bisect_right(starts, start) - 1]
            author = rng.choice(authors)
            value = body(i) if body else ROOT_BODY
            annotation = Annotation(
                source_id=document.source_id, document_id=document.pk, author_id=author.pk,
                body=value, body_html=html_of(value),
                tags=rng.choice(TAGS), motivation=rng.choice(MOTIVATIONS),
                visibility="private" if i % 20 == 0 else "public", passage_id=passage.pk,
                exact=exact, prefix=prefix, suffix=suffix, start=start, end=end,
            )  # fmt: skip
            if created:
                annotation.created = annotation.modified = created(i)
            batch.append(annotation)
        insert_rows(Annotation, batch)
        insert_rows(
            AnnotationAnchor,
            [
                AnnotationAnchor(annotation_id=a.pk, document_id=document.pk,
                                 status=AnchorStatus.ANCHORED, score=1.0, start=a.start,
                                 end=a.end, passage_id=a.passage_id)
                for a in batch
            ],
        )  # fmt: skip
        if history:
            insert_history(batch)
        for a in batch:
            if a.visibility == "public":
                public_roots.append(a)
                threads[a.pk] = [a]
            else:
                counts.private += 1
        made += len(batch)
    counts.roots = roots
    if replies and not public_roots:
        raise ValueError("Replies need at least one public root annotation.")
    remaining, n = replies, 0
    # Replies come in waves so later ones can answer earlier ones (nested threads).
    while remaining:
        wave = []
        for _ in range(min(remaining, 1000)):
            root = rng.choice(public_roots)
            parent = rng.choice(threads[root.pk])
            author = rng.choice(reply_authors)
            value = reply_body(n) if reply_body else REPLY_BODY
            reply = Annotation(
                source_id=document.source_id, document_id=document.pk, author_id=author.pk,
                body=value, body_html=html_of(value), tags=[], motivation="replying",
                visibility="public", parent_id=parent.pk, thread_id=root.pk,
            )  # fmt: skip
            reply._parent_author_id = parent.author_id
            if created:
                reply.created = reply.modified = max(created(roots + n), parent.created)
            wave.append(reply)
            n += 1
        insert_rows(Annotation, wave)
        if history:
            insert_history(wave)
        if notifications:
            annotation_type = ContentType.objects.get_for_model(Annotation)
            notices = [
                Notification(recipient_id=r._parent_author_id, actor_id=r.author_id,
                             subject_type=annotation_type, subject_id=r.pk,
                             kind=NotificationKind.REPLY, target_label="", target_url="",
                             text=r.body[:500], created=r.created, read_at=r.created,
                             emailed_at=r.created)
                for r in wave
                if r._parent_author_id != r.author_id
            ]  # fmt: skip
            insert_rows(Notification, notices)
            counts.notifications += len(notices)
        for reply in wave:
            threads[reply.thread_id].append(reply)
        remaining -= len(wave)
    counts.replies = replies
    return counts


def _bisect_right(values: list[int], x: int) -> int:
    import bisect

    return bisect.bisect_right(values, x)


# --- Atlas ------------------------------------------------------------------------------------


def entry_places() -> list[str]:
    from django_countries import countries

    return [code for code, _name in countries]


def make_entries(
    count: int,
    *,
    prose: Prose | None = None,
    authors: Sequence = (),
    passages: Sequence = (),
    sources: Sequence = (),
    slug_prefix: str = "benchmark-scoring-system-",
    draft_every: int = 0,
    evidence: bool = True,
    links: bool = True,
    history: bool = True,
    created: Callable[[int], datetime.datetime] | None = None,
) -> int:
    """``count`` entries spread round-robin over every ISO 3166-1 country (every 50th
    over the supranational scopes) and every category, with varied dimensions; published
    (with ``published_at``) except every ``draft_every``-th, a draft. With ``evidence``
    each has one or two dated citations (every fifth cites a hosted source), with
    ``links`` one or two passage links (to ``passages``). Without ``prose`` titles and
    summaries are fixed strings (bench/bench_atlas.py: its figures read neither).
    Returns the number of published entries."""
    from apps.atlas.models import (
        Category,
        Confidence,
        Consequence,
        Contestable,
        DataSource,
        Evidence,
        Example,
        LegalBasis,
        Lifecycle,
        Operator,
        PassageLink,
        Relation,
        Scope,
        Scored,
        Status,
        Transparency,
    )
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()
    codes = entry_places()
    scopes = list(Scope.values)
    categories = list(Category.objects.order_by("pk"))
    operators = list(Operator.values)
    lifecycles = list(Lifecycle.values)
    consequences = [c for c in Consequence.values if c not in ("unknown", "none_known")]
    data_sources = [d for d in DataSource.values if d != "unknown"]
    relations = list(Relation.values)

    choices_of = {
        c: list(c.values) for c in (Scored, Transparency, Contestable, LegalBasis, Confidence)
    }

    def choice(choices, n: int, step: int = 1):
        values = choices_of[choices]
        return values[(n * step) % len(values)]

    published = 0
    now = timezone.now()
    html_of = Renderer()
    for first in range(0, count, BATCH_ROWS):
        batch = []
        for n in range(first, min(count, first + BATCH_ROWS)):
            # Every 50th entry is supranational; the rest cycle through the countries.
            place = {"scope": scopes[n % len(scopes)], "country": ""} if n % 50 == 49 else {
                "country": codes[n % len(codes)], "scope": ""
            }  # fmt: skip
            start_year = 1990 + n % 35
            draft = bool(draft_every) and n % draft_every == draft_every - 1
            if prose:
                title = f"{prose.title(3, 7)} {n}"
                summary = prose.paragraph(2, 4, marker=n % MARKER_EVERY == 0)
            else:
                title, summary = f"Benchmark scoring system {n}", "A synthetic entry."
            stamp = created(n) if created else now
            batch.append(
                Example(
                    title=title, slug=f"{slug_prefix}{n}", summary=summary,
                    summary_html=html_of(summary),
                    # Each turn round the countries shifts the categories by one, so
                    # every country × category pair comes up and the first 14 entries
                    # already cover every category.
                    category=categories[(n + n // len(codes)) % len(categories)],
                    operator=operators[n % len(operators)], scored=choice(Scored, n, 3),
                    lifecycle=lifecycles[n % len(lifecycles)],
                    consequences=[consequences[n % len(consequences)]],
                    data_sources=[data_sources[(n * 5) % len(data_sources)]]
                    if prose else ["financial"],
                    transparency=choice(Transparency, n, 7), contestable=choice(Contestable, n, 2),
                    legal_basis=choice(LegalBasis, n, 3), confidence=choice(Confidence, n, 5),
                    start_year=start_year, end_year=start_year + 3 if n % 4 == 0 else None,
                    status=Status.DRAFT if draft else Status.PUBLISHED,
                    published_at=None if draft else stamp, created=stamp, modified=stamp,
                    author_id=authors[n % len(authors)].pk if authors else None, **place,
                )
            )  # fmt: skip
            published += not draft
        insert_rows(Example, batch)
        if history:
            insert_history(batch)
        citations, provenance = [], []
        for n, example in enumerate(batch, start=first):
            if evidence:
                for order in range(1 + (n % 3 == 0)):
                    hosted = (
                        sources[n % len(sources)] if sources and n % 5 == 0 and not order else None
                    )
                    citations.append(
                        Evidence(
                            example_id=example.pk, order=order,
                            title=hosted.title if hosted
                            else (prose.title() if prose else f"Report {n}"),
                            url="" if hosted
                            else f"https://example.org/bench/{example.slug}/{order}",
                            source_id=hosted.pk if hosted else None, publisher="Bench Press",
                            published=datetime.date(2000 + n % 25, 1 + n % 12, 1),
                            accessed=datetime.date(2025, 1 + n % 12, 1 + n % 28),
                        )
                    )  # fmt: skip
            if links and passages:
                chosen = {passages[(n * 7919) % len(passages)].pk}
                if n % 4 == 0:
                    chosen.add(passages[(n * 104729 + 1) % len(passages)].pk)
                for i, passage_id in enumerate(sorted(chosen)):
                    provenance.append(
                        PassageLink(example_id=example.pk, passage_id=passage_id,
                                    relation=relations[(n + i) % len(relations)])
                    )  # fmt: skip
        insert_rows(Evidence, citations)
        insert_rows(PassageLink, provenance)
        if history:
            insert_history(citations, date=now)
            insert_history(provenance, date=now)
    return published


# --- The whole corpus -------------------------------------------------------------------------


class NotBenchDatabase(Exception):
    """The database holds data that is not benchmark data (see ``foreign_data``)."""


def foreign_data() -> dict[str, int]:
    """Rows that neither the starter data nor an earlier seed wrote, by kind."""
    from django.contrib.auth import get_user_model

    from apps.atlas.models import Example
    from apps.atlas.starter import STARTER_ENTRIES
    from apps.sources.models import Source
    from apps.sources.starter import FOUNDING_PAPER

    starter_titles = [entry["data"].title for entry in STARTER_ENTRIES]
    found = {
        "users": get_user_model().objects.exclude(username__startswith=BENCH_PREFIX).count(),
        "sources": Source.objects.exclude(slug__startswith=BENCH_PREFIX)
        .exclude(slug=FOUNDING_PAPER["slug"])
        .count(),
        "atlas entries": Example.objects.exclude(author__username__startswith=BENCH_PREFIX)
        .exclude(author__isnull=True, title__in=starter_titles)
        .count(),
    }
    return {kind: n for kind, n in found.items() if n}


def next_batch_prefix() -> str:
    from django.contrib.auth import get_user_model

    done = (
        get_user_model().objects.filter(username__regex=rf"^{BENCH_PREFIX}b[0-9]+-admin$").count()
    )
    return f"{BENCH_PREFIX}b{done + 1}-"


@dataclass
class Report:
    prefix: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def seed(
    scale: Scale,
    *,
    seed: int = 0,
    force: bool = False,
    password_hash: str = PASSWORD_UNUSABLE,
    log: Callable[[str], None] = lambda line: None,
) -> Report:
    """Add one batch of benchmark data at ``scale`` (see the module docstring).

    Refuses (NotBenchDatabase) when the database holds anything but starter data and
    earlier batches, unless ``force``. One transaction: on any error nothing is stored.
    """
    from django.core.management import call_command

    from apps.annotations.models import Annotation
    from apps.atlas import cache as atlas_cache
    from apps.atlas.aggregates import selectors as atlas_selectors
    from apps.common import http_cache
    from apps.search.services import search_reindex_all
    from apps.sources.models import Source
    from apps.sources.starter import FOUNDING_PAPER

    if not force and (found := foreign_data()):
        listed = ", ".join(f"{n} {kind}" for kind, n in found.items())
        raise NotBenchDatabase(
            f"This database holds data that is not benchmark data ({listed}). "
            "Use an empty database, or --force to add benchmark data anyway."
        )
    rng = random.Random(seed)
    prose = Prose(random.Random(seed + 1))
    report = Report(prefix=next_batch_prefix())
    prefix = report.prefix
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 2)
        log(f"{name}: {now - clock:.1f} s")
        clock = now

    call_command("load_starter_data", stdout=_Discard())
    step("starter data (founding paper, categories, starter entries)")
    year_ago = timezone.now() - datetime.timedelta(days=365)

    def spread(total: int) -> Callable[[int], datetime.datetime]:
        # Creation times over the past year, in order, so activity feeds look real.
        return lambda i: year_ago + datetime.timedelta(seconds=i * 365 * 86400 / max(1, total))

    with transaction.atomic():
        users = make_users(prefix, scale.users, password_hash=password_hash)
        report.counts["users"] = scale.users + 1
        report.counts["moderators"] = len(users.moderators)
        report.counts["trusted"] = len(users.trusted)
        step("users and roles")

        paper = Source.objects.select_related("current_document").get(slug=FOUNDING_PAPER["slug"])
        document = paper.current_document
        counts = annotate(
            rng, document=document, passages=list(document.passages.all()),
            authors=users.everyone, roots=scale.paper_annotations, replies=scale.paper_replies,
            body=lambda i: prose.sentence(6, 30), reply_body=lambda i: prose.sentence(4, 20),
            created=spread(scale.paper_annotations + scale.paper_replies),
        )  # fmt: skip
        report.counts["paper annotations"] = counts.roots
        report.counts["paper replies"] = counts.replies
        step("annotations and replies on the founding paper")

        made = make_sources(prose, prefix=prefix, passages=scale.passages,
                            per_source=scale.passages_per_source, added_by=users.admin)  # fmt: skip
        report.counts["sources"] = len(made)
        report.counts["passages"] = sum(len(p) for _s, _d, p in made)
        step("sources, documents and passages")

        replies = scale.annotations // 10
        roots = scale.annotations - replies
        total_passages = max(1, report.counts["passages"])
        done_roots = done_replies = done_passages = 0
        for _source, doc, passages in made:
            # Each source gets its share of the roots and replies, by passage count.
            done_passages += len(passages)
            want_roots = roots * done_passages // total_passages - done_roots
            want_replies = replies * done_passages // total_passages - done_replies
            if want_roots < 2:  # the first root is private: replies need a second
                continue
            paragraphs = [p for p in passages if p.kind == "paragraph"] or passages
            annotate(
                rng, document=doc, passages=paragraphs, authors=users.everyone,
                roots=want_roots, replies=want_replies,
                body=lambda i: prose.paragraph(1, 3, marker=i % MARKER_EVERY == 0)
                if i % 4 == 0 else prose.sentence(6, 30),
                reply_body=lambda i: prose.sentence(4, 20),
                created=spread(want_roots + want_replies),
            )  # fmt: skip
            done_roots += want_roots
            done_replies += want_replies
        report.counts["annotations"] = Annotation.objects.filter(
            source__slug__startswith=prefix
        ).count()
        step("annotations on the generated sources")

        all_passages = [p for _s, _d, ps in made for p in ps if p.kind == "paragraph"]
        published = make_entries(
            scale.entries, prose=prose, authors=users.everyone, passages=all_passages,
            sources=[s for s, _d, _p in made], slug_prefix=f"{prefix}entry-", draft_every=25,
            created=spread(scale.entries),
        )  # fmt: skip
        report.counts["entries"] = scale.entries
        report.counts["published entries"] = published
        step("atlas entries, evidence and passage links")

        search_reindex_all()
        step("search vectors (apps.search.services.search_reindex_all)")
    step("commit (PostgreSQL checks the deferred foreign keys here)")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM sets the visibility map and hint bits a fresh bulk load lacks, so the
            # first benchmark does not pay for them (nor race autovacuum); it cannot run
            # inside a transaction (tests), where fresh statistics must do.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    atlas_cache.bump_generation()
    http_cache.invalidate(*http_cache.declared_models())  # bulk writes send no signals
    atlas_selectors.rebuild_snapshot()
    step("VACUUM ANALYZE, caches")
    return report


class _Discard:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass
