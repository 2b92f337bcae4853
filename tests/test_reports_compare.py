"""Pairing and statistics, with every expected number worked out by hand (protection:
test_protection.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_app.reports.compare import (
    TOTAL,
    compare,
    pair_stats,
    shown_comparison,
    wilcoxon_of,
    wilcoxon_ps,
)

NAN = math.nan


def test_pair_stats_by_hand() -> None:
    # Pairs: 3→5, 4→4, 6→5; the fourth has START only. Changes 2, 0, −1.
    result = pair_stats([3, 4, 6, 5], [5, 4, 5, NAN], "higher")
    assert (result.n_start, result.n_pairs, result.n_without_exit) == (4, 3, 1)
    assert result.mean_start == pytest.approx(13 / 3)
    assert result.mean_exit == pytest.approx(14 / 3)
    assert result.mean_change == pytest.approx(1 / 3)
    # sd of (2, 0, −1) = sqrt(7/3) = 1.5275; t(0.975, 2) = 4.3027; half-width 3.7946.
    assert result.ci_low == pytest.approx(1 / 3 - 3.7946, abs=1e-3)
    assert result.ci_high == pytest.approx(1 / 3 + 3.7946, abs=1e-3)
    assert result.p_wilcoxon is None  # fewer than 10 pairs
    assert (result.share_improved, result.share_unchanged, result.share_worsened) == (
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
    )


def test_lower_is_better_turns_improvement_around() -> None:
    result = pair_stats([3, 3, 3, 3], [1, 2, 3, 3], "lower")  # EQ-5D level: lower is better
    assert (result.share_improved, result.share_unchanged, result.share_worsened) == (0.5, 0.5, 0.0)


def test_no_pairs_gives_counts_only() -> None:
    result = pair_stats([4, 5], [NAN, NAN], "higher")
    assert (result.n_start, result.n_pairs, result.n_without_exit) == (2, 0, 2)
    assert result.mean_start is None and result.share_improved is None


def test_wilcoxon_from_ten_pairs() -> None:
    # Ten pairs, all improved by distinct amounts 1..10: W− = 0, so the exact two-sided p-value
    # is 2 × (1 / 2^10) = 0.001953125.
    start = [10.0] * 10
    exit_ = [10.0 + d for d in range(1, 11)]
    assert pair_stats(start, exit_, "higher").p_wilcoxon == pytest.approx(2 / 1024)
    assert pair_stats(start[:9], exit_[:9], "higher").p_wilcoxon is None
    assert pair_stats(start, start, "higher").p_wilcoxon == 1.0  # nothing changed


def _measurements() -> pd.DataFrame:
    rows = [
        # participation, insats, gender, occasion, measure, value
        (1, "A", "Kvinna", "start", "m", 2.0),
        (1, "A", "Kvinna", "exit", "m", 6.0),
        (2, "A", "Kvinna", "start", "m", 4.0),
        (2, "A", "Kvinna", "exit", "m", 4.0),
        (3, "A", "Man", "start", "m", 5.0),
        (4, "B", "Man", "start", "m", 7.0),
        (4, "B", "Man", "exit", "m", 8.0),
        (4, "B", "Man", "followup", "m", 1.0),  # follow-ups are not part of START–EXIT
    ]
    return pd.DataFrame(
        rows, columns=["participation_id", "insats", "gender", "occasion", "measure", "value"]
    )


def test_compare_groups_with_totals() -> None:
    result = compare(_measurements(), {"m": "higher"}).set_index(["insats", "gender"])
    a_women = result.loc[("A", "Kvinna")]
    assert (a_women["n_pairs"], a_women["mean_start"], a_women["mean_exit"]) == (2, 3.0, 5.0)
    a_total = result.loc[("A", TOTAL)]
    assert (a_total["n_start"], a_total["n_pairs"], a_total["n_without_exit"]) == (3, 2, 1)
    men = result.loc[(TOTAL, "Man")]
    assert (men["n_start"], men["n_pairs"], men["mean_change"]) == (2, 1, 1.0)
    everyone = result.loc[(TOTAL, TOTAL)]
    # Pairs: 2→6, 4→4, 7→8: changes 4, 0, 1.
    assert (everyone["n_start"], everyone["n_pairs"]) == (4, 3)
    assert everyone["mean_change"] == pytest.approx(5 / 3)
    assert everyone["share_improved"] == pytest.approx(2 / 3)
    assert set(result.index) == {
        ("A", "Kvinna"),
        ("A", "Man"),
        ("B", "Man"),
        ("A", TOTAL),
        ("B", TOTAL),
        (TOTAL, "Kvinna"),
        (TOTAL, "Man"),
        (TOTAL, TOTAL),
    }


def test_the_comparison_a_report_shows_and_its_insats_by_gender_groups_apart() -> None:
    """shown_comparison: the groups a report shows (each insats, each gender, the total), and
    apart from them each insats × gender group, which a report never shows (its counts are
    where the protection's programs start). By hand from _measurements."""
    shown, cross, p_of = shown_comparison(_measurements(), {"m": "higher"})
    assert set(zip(shown["insats"], shown["gender"], strict=True)) == {
        ("A", TOTAL),
        ("B", TOTAL),
        (TOTAL, "Kvinna"),
        (TOTAL, "Man"),
        (TOTAL, TOTAL),
    }
    groups = cross.set_index(["insats", "gender"])
    assert set(groups.index) == {("A", "Kvinna"), ("A", "Man"), ("B", "Man")}
    # A × women: 2→6 and 4→4; A × men: START only (5); B × men: 7→8.
    a_women = groups.loc[("A", "Kvinna")]
    assert (a_women["n_start"], a_women["n_pairs"], a_women["n_without_exit"]) == (2, 2, 0)
    assert (a_women["mean_start"], a_women["mean_exit"]) == (3.0, 5.0)
    assert (a_women["share_improved"], a_women["share_unchanged"]) == (0.5, 0.5)
    a_men = groups.loc[("A", "Man")]
    assert (a_men["n_start"], a_men["n_pairs"], a_men["n_without_exit"]) == (1, 0, 1)
    b_men = groups.loc[("B", "Man")]
    assert (b_men["n_pairs"], b_men["mean_start"], b_men["mean_exit"]) == (1, 7.0, 8.0)
    assert cross["p_wilcoxon"].isna().all()
    assert p_of(TOTAL, TOTAL, "m") is None  # three pairs


def test_wilcoxon_with_ties_uses_the_normal_approximation() -> None:
    # Ten changes of +1: all ranks tie at 5.5, W+ = 55. Mean n(n+1)/4 = 27.5; variance
    # n(n+1)(2n+1)/24 − Σ(t³ − t)/48 = 96.25 − 990/48 = 75.625; z = 27.5 / 8.6963 = 3.1623;
    # two-sided p = 2 × (1 − Φ(3.1623)) = 0.001565.
    result = pair_stats([5.0] * 10, [6.0] * 10, "higher")
    assert result.p_wilcoxon == pytest.approx(0.001565, abs=2e-6)


def test_a_series_step_is_compared_with_start_like_exit() -> None:
    # Three participations: p1 START 4, follow-up 1 → 6, EXIT 7, six months after exit 5;
    # p2 START 2, follow-up 1 → 3, no EXIT; p3 START 5, nothing later.
    rows = [
        (1, "start", 4.0),
        (1, "followup:1", 6.0),
        (1, "exit", 7.0),
        (1, "after:6", 5.0),
        (2, "start", 2.0),
        (2, "followup:1", 3.0),
        (3, "start", 5.0),
    ]
    measurements = pd.DataFrame(
        [
            {"participation_id": p, "insats": "A", "occasion": o, "measure": "m", "value": v}
            for p, o, v in rows
        ]
    )
    at = {
        step: compare(measurements, {"m": "higher"}, by=("insats",), step=step)
        .set_index("insats")
        .loc[TOTAL]
        for step in ("followup:1", "exit", "after:6")
    }
    # START → follow-up 1: pairs (4, 6) and (2, 3); p3 has START only.
    assert (at["followup:1"]["n_pairs"], at["followup:1"]["n_without_exit"]) == (2, 1)
    assert at["followup:1"]["mean_start"] == pytest.approx(3.0)
    assert at["followup:1"]["mean_exit"] == pytest.approx(4.5)
    assert at["followup:1"]["mean_change"] == pytest.approx(1.5)
    # START → EXIT: only p1 (4 → 7).
    assert (at["exit"]["n_pairs"], at["exit"]["mean_change"]) == (1, pytest.approx(3.0))
    # START → six months after the exit: only p1 (4 → 5), improved.
    assert at["after:6"]["n_pairs"] == 1
    assert at["after:6"]["mean_change"] == pytest.approx(1.0)
    assert at["after:6"]["share_improved"] == pytest.approx(1.0)


def test_the_wilcoxon_p_of_a_shown_group_is_worked_out_on_its_own() -> None:
    # Insats A: ten women, each 5 → 6; insats B: three men, each 5 → 6. Every change is +1.
    rows = []
    for p, (insats, gender) in enumerate([("A", "Kvinna")] * 10 + [("B", "Man")] * 3):
        rows += [(p, insats, gender, "start", "m", 5.0), (p, insats, gender, "exit", "m", 6.0)]
    measurements = pd.DataFrame(
        rows, columns=["participation_id", "insats", "gender", "occasion", "measure", "value"]
    )
    p_of = wilcoxon_of(measurements)
    # Ten ties: p = 0.001565 (see the test above); A in total is the same ten.
    assert p_of("A", "Kvinna", "m") == pytest.approx(0.001565, abs=2e-6)
    assert p_of("A", TOTAL, "m") == pytest.approx(0.001565, abs=2e-6)
    # Three pairs: fewer than ten, no p.
    assert p_of("B", TOTAL, "m") is None
    assert p_of(TOTAL, "Man", "m") is None
    # Everyone: 13 ties, W+ = 91, mean 13·14/4 = 45.5, variance 13·14·27/24 − (13³ − 13)/48
    # = 204.75 − 45.5 = 159.25, z = 45.5 / 12.6194 = 3.6056, p = 2 × (1 − Φ(z)) = 0.000311.
    assert p_of(TOTAL, TOTAL, "m") == pytest.approx(0.000311, abs=1e-6)
    assert p_of(TOTAL, TOTAL, "another measure") is None
    # The same as compare's own p, group by group; without p_values compare leaves it out.
    full = compare(measurements, {"m": "higher"}, cross=False)
    for _, row in full.iterrows():
        expected = row["p_wilcoxon"]
        found = p_of(row["insats"], row["gender"], "m")
        assert (found is None and pd.isna(expected)) or found == pytest.approx(expected)
    left_out = compare(measurements, {"m": "higher"}, cross=False, p_values=False)
    assert left_out["p_wilcoxon"].isna().all()


def test_no_measurements_no_p() -> None:
    assert wilcoxon_of(pd.DataFrame())("A", TOTAL, "m") is None


def test_many_groups_at_once_get_the_p_each_gets_alone() -> None:
    # Groups of every kind a report has, worked out together (wilcoxon_ps pads them into
    # matrices), against scipy's test of each group alone, as the docstring's rule says:
    # exact without ties or zeros up to 50 pairs, else the normal approximation.
    rng = np.random.default_rng(7)
    groups = [
        rng.integers(-3, 4, size=int(size)).astype(float)  # 1–10 scales: ties and zeros
        for size in rng.integers(10, 300, size=40)
    ]
    groups += [rng.normal(size=int(size)) for size in rng.integers(10, 50, size=20)]  # exact
    groups += [rng.normal(size=80), np.zeros(12), np.ones(9), np.array([])]
    found = wilcoxon_ps(groups)
    for change, p in zip(groups, found, strict=True):
        if len(change) < 10:
            assert p is None
        elif not change.any():
            assert p == 1.0
        else:
            magnitudes = np.abs(change[change != 0])
            plain = len(magnitudes) == len(change) and len(np.unique(magnitudes)) == len(change)
            method = "exact" if plain and len(change) <= 50 else "asymptotic"
            assert p == stats.wilcoxon(change, method=method).pvalue
