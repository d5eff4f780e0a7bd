from django.core.management.base import BaseCommand

from apps.search.providers import is_postgres
from apps.search.services import search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the stored full-text vectors of every source, passage, annotation and atlas entry (PostgreSQL)."

    def handle(self, *args, **options):
        if not is_postgres():
            self.stdout.write("Not PostgreSQL: search uses the fallback, nothing to index.")
            return
        search_reindex_all()
        self.stdout.write(self.style.SUCCESS("Search vectors rebuilt."))
