from django.core.management.base import BaseCommand

from apps.search.spelling import vocabulary_rebuild


class Command(BaseCommand):
    help = (
        'Rebuild the "did you mean" vocabulary from the public text (also hourly by Celery beat).'
    )

    def handle(self, *args, **options):
        size = vocabulary_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Vocabulary rebuilt: {size} words."))
