from __future__ import annotations

from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from survey_app.clock import today
from survey_app.followup.todo import FILTERS, KIND_FILTERS
from survey_app.forms import SwedishForm
from survey_app.i18n import LANGUAGES, STAFF_NAMES
from survey_app.models import GENDER_LABELS, REMITTENT_LABELS
from survey_app.participant_codes import BadCode, check_code, normalise
from survey_app.sms import mobile_number


def _participant_code(_form: Any, field: Any) -> None:
    """The service's one rule for participant codes (participant_codes.py)."""
    try:
        field.data = check_code(field.data or "")
    except BadCode as error:
        raise ValidationError(error.message) from error


LANGUAGE_CHOICES = [SelectChoice(code, STAFF_NAMES[code]) for code in LANGUAGES]


def _listed_choice(_form: Any, field: SelectField) -> None:
    """One of the participant pages' languages, with a message that says what to do."""
    if field.data not in LANGUAGES:
        raise ValidationError("Välj ett av språken i listan.")


class RegistrationFields(SwedishForm):
    """What staff register about a participant besides the code: the registration form's and
    the correction form's shared fields and rules."""

    gender = SelectField(
        "Kön",
        choices=[
            SelectChoice("", "Välj …"),
            *[SelectChoice(g.value, label) for g, label in GENDER_LABELS.items()],
        ],
        validators=[DataRequired("Välj kön (eller ”Vill inte uppge”).")],
    )
    birth_year = IntegerField(
        "Födelseår",
        validators=[
            Optional(),
            NumberRange(min=1900, max=2100, message="Ange ett födelseår med fyra siffror."),
        ],
    )
    remittent = SelectField(
        "Remittent",
        choices=[
            SelectChoice("", "Välj …"),
            *[SelectChoice(r.value, label) for r, label in REMITTENT_LABELS.items()],
        ],
        validators=[DataRequired("Välj vem som remitterade deltagaren.")],
    )
    start_date = DateField(
        "Startdatum",
        default=today,
        validators=[InputRequired("Ange startdatum (åååå-mm-dd).")],
    )

    def validate_birth_year(self, field: IntegerField) -> None:
        if field.data is not None and field.data > today().year:
            raise ValidationError("Födelseåret kan inte ligga i framtiden.")

    def validate_start_date(self, field: DateField) -> None:
        if field.data is not None and field.data.year < 2000:
            raise ValidationError("Startdatumet verkar fel; kontrollera året.")


class ParticipantForm(RegistrationFields):
    code = StringField(
        "Deltagarkod",
        description="En kod som inte avslöjar vem personen är, t.ex. SKA-0042. Inte personnummer.",
        validators=[DataRequired("Fyll i en deltagarkod."), _participant_code],
        # Codes are compared case-insensitively: stored upper-case.
        filters=[lambda value: normalise(value) if isinstance(value, str) else value],
    )
    existing_participant = BooleanField(
        "Personen finns redan i förbundet och börjar nu i den här insatsen (samma kod)"
    )
    # The view marks the languages not reviewed for the insats (staff/languages.py); a file of
    # many participants registers them in Swedish.
    language = SelectField(
        "Deltagarens språk",
        choices=LANGUAGE_CHOICES,
        description="Frågorna öppnas på det här språket. Deltagaren kan byta språk på varje sida.",
        default="sv",
        validate_choice=False,
        validators=[_listed_choice],
    )
    submit = SubmitField("Registrera deltagare")


class LanguageForm(SwedishForm):
    """The language a participant's pages open in, changed on the participant's page."""

    language = SelectField(
        "Deltagarens språk",
        choices=LANGUAGE_CHOICES,
        validate_choice=False,
        validators=[_listed_choice],
    )
    submit = SubmitField("Spara språket")


