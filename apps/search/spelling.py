""" "Did you mean" for near misses (issue 18).

The vocabulary (``models.SearchTerm``) holds the words of what *everyone* may read — the
providers' ``vocabulary_fields`` of the rows their ``visible_queryset`` gives an anonymous
viewer — so a suggestion can never reveal a word of a private note or a draft. It is
rebuilt whole, off the request path (``vocabulary_rebuild``: hourly beat task and
``manage.py search_vocabulary``), from every word of 3-40 letters used in at least
``MIN_DOCUMENTS`` rows.

A query is checked when it found few results (``selectors``: fewer than
``CHECK_BELOW`` hits). Each positive word of four letters or more (phrases' words too)
that is not in the vocabulary is replaced by the vocabulary's most similar word, if
similar enough: on PostgreSQL with pg_trgm's ``similarity`` through a trigram GIN index
(one query for all the words); on SQLite with ``difflib`` over the words with the same
first letter. Nothing is suggested when no word changes.
"""

from __future__ import annotations

import difflib
import re

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from apps.common import http_cache

from . import languages, registry
from .models import SearchTerm
from .query import ParsedQuery, parse_query

CHECK_BELOW = 10
MIN_WORD = 4
MIN_DOCUMENTS = 2
# How similar a replacement must be: pg_trgm's similarity (0.44 for "survelliance" and
# "surveillance", 0.71 for "infrastucture"), difflib's ratio on SQLite.
MIN_SIMILARITY = 0.4
DIFFLIB_MIN_RATIO = 0.75
_WORD = re.compile(r"[^\W\d_]{3,40}", re.UNICODE)


def _public_querysets():
    from .providers import SearchRequest

    request = SearchRequest(query=parse_query(""), viewer=AnonymousUser())
    for provider in registry.providers().values():
        fields = getattr(provider, "vocabulary_fields", ())
        if fields:
            yield provider.visible_queryset(request).order_by(), fields


def vocabulary_rebuild() -> int:
    """Replace the vocabulary with the words of today's public text; returns its size.
    Search payloads that may show a suggestion are invalidated (raw SQL sends no signal)."""
    size = _rebuild()
    http_cache.invalidate(SearchTerm)
    return size


@transaction.atomic
def _rebuild() -> int:
    SearchTerm.objects.all().delete()
    if connection.vendor == "postgresql":
        return _rebuild_postgres()
    counts: dict[str, int] = {}
    for queryset, fields in _public_querysets():
        for values in queryset.values_list(*fields).iterator():
            words = {w.lower() for value in values for w in _WORD.findall(value or "")}
            for word in words:
                counts[word] = counts.get(word, 0) + 1
    SearchTerm.objects.bulk_create(
        SearchTerm(term=word, documents=n) for word, n in counts.items() if n >= MIN_DOCUMENTS
    )
    return SearchTerm.objects.count()


def _rebuild_postgres() -> int:
    selects, params = [], []
    for queryset, fields in _public_querysets():
        text = " || ' ' || ".join(f"coalesce(v.f{n}::text, '')" for n in range(len(fields)))
        sql, row_params = queryset.values_list(*fields).query.sql_with_params()
        columns = ", ".join(f"f{n}" for n in range(len(fields)))
        # tsvector_to_array: each row's distinct words once, so the count is of rows.
        selects.append(
            f"SELECT word FROM ({sql}) AS v({columns}),"  # noqa: S608
            f" unnest(tsvector_to_array(to_tsvector('simple', {text}))) AS word"
        )
        params.extend(row_params)
    if not selects:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_searchterm (term, documents)"  # noqa: S608
            f" SELECT word, count(*) FROM ({' UNION ALL '.join(selects)}) AS words(word)"
            " WHERE word ~ '^[[:alpha:]]{3,40}$'"
            f" GROUP BY word HAVING count(*) >= {int(MIN_DOCUMENTS)}",
            params,
        )
        return cursor.rowcount


def _words_to_check(query: ParsedQuery) -> list[str]:
    seen: dict[str, None] = {}
    for alternative in query.alternatives:
        for term in alternative:
            if term.negated or languages.has_cjk(term.text):
                continue
            for word in _WORD.findall(term.text):
                if len(word) >= MIN_WORD:
                    seen.setdefault(word.lower(), None)
    return list(seen)


def did_you_mean(query: ParsedQuery) -> str:
    """The query with its near-miss words replaced, or "" when nothing changes."""
    words = _words_to_check(query)
    if not words:
        return ""
    if connection.vendor == "postgresql":
        closest = _closest_postgres(words)
    else:
        closest = _closest_fallback(words)
    replacements = {w: r for w, r in closest.items() if r and r != w}
    if not replacements:
        return ""
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in replacements) + r")(?!\w)", re.IGNORECASE
    )
    return pattern.sub(lambda m: replacements[m.group(1).lower()], query.raw)


def _closest_postgres(words: list[str]) -> dict[str, str]:
    """One query: each word that is not in the vocabulary, with its most similar term
    (trigram GIN index through ``%``, then ordered by similarity and use)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT typed.word, best.term
            FROM unnest(%s::text[]) AS typed(word)
            CROSS JOIN LATERAL (
                SELECT term FROM search_searchterm
                WHERE term %% typed.word AND similarity(term, typed.word) >= %s
                ORDER BY similarity(term, typed.word) DESC, documents DESC, term
                LIMIT 1
            ) AS best
            WHERE NOT EXISTS (SELECT 1 FROM search_searchterm WHERE term = typed.word)
            """,
            [words, MIN_SIMILARITY],
        )
        return dict(cursor.fetchall())


def _closest_fallback(words: list[str]) -> dict[str, str]:
    """SQLite: one query for every term that starts like one of the words (the words'
    own terms included), then ``difflib`` per word."""
    from django.db.models import Q

    condition = Q.create(
        [("term__startswith", letter) for letter in {word[0] for word in words}], connector=Q.OR
    )
    terms = dict(SearchTerm.objects.filter(condition).values_list("term", "documents"))
    found: dict[str, str] = {}
    for word in words:
        if word in terms:
            continue
        candidates = [term for term in terms if term[0] == word[0]]
        close = difflib.get_close_matches(word, candidates, n=3, cutoff=DIFFLIB_MIN_RATIO)
        if close:
            found[word] = max(
                close,
                key=lambda t: (difflib.SequenceMatcher(None, word, t).ratio(), terms[t]),
            )
    return found
