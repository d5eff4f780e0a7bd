"""Demo discussion for `make run` (``load_starter_data --demo``; never in production): a
thread on the paper's Schufa passage with three replies, one from a scholar in Shanghai,
and a question on Sesame Credit, so a first visit shows highlights, counts and a thread
(docs JOURNEYS, "Mira reads the paper for the first time"). The demo accounts have no
usable password. Idempotent: nothing is added once the demo thread exists."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth import get_user_model

from apps.sources.models import Source
from apps.sources.starter import FOUNDING_PAPER

from . import services
from .models import Annotation
from .services import TextPositionSelector

DEMO_USERS = {
    "demo-lina": {"display_name": "Lina Hoffmann", "affiliation": "Universität Hamburg", "country": "DE"},
    "demo-wei": {"display_name": "Chen Wei", "affiliation": "Fudan University, Shanghai", "country": "CN"},
    "demo-ana": {"display_name": "Ana Souza", "affiliation": "Universidade de São Paulo", "country": "BR"},
}  # fmt: skip

SCHUFA = "Schufa uses geo-scoring"
ROOT_BODY = (
    "Geo-scoring is the clearest Western parallel in the paper: where you live feeds your "
    "score, whatever you do yourself. See the atlas entry for the legal basis (BDSG § 31)."
)
REPLIES = [
    (
        "demo-wei",
        "In Shanghai the pilot lists are per person, not per district. Does "
        "Schufa publish how much the address weighs?",
    ),  # fmt: skip
    (
        "demo-lina",
        "Not in detail: Schufa calls it a trade secret, which is part of the "
        "transparency problem @demo-wei raises.",
    ),  # fmt: skip
    ("demo-ana", "Brazil's Serasa scores use the postcode too; I will add it to the atlas."),
]
QUESTION = ("Sesame Credit", "Is Sesame Credit still separate from the government pilots, "
            "or have they merged since 2021?")  # fmt: skip


def _user(username: str):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults=DEMO_USERS[username]
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _position(text: str, quote: str) -> TextPositionSelector:
    start = text.index(quote)
    return TextPositionSelector(start, start + len(quote))


def load_demo_data() -> Iterator[str]:
    source = (
        Source.objects.filter(slug=FOUNDING_PAPER["slug"])
        .select_related("current_document")
        .first()
    )
    if source is None or source.current_document is None:
        yield "Skipped: demo annotations (the founding paper is not loaded)"
        return
    document = source.current_document
    if Annotation.objects.filter(source=source, author__username="demo-lina", parent=None).exists():
        yield "Unchanged: demo annotations"
        return
    lina, wei = _user("demo-lina"), _user("demo-wei")
    root = services.annotation_create(
        author=lina, document=document, position=_position(document.text, SCHUFA),
        body=ROOT_BODY, tags=["geo-scoring", "country:DE"],
    )  # fmt: skip
    for username, body in REPLIES:
        services.annotation_reply(author=_user(username), parent=root, body=body)
    quote, body = QUESTION
    services.annotation_create(
        author=wei, document=document, position=_position(document.text, quote), body=body,
        tags=["country:CN"], motivation="questioning",
    )  # fmt: skip
    yield "Loaded: demo annotations (a thread on the Schufa passage, a question)"
