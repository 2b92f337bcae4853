from __future__ import annotations

import re
from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from survey_app.forms import SwedishForm
from survey_app.models import ROLE_LABELS, RoleKind
from survey_app.questionnaires.options import OptionField


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as check boxes, usable without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BundleField(SelectMultipleField):
    """Which questionnaires an occasion asks, in the order the admin chooses: per questionnaire a
    check box (the field's own values) and a place number (`<name>-plats-<id>`, 1 first), in
    one table, usable without JavaScript. `data` is the chosen ids in that order; the checked
    ones without a number come last, in the order they came."""

    widget = None  # rendered by the `bundle_field` macro

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        # The choices are set after the form is made, so the place numbers are read when the
        # form is validated.
        self._formdata = formdata
        super().process(formdata, data, extra_filters)

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
        places: dict[str, int] = {}
        for choice in self.choices or []:
            raw = str((self._formdata or {}).get(f"{self.name}-plats-{choice.value}") or "").strip()
            if not raw:
                continue
            if not re.fullmatch(r"[0-9]{1,2}", raw) or int(raw) == 0:
                raise ValidationError(
                    f"Ordningen för {choice.label} ska vara ett heltal från 1 till 99."
                )
            places[str(choice.value)] = int(raw)
        current: list[Any] = getattr(self, "data", None) or []
        posted: list[Any] = list(dict.fromkeys(current))  # a value sent twice counts once
        self.data = sorted(posted, key=lambda v: (places.get(str(v), 1000), posted.index(v)))

    def rows(self) -> list[tuple[SelectChoice, bool, int | None]]:
        """(choice, chosen, place) per questionnaire: the chosen in their order, then the rest
        in the order of the choices (by name)."""
        chosen = [str(v) for v in self.data or []]
        by_value = {str(c.value): c for c in self.choices or []}
        rows: list[tuple[SelectChoice, bool, int | None]] = [
            (by_value[v], True, n) for n, v in enumerate(chosen, start=1) if v in by_value
        ]
        rows += [(c, False, None) for c in self.choices or [] if str(c.value) not in chosen]
        return rows


_PERCENT = NumberRange(min=1, max=100, message="Ange en andel från 1 till 100 procent.")


class ImprovedGoalForm(Form):
    """A goal "X % förbättrade på M" (a row of the insats form; CSRF is the outer form's)."""

    class Meta:
        locales = ("sv",)

    measure = SelectField("Andel som förbättras på", choices=[], default="")
    target = IntegerField("Andel (%)", validators=[Optional(), _PERCENT])

    def validate_target(self, field: IntegerField) -> None:
        if field.data and not self.measure.data:
            raise ValidationError("Välj vad målet gäller.")


class ExitGoalForm(Form):
    """A goal "X % avslutas till R"."""

    class Meta:
        locales = ("sv",)

    reasons = CheckboxList("Avslutsorsaker", choices=[])
    target = IntegerField("Andel (%)", validators=[Optional(), _PERCENT])

    def validate_target(self, field: IntegerField) -> None:
        if field.data and not self.reasons.data:
            raise ValidationError("Välj minst en avslutsorsak för målet.")


class CategoryGoalForm(Form):
    """A goal "X % in these categories" of one register question, e.g. "40 % go on to work or
    studies" (occupation at exit). A category's value is "<question>=<category>", so that one
    list of check boxes serves every question without JavaScript."""

    class Meta:
        locales = ("sv",)

    item = SelectField("Fråga", choices=[])
    categories = CheckboxList("Svarsalternativ", choices=[])
    target = IntegerField("Andel (%)", validators=[Optional(), _PERCENT])

    def validate_target(self, field: IntegerField) -> None:
        if not field.data:
            return
        if not self.item.data:
            raise ValidationError("Välj vilken fråga målet gäller.")
        if not self.chosen():
            raise ValidationError("Välj minst ett svarsalternativ till den fråga du valt.")

    def validate_categories(self, field: CheckboxList) -> None:
        if self.target.data and len(self.chosen()) != len(field.data or []):
            raise ValidationError("Välj bara svarsalternativ som hör till den fråga du valt.")

    def chosen(self) -> list[str]:
        """The chosen categories of the chosen question (their values)."""
        prefix = f"{self.item.data}="
        return [v.removeprefix(prefix) for v in self.categories.data or [] if v.startswith(prefix)]


