"""Agreement between coders: Krippendorff's alpha per coded field, with N and a
bootstrap 95 % interval. Pure computation over reliability data (no models).

- The point estimate is ``krippendorff.alpha`` on the coders × units matrix (units are
  coding requests, so an entry coded twice counts twice; missing values are NaN),
  nominal for the categorical fields (a multi-valued field's whole set is one
  category: two coders agree on "consequences" only if they ticked the same boxes).
  For years (interval) the package's units × values² coincidence array is too slow
  at 10,000 units, so the same alpha comes from per-unit sums (equal to the package's
  to 1e-9: tests/coding/test_agreement.py).
- The interval resamples units with replacement (``BOOTSTRAP_SAMPLES`` times) and
  takes the 2.5th and 97.5th percentiles. Each unit's share of the observed
  disagreement and of the value totals is computed once, so a resample is one matrix
  product instead of a new alpha: 10,000 units × 11 fields in well under a second
  (docs/benchmarks.md, "Coder agreement").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import krippendorff
import numpy as np

NOMINAL = "nominal"
INTERVAL = "interval"
BOOTSTRAP_SAMPLES = 1000
CHUNK = 250  # resamples per matrix product: bounds memory to CHUNK × units floats


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


def _category(value):
    return tuple(sorted(value)) if isinstance(value, list) else value


def reliability_matrices(
    rows: Iterable[tuple[int, int, dict]], fields: list[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """:func:`reliability_matrix` for every field in one pass over the rows (the rows are
    read once however many fields there are); every matrix has the same coders × units."""
    units: dict = {}
    coders: dict = {}
    cells: dict[str, tuple[list, list, list]] = {field: ([], [], []) for field, _level in fields}
    categories: dict[str, dict] = {field: {} for field, _level in fields}
    interval = {field for field, level in fields if level == INTERVAL}
    for unit, coder, values in rows:
        unit_index = units.setdefault(unit, len(units))
        coder_index = coders.setdefault(coder, len(coders))
        for field, value in values.items():
            if value is None or field not in cells:
                continue
            if field in interval:
                code = float(value)
            else:
                seen = categories[field]
                code = seen.setdefault(_category(value), len(seen))
            coder_list, unit_list, code_list = cells[field]
            coder_list.append(coder_index)
            unit_list.append(unit_index)
            code_list.append(code)
    matrices = {}
    for field, (coder_list, unit_list, code_list) in cells.items():
        matrix = np.full((max(len(coders), 1), len(units)), np.nan)
        matrix[coder_list, unit_list] = code_list
        matrices[field] = matrix
    return matrices


def _unit_statistics(matrix: np.ndarray, level: str) -> np.ndarray:
    """Per unit: [pairable values m, observed disagreement, then the totals the expected
    disagreement needs] (nominal: value counts per category; interval: Σv, Σv²). Units
    with fewer than two values are all zeros: they take no part in alpha."""
    present = ~np.isnan(matrix)
    m = present.sum(axis=0).astype(float)
    pairable = m >= 2
    values = np.where(present, matrix, 0.0)
    if level == INTERVAL:
        s1 = values.sum(axis=0)
        s2 = (values**2).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            observed = np.where(pairable, (2 * m * s2 - 2 * s1**2) / (m - 1), 0.0)
        totals = np.stack([s1, s2], axis=1)
    else:
        codes = np.unique(matrix[present]).astype(int) if present.any() else np.array([], int)
        counts = np.stack([(matrix == c).sum(axis=0) for c in codes], axis=1).astype(float)
        if counts.size == 0:
            counts = np.zeros((matrix.shape[1], 0))
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
    stats = _unit_statistics(matrix, level)
    value = _alphas(stats.sum(axis=0, keepdims=True), level)[0]
    return None if math.isnan(value) else float(value)


def bootstrap_weights(n_units: int, samples: int, rng: np.random.Generator):
    """Resamples of units with replacement, as count weights, CHUNK at a time."""
    for first in range(0, samples, CHUNK):
        size = min(CHUNK, samples - first)
        # int32 halves the cost of drawing and counting (CHUNK × units < 2**31).
        picks = rng.integers(0, n_units, size=(size, n_units), dtype=np.int32)
        offsets = (np.arange(size, dtype=np.int32) * n_units)[:, None]
        counts = np.bincount((picks + offsets).ravel(), minlength=size * n_units)
        yield counts.reshape(size, n_units).astype(np.float64)


def _summary(field: str, level: str, matrix: np.ndarray):
    """(FieldAgreement without interval, per-unit statistics or None when undefined)."""
    present = ~np.isnan(matrix)
    per_unit = present.sum(axis=0)
    pairable = per_unit >= 2
    n_units = int(pairable.sum())
    n_coders = int(present[:, pairable].any(axis=1).sum()) if n_units else 0
    n_values = int(per_unit[pairable].sum())
    if n_units == 0 or len(np.unique(matrix[:, pairable][present[:, pairable]])) < 2:
        # No pairs, or one value only: alpha is undefined (no variation to agree on).
        return FieldAgreement(field, level, None, n_units, n_coders, n_values, None), None
    stats = _unit_statistics(matrix, level)
    if level == INTERVAL:
        # krippendorff.alpha builds a units × years × years array (1.9 s for 10,000
        # units over 36 years); for the squared difference the same alpha is a sum over
        # units (tests/coding/test_agreement.py checks it equals krippendorff.alpha).
        point = float(_alphas(stats.sum(axis=0, keepdims=True), level)[0])
    else:
        point = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    summary = FieldAgreement(field, level, point, n_units, n_coders, n_values, None)
    return summary, stats


def agreement(
    rows: list[tuple[int, int, dict]],
    fields: list[tuple[str, str]],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> list[FieldAgreement]:
    """Alpha per (field, level) over the reliability data ``rows`` of (unit, coder,
    values), with its bootstrap interval. Deterministic for a given ``seed``.

    Every field's matrix has the same units (every unit in ``rows``, in order), so one
    set of resamples serves all fields: the per-unit statistics of every field sit side
    by side and each chunk of resamples is a single matrix product."""
    matrices = reliability_matrices(rows, fields)
    summaries, blocks = [], []
    for field, level in fields:
        summary, stats = _summary(field, level, matrices[field])
        summaries.append(summary)
        blocks.append(stats)
    n_units = matrices[fields[0][0]].shape[1] if fields else 0
    columns = [b for b in blocks if b is not None]
    if not columns or samples <= 0:
        return summaries
    stacked = np.hstack(columns)
    resampled = np.vstack(
        [
            weights @ stacked
            for weights in bootstrap_weights(n_units, samples, np.random.default_rng(seed))
        ]
    )
    result, offset = [], 0
    for summary, stats in zip(summaries, blocks, strict=True):
        if stats is None:
            result.append(summary)
            continue
        width = stats.shape[1]
        alphas = _alphas(resampled[:, offset : offset + width], summary.level)
        offset += width
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
        agreed += _category(mine) == _category(final)
    return agreed, compared
