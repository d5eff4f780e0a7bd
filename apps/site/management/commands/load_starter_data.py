from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load the founding paper and every app's starter data. Idempotent: running it "
        "again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Also add demo discussion by demo accounts without passwords (`make run`; "
            "not for production).",
        )

    def handle(self, *args, **options):
        from apps.sources.starter import load_founding_paper, load_founding_paper_translation

        source, changed = load_founding_paper()
        self.stdout.write(f"{'Loaded' if changed else 'Unchanged'}: {source.slug}")
        translation, changed = load_founding_paper_translation()
        self.stdout.write(f"{'Loaded' if changed else 'Unchanged'}: {translation.source.slug}")
        # Other apps contribute starter data through a `load_starter_data` function in
        # their starter module (atlas: the paper's own examples).
        for config in apps.get_app_configs():
            if not config.name.startswith("apps.") or config.name == "apps.sources":
                continue
            try:
                module = __import__(f"{config.name}.starter", fromlist=["load_starter_data"])
            except ModuleNotFoundError:
                continue
            loaders = [getattr(module, "load_starter_data", None)]
            if options["demo"]:
                loaders.append(getattr(module, "load_demo_data", None))
            for loader in filter(None, loaders):
                for line in loader():
                    self.stdout.write(line)