AFTER_EXIT_MAX_MONTHS = 36


def parse_months(text: str) -> list[int] | str:
    """ "6, 12" -> [6, 12]; or the reason in Swedish why the text is not a list of months."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not all(p.isdigit() and 1 <= int(p) <= AFTER_EXIT_MAX_MONTHS for p in parts):
        return (
            f"Skriv antal månader mellan 1 och {AFTER_EXIT_MAX_MONTHS}, "
            "åtskilda med kommatecken, till exempel 6, 12."
        )
    return sorted({int(p) for p in parts})


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
    after_exit_months = StringField(
        "Uppföljning efter avslut, antal månader efter avslutet "
        "(t.ex. 6 eller 6, 12; tomt = ingen)",
        validators=[Optional(), Length(max=40)],
    )
    start_questionnaires = BundleField("Frågeformulär vid start", choices=[])
    followup_questionnaires = BundleField("Frågeformulär vid uppföljning", choices=[])
    exit_questionnaires = BundleField("Frågeformulär vid avslut", choices=[])
    after_questionnaires = BundleField("Frågeformulär vid uppföljning efter avslut", choices=[])
    improved_goals = FieldList(FormField(ImprovedGoalForm))
    exit_goals = FieldList(FormField(ExitGoalForm))
    category_goals = FieldList(FormField(CategoryGoalForm))
    submit = SubmitField("Spara insats")

    def goals(self) -> list[dict[str, object]]:
        goals: list[dict[str, object]] = []
        for entry in self.improved_goals:
            if entry.measure.data and entry.target.data:
                goals.append(
                    {
                        "kind": "improved",
                        "measure": entry.measure.data,
                        "target": entry.target.data / 100,
                    }
                )
        for entry in self.exit_goals:
            if entry.target.data and entry.reasons.data:
                goals.append(
                    {
                        "kind": "exit_reasons",
                        "reasons": list(entry.reasons.data),
                        "target": entry.target.data / 100,
                    }
                )
        for category_entry in self.category_goals:
            goal = category_entry.form
            if goal.target.data and goal.item.data and goal.chosen():
                goals.append(
                    {
                        "kind": "categories",
                        "item": goal.item.data,
                        "categories": goal.chosen(),
                        "target": goal.target.data / 100,
                    }
                )
        return goals

    def show_goals(self, goals: list[dict[str, Any]]) -> None:
        """Each saved goal, then one empty row of each kind for a new one."""
        for goal in goals:
            target = round(float(goal["target"]) * 100)
            if goal.get("kind") == "improved":
                self.improved_goals.append_entry({"measure": goal["measure"], "target": target})
            elif goal.get("kind") == "exit_reasons":
                self.exit_goals.append_entry({"reasons": list(goal["reasons"]), "target": target})
            elif goal.get("kind") == "categories":
                item = str(goal["item"])
                self.category_goals.append_entry(
                    {
                        "item": item,
                        "categories": [f"{item}={c}" for c in goal.get("categories", [])],
                        "target": target,
                    }
                )
        self.improved_goals.append_entry()
        self.exit_goals.append_entry()
        self.category_goals.append_entry()

    def set_goal_choices(
        self,
        measures: list[SelectChoice],
        reasons: list[SelectChoice],
        questions: dict[str, tuple[str, dict[str, str]]] | None = None,
    ) -> None:
        """`questions`: the register questions a goal on categories can name, by key, with
        the question and its categories' labels by value (dataset.category_goal_items)."""
        questions = questions or {}
        items = [SelectChoice("", "Inget mål")] + [
            SelectChoice(key, question) for key, (question, _) in questions.items()
        ]
        categories = [
            SelectChoice(f"{key}={value}", f"{question}: {label}")
            for key, (question, labels) in questions.items()
            for value, label in labels.items()
        ]
        for n, category_entry in enumerate(self.category_goals, start=1):
            goal = category_entry.form
            goal.item.choices = items
            goal.item.label.text = f"Mål för svarsalternativ {n}: fråga"
            goal.categories.choices = categories
            goal.categories.label.text = f"Mål för svarsalternativ {n}: svarsalternativ"
            goal.target.label.text = f"Mål för svarsalternativ {n}: andel (%)"
        for n, entry in enumerate(self.improved_goals, start=1):
            entry.measure.choices = measures
            entry.measure.label.text = f"Mål {n}: andel som förbättras på"
            entry.target.label.text = f"Mål {n}: andel (%)"
        for n, entry in enumerate(self.exit_goals, start=1):
            entry.reasons.choices = reasons
            entry.reasons.label.text = f"Mål för avslut {n}: avslutsorsaker"
            entry.target.label.text = f"Mål för avslut {n}: andel (%)"

    def set_questionnaire_choices(self, choices: list[SelectChoice]) -> None:
        for field in (
            self.start_questionnaires,
            self.followup_questionnaires,
            self.exit_questionnaires,
            self.after_questionnaires,
        ):
            field.choices = choices

    def after_months(self) -> list[int]:
        """The months after the exit, in order, each once ([] when empty or not valid)."""
        months = parse_months(self.after_exit_months.data or "")
        return months if isinstance(months, list) else []

    def validate_after_exit_months(self, field: StringField) -> None:
        months = parse_months(field.data or "")
        if isinstance(months, str):
            raise ValidationError(months)

    def validate_after_questionnaires(self, field: BundleField) -> None:
        if self.after_months() and not field.data:
            raise ValidationError("Välj minst ett frågeformulär för uppföljningen efter avslut.")

    def validate_end_date(self, field: DateField) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("Slutdatumet kan inte ligga före startdatumet.")


