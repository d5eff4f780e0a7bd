"""The facet counts of ``IndexSampling._ranked_candidates``: SQL over a kind's sample.

The sample (at most COUNT_CAP + 1 rows of a kind's index table) carries what its facets
are counted by: a plain column of the index row (an entry's place, a year, the tags), or
the key of a related row (a passage's document, an annotation's author and source) whose
fields give the facet's values and labels. Those related rows are read once per distinct
key after grouping, not joined to every sampled row: the joins made PostgreSQL plan and
run them for each of the 251 rows (0.3-0.4 ms a kind on the benchmark corpus,
docs/benchmarks.md "Session 12"), and looked up the same source 250 times.

A facet that no other kind on the page counts needs only its best values
(``FACET_VALUES_SHOWN``): PostgreSQL sends those, not the 150 authors of a sample. The page
orders a facet's values by count, then by label (selectors.py), so the same order here
gives the same values: by label when the label shown is the one PostgreSQL has (the
facet's ``label_for`` is ``str``), otherwise every value tied with the last one counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from . import contract

#: How a facet's values are cut to the best ``FACET_VALUES_SHOWN`` (see the module's
#: docstring), by facet name; a facet not named is sent whole.
BY_LABEL = "label"
BY_COUNT = "count"


@dataclass
class FacetSQL:
    """The sample's facet columns and the statement parts that count them."""

    #: What the sample selects after its score and key (lookup paths on the index model).
    paths: list[str] = field(default_factory=list)
    #: Those columns' names in the sample.
    columns: list[str] = field(default_factory=list)
    #: Common table expressions to append after ``kept`` (each with a leading comma).
    ctes: str = ""
    params: list = field(default_factory=list)
    #: One scalar subquery per facet, in the order of the names asked for: a JSON array of
    #: ``[value, label, count]``.
    selects: list[str] = field(default_factory=list)


def shown_only_mode(facet) -> str:
    """``BY_LABEL`` when the label a facet shows is the label PostgreSQL counts with,
    else ``BY_COUNT``."""
    plain = type(facet).label_for is contract.Facet.label_for
    return BY_LABEL if plain and type(facet).labeler is contract.Facet.labeler else BY_COUNT


def build(
    index_model,
    facet_fields: dict[str, tuple[str, str | None]],
    names: tuple[str, ...],
    *,
    json_paths: frozenset[str],
    cut: dict[str, str],
) -> FacetSQL:
    """The facet columns and counting SQL for ``names``. ``json_paths``: the value paths
    that hold a JSON list (each element counts once); ``cut``: facet name to
    ``BY_LABEL``/``BY_COUNT`` for a facet whose best values are enough."""
    built = FacetSQL()
    relations: dict[str, dict] = {}
    direct: dict[str, str] = {}

    def direct_column(path: str) -> str:
        if path not in direct:
            direct[path] = f"facet_{len(built.paths)}"
            built.paths.append(path)
            built.columns.append(direct[path])
        return direct[path]

    def relation_column(relation, rest: str) -> str:
        entry = relations.get(relation.name)
        if entry is None:
            number = len(relations)
            entry = relations[relation.name] = {
                "field": relation, "number": number, "rests": [],
                "key": f"key_{number}",
            }  # fmt: skip
            built.paths.append(relation.name)
            built.columns.append(entry["key"])
        if rest not in entry["rests"]:
            entry["rests"].append(rest)
        return f"r_{entry['rests'].index(rest)}"

    wanted = []
    for name in names:
        value_path, label_path = facet_fields[name]
        relation, value_rest = _split(index_model, value_path)
        label_relation, label_rest = _split(index_model, label_path) if label_path else (None, "")
        if relation is not None and (label_path is None or label_relation == relation):
            value = relation_column(relation, value_rest)
            label = relation_column(relation, label_rest) if label_path else value
            wanted.append((name, f"labelled_{relations[relation.name]['number']}", value, label))
        else:
            value = direct_column(value_path)
            label = direct_column(label_path) if label_path else value
            wanted.append((name, None, value, label))

    for entry in relations.values():
        relation, number = entry["field"], entry["number"]
        # A plain QuerySet, not the model's manager: a translated model's (modeltranslation)
        # would swap in the active language's column, and this SQL is compiled once for
        # every language (statements.py), as the join it replaces read the column itself.
        lookup_sql, lookup_params = (
            QuerySet(model=relation.related_model)
            .filter(pk=RawSQL("g.key", ()))
            .order_by()
            .values_list(*entry["rests"])
            .query.sql_with_params()
        )
        columns = ", ".join(f"r_{n}" for n in range(len(entry["rests"])))
        key = entry["key"]
        built.ctes += (
            f", grouped_{number} AS (SELECT {key} AS key, count(*) AS c FROM kept"  # noqa: S608
            f" WHERE {key} IS NOT NULL GROUP BY {key}),"
            f" labelled_{number} AS (SELECT g.c, l.* FROM grouped_{number} AS g,"
            f" LATERAL ({lookup_sql}) AS l({columns}))"
        )
        built.params.extend(lookup_params)

    for name, labelled, value, label in wanted:
        if labelled is not None:
            counted = (
                f"SELECT {value} AS v, min({label}) AS l, sum(c)::bigint AS c"  # noqa: S608
                f" FROM {labelled} WHERE {value} IS NOT NULL AND {value}::text <> ''"
                f" GROUP BY {value}"
            )
        elif facet_fields[name][0] in json_paths:
            # A list (tags): each element counts once, as a value and its own label.
            counted = (
                "SELECT e.v, e.v AS l, count(*) AS c FROM kept, jsonb_array_elements_text("
                f"CASE WHEN jsonb_typeof(kept.{value}) = 'array' THEN kept.{value}"
                " ELSE '[]'::jsonb END) AS e(v) WHERE e.v <> '' GROUP BY e.v"
            )
        else:
            counted = (
                f"SELECT {value} AS v, min({label}) AS l, count(*) AS c FROM kept"  # noqa: S608
                f" WHERE {value} IS NOT NULL AND {value}::text <> '' GROUP BY {value}"
            )
        shown = contract.FACET_VALUES_SHOWN
        if cut.get(name) == BY_LABEL:
            # Python's tie-break is str(label): code point order, which is byte order in
            # UTF-8, which is the "C" collation; str(None) is "None".
            counted = (
                f"SELECT * FROM ({counted}) AS t ORDER BY t.c DESC,"  # noqa: S608
                f" COALESCE(t.l::text, 'None') COLLATE \"C\" LIMIT {shown}"
            )
        elif cut.get(name) == BY_COUNT:
            counted = (
                f"SELECT * FROM ({counted}) AS t ORDER BY t.c DESC"  # noqa: S608
                f" FETCH FIRST {shown} ROWS WITH TIES"
            )
        built.selects.append(
            f"SELECT json_agg(json_build_array(g.v, g.l, g.c)) FROM ({counted}) AS g"  # noqa: S608
        )
    return built


def _split(model, path: str):
    """(the index model's foreign key that ``path`` goes through, the rest of the path),
    or (None, path) for a column of the index row itself."""
    first, sep, rest = path.partition("__")
    if not sep:
        return None, path
    try:
        relation = model._meta.get_field(first)
    except FieldDoesNotExist:
        return None, path
    if not relation.many_to_one:
        return None, path
    return relation, rest
