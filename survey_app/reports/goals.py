"""An insats' goals and whether the report period met them: plain Python and pandas.

Two kinds of goal, as the förbund writes them:
- {"kind": "improved", "measure": "sjalvskattning:general_health", "target": 0.7}
  "70 % experience improved health": the share of START–EXIT pairs that improved.
- {"kind": "exit_reasons", "reasons": ["arbete", "studier"], "target": 0.3}
  "30 % to work or studies": the share of registered exit reasons among those given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey_app.reports.compare import TOTAL


@dataclass(frozen=True)
class GoalOutcome:
    insats: str
    goal: str
    outcome: float | None
    n: int
    attained: str  # "Ja", "Nej", or why it cannot be said


def describe(
    goal: Mapping[str, Any], measure_labels: Mapping[str, str], reason_labels: Mapping[str, str]
) -> str:
    percent = round(float(goal["target"]) * 100)
    if goal["kind"] == "improved":
        label = measure_labels.get(goal["measure"], goal["measure"])
        return f"{percent} % förbättrade: {label}"
    reasons = " eller ".join(reason_labels.get(r, r).lower() for r in goal["reasons"])
    return f"{percent} % avslutas till {reasons}"


def evaluate(
    insats: str,
    goals: Sequence[Mapping[str, Any]],
    comparison: pd.DataFrame,
    exit_reasons: pd.Series,
    k: int,
    measure_labels: Mapping[str, str],
    reason_labels: Mapping[str, str],
) -> list[GoalOutcome]:
    """`comparison` is the unprotected output of compare(); `exit_reasons` the exit-reason codes
    given in this insats. Fewer than k cases: the outcome is not shown."""
    out = []
    for goal in goals:
        text = describe(goal, measure_labels, reason_labels)
        target = float(goal["target"])
        if goal["kind"] == "improved":
            rows = comparison[
                (comparison["insats"] == insats)
                & (comparison["gender"] == TOTAL)
                & (comparison["measure"] == goal["measure"])
            ]
            n = int(rows["n_pairs"].iloc[0]) if len(rows) else 0
            share = rows["share_improved"].iloc[0] if len(rows) else None
        else:
            n = len(exit_reasons)
            share = float(exit_reasons.isin(goal["reasons"]).mean()) if n else None
        if n < k or share is None or pd.isna(share):
            out.append(GoalOutcome(insats, text, None, n, f"För få (färre än {k})"))
        else:
            out.append(
                GoalOutcome(insats, text, float(share), n, "Ja" if share >= target else "Nej")
            )
    return out
