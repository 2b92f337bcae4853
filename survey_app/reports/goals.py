"""How an insats' goals read in the report (whether they were met: workbook._register_goals,
where the counts behind them are protected with everything else).

Two kinds of goal, as the förbund writes them:
- {"kind": "improved", "measure": "<measures>:general_health", "target": 0.7}
  "70 % experience improved health": the share of START–EXIT pairs that improved.
- {"kind": "exit_reasons", "reasons": ["arbete", "studier"], "target": 0.3}
  "30 % to work or studies": the share of registered exit reasons among those given.
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
