from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from survey_app.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from survey_app.forms import SwedishForm

PASSWORD_HINT = (
    f"Minst {MIN_PASSWORD_LENGTH} tecken. Tips: tre eller fyra ord som inte hör ihop. Siffror "
    "och specialtecken behövs inte, men vanliga lösenord, namn och årtal godtas inte."
)


class LoginForm(SwedishForm):
    email = EmailField(
        "E-postadress",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Lösenord",
        validators=[DataRequired("Fyll i ditt lösenord."), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Logga in")


class CodeForm(SwedishForm):
    code = StringField(
        "Kod från appen (6 siffror)",
        validators=[DataRequired("Skriv koden."), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Fortsätt")


def _new_password() -> PasswordField:
    return PasswordField(
        "Nytt lösenord",
        validators=[DataRequired("Fyll i ett nytt lösenord.")],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )


def _repeat() -> PasswordField:
    return PasswordField(
        "Upprepa det nya lösenordet",
        validators=[
            DataRequired("Skriv det nya lösenordet en gång till."),
            EqualTo("new_password", "Lösenorden är inte likadana."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(SwedishForm):
    current_password = PasswordField(
        "Nuvarande lösenord",
        validators=[
            DataRequired("Fyll i ditt nuvarande lösenord."),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password()
    repeat = _repeat()
    submit = SubmitField("Byt lösenord")


class NewPasswordForm(SwedishForm):
    new_password = _new_password()
    repeat = _repeat()
    submit = SubmitField("Spara det nya lösenordet")


class ForgotPasswordForm(SwedishForm):
    email = EmailField(
        "E-postadress",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField("Skicka länk")
