"""Agreement between coders: Krippendorff's alpha per coded field, with N and a
bootstrap 95 % interval. Pure computation over reliability data (no models).

- The point estimate is ``krippendorff.alpha`` (nominal for the categorical fields; a
  multi-valued field's whole set is one category: two coders agree on "consequences"
  only if they ticked the same boxes). Units are coding requests, so an entry coded
  twice counts twice. The package is given each unit's value counts, which the
  statistics below already hold, rather than a coders × units matrix it would have to
  count again. For years (interval) the package's units × values² coincidence array is
  too slow at 10,000 units, so the same alpha comes from per-unit sums (equal to the
  package's to 1e-9: tests/coding/test_agreement.py).
- The data stay sparse, one (unit, coder, value) triple per value given: a coders ×
  units matrix is mostly NaN (40 coders, two per unit: 95 % empty) and every pass over
  it cost more than the values themselves.
- The interval resamples units with replacement (``BOOTSTRAP_SAMPLES`` times, seed 0,
  so the published interval does not move between two requests) and takes the 2.5th
  and 97.5th percentiles. Alpha is a function of sums of per-unit statistics, so a
  resample is a weighted sum, not a new alpha; units with identical statistics are
  grouped and a resample is one multinomial draw over the groups (resampled_sums).
  10,000 units × 11 fields: about 0.15 s of CPU (docs/benchmarks.md, "Coder agreement").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import methodcaller

import krippendorff
import numpy as np

NOMINAL = "nominal"
INTERVAL = "interval"
BOOTSTRAP_SAMPLES = 1000
# A field whose units fall into at most this many groups of identical statistics is
# resampled by one multinomial draw over the groups (resampled_sums); above it,
# drawing units is cheaper (measured: 1,000 draws over 200 groups 0.04 s, over 2,000
# groups 0.3 s, against ~0.1 s for 1,000 × 10,000 unit draws).
MAX_GROUPS = 256


@dataclass(frozen=True)
class FieldAgreement:
    field: str
    level: str
    alpha: float | None
    n_units: int  # units with at least two values (pairable)
    n_coders: int
    n_values: int
    ci: tuple[float, float] | None

    def as_json(self) -> dict:
        return {
            "field": self.field,
            "alpha": None if self.alpha is None else round(self.alpha, 4),
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            "n_values": self.n_values,
            "ci": None if self.ci is None else [round(self.ci[0], 4), round(self.ci[1], 4)],
            "level": self.level,
        }


@dataclass(frozen=True)
class Values:
    """One field's reliability data: parallel arrays, one entry per value given."""

    units: np.ndarray  # unit index, 0 … n_units-1
    coders: np.ndarray  # coder index
    values: np.ndarray  # nominal: category number 0 … k-1; interval: the number
    n_units: int
    n_coders: int

    @classmethod
    def from_matrix(cls, matrix: np.ndarray) -> Values:
        """From a coders × units matrix with NaN for a missing value (the package's
        reliability_data), nominal codes renumbered 0 … k-1."""
        coders, units = np.nonzero(~np.isnan(matrix))
        return cls(units, coders, matrix[coders, units], matrix.shape[1], matrix.shape[0])

    def matrix(self) -> np.ndarray:
        matrix = np.full((max(self.n_coders, 1), self.n_units), np.nan)
        matrix[self.coders, self.units] = self.values
        return matrix


def _code(value):
    return tuple(sorted(value)) if type(value) is list else value


