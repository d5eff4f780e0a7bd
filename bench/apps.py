from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed only for its `seed_bench` command (bench/management/commands/): the
    benchmark data generator (bench/benchdata.py) imports every app, so it sits above
    them all, beside project/, and no app imports it (docs/adr/0006-layers.md)."""

    name = "bench"
    label = "bench"
    verbose_name = "Benchmarks"
