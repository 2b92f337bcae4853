"""The base form: WTForms' own messages ("Not a valid choice", ...) in Swedish."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class SwedishForm(FlaskForm):
    class Meta:
        # WTForms ships Swedish translations of its built-in messages; WTF_I18N_ENABLED is off
        # (no Flask-Babel) so that these are used.
        locales = ("sv",)


class ConfirmForm(SwedishForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("OK")
