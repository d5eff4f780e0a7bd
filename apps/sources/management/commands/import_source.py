from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.sources import services
from apps.sources.models import DocumentStatus, Source, SourceType, TranslationKind


class Command(BaseCommand):
    help = (
        "Import a text, Markdown, HTML or PDF file as a new source, or as a new version of an "
        "existing one with --source SLUG, or as a translation of one with --translation-of "
        "SLUG --language CODE (aligned with the original's passages). Runs the import "
        "inline and reports the result."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--title")
        parser.add_argument(
            "--author", action="append", default=[], help="Repeat for each author, in order."
        )
        parser.add_argument("--year", type=int)
        parser.add_argument("--licence", default="")
        parser.add_argument("--licence-url", default="")
        parser.add_argument("--venue", default="")
        parser.add_argument("--doi", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--type", default=SourceType.PAPER, choices=SourceType.values)
        parser.add_argument("--slug", default="")
        parser.add_argument("--source", help="Slug of an existing source: add a new version.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument(
            "--translation-of", help="Slug of the original: import the file as its translation."
        )
        parser.add_argument("--language", default="", help="The translation's language code.")
        parser.add_argument("--kind", default=TranslationKind.HUMAN, choices=TranslationKind.values)
        parser.add_argument("--translator", default="", help="Who translated (credit).")
        parser.add_argument("--note", default="", help="Shown with the translation.")

    def handle(self, *args, **options):
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        data = path.read_bytes()
        user = self._user(options.get("user"))
        if options.get("translation_of"):
            return self._translation(options, user=user, data=data, filename=path.name)
        try:
            if options.get("source"):
                try:
                    source = Source.objects.get(slug=options["source"])
                except Source.DoesNotExist as exc:
                    raise CommandError(f"No source with slug {options['source']!r}.") from exc
                # The shell is the operator: the version is published, not proposed.
                document = services.document_upload(
                    user=user,
                    source=source,
                    data=data,
                    filename=path.name,
                    throttle=False,
                    operator=True,
                )
            else:
                if not options.get("title"):
                    raise CommandError("--title is required for a new source.")
                metadata = services.SourceMetadata(
                    title=options["title"],
                    authors=options["author"],
                    year=options.get("year"),
                    venue=options["venue"],
                    doi=options["doi"],
                    url=options["url"],
                    licence=options["licence"],
                    licence_url=options["licence_url"],
                    source_type=options["type"],
                    slug=options["slug"],
                )
                source = services.source_create(
                    user=user, metadata=metadata, data=data, filename=path.name, throttle=False
                )
                document = source.documents.get()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        document = services.document_import(document_id=document.pk)
        if document.status != DocumentStatus.READY:
            raise CommandError(f"Import failed: {document.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{source.slug} version {document.version}: {document.passages.count()} passages"
            )
        )

    def _translation(self, options, *, user, data: bytes, filename: str) -> None:
        try:
            original = Source.objects.select_related("current_document").get(
                slug=options["translation_of"]
            )
        except Source.DoesNotExist as exc:
            raise CommandError(f"No source with slug {options['translation_of']!r}.") from exc
        if not options["language"]:
            raise CommandError("--language is required with --translation-of.")
        try:
            translation = services.translation_create(
                actor=user,
                original_source=original,
                language=options["language"],
                kind=options["kind"],
                translator=options["translator"] or user.get_username(),
                licence=options["licence"],
                licence_url=options["licence_url"],
                note=options["note"],
                title=options.get("title") or "",
                data=data,
                filename=filename,
                throttle=False,
                operator=True,
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        document = translation.source.documents.order_by("-pk").first()
        document = services.document_import(document_id=document.pk)
        if document.status != DocumentStatus.READY:
            raise CommandError(f"Import failed: {document.error}")
        translation = services.translation_align(document_id=document.pk)
        shapes = [
            f"{len(o)}-{len(t)}"
            for o, t in translation.pairs.values_list("original_anchors", "translated_anchors")
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"{original.slug} → {translation.language} ({translation.source.slug}) "
                f"version {document.version}: {document.passages.count()} passages, "
                f"{len(shapes)} aligned rows ({', '.join(sorted(set(shapes)))})"
            )
        )

    def _user(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user {username!r}.") from exc
        # Shell imports act as the first superuser, or a system account made for the purpose.
        user = User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            user, _ = User.objects.get_or_create(username="importer", defaults={"is_active": False})
        return user
