"""Translations of a source (ADR 0019): adding one, its alignment on import, stewards'
corrections, the seeded German translation of the founding paper and the import command.
Through the services and the command; pages and API in test_translation_views.py."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from apps.moderation.models import AuditAction, AuditLogEntry
from apps.sources import selectors, services, translation_selectors
from apps.sources.models import AlignedPair, Document, Source, Translation
from apps.sources.starter import load_founding_paper, load_founding_paper_translation
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

GERMAN = (
    "Bewertung in der Praxis\n\n"
    "Auskunfteien sammeln Zahlungsverläufe und verkaufen Bonitätswerte an Kreditgeber, "
    "Vermieter und Mobilfunkanbieter. Die Werte entscheiden, wer eine Wohnung bekommt.\n\n"
    "Geo-Scoring\n\n"
    "In Deutschland nutzt die Schufa Geo-Scoring: Wer in einem armen Viertel wohnt, kann "
    "einen schlechteren Wert bekommen.\n"
).encode()


def counts() -> dict:
    return {
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "translations": Translation.objects.count(),
        "pairs": AlignedPair.objects.count(),
        "audit": AuditLogEntry.objects.count(),
    }


@pytest.fixture
def add_translation(user, run_on_commit):
    def add(source, *, by=None, data=GERMAN, language="de", **options):
        options.setdefault("translator", "Ada Übersetzerin")
        with run_on_commit():
            translation = services.translation_create(
                actor=by or user,
                original_source=source,
                language=language,
                data=data,
                filename="de.txt",
                **options,
            )
        translation.refresh_from_db()
        return translation

    return add


def test_a_maintainer_adds_a_translation_that_is_imported_and_aligned(make_source, add_translation):
    source = make_source()
    translation = add_translation(source, kind="machine", licence="CC BY 4.0")
    assert translation.original_id == source.current_document_id
    assert translation.source.language == "de"
    assert translation.source.current_document is not None
    assert translation.document_id == translation.source.current_document_id
    rows = translation_selectors.aligned_rows(translation=translation)
    assert [(len(r.original), len(r.translation)) for r in rows] == [(1, 1)] * 4
    assert rows[3].translation[0].text.startswith("In Deutschland nutzt die Schufa")
    assert rows[3].original[0].text.startswith("In Germany, Schufa")
    entry = AuditLogEntry.objects.get(action=AuditAction.TRANSLATION_CHANGE)
    assert entry.after["kind"] == "machine"
    # Read beside its original, not listed apart.
    assert list(selectors.source_list(originals_only=True)) == [source]
    assert translation_selectors.translations_for_source(source=source) == [translation]


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_only_stewards_add_translations(make_source, who):
    source = make_source()
    before = counts()
    actor = UserFactory() if who == "stranger" else None
    with pytest.raises(PermissionDenied):
        services.translation_create(
            actor=actor, original_source=source, language="de", translator="x", data=GERMAN
        )
    assert counts() == before


def test_a_moderator_adds_a_translation(make_source, add_translation):
    source = make_source()
    translation = add_translation(source, by=make_moderator())
    assert translation.document_id is not None


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"language": "de\x00"}, "language"),
        ({"language": "x" * 2048}, "language"),
        ({"language": "en"}, "language"),
        ({"kind": "guessed"}, "kind"),
        ({"translator": "   "}, "translator"),
        ({"data": b"\x00\x01binary"}, "file"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(make_source, user, options, field):
    source = make_source()
    before = counts()
    values = {"language": "de", "translator": "Ada", "data": GERMAN, **options}
    with pytest.raises(ValidationError) as error:
        services.translation_create(actor=user, original_source=source, **values)
    assert field in error.value.message_dict
    assert counts() == before


def test_a_second_import_in_the_same_language_is_a_new_version(make_source, add_translation):
    source = make_source()
    first = add_translation(source)
    second = add_translation(source, data=GERMAN.replace(b"armen", b"schlechten"))
    assert second.pk == first.pk
    assert second.source.documents.count() == 2
    assert second.document.version == 2
    assert AlignedPair.objects.filter(translation=second).count() == 4


def test_aligning_again_keeps_a_corrected_alignment(make_source, add_translation, user):
    source = make_source()
    translation = add_translation(source)
    services.alignment_edit(actor=user, translation=translation, operation="merge", order=0)
    services.translation_align(document_id=translation.document_id)
    assert AlignedPair.objects.filter(translation=translation).count() == 3


def _shape(translation):
    return [
        (len(o), len(t))
        for o, t in translation.pairs.order_by("order").values_list(
            "original_anchors", "translated_anchors"
        )
    ]


def test_merge_split_and_move_keep_every_passage_once(make_source, add_translation, user):
    source = make_source()
    translation = add_translation(source)
    services.alignment_edit(actor=user, translation=translation, operation="merge", order=1)
    assert _shape(translation) == [(1, 1), (2, 2), (1, 1)]
    services.alignment_edit(
        actor=user, translation=translation, operation="split", order=1,
        original_at=1, translated_at=2,
    )  # fmt: skip
    assert _shape(translation) == [(1, 1), (1, 2), (1, 0), (1, 1)]
    services.alignment_edit(
        actor=user, translation=translation, operation="move", order=1,
        side="translation", direction="earlier",
    )  # fmt: skip
    assert _shape(translation) == [(1, 1), (1, 1), (1, 1), (1, 1)]
    assert [
        r.translation[0].anchor for r in translation_selectors.aligned_rows(translation=translation)
    ] == [p.anchor for p in translation.document.passages.order_by("order")]
    entries = AuditLogEntry.objects.filter(action=AuditAction.ALIGNMENT_CHANGE).order_by("pk")
    assert entries.count() == 3
    assert entries[0].actor == user
    assert len(entries[0].before["pairs"]) == 2 and len(entries[0].after["pairs"]) == 1


def test_moving_the_only_passage_of_a_row_removes_the_emptied_row(
    make_source, add_translation, user
):
    source = make_source()
    translation = add_translation(source)
    for side in ("original", "translation"):
        services.alignment_edit(
            actor=user, translation=translation, operation="move", order=0,
            side=side, direction="later",
        )  # fmt: skip
    assert _shape(translation) == [(2, 2), (1, 1), (1, 1)]


@pytest.mark.parametrize(
    "edit",
    [
        {"operation": "merge", "order": 3},
        {"operation": "merge", "order": -1},
        {"operation": "merge", "order": 99},
        {"operation": "explode", "order": 0},
        {"operation": "split", "order": 0, "original_at": 0, "translated_at": 0},
        {"operation": "split", "order": 0, "original_at": 1, "translated_at": 1},
        {"operation": "split", "order": 0, "original_at": 5, "translated_at": 0},
        {"operation": "split", "order": 0},
        {"operation": "move", "order": 0, "side": "left", "direction": "later"},
        {"operation": "move", "order": 3, "side": "original", "direction": "later"},
    ],
)
def test_impossible_edits_change_nothing(make_source, add_translation, user, edit):
    source = make_source()
    translation = add_translation(source)
    before = (counts(), _shape(translation))
    with pytest.raises(ValidationError):
        services.alignment_edit(actor=user, translation=translation, **edit)
    assert (counts(), _shape(translation)) == before


def test_only_stewards_correct_an_alignment(make_source, add_translation):
    source = make_source()
    translation = add_translation(source)
    before = (counts(), _shape(translation))
    for actor in (UserFactory(), make_moderator(countries=["DE"]), None):
        with pytest.raises(PermissionDenied):
            services.alignment_edit(
                actor=actor, translation=translation, operation="merge", order=0
            )
    assert (counts(), _shape(translation)) == before


def test_the_founding_paper_german_translation_aligns_one_to_one_and_loads_once():
    paper, _ = load_founding_paper()
    translation, changed = load_founding_paper_translation()
    assert changed
    assert translation.kind == "human"
    assert translation.licence == "CC BY 4.0"
    assert "nicht vom Autor geprüft" in translation.note
    rows = translation_selectors.aligned_rows(translation=translation)
    assert len(rows) == 10
    assert all(len(r.original) == 1 and len(r.translation) == 1 for r in rows)
    assert [r.original[0].kind for r in rows] == [r.translation[0].kind for r in rows]
    assert rows[0].translation[0].text == "Beschreibung"
    assert rows[-1].translation[0].text.startswith("Auch wenn es in westlichen Ländern")
    before = counts()
    assert load_founding_paper_translation()[1] is False
    assert counts() == before


def test_load_starter_data_loads_the_translation():
    out = io.StringIO()
    call_command("load_starter_data", stdout=out)
    assert "wong-2021-social-credit-de" in out.getvalue()


def test_import_source_translation_of(tmp_path, make_source):
    source = make_source()
    path = tmp_path / "de.txt"
    path.write_bytes(GERMAN)
    out = io.StringIO()
    call_command(
        "import_source", str(path), "--translation-of", source.slug, "--language", "de",
        "--kind", "reviewed", "--translator", "Grete Beispiel", "--licence", "CC BY 4.0",
        stdout=out,
    )  # fmt: skip
    assert "4 aligned rows (1-1)" in out.getvalue()
    translation = Translation.objects.get(original_source=source)
    assert (translation.kind, translation.translator) == ("reviewed", "Grete Beispiel")


def test_import_source_translation_of_needs_a_language(tmp_path, make_source):
    from django.core.management.base import CommandError

    source = make_source()
    path = tmp_path / "de.txt"
    path.write_bytes(GERMAN)
    with pytest.raises(CommandError):
        call_command("import_source", str(path), "--translation-of", source.slug)
    assert Translation.objects.count() == 0