def reliability_values(
    rows: Iterable[tuple[int, int, dict]], fields: list[tuple[str, str]]
) -> dict[str, Values]:
    """Every field's :class:`Values` from rows of (unit, coder, values), all over the
    same units (every unit in ``rows``, in order) and coders.

    Each field's values are read and numbered with C-level ``map``/``dict.fromkeys``
    rather than one Python loop over rows × fields (at 20,000 codings × 11 fields that
    loop was a third of the whole computation)."""
    rows = rows if isinstance(rows, list) else list(rows)
    units: dict = {}
    coders: dict = {}
    unit_of = np.array([units.setdefault(row[0], len(units)) for row in rows], dtype=np.intp)
    coder_of = np.array([coders.setdefault(row[1], len(coders)) for row in rows], dtype=np.intp)
    coded = [row[2] for row in rows]
    result = {}
    for field, level in fields:
        raw = list(map(methodcaller("get", field), coded))
        try:
            categories = dict.fromkeys(raw)
        except TypeError:  # a multi-valued field: its lists become sorted tuples
            raw = list(map(_code, raw))
            categories = dict.fromkeys(raw)
        # Each distinct value once: its code (nominal: numbered in order of appearance;
        # interval: the number itself), NaN for a value not given.
        table, number = np.full(len(categories), np.nan), 0
        for position, category in enumerate(categories):
            if category is not None:
                table[position] = float(category) if level == INTERVAL else number
                number += 1
        position_of = {category: position for position, category in enumerate(categories)}
        codes = table[np.fromiter(map(position_of.__getitem__, raw), np.intp, len(raw))]
        given = ~np.isnan(codes)
        result[field] = Values(
            unit_of[given], coder_of[given], codes[given], len(units), len(coders)
        )
    return result