# Least power first: a new account is a coordinator's unless the admin chooses more.
_ROLE_ORDER = (RoleKind.STAFF, RoleKind.ANALYST, RoleKind.ADMIN)


class StaffRoleForm(SwedishForm):
    """Name, role and insatser of an account: the edit form, and the base of the new one."""

    name = StringField(
        "Namn",
        validators=[Optional(), Length(max=200, message="Högst 200 tecken.")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    role = SelectField(
        "Roll",
        choices=[SelectChoice(kind.value, ROLE_LABELS[kind]) for kind in _ROLE_ORDER],
        default=RoleKind.STAFF.value,
        validators=[DataRequired("Välj en roll.")],
    )
    insatser = CheckboxList("Insatser (för rollen Personal)", choices=[], coerce=int)
    submit = SubmitField("Spara ändringar")

    def validate_insatser(self, field: Any) -> None:
        if self.role.data == RoleKind.STAFF.value and not field.data:
            raise ValidationError("Välj minst en insats för rollen Personal.")


class StaffAccountForm(StaffRoleForm):
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
        f"Tillfälligt lösenord (minst {MIN_PASSWORD_LENGTH} tecken)",
        validators=[DataRequired("Ange ett lösenord.")],
        description="Personen väljer ett eget lösenord vid första inloggningen.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Skapa konto")

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", [self.email.data or ""])
        if problem:
            raise ValidationError(problem)


class TemporaryPasswordForm(SwedishForm):
    password = PasswordField(
        f"Nytt tillfälligt lösenord (minst {MIN_PASSWORD_LENGTH} tecken)",
        validators=[DataRequired("Ange ett lösenord.")],
        description="Personen väljer ett eget lösenord vid nästa inloggning.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Sätt tillfälligt lösenord")


class ForbundSettingsForm(SwedishForm):
    def validate_email_template(self, field: TextAreaField) -> None:
        if field.data and "{lank}" not in field.data:
            raise ValidationError("Texten måste innehålla {lank}, annars kommer länken inte med.")

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
    protection_keeps = RadioField(
        "När ännu en siffra måste döljas för att skydda en liten grupp",
        choices=[
            SelectChoice("totals", "behåll summorna (dölj hellre ett kön)"),
            SelectChoice("genders", "behåll könsuppdelningen (dölj hellre en summa)"),
        ],
        default="totals",
    )
    merge_other_genders = BooleanField(
        "Redovisa ”Annat (hen)” och ”Vill inte uppge” som en kolumn",
        description="Två glesa kolumner behöver ofta döljas var för sig; en sammanslagen "
        "kolumn sällan.",
    )
    support_contacts = TextAreaField(
        "Lokala stödkontakter",
        description="Visas för deltagare som svarar ja i våldsenkäten, under de nationella "
        "stödlinjerna. T.ex. kommunens kvinnofridssamordnare med telefonnummer.",
        validators=[Length(max=2000, message="Högst 2000 tecken.")],
        render_kw={"rows": 5},
    )
    retention_months = IntegerField(
        "Spara uppgifter om deltagare i (månader efter avslut)",
        description="Därefter raderas deltagarens svar och uppgifter vid tjänstens gallring, "
        "som körs regelbundet av den som sköter tjänstens drift. Rapporter som redan tagits ut "
        "påverkas inte.",
        validators=[
            InputRequired("Ange antal månader."),
            NumberRange(min=6, max=240, message="Ange 6–240 månader."),
        ],
    )
    email_template = TextAreaField(
        "E-post med personlig länk",
        description="{lank} blir länken, {fornamn} förnamnet om personalen skriver det (annars "
        "försvinner det), {sista_dag} sista dagen länken gäller och {forbund} förbundets namn. "
        "Töm rutan för att gå tillbaka till standardtexten.",
        validators=[Length(max=4000, message="Högst 4000 tecken.")],
        filters=[lambda v: v.replace("\r\n", "\n") if isinstance(v, str) else v],
        render_kw={"rows": 14},
    )
    require_totp_for_admins = BooleanField(
        "Kräv tvåstegsinloggning för administratörer",
        description="Administratörer loggar då in med lösenord och en kod från en app i "
        "telefonen. Den som saknar appen får lägga till den vid nästa inloggning.",
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


class QuestionnaireFileForm(SwedishForm):
    file = FileField(
        "Definitionsfil (YAML)",
        validators=[
            FileRequired("Välj en fil."),
            FileAllowed(["yaml", "yml"], "Filen ska vara en YAML-fil (.yaml)."),
        ],
    )
    submit = SubmitField("Ladda upp och kontrollera")


class AuditFilterForm(SwedishForm):
    """Filters of the audit log page (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    date_from = DateField("Från och med", validators=[Optional()])
    date_to = DateField("Till och med", validators=[Optional()])
    action = SelectField("Händelse", choices=[], default="")
    actor = SelectField("Användare", choices=[], default="")
    submit = SubmitField("Visa")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Slutdatum kan inte vara före startdatum.")


class EraseForm(SwedishForm):
    """Erasure of a participation: the admin types the participant's code to confirm."""

    code = StringField(
        "Skriv deltagarens kod för att bekräfta", validators=[DataRequired("Skriv koden.")]
    )
    submit = SubmitField("Radera för gott")


def settings_form_class(options: list[OptionField]) -> type[ForbundSettingsForm]:
    """The settings form with a select for each scorer option of the förbund's questionnaires
    (e.g. the EQ-5D value sets), named by `OptionField.key`."""
    fields = {
        field.key: SelectField(
            field.option.label,
            choices=[SelectChoice(value, label) for value, label in field.option.choices],
        )
        for field in options
    }
    return type("ForbundSettingsWithOptionsForm", (ForbundSettingsForm,), fields)
