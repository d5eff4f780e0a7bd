"""Search across languages (issue 17): which text-search configuration a row is indexed
and queried with, and how Chinese (Japanese, Korean) text is made searchable.

- A source's passages (and the source itself) are indexed with the configuration of the
  source's language (``LANGUAGE_CONFIGS``: German with PostgreSQL's ``german`` stemmer),
  every other language with ``english`` as before. A query is matched against each row in
  that row's own language: the index tables keep the language beside the vector, and the
  match is ``(language not in LANGUAGE_CONFIGS AND vector @@ english query) OR
  (language = 'de' AND vector @@ german query)``, the German branch answered by a partial
  GIN index (search migration 0005). English rows are matched exactly as before.
- CJK scripts have no spaces between words, so no stemmer splits them. Every stored vector
  also holds the overlapping character bigrams of each CJK run (``search_cjk_bigrams`` in
  SQL, ``cjk_bigrams`` here), and a query's CJK run becomes the phrase of its bigrams:
  ``社会信用`` is ``'社会' <-> '会信' <-> '信用'``, which matches only where the four
  characters stand together. A single character matches only a one-character run.
- On SQLite the fallback's ``icontains`` finds a CJK run as a substring, and a German word
  with its longer forms (``Bonitätsprüfung`` finds ``Bonitätsprüfungen``), no stemming.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language_info

DEFAULT_CONFIG = "english"
# Primary language subtag -> PostgreSQL text-search configuration. Each entry needs a
# partial GIN index per multilingual index table (migration 0005 creates the 'de' ones).
LANGUAGE_CONFIGS = {"de": "german"}
# Hiragana, katakana, CJK extension A, unified ideographs, Hangul syllables, compatibility
# ideographs: the same ranges as the SQL function of migration 0005.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")

# The SQL twin of ``cjk_bigrams``: the bigrams of every CJK run, space-separated, in order
# (a one-character run is kept as it is). IMMUTABLE: it only reads its argument.
CJK_BIGRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_cjk_bigrams(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
        CASE WHEN char_length(run.text) = 1 THEN run.text ELSE substr(run.text, i, 2) END,
        ' ' ORDER BY run.n, i), '')
    FROM (SELECT m[1] AS text, row_number() OVER () AS n
          FROM regexp_matches(coalesce(input, ''),
               '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+)', 'g')
               AS m) AS run,
         generate_series(1, greatest(char_length(run.text) - 1, 1)) AS i
$$
"""


def primary_language(code: str) -> str:
    """``de-DE`` -> ``de``, ``zh-Hans`` -> ``zh``: what the index keeps."""
    return (code or "").replace("_", "-").split("-")[0].strip().lower()[:16]


def config_for(language: str) -> str:
    return LANGUAGE_CONFIGS.get(primary_language(language), DEFAULT_CONFIG)


def config_sql(language_sql: str) -> str:
    """SQL choosing the configuration (a regconfig) from a language column."""
    whens = " ".join(
        f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in LANGUAGE_CONFIGS.items()
    )
    return f"(CASE {language_sql} {whens} ELSE '{DEFAULT_CONFIG}'::regconfig END)"


def language_sql(column_sql: str) -> str:
    """SQL for ``primary_language`` of a column."""
    return f"lower(split_part(replace({column_sql}, '_', '-'), '-', 1))"


def has_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text or ""))


def cjk_bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def split_cjk(text: str) -> str:
    """``text`` with each CJK run replaced by its bigrams (space-separated)."""
    return _CJK_RUN.sub(lambda match: " " + " ".join(cjk_bigrams(match.group())) + " ", text)


def term_for_websearch(text: str, *, phrase: bool) -> str:
    """A query term as ``websearch_to_tsquery`` text: a term with CJK becomes the quoted
    phrase of its bigrams; others are quoted when they are phrases."""
    if has_cjk(text):
        return '"' + " ".join(split_cjk(text).split()) + '"'
    return f'"{text}"' if phrase else text


def language_label(code: str) -> str:
    """The language's name in the interface language (``de`` -> "German"), else the code."""
    for candidate in (code, {"zh": "zh-hans"}.get(code, "")):
        if not candidate:
            continue
        try:
            return str(get_language_info(candidate)["name_translated"])
        except KeyError:
            continue
    return code
