"""The report and model code name no questionnaire: what the workbook shows of an instrument is
declared in its file (`report:`), so a förbund's own questionnaire reaches the report the same
way as the shipped ones."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path.stem for path in (ROOT / "questionnaires").glob("*.yaml"))
# The ids, and the measure prefix the two EQ-5D files share.
IDS = ["sjalvskattning", "eq5d", "valdsenkat", "nojdhet", "inskrivning", "utskrivning"]


def _hits(folder: str, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / "survey_app" / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_ids_are_those_of_the_shipped_files() -> None:
    # A new shipped file must be added to IDS, or the grep below would not look for it.
    assert set(SHIPPED) == {*IDS, "eq5d-3l", "eq5d-5l"} - {"eq5d"}


def test_reports_code_names_no_instrument() -> None:
    pattern = re.compile("|".join(IDS), re.IGNORECASE)
    assert _hits("reports", pattern) == []


def test_models_code_names_no_instrument() -> None:
    """No model names a questionnaire or one of its measures: scorer options such as the EQ-5D
    value set are stored per questionnaire id (`QuestionnaireOptions`), not as columns."""
    pattern = re.compile(r"""["'](%s)\b""" % "|".join(IDS))  # noqa: UP031
    assert _hits("models", pattern) == []


def test_staff_code_names_no_instrument() -> None:
    """The staff's exit form is found by the insats' EXIT bundle and `respondent: staff`
    (`staff.services.exit_form_of`), not by a questionnaire id in the code."""
    pattern = re.compile(r"""["'](%s)\b""" % "|".join(IDS))  # noqa: UP031
    assert _hits("staff", pattern) == []
