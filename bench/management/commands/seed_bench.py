import dataclasses
import json

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Add benchmark data: users with roles, annotations and replies on the founding "
        "paper, sources with long documents, annotations on them, atlas entries over every "
        "country and category. Additive: each run adds a new batch (bench-b<n>-...). "
        "Refuses a database with non-benchmark data unless --force. See docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        from bench.benchdata import SCALES

        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--users", type=int, help="contributors (plus one admin)")
        parser.add_argument("--annotations", type=int, help="root annotations on the paper")
        parser.add_argument("--replies", type=int, help="replies on the paper")
        parser.add_argument("--passages", type=int, help="passages in generated sources")
        parser.add_argument("--passages-per-source", type=int, help="passages per generated source")
        parser.add_argument(
            "--extra-annotations", type=int,
            help="annotations spread over the generated sources (one in ten a reply)",
        )  # fmt: skip
        parser.add_argument("--entries", type=int, help="atlas entries")
        parser.add_argument(
            "--seed", type=int, default=0, help="random seed (same seed, same text)"
        )
        parser.add_argument(
            "--password",
            help="password for every bench user (default: unusable, sign in by token only)",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="add benchmark data even if the database holds other data",
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        from bench import benchdata

        overrides = {
            "users": options["users"],
            "paper_annotations": options["annotations"],
            "paper_replies": options["replies"],
            "passages": options["passages"],
            "passages_per_source": options["passages_per_source"],
            "annotations": options["extra_annotations"],
            "entries": options["entries"],
        }
        scale = dataclasses.replace(
            benchdata.SCALES[options["scale"]],
            **{name: value for name, value in overrides.items() if value is not None},
        )
        for name, value in dataclasses.asdict(scale).items():
            if value < 0 or (name == "passages_per_source" and value < 1):
                raise CommandError(f"--{name.replace('_', '-')} must be positive, not {value}.")
        if scale.paper_replies and scale.paper_annotations < 2:
            raise CommandError("Replies on the paper need at least two annotations.")
        password = (
            make_password(options["password"])
            if options["password"]
            else benchdata.PASSWORD_UNUSABLE
        )
        try:
            report = benchdata.seed(
                scale, seed=options["seed"], force=options["force"], password_hash=password,
                log=lambda line: self.stdout.write(f"  {line}"),
            )  # fmt: skip
        except benchdata.NotBenchDatabase as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(dataclasses.asdict(report), indent=2))
            return
        counts = ", ".join(f"{n:,} {kind}" for kind, n in report.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded batch {report.prefix}* in {report.total_seconds:.1f} s: {counts}"
            )
        )
