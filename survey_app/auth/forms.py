from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from survey_app.forms import SwedishForm


class LoginForm(SwedishForm):
    email = EmailField(
        "E-postadress",
        validators=[DataRequired("Fyll i din e-postadress."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Lösenord",
        validators=[DataRequired("Fyll i ditt lösenord."), Length(max=256)],
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
