"""The participant's language as staff choose it (issue 15): chosen at registration, changed on
the participant's page, shown there; the link and the tablet open in it; staff see which
languages no native speaker has reviewed; `flask questionnaires check` reports what is missing
per language."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.i18n import unreviewed_languages
from survey_app.models import AuditEvent, Participation
from tests.survey_helpers import Setup, create_link, make_setup, staff_client


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _insats_id(app: Flask, setup: Setup) -> int:
    with app.app_context():
        found = db.session.get(Participation, setup.participation_id)
        assert found is not None
        return found.insats_id


def _language(app: Flask, participation_id: int) -> str | None:
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None
        return found.language


REGISTRATION = {
    "code": "A-2",
    "gender": "kvinna",
    "birth_year": "1990",
    "remittent": "af",
    "start_date": "2026-01-12",
}


def test_staff_choose_the_language_at_registration(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    insats_id = _insats_id(app, setup)
    form = staff.get(f"/insatser/{insats_id}/deltagare/ny").get_data(as_text=True)
    # Every language is offered; the shipped translations are all unreviewed, so every one but
    # Swedish carries the mark, and Swedish does not.
    options = dict(re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', form))
    assert set(options) >= {"sv", "sv-x-lattlast", "en", "ar", "fa", "so", "ti"}
    assert "granskad" not in options["sv"]
    assert options["ar"] == "Arabiska (العربية) – ej granskad av modersmålstalare"
    assert options["sv-x-lattlast"] == "Lättläst svenska – ej granskad av modersmålstalare"

    response = staff.post(
        f"/insatser/{insats_id}/deltagare/ny", data={**REGISTRATION, "language": "ar"}
    )
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalars(
            sa.select(Participation).where(Participation.id != setup.participation_id)
        ).all()
        chosen = [p for p in new if p.participant.code == "A-2"]
        assert [p.language for p in chosen] == ["ar"]
        participation_id = chosen[0].id
    page = staff.get(f"/deltagande/{participation_id}").get_data(as_text=True)
    assert "<dt>Språk</dt><dd>Arabiska</dd>" in page


def test_an_unknown_language_is_refused_and_nothing_is_saved(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    insats_id = _insats_id(app, setup)
    response = staff.post(
        f"/insatser/{insats_id}/deltagare/ny", data={**REGISTRATION, "language": "xx"}
    )
    assert response.status_code == 200
    assert "Välj ett av språken i listan." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 2


def test_swedish_is_kept_as_nothing(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    insats_id = _insats_id(app, setup)
    staff.post(f"/insatser/{insats_id}/deltagare/ny", data={**REGISTRATION, "language": "sv"})
    with app.app_context():
        languages = db.session.scalars(sa.select(Participation.language)).all()
    assert languages == [None, None, None]


def test_staff_change_the_language_on_the_participants_page(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    assert "<dt>Språk</dt><dd>Svenska</dd>" in page
    response = staff.post(
        f"/deltagande/{setup.participation_id}/sprak", data={"language": "sv-x-lattlast"}
    )
    assert response.status_code == 302
    assert _language(app, setup.participation_id) == "sv-x-lattlast"
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    assert "<dt>Språk</dt><dd>Lättläst svenska</dd>" in page
    with app.app_context():
        [event] = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participation_language_changed")
        ).all()
        # The log names the change, not the language.
        assert "lattlast" not in str(event.details)
    # Another insats' participant cannot be changed.
    denied = staff.post(
        f"/deltagande/{setup.other_participation_id}/sprak", data={"language": "ar"}
    )
    assert denied.status_code in (403, 404)
    assert _language(app, setup.other_participation_id) is None


def test_the_link_and_the_tablet_open_in_the_chosen_language(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    staff.post(f"/deltagande/{setup.participation_id}/sprak", data={"language": "ar"})
    link = create_link(staff, setup)
    participant = app.test_client()
    intro = participant.get(link).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in intro
    page = participant.get("/svar/sida/1").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    # The participant can still switch, on every page.
    switched = participant.get("/svar/sida/1?sprak=sv").get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in switched

    staff.post(f"/deltagande/{setup.participation_id}/sprak", data={"language": "fa"})
    staff.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    tablet = staff.get("/svar").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in tablet


def test_staff_entering_answers_work_in_swedish(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    staff.post(f"/deltagande/{setup.participation_id}/sprak", data={"language": "ar"})
    staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/mata-in/deltagare"
    )
    assert '<html lang="sv" dir="ltr">' in staff.get("/svar").get_data(as_text=True)


@dataclass
class _Definition:
    respondent: str
    reviewed: dict[str, bool] = field(default_factory=dict)


def test_unreviewed_languages_are_those_with_any_unreviewed_text() -> None:
    all_reviewed = {c: True for c in ("sv-x-lattlast", "en", "ar", "fa", "so", "ti")}
    asked = [
        _Definition("participant", all_reviewed),
        _Definition("participant", {**all_reviewed, "so": False}),
        # A staff form is not read by participants: its translations do not count.
        _Definition("staff", {}),
    ]
    # The shipped page catalogues are all marked "no"; those alone make every language but
    # Swedish unreviewed.
    assert unreviewed_languages(asked) == {"sv-x-lattlast", "en", "ar", "fa", "so", "ti"}


def test_a_reviewed_catalogue_and_files_leave_the_language_unmarked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from survey_app import i18n

    monkeypatch.setattr(i18n, "reviewed", lambda code: code != "ti")
    all_reviewed = {c: True for c in ("sv-x-lattlast", "en", "ar", "fa", "so", "ti")}
    asked = [
        _Definition("participant", all_reviewed),
        _Definition("participant", {**all_reviewed, "so": False, "en": False}),
        _Definition("participant", {k: v for k, v in all_reviewed.items() if k != "fa"}),
    ]
    # so and en: a file says no; fa: a file says nothing; ti: the catalogue says no.
    assert unreviewed_languages(asked) == {"so", "en", "fa", "ti"}


CHECKED = textwrap.dedent(
    """\
    id: kort
    version: '1'
    respondent: participant
    title: {sv: Kort, en: Short, ar: قصير}
    translations:
      en: {reviewed: true}
      ar: {reviewed: false}
    pages:
    - items:
      - id: mood
        type: single_choice
        text: {sv: 'Hur mår du?', en: 'How are you?', ar: 'كيف حالك؟'}
        choices:
        - {value: '1', label: {sv: Bra, en: Good, ar: جيد}}
        - {value: '2', label: {sv: Dåligt, en: Bad}}
    """
)


def test_questionnaires_check_reports_missing_translations_per_language(
    app: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "kort.yaml"
    path.write_text(CHECKED, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["questionnaires", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # English is complete and reviewed; Arabic lacks one option's label; the other languages
    # lack all four texts (title, question, two options). Swedish is the source: not listed.
    assert "     en: komplett, granskad" in lines
    assert "SAKNAS ar: 1 texter (mood.choices[2])" in lines
    assert "SAKNAS fa: 4 texter (title, mood.text, mood.choices[1], mood.choices[2])" in lines
    for code in ("sv-x-lattlast", "so", "ti"):
        assert any(line.startswith(f"SAKNAS {code}: 4 texter") for line in lines), code
    assert not any(" sv:" in line for line in lines)


def test_the_insats_page_lists_the_languages_and_marks_the_unreviewed(
    app: Flask, setup: Setup
) -> None:
    page = staff_client(app).get(f"/insatser/{_insats_id(app, setup)}").get_data(as_text=True)
    listed = re.findall(r"<li>([^<]+)</li>", page.split('id="languages-heading"')[1])
    assert listed[0] == "Svenska"
    assert "Somaliska (Soomaali) – ej granskad av modersmålstalare" in listed
    assert len(listed) == 7
