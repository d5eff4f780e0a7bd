"""Starter entries drawn from the founding paper itself, each citing it and linked to the
passage it comes from. Idempotent: an entry whose title already exists in its country is
left alone (a moderator may have edited it since).

They are published, so they carry the value citations the codebook requires (legal
basis, consequences, right to contest; ADR 0011): the paper's own words where it says
something about the value, checked against its text as any citation is; otherwise the
evidence item (the paper) with a note saying the paper is silent, so a reader sees what
the coded value rests on. ``paper_says`` and ``paper_silent`` build them; the entry's one evidence
item and one passage link are index 0."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from apps.sources.models import Passage, Source
from apps.sources.starter import FOUNDING_PAPER, load_founding_paper

from .entries import services
from .entries.data import EvidenceData, ExampleData, PassageLinkData, ValueCitationData
from .models import Example
from .taxonomy import ensure_category_translations, ensure_default_categories


def paper_says(field: str, quote: str, note: str = "") -> ValueCitationData:
    """The value rests on these words of the entry's passage (and on the paper)."""
    return ValueCitationData(field=field, evidence=0, passage=0, quote=quote, note=note)


def paper_silent(field: str, note: str) -> ValueCitationData:
    """The paper says nothing on the value: the citation says so."""
    return ValueCitationData(field=field, evidence=0, note=note)


NO_CONTEST = "The paper does not say whether or how a score or listing can be contested."

STARTER_ENTRIES = [
    {
        "passage_contains": "'blacklist' and red list' systems",
        "citations": [
            paper_says(
                "consequences", "supports reward and punishment mechanisms built into the system"
            ),
            paper_says(
                "consequences",
                "exemplary citizens with high scores will find themselves on 'red lists'",
                "People are sorted onto lists; the paper does not say how the lists are made public.",
            ),
            paper_silent(
                "legal_basis",
                "The paper does not name a law or regulation behind these state-run pilot schemes.",
            ),
            paper_silent("contestable", NO_CONTEST),
        ],
        "quote": (
            "exemplary citizens with high scores will find themselves on 'red lists' whilst "
            "those with low scores will find themselves on 'blacklists'"
        ),
        "data": ExampleData(
            title="Social credit system red lists and blacklists",
            summary=(
                "Pilot schemes of China's social credit system sort people and businesses "
                "onto **red lists** (rewarded, exemplary conduct) and **blacklists** "
                "(punished, low scores), with the public and private sectors cooperating in "
                "running the pilots."
            ),
            country="CN",
            category="government-blacklists",
            operator="public_private",
            scored="both",
            data_sources=["government_records", "financial"],
            consequences=["rewards", "sanctions", "public_naming"],
            transparency="partial",
            contestable="unknown",
            legal_basis="regulation",
            lifecycle="pilot",
            confidence="medium",
        ),
    },
    {
        "passage_contains": "The Sesame Credit is one of",
        "citations": [
            paper_says(
                "consequences",
                "'nudging' individuals away from purchases, other individuals and behaviours",
                "Steered towards and away from purchases and contacts.",
            ),
            paper_says(
                "legal_basis",
                "developed by Alibaba in which every individual in their database is given a "
                "sesame credit score",
                "A company's scheme over the people in its database; the paper names no law "
                "behind it.",
            ),
            paper_silent("contestable", NO_CONTEST),
        ],
        "quote": (
            "Sesame credit not only incorporates the traditional credit score systems "
            "developed in western countries but expands beyond that to include social "
            "ranking systems."
        ),
        "data": ExampleData(
            title="Sesame Credit (Alibaba)",
            summary=(
                "Alibaba's Sesame Credit gives every individual in its database a score that "
                "combines traditional credit scoring with social ranking, “nudging” people "
                "away from purchases, contacts and behaviour frowned upon by those in power."
            ),
            country="CN",
            category="financial-credit-scoring",
            operator="platform",
            scored="individuals",
            data_sources=["financial", "online_behaviour", "social_connections"],
            consequences=["rewards", "access_restrictions"],
            transparency="opaque",
            contestable="unknown",
            legal_basis="contract",
            lifecycle="pilot",
            confidence="medium",
        ),
    },
    {
        "passage_contains": "ongoing Covid-19 pandemic",
        "citations": [
            paper_says("consequences", "promptly punish those who defy compliance"),
            paper_says(
                "legal_basis",
                "incentivising compliance with new regulations and laws",
                "The system enforced the pandemic's new regulations and laws.",
            ),
            paper_silent("contestable", NO_CONTEST),
        ],
        "quote": (
            "this flexibility allowed the Chinese government to promptly punish those who "
            "defy compliance"
        ),
        "data": ExampleData(
            title="Covid-19 compliance enforcement through the social credit system",
            summary=(
                "During the Covid-19 pandemic the social credit system was used to punish "
                "violations of location-disclosure and quarantine rules, the sale of inferior "
                "or counterfeit medical goods and the overcharging for medical supplies."
            ),
            country="CN",
            category="public-health-compliance",
            operator="state",
            scored="both",
            data_sources=["location", "government_records"],
            consequences=["sanctions"],
            transparency="unknown",
            contestable="unknown",
            legal_basis="regulation",
            lifecycle="unknown",
            start_year=2020,
            confidence="medium",
        ),
    },
    {
        "passage_contains": "Schufa uses geo-scoring",
        "citations": [
            paper_says(
                "consequences",
                "can influence their significant aspects of life such as the locations where "
                "one can live and career opportunities",
                "Where one can live and work; the paper does not mention prices.",
            ),
            paper_silent(
                "legal_basis", "The paper does not say what law Schufa's scoring rests on."
            ),
            paper_silent("contestable", NO_CONTEST),
        ],
        "quote": (
            "Living in a substandard neighbourhood or even having neighbours with poor credit "
            "ratings can negatively affect one's overall credit rating."
        ),
        "data": ExampleData(
            title="Schufa geo-scoring",
            summary=(
                "Germany's private credit bureau Schufa uses geo-scoring: living in a poorer "
                "neighbourhood, or next to neighbours with poor credit ratings, can lower a "
                "person's credit rating, which in turn shapes where they can live and their "
                "career opportunities."
            ),
            country="DE",
            category="geo-scoring",
            operator="private",
            scored="individuals",
            data_sources=["financial", "location", "social_connections"],
            consequences=["access_restrictions", "price_differences"],
            transparency="opaque",
            contestable="unknown",
            legal_basis="unknown",
            lifecycle="active",
            confidence="medium",
        ),
    },
]
PAPER_PUBLISHED = datetime.date(2021, 6, 17)


