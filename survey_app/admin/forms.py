from __future__ import annotations

from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.auth.passwords import password_problem
from survey_app.forms import SwedishForm
from survey_app.models import ROLE_LABELS
from survey_app.scoring import eq5d


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as check boxes, usable without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_PERCENT = NumberRange(min=1, max=100, message="Ange en andel från 1 till 100 procent.")


class InsatsForm(SwedishForm):
    name = StringField("Namn", validators=[DataRequired("Ge insatsen ett namn."), Length(max=200)])
    start_date = DateField("Startdatum", validators=[InputRequired("Ange startdatum.")])
    end_date = DateField("Slutdatum (om bestämt)", validators=[Optional()])
    followup_interval_months = IntegerField(
        "Uppföljning var … månad (tomt = ingen uppföljning)",
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message="Ange ett antal månader mellan 1 och 60."),
        ],
    )
    start_questionnaires = CheckboxList("Frågeformulär vid start", choices=[])
    followup_questionnaires = CheckboxList("Frågeformulär vid uppföljning", choices=[])
    exit_questionnaires = CheckboxList("Frågeformulär vid avslut", choices=[])
    goal1_measure = SelectField("Mål 1: andel som förbättras på", choices=[], default="")
    goal1_target = IntegerField("Mål 1: andel (%)", validators=[Optional(), _PERCENT])
    goal2_measure = SelectField("Mål 2: andel som förbättras på", choices=[], default="")
    goal2_target = IntegerField("Mål 2: andel (%)", validators=[Optional(), _PERCENT])
    exit_goal_reasons = CheckboxList("Mål för avslut: avslutsorsaker", choices=[])
    exit_goal_target = IntegerField("Mål för avslut: andel (%)", validators=[Optional(), _PERCENT])
    submit = SubmitField("Spara insats")

    def goals(self) -> list[dict[str, object]]:
        goals: list[dict[str, object]] = []
        for measure, target in (
            (self.goal1_measure, self.goal1_target),
            (self.goal2_measure, self.goal2_target),
        ):
            if measure.data and target.data:
                goals.append(
                    {"kind": "improved", "measure": measure.data, "target": target.data / 100}
                )
        if self.exit_goal_target.data and self.exit_goal_reasons.data:
            goals.append(
                {
                    "kind": "exit_reasons",
                    "reasons": list(self.exit_goal_reasons.data),
                    "target": self.exit_goal_target.data / 100,
                }
            )
        return goals

    def show_goals(self, goals: list[dict[str, object]]) -> None:
        improved = [g for g in goals if g.get("kind") == "improved"]
        for (measure, target), goal in zip(
            ((self.goal1_measure, self.goal1_target), (self.goal2_measure, self.goal2_target)),
            improved,
            strict=False,
        ):
            measure.data = goal["measure"]
            target.data = round(float(str(goal["target"])) * 100)
        for goal in goals:
            if goal.get("kind") == "exit_reasons":
                self.exit_goal_reasons.data = list(goal["reasons"])  # type: ignore[call-overload]
                self.exit_goal_target.data = round(float(str(goal["target"])) * 100)

    def validate_goal1_target(self, field: IntegerField) -> None:
        if field.data and not self.goal1_measure.data:
            raise ValidationError("Välj vad målet gäller.")

    def validate_goal2_target(self, field: IntegerField) -> None:
        if field.data and not self.goal2_measure.data:
            raise ValidationError("Välj vad målet gäller.")

    def validate_exit_goal_target(self, field: IntegerField) -> None:
        if field.data and not self.exit_goal_reasons.data:
            raise ValidationError("Välj minst en avslutsorsak för målet.")

    def set_questionnaire_choices(self, choices: list[SelectChoice]) -> None:
        for field in (
            self.start_questionnaires,
            self.followup_questionnaires,
            self.exit_questionnaires,
        ):
            field.choices = choices

    def validate_end_date(self, field: DateField) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("Slutdatumet kan inte ligga före startdatumet.")


class StaffAccountForm(SwedishForm):
    email = EmailField(
        "E-postadress",
        validators=[
            DataRequired("Fyll i en e-postadress."),
            Email("Det ser inte ut som en giltig e-postadress.", check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    password = PasswordField(
        "Tillfälligt lösenord (minst 12 tecken)",
        validators=[DataRequired("Ange ett lösenord.")],
        render_kw={"autocomplete": "new-password"},
    )
    role = SelectField(
        "Roll",
        choices=[SelectChoice(kind.value, label) for kind, label in ROLE_LABELS.items()],
        validators=[DataRequired("Välj en roll.")],
    )
    insatser = CheckboxList("Insatser (för rollen Personal)", choices=[], coerce=int)
    submit = SubmitField("Skapa konto")

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_insatser(self, field: Any) -> None:
        if self.role.data == "staff" and not field.data:
            raise ValidationError("Välj minst en insats för rollen Personal.")


def _value_set_choices(levels: int) -> list[SelectChoice]:
    return [
        SelectChoice(name, f"{value_set.label} ({name})")
        for name, value_set in eq5d.VALUE_SETS.items()
        if value_set.levels == levels
    ]


class ForbundSettingsForm(SwedishForm):
    link_expiry_days = IntegerField(
        "Personliga länkar gäller i (dagar)",
        validators=[
            InputRequired("Ange antal dagar."),
            NumberRange(min=1, max=365, message="Ange 1–365 dagar."),
        ],
    )
    min_group_size = IntegerField(
        "Minsta gruppstorlek i rapporter",
        description="Antal under detta visas som ”<N” och andelar döljs. Standard 5.",
        validators=[
            InputRequired("Ange en gruppstorlek."),
            NumberRange(min=3, max=100, message="Ange ett tal från 3 till 100."),
        ],
    )
    eq5d_value_set_3l = SelectField("Värdeset för EQ-5D-3L", choices=_value_set_choices(3))
    eq5d_value_set_5l = SelectField("Värdeset för EQ-5D-5L", choices=_value_set_choices(5))
    support_contacts = TextAreaField(
        "Lokala stödkontakter",
        description="Visas för deltagare som svarar ja i våldsenkäten, under de nationella "
        "stödlinjerna. T.ex. kommunens kvinnofridssamordnare med telefonnummer.",
        validators=[Length(max=2000, message="Högst 2000 tecken.")],
        render_kw={"rows": 5},
    )
    submit = SubmitField("Spara inställningar")


class ImportForm(SwedishForm):
    file = FileField(
        "CSV-fil",
        validators=[
            FileRequired("Välj en fil."),
            FileAllowed(["csv", "txt"], "Filen ska vara en CSV-fil."),
        ],
    )
    create_missing = BooleanField("Skapa insatser och deltagare som inte finns")
    submit = SubmitField("Importera")