def reliability_matrices(
    rows: Iterable[tuple[int, int, dict]], fields: list[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """The coders × units matrix of every field (NaN: no value), as krippendorff.alpha
    takes them."""
    return {field: data.matrix() for field, data in reliability_values(rows, fields).items()}


def _unit_statistics(data: Values, level: str) -> np.ndarray:
    """Per unit: [pairable values m, observed disagreement, then the totals the expected
    disagreement needs] (nominal: value counts per category; interval: Σv, Σv²). Units
    with fewer than two values are all zeros: they take no part in alpha."""
    n_units = data.n_units
    m = np.bincount(data.units, minlength=n_units).astype(float)
    pairable = m >= 2
    if level == INTERVAL:
        s1 = np.bincount(data.units, weights=data.values, minlength=n_units)
        s2 = np.bincount(data.units, weights=data.values**2, minlength=n_units)
        with np.errstate(invalid="ignore", divide="ignore"):
            observed = np.where(pairable, (2 * m * s2 - 2 * s1**2) / (m - 1), 0.0)
        totals = np.stack([s1, s2], axis=1)
    else:
        codes = data.values.astype(np.intp)
        k = int(codes.max()) + 1 if codes.size else 0
        counts = np.bincount(data.units * k + codes, minlength=n_units * k)
        counts = counts.reshape(n_units, k).astype(float)
        counts = counts[:, counts.sum(axis=0) > 0]  # a test's matrix may skip codes
        with np.errstate(invalid="ignore", divide="ignore"):
            observed = np.where(pairable, (m**2 - (counts**2).sum(axis=1)) / (m - 1), 0.0)
        totals = counts
    stats = np.column_stack([m, observed, totals])
    stats[~pairable] = 0.0
    return stats


def _alphas(sums: np.ndarray, level: str) -> np.ndarray:
    """Alpha for each row of summed unit statistics (one row per resample)."""
    n, observed = sums[:, 0], sums[:, 1]
    if level == INTERVAL:
        s1, s2 = sums[:, 2], sums[:, 3]
        expected = 2 * n * s2 - 2 * s1**2
    else:
        expected = n**2 - (sums[:, 2:] ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * observed / expected, np.nan)


def alpha_from_statistics(matrix: np.ndarray, level: str) -> float | None:
    """The same alpha from the per-unit statistics (what the bootstrap resamples); the
    tests check it equals ``krippendorff.alpha``."""
    stats = _unit_statistics(Values.from_matrix(matrix), level)
    value = _alphas(stats.sum(axis=0, keepdims=True), level)[0]
    return None if math.isnan(value) else float(value)


def unit_weights(n_units: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Resamples of units with replacement, as count weights (samples × units)."""
    picks = rng.integers(0, n_units, size=(samples, n_units), dtype=np.int32)
    offsets = (np.arange(samples, dtype=np.int32) * n_units)[:, None]
    counts = np.bincount((picks + offsets).ravel(), minlength=samples * n_units)
    return counts.reshape(samples, n_units).astype(np.float64)


def _groups(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``stats`` and how many units have each. Rows are told apart
    by one random projection (a sort of n numbers, not a row-wise sort of n × k), then
    checked: on the rare collision the exact row-wise unique is used."""
    projection = stats @ np.random.default_rng(1).random(stats.shape[1])
    _keys, first, inverse, sizes = np.unique(
        projection, return_index=True, return_inverse=True, return_counts=True
    )
    groups = stats[first]
    if not np.array_equal(groups[inverse.ravel()], stats):
        groups, sizes = np.unique(stats, axis=0, return_counts=True)
    return groups, sizes


def resampled_sums(stats: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Sums of the per-unit statistics over ``samples`` resamples of the units.

    Drawing n units with replacement puts Multinomial(n, n_t / n) of them in each group
    t of units with identical statistics, so when a field has few such groups (a
    nominal field: one per combination of values given; years that most coders code
    alike) a resample is one multinomial draw over the groups instead of n draws: the
    same distribution at a fraction of the cost."""
    groups, sizes = _groups(stats)
    if len(groups) <= MAX_GROUPS:
        counts = rng.multinomial(stats.shape[0], sizes / stats.shape[0], size=samples)
        return counts.astype(np.float64) @ groups
    return unit_weights(stats.shape[0], samples, rng) @ stats


def _summary(field: str, level: str, data: Values):
    """(FieldAgreement without interval, statistics of the pairable units or None when
    alpha is undefined)."""
    stats = _unit_statistics(data, level)
    pairable = stats[:, 0] >= 2
    n_units = int(pairable.sum())
    paired = pairable[data.units]
    n_coders = len(np.unique(data.coders[paired]))
    n_values = int(paired.sum())
    if n_units == 0 or len(np.unique(data.values[paired])) < 2:
        # No pairs, or one value only: alpha is undefined (no variation to agree on).
        return FieldAgreement(field, level, None, n_units, n_coders, n_values, None), None
    if level == INTERVAL:
        # krippendorff.alpha builds a units × years × years array (1.9 s for 10,000
        # units over 36 years); for the squared difference the same alpha is a sum over
        # units (tests/coding/test_agreement.py checks it equals krippendorff.alpha).
        point = float(_alphas(stats.sum(axis=0, keepdims=True), level)[0])
    else:
        point = float(
            krippendorff.alpha(value_counts=stats[pairable, 2:], level_of_measurement=level)
        )
    summary = FieldAgreement(field, level, point, n_units, n_coders, n_values, None)
    return summary, stats[pairable]


def agreement(
    rows: list[tuple[int, int, dict]],
    fields: list[tuple[str, str]],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> list[FieldAgreement]:
    """Alpha per (field, level) over the reliability data ``rows`` of (unit, coder,
    values), with its bootstrap interval. Deterministic for a given ``seed``.

    Each field's interval is its own bootstrap over the units it can pair (a unit
    without a pair adds nothing to any sum): the same distribution as resampling all
    units of all fields together, as each field's interval is read alone."""
    data = reliability_values(rows, fields)
    rng = np.random.default_rng(seed)
    result = []
    for field, level in fields:
        summary, stats = _summary(field, level, data[field])
        if stats is None or samples <= 0:
            result.append(summary)
            continue
        alphas = _alphas(resampled_sums(stats, samples, rng), level)
        alphas = alphas[~np.isnan(alphas)]
        ci = None
        if alphas.size:
            low, high = np.percentile(alphas, [2.5, 97.5])
            ci = (float(low), float(high))
        result.append(
            FieldAgreement(
                summary.field,
                summary.level,
                summary.alpha,
                summary.n_units,
                summary.n_coders,
                summary.n_values,
                ci,
            )
        )
    return result


def coder_agreement(pairs: Iterable[tuple[object, object]]) -> tuple[int, int]:
    """(values equal to the reconciled ones, values compared) for one coder: their share
    of agreement with the reconciled values, shown on their profile."""
    agreed = compared = 0
    for mine, final in pairs:
        compared += 1
        agreed += _code(mine) == _code(final)
    return agreed, compared