def _founding_paper() -> Source:
    source = (
        Source.objects.filter(slug=FOUNDING_PAPER["slug"])
        .select_related("current_document")
        .first()
    )
    if source is None or source.current_document_id is None:
        source, _changed = load_founding_paper()
        source.refresh_from_db()
    return source


def load_starter_data() -> Iterator[str]:
    """Create the paper's own examples as published entries. Yields one log line each."""
    created = ensure_default_categories()
    if created:
        yield f"Loaded: {created} atlas categories"
    translated = ensure_category_translations()
    if translated:
        yield f"Translated: {translated} atlas categories (German, Chinese)"
    source = _founding_paper()
    for entry in STARTER_ENTRIES:
        data: ExampleData = entry["data"]
        if Example.objects.filter(title=data.title, country=data.country).exists():
            yield f"Unchanged: atlas example {data.title!r}"
            continue
        passage = (
            Passage.objects.filter(
                document_id=source.current_document_id, text__contains=entry["passage_contains"]
            )
            .order_by("order")
            .first()
        )
        if passage is None:
            yield f"Skipped: no passage contains {entry['passage_contains']!r} in {source.slug}"
            continue
        services.example_import_published(
            data=data,
            evidence=[
                EvidenceData(
                    title=source.title,
                    source_id=source.pk,
                    publisher=source.venue or source.publisher,
                    published=PAPER_PUBLISHED,
                    quote=entry["quote"],
                )
            ],
            passages=[PassageLinkData(passage_id=passage.pk, relation="illustrates")],
            citations=entry["citations"],
        )
        yield f"Loaded: atlas example {data.title!r}"
