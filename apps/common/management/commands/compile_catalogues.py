"""Compile locale/*/LC_MESSAGES/*.po into .mo files with polib, so neither CI nor a fresh
machine needs GNU gettext (``make messages`` does, to extract strings). Only catalogues
that changed since their .mo was written are compiled. Entries marked fuzzy are left out,
as msgfmt does; tests/common/test_catalogues.py fails on any such entry anyway."""

from __future__ import annotations

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (locale/) without GNU gettext."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile every catalogue.")

    def handle(self, *args, force: bool = False, **options):
        say = self.stdout.write if options.get("verbosity", 1) else lambda text: None
        compiled = 0
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if (
                    not force
                    and mo_path.exists()
                    and mo_path.stat().st_mtime >= po_path.stat().st_mtime
                ):
                    continue
                catalogue = polib.pofile(str(po_path))
                for entry in catalogue.fuzzy_entries():
                    catalogue.remove(entry)
                # Written aside, then renamed: a process reading the catalogue meanwhile
                # (a parallel test worker, a running server) sees the old or the new file.
                partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                catalogue.save_as_mofile(str(partial))
                os.replace(partial, mo_path)
                compiled += 1
                say(f"Compiled {po_path.relative_to(settings.BASE_DIR)}")
        if not compiled:
            say("Catalogues up to date.")
