"""manage.py import_entries FILE.csv [--dry-run] [--publish] [--user NAME]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from apps.atlas.imports import services
from apps.atlas.imports.parse import ImportFileError


class Command(BaseCommand):
    help = (
        "Import atlas entries from a CSV file (the atlas's own CSV export, or a spreadsheet "
        "with the same column names). Every row is checked first; one bad row and nothing is "
        "stored. --dry-run only reports. --publish publishes the rows (operators; with --user, "
        "the rows of countries that user moderates); otherwise rows enter as submitted, "
        "authored by --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")
        parser.add_argument("--publish", action="store_true", help="Publish the imported rows.")
        parser.add_argument("--user", help="Import as this user (username).")
        parser.add_argument(
            "--confirm-duplicates",
            action="store_true",
            help="Import rows that look like existing entries too.",
        )

    def handle(self, *args, file: Path, dry_run: bool, publish: bool, user: str | None,
               confirm_duplicates: bool, **options):  # fmt: skip
        actor = None
        if user:
            model = get_user_model()
            try:
                actor = model.objects.get(**{model.USERNAME_FIELD: user})
            except model.DoesNotExist as exc:
                raise CommandError(f"No user {user!r}.") from exc
        elif not publish and not dry_run:
            raise CommandError("Give --user (rows enter as submitted) or --publish.")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            report = services.entries_import(
                actor=actor, text=text, publish=publish, dry_run=dry_run,
                confirm_duplicates=confirm_duplicates,
            )  # fmt: skip
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except services.ImportRefused as exc:
            self._print(exc.report)
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self._print(report)
        if dry_run:
            self.stdout.write(f"Dry run: {len(report.rows)} rows checked, nothing stored.")
            if not report.ok:
                raise CommandError(f"{len(report.errors)} rows have errors.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {len(report.imported)} entries."))

    def _print(self, report) -> None:
        for row in report.rows:
            for error in row.errors:
                self.stdout.write(f"Row {row.number}: {error}")
            for duplicate in row.duplicates:
                self.stdout.write(
                    f"Row {row.number}: looks like entry {duplicate.pk} “{duplicate.title}”"
                )
