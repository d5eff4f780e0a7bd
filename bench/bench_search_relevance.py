"""Search relevance on a judged query set (issue 18): NDCG@10 and recall@10.

    python bench/run.py search_relevance          # alone (any database)
    make bench                                     # after bench_search, on its corpus

``bench/search_judgements.yaml`` names the planted documents (imported here through the
real upload and import services, so their stored vectors are production's) and at least
40 graded queries over them, the founding paper and the starter atlas entries. Every
query runs anonymously through ``apps.search.selectors`` (the API's and the page's
selector) with its parameters; the first ten hits are scored against the judgements.
Whatever benchmark corpus the database holds competes with them (after bench_search:
the full seed_bench corpus); without one this module adds the small scale's.

NDCG@10 uses gains 2^grade - 1 and the ideal ordering of the judged results; recall@10
is the share of the judged results (any grade) among the first ten hits.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Row

JUDGEMENTS = Path(__file__).resolve().parent / "search_judgements.yaml"
GOAL_NDCG = 0.85
K = 10
# Print every query's figures (not only those below the goal).
VERBOSE = os.environ.get("BENCH_RELEVANCE_VERBOSE", "") == "1"


@dataclass
class Judged:
    q: str
    params: dict[str, str]
    relevant: dict[str, int]
    kind: str = field(default="")


def load_judgements(path: Path = JUDGEMENTS) -> tuple[list[dict], list[Judged]]:
    import yaml

    data = yaml.safe_load(path.read_text())
    queries = [
        Judged(
            q=str(item["q"]),
            params={k: str(v) for k, v in (item.get("params") or {}).items()},
            relevant={str(k): int(v) for k, v in item["relevant"].items()},
        )
        for item in data["queries"]
    ]
    return data["planted"], queries


def dcg(gains: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(gains[:K]))


def ndcg_at_k(found: list[str], relevant: dict[str, int]) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True))
    return dcg([relevant.get(key, 0) for key in found[:K]]) / ideal if ideal else 0.0


def recall_at_k(found: list[str], relevant: dict[str, int]) -> float:
    return len(set(found[:K]) & set(relevant)) / len(relevant) if relevant else 0.0


def plant(planted: list[dict], user) -> None:
    """Import the planted documents that are not there yet (the real services)."""
    from apps.sources.models import Source
    from apps.sources.services import SourceMetadata, source_create

    for doc in planted:
        if Source.objects.filter(slug=doc["slug"]).exists():
            continue
        source_create(
            user=user,
            metadata=SourceMetadata(
                title=doc["title"], authors=list(doc["authors"]), year=doc.get("year"),
                abstract=doc.get("abstract", ""), slug=doc["slug"],
            ),
            data=doc["text"].encode(),
            filename=f"{doc['slug']}.md",
            throttle=False,
        )  # fmt: skip


def resolve(key: str) -> tuple[str, int] | None:
    """A judgement's name → (kind, id) of the row it names, or None if it is missing."""
    from apps.atlas.models import Example
    from apps.sources.models import Passage, Source

    kind, _, rest = key.partition(":")
    if kind == "source":
        pk = Source.objects.filter(slug=rest).values_list("pk", flat=True).first()
    elif kind == "entry":
        pk = Example.objects.filter(title=rest).order_by("pk").values_list("pk", flat=True).first()
    elif kind == "passage":
        slug, _, text = rest.partition(":")
        pk = (
            Passage.objects.filter(
                document__source__slug=slug,
                document_id=Source.objects.filter(slug=slug).values("current_document_id")[:1],
                text__contains=text,
            )
            .order_by("order")
            .values_list("pk", flat=True)
            .first()
        )
    else:
        raise ValueError(f"Unknown judged kind in {key!r}")
    return (kind, pk) if pk else None


def evaluate(queries: list[Judged]) -> list[tuple[Judged, float, float, list[str]]]:
    """(query, NDCG@10, recall@10, the first ten hits' names) for every judged query."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from apps.search import selectors

    judged_results = []
    for judged in queries:
        names = {}
        for key in judged.relevant:
            found = resolve(key)
            if found is None:
                raise LookupError(
                    f"Judged result {key!r} (query {judged.q!r}) is not in the database"
                )
            names[found] = key
        params = QueryDict(mutable=True)
        params.update({"q": judged.q, **judged.params})
        request, _page, _size = selectors.parse_search_params(
            params, viewer=AnonymousUser(), strict=True
        )
        results = selectors.search(request=request, page=1, page_size=K)
        hits = [names.get((hit.kind, hit.id), f"{hit.kind}#{hit.id}") for hit in results.hits]
        judged_results.append(
            (judged, ndcg_at_k(hits, judged.relevant), recall_at_k(hits, judged.relevant), hits)
        )
    return judged_results


def run(yardstick, user) -> list[Row]:
    from django.core.management import call_command

    from apps.sources.models import Source
    from bench import benchdata

    planted, queries = load_judgements()
    call_command("load_starter_data", stdout=benchdata._Discard())
    if not Source.objects.filter(slug__startswith="bench-b").exists():
        benchdata.seed(benchdata.SCALES["small"], force=True)
    plant(planted, user)
    scored = evaluate(queries)
    ndcg = sum(s[1] for s in scored) / len(scored)
    recall = sum(s[2] for s in scored) / len(scored)
    rows = []
    for judged, query_ndcg, query_recall, hits in scored:
        if VERBOSE or query_ndcg < GOAL_NDCG:
            label = judged.q + "".join(f" {k}={v}" for k, v in judged.params.items())
            rows.append(
                Row(
                    f"  NDCG@10 {query_ndcg:.2f} recall@10 {query_recall:.2f}: {label}"[:52],
                    0, 0, note="first hits: " + ", ".join(hits[:5]),
                )
            )  # fmt: skip
    rows.append(Row(f"search relevance: recall@10 over {len(scored)} queries", recall, recall))
    rows.append(
        Row(
            f"search relevance: NDCG@10 over {len(scored)} queries", ndcg, ndcg,
            goal=f"NDCG@10 ≥ {GOAL_NDCG}", met=ndcg >= GOAL_NDCG,
            note="(the two columns hold the mean NDCG@10 / recall@10, not milliseconds)",
        )
    )  # fmt: skip
    return rows
