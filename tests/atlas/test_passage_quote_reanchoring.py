"""Passage link quotes follow their source to a new version (issue 19 follow-up), as
annotations and value citations do: moved onto the new version's passage, or orphaned
(the link stays on its old passage; the quote is shown to its editors only)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.atlas.entries import services as entry_services
from apps.atlas.entries.data import PassageLinkData
from apps.atlas.models import PassageLink, QuoteStatus
from apps.atlas.passage_quotes import passage_quotes_reanchor
from apps.common import events
from apps.sources.models import Document, Passage

from .conftest import evidence_data, example_data
from .test_passage_quote import WORDS, selection

pytestmark = pytest.mark.django_db
PREFACE = "A new preface.\n\n"


def new_version(source, old, text, *, copy_passages=True):
    new = Document.objects.create(
        source=source, version=old.version + 1, status=old.status,
        import_format=old.import_format, text=text,
    )  # fmt: skip
    if copy_passages:
        shift = len(PREFACE)
        Passage.objects.create(document=new, order=0, kind="paragraph", text=PREFACE.strip(),
                               start=0, end=14, anchor="preface")  # fmt: skip
        for p in Passage.objects.filter(document=old):
            Passage.objects.create(document=new, order=p.order + 1, kind=p.kind,
                                   section=p.section, text=p.text, start=p.start + shift,
                                   end=p.end + shift, anchor=p.anchor)  # fmt: skip
    else:
        Passage.objects.create(document=new, order=0, kind="paragraph", text=text,
                               start=0, end=len(text), anchor="all")  # fmt: skip
    source.current_document = new
    source.save()
    return new


@pytest.fixture
def quoted(user, schufa_passage):
    start, end = selection(schufa_passage)
    example = entry_services.example_create(
        author=user,
        data=example_data(),
        evidence=[evidence_data()],
        passages=[
            PassageLinkData(
                passage_id=schufa_passage.pk, quote=WORDS, quote_start=start, quote_end=end
            )
        ],
        confirm_distinct=True,
    )
    return example.passage_links.get()


def test_a_new_version_moves_the_quote_through_the_event(
    quoted, schufa_passage, founding_paper, run_on_commit
):
    old = schufa_passage.document
    new = new_version(founding_paper, old, PREFACE + old.text)
    with run_on_commit():
        events.publish("source.version_ready", document_id=new.pk)
    link = PassageLink.objects.get(pk=quoted.pk)
    assert link.passage.document == new and link.passage.anchor == schufa_passage.anchor
    assert new.text[link.quote_start : link.quote_end] == WORDS == link.quote
    assert link.quote_prefix == new.text[link.quote_start - 32 : link.quote_start]
    assert link.quote_status == QuoteStatus.ANCHORED
    # Idempotent: a second run finds nothing to do.
    assert passage_quotes_reanchor(document_id=new.pk) == {"moved": 0, "orphaned": 0}


def test_words_gone_from_the_new_version_orphan_the_quote(
    user, quoted, schufa_passage, founding_paper
):
    old = schufa_passage.document
    text = old.text.replace(WORDS, "a bureau rates places")
    new = new_version(founding_paper, old, text, copy_passages=False)
    assert passage_quotes_reanchor(document_id=new.pk) == {"moved": 0, "orphaned": 1}
    link = PassageLink.objects.get(pk=quoted.pk)
    assert link.quote_status == QuoteStatus.ORPHANED
    assert link.passage_id == schufa_passage.pk and link.quote == WORDS
    url = f"/api/examples/{link.example_id}/"
    author = APIClient()
    author.force_authenticate(user)
    assert author.get(url).json()["passages"][0]["quote"]["status"] == "orphaned"


def test_an_old_version_becoming_ready_moves_nothing(quoted, schufa_passage, founding_paper):
    old = schufa_passage.document
    new_version(founding_paper, old, PREFACE + old.text)
    assert passage_quotes_reanchor(document_id=old.pk) == {"moved": 0, "orphaned": 0}
    assert PassageLink.objects.get(pk=quoted.pk).passage_id == schufa_passage.pk
