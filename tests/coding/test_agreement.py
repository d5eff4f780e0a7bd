"""Coder agreement: the site's alpha is krippendorff.alpha on the same matrix (issue 16)."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest

from apps.atlas.entries import services as entry_services
from apps.coding import agreement, services
from apps.coding.models import Coding
from bench.bench_agreement import double_coded

from .conftest import api, evidence_data, example_data, make_coder

pytestmark = pytest.mark.django_db

OPERATORS = ["state", "private", "platform", "public_private", "unknown"]


@pytest.fixture
def thirty_by_three(user, moderator):
    """30 entries, each coded by the same 3 coders, with missing values (a coder who left
    the field empty, or never handed in); returns the matrices the site must agree with."""
    rng = random.Random(16)
    coders = [make_coder(), make_coder(), make_coder()]
    nominal = np.full((3, 30), np.nan)
    years = np.full((3, 30), np.nan)
    for unit in range(30):
        example = entry_services.example_create(
            author=user, data=example_data(title=f"System {unit}", country="DE" if unit % 2 else "FR"),
            evidence=[evidence_data()], confirm_distinct=True,
        )  # fmt: skip
        services.coding_request_create(actor=moderator, example=example, coders=coders)
        truth, year = rng.choice(OPERATORS), rng.randint(1990, 2020)
        for row, coder in enumerate(coders):
            values = {}
            if rng.random() > 0.15:
                values["operator"] = truth if rng.random() < 0.7 else rng.choice(OPERATORS)
                nominal[row, unit] = OPERATORS.index(values["operator"])
            if rng.random() > 0.2:
                values["start_year"] = year + (rng.choice([0, 0, 1, -2]))
                years[row, unit] = values["start_year"]
            services.coding_save_mine(actor=coder, example=example, values=values, submit=True)
    return nominal, years


def test_alpha_equals_krippendorff_alpha_on_30_entries_by_3_coders(thirty_by_three):
    nominal, years = thirty_by_three
    assert np.isnan(nominal).any() and np.isnan(years).any()
    rows = {row["field"]: row for row in api().get("/api/atlas/agreement/").json()}
    expected = krippendorff.alpha(reliability_data=nominal, level_of_measurement="nominal")
    assert rows["operator"]["alpha"] == pytest.approx(expected, abs=1e-4)
    assert rows["operator"]["level"] == "nominal"
    expected_years = krippendorff.alpha(reliability_data=years, level_of_measurement="interval")
    assert rows["start_year"]["alpha"] == pytest.approx(expected_years, abs=1e-4)
    assert rows["start_year"]["level"] == "interval"
    assert rows["operator"]["n_coders"] == 3
    assert rows["operator"]["n_units"] == int(((~np.isnan(nominal)).sum(axis=0) >= 2).sum())
    low, high = rows["operator"]["ci"]
    assert low <= rows["operator"]["alpha"] <= high
    assert rows["transparency"]["alpha"] is None and rows["transparency"]["n_units"] == 0


def test_the_country_filter_and_a_bad_country(thirty_by_three):
    nominal, _years = thirty_by_three
    german = {r["field"]: r for r in api().get("/api/atlas/agreement/?country=DE").json()}
    expected = krippendorff.alpha(reliability_data=nominal[:, 1::2], level_of_measurement="nominal")
    assert german["operator"]["alpha"] == pytest.approx(expected, abs=1e-4)
    assert api().get("/api/atlas/agreement/?country=XX%3Cb%3E").status_code == 400
    page = api().get("/coding/codebook/?country=DE")
    assert page.status_code == 200 and b'id="agreement-operator"' in page.content


@pytest.mark.parametrize("level", ["nominal", "interval"])
@pytest.mark.parametrize("seed", range(5))
def test_the_resampled_statistics_give_the_packages_alpha(level, seed):
    """The bootstrap resamples per-unit sums; with every unit once they give exactly
    krippendorff.alpha (so the interval is around the right estimate)."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 5, (4, 40)).astype(float) + (1990 if level == "interval" else 0)
    matrix[rng.random((4, 40)) < 0.3] = np.nan
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert agreement.alpha_from_statistics(matrix, level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "interval"])
def test_resampling_groups_of_units_gives_the_unit_bootstraps_interval(level, monkeypatch):
    """A resample drawn as one multinomial over groups of alike units has the
    distribution of n units drawn one by one: the two intervals agree to within the
    bootstrap's own noise (and the groups path is the one taken here)."""
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 400)
    rows = []
    for unit, value in enumerate(truth):
        for coder in range(3):
            given = value if rng.random() < 0.75 else rng.integers(0, 4)
            rows.append((unit, coder, {"f": int(given) + (2000 if level == "interval" else 0)}))
    fields = [("f", level)]
    grouped = agreement.agreement(rows, fields, samples=4000)[0]
    monkeypatch.setattr(agreement, "MAX_GROUPS", 0)  # every field draws unit by unit
    drawn = agreement.agreement(rows, fields, samples=4000)[0]
    assert grouped.alpha == drawn.alpha
    assert grouped.ci == pytest.approx(drawn.ci, abs=0.01)
    assert grouped.ci != drawn.ci  # two different draws: the groups path was taken


def test_agreement_over_10000_double_coded_entries_covers_every_field():
    """At the bench's size (bench/bench_agreement.py times it: docs/benchmarks.md, "Coder
    agreement"): every field gets its alpha and interval over all 10,000 units."""
    rows, fields = double_coded(10_000)
    result = agreement.agreement(rows, fields)
    assert [r.field for r in result] == [name for name, _level in fields]
    assert all(r.n_units == 10_000 and r.ci is not None for r in result)
    assert Coding.objects.count() == 0  # pure computation: no database
