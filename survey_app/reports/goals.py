"""How an insats' goals read in the report (whether they were met: workbook._register_goals,
where the counts behind them are protected with everything else).

Two kinds of goal, as the förbund writes them:
- {"kind": "improved", "measure": "<measures>:general_health", "target": 0.7}
  "70 % experience improved health": the share of START–EXIT pairs that improved.
- {"kind": "exit_reasons", "reasons": ["arbete", "studier"], "target": 0.3}
  "30 % to work or studies": the share of registered exit reasons among those given.
- {"kind": "categories", "item": "<questionnaire>:<item>", "categories": [...], "target": 0.4}
  "40 % go on to work or studies": the share of a register item's categories (e.g. occupation
  at exit) among every participation the question concerns — asked at the end, all who ended
  in the period, "Svar saknas" included — a denominator the goal's text states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe(
    goal: Mapping[str, Any], measure_labels: Mapping[str, str], reason_labels: Mapping[str, str]
) -> str:
    percent = round(float(goal["target"]) * 100)
    if goal["kind"] == "improved":
        label = measure_labels.get(goal["measure"], goal["measure"])
        return f"{percent} % förbättrade: {label}"
    reasons = " eller ".join(reason_labels.get(r, r).lower() for r in goal["reasons"])
    return f"{percent} % avslutas till {reasons}"


def describe_categories(
    goal: Mapping[str, Any], question: str, labels: Mapping[str, str], at_end: bool
) -> str:
    """ "40 % Sysselsättning vid avslut: förvärvsarbete eller studier (andel av alla
    avslutade)": the goal's denominator stated."""
    percent = round(float(goal["target"]) * 100)
    names = " eller ".join(labels.get(str(c), str(c)).lower() for c in goal.get("categories", []))
    whole = "alla avslutade" if at_end else "alla deltagare"
    return f"{percent} % {question}: {names} (andel av {whole})"