class CorrectionForm(RegistrationFields):
    """A correction of what was registered; the reason is required and kept in the history."""

    reason = TextAreaField(
        "Varför rättas uppgifterna?",
        description="T.ex. ”Fel födelseår vid registreringen, enligt deltagaren”. Visas i "
        "deltagarens historik. Skriv inga namn eller personnummer.",
        validators=[
            DataRequired("Skriv varför uppgifterna rättas."),
            Length(max=500, message="Högst 500 tecken."),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Spara rättelsen")


class SearchForm(SwedishForm):
    """Search by participant code (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    kod = StringField(
        "Deltagarkod",
        validators=[
            DataRequired("Skriv en deltagarkod."),
            Length(max=40, message="En deltagarkod har högst 40 tecken."),
        ],
        filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
    )
    submit = SubmitField("Sök")


class HandleFlagForm(SwedishForm):
    handled_on = DateField(
        "Hanterad datum", default=today, validators=[InputRequired("Ange datum (åååå-mm-dd).")]
    )
    submit = SubmitField("Markera som hanterad")

    def validate_handled_on(self, field: DateField) -> None:
        if field.data is not None and field.data > today():
            raise ValidationError("Datumet kan inte ligga i framtiden.")


class TodoFilterForm(SwedishForm):
    """The filters of the "Att göra" page, sent by GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    # The insatser the user works with, set by the page; "" is all of them.
    insats = SelectField("Insats", choices=[], default="")
    visa = SelectField(
        "Visa",
        choices=[SelectChoice(key, label) for key, (label, _) in FILTERS.items()],
        default="att-gora",
    )
    tillfalle = SelectField(
        "Mättillfälle",
        choices=[SelectChoice(key, label) for key, label in KIND_FILTERS.items()],
        default="",
    )
    submit = SubmitField("Filtrera")


class DueLinksForm(SwedishForm):
    """ "Skapa länkar till alla som ska svara nu": for one insats, or ("") every insats the
    user works with."""

    insats = HiddenField()
    submit = SubmitField("Skapa länkar till alla som ska svara nu")


class SendLinkForm(SwedishForm):
    """Send a just-created link by e-mail. The token travels in the form (never in a URL) and
    the address is used for this one message, not stored."""

    token = HiddenField(validators=[DataRequired()])
    email = EmailField(
        "Deltagarens e-postadress",
        validators=[
            DataRequired("Skriv en e-postadress."),
            Email("Det ser inte ut som en e-postadress, till exempel namn@exempel.se."),
            Length(max=254),
        ],
    )
    first_name = StringField(
        "Förnamn i hälsningen (frivilligt)",
        validators=[Optional(), Length(max=40, message="Högst 40 tecken.")],
    )
    remind = BooleanField(
        "Skicka påminnelser om länken inte används",
        description="Adressen sparas då tills länken är besvarad, återkallad eller har gått ut.",
    )
    submit = SubmitField("Skicka länken med e-post")


class EndParticipationForm(SwedishForm):
    """End a participation: the exit date, and the exit form's questions (added per item by
    `end_participation_form`)."""

    exit_date = DateField("Slutdatum", validators=[InputRequired("Ange slutdatum.")])
    # "ja" once staff have seen the confirmation page (the values come back as hidden fields).
    bekraftat = HiddenField()
    submit = SubmitField("Fortsätt")
    # On the confirmation page: back to the form with the values kept.
    andra = SubmitField("Ändra uppgifterna")


def end_participation_form(items: Any) -> EndParticipationForm:
    """The form with one choice field per question on the exit form's first page."""

    class Form(EndParticipationForm):
        pass

    for item in items:
        choices = [SelectChoice("", "Välj …")] + [
            SelectChoice(str(c.value), c.label.get("sv")) for c in item.choices
        ]
        validators = [DataRequired("Välj ett svar.")] if item.required else [Optional()]
        setattr(
            Form,
            f"item_{item.id}",
            SelectField(item.text.get("sv"), choices=choices, validators=validators),
        )
    return Form()


class BulkRegisterForm(SwedishForm):
    file = FileField(
        "CSV-fil",
        validators=[
            FileRequired("Välj en fil."),
            FileAllowed(["csv", "txt"], "Filen ska vara en CSV-fil."),
        ],
    )
    submit = SubmitField("Registrera alla")


class SendSmsForm(SwedishForm):
    """Send a just-created link by SMS through the deployment's gateway; the number is not kept."""

    token = HiddenField(validators=[DataRequired()])
    phone = StringField(
        "Deltagarens mobilnummer",
        validators=[DataRequired("Skriv ett mobilnummer."), Length(max=20)],
    )
    remind = BooleanField(
        "Skicka påminnelser med sms om länken inte används",
        description="Numret sparas då tills länken är besvarad, återkallad eller har gått ut.",
    )
    submit = SubmitField("Skicka länken med sms")

    def validate_phone(self, field: StringField) -> None:
        if mobile_number(field.data or "") is None:
            raise ValidationError("Skriv ett svenskt mobilnummer, till exempel 070-123 45 67.")
