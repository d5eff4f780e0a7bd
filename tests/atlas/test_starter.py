import pytest
from django.core.management import call_command

from apps.atlas.aggregates import selectors as aggregate_selectors
from apps.atlas.models import Evidence, Example, PassageLink
from apps.atlas.starter import load_starter_data

pytestmark = pytest.mark.django_db


def test_starter_entries_cite_the_paper_and_link_its_passages(founding_paper):
    lines = list(load_starter_data())
    assert len(lines) == 4 and all(line.startswith("Loaded") for line in lines)
    examples = Example.objects.order_by("title")
    assert examples.count() == 4
    assert {e.status for e in examples} == {"published"}
    assert sorted(e.country.code for e in examples) == ["CN", "CN", "CN", "DE"]
    for example in examples:
        evidence = example.evidence.get()
        assert evidence.source_id == founding_paper.pk
        link = example.passage_links.select_related("passage").get()
        assert link.passage.document_id == founding_paper.current_document_id
        assert evidence.quote in link.passage.text
    schufa = Example.objects.get(title="Schufa geo-scoring")
    assert "Schufa uses geo-scoring" in schufa.passage_links.get().passage.text
    assert aggregate_selectors.headline() == "4 examples in 2 countries"


def test_starter_is_idempotent(founding_paper):
    list(load_starter_data())
    lines = list(load_starter_data())
    assert all(line.startswith("Unchanged") for line in lines)
    assert (Example.objects.count(), Evidence.objects.count(), PassageLink.objects.count()) == (
        4,
        4,
        4,
    )


def test_management_command_loads_paper_then_atlas(capsys):
    call_command("load_starter_data")
    call_command("load_starter_data")
    assert Example.objects.count() == 4
    assert "Loaded: atlas example 'Schufa geo-scoring'" in capsys.readouterr().out
