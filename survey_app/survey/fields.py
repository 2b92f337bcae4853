"""WTForms fields for each item type, and a fresh form class for one page of a questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from markupsafe import Markup
from wtforms import (
    DateField,
    Field,
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.forms import SwedishForm
from survey_app.i18n import gettext
from survey_app.questionnaires import Item, ItemType, Page
from survey_app.questionnaires.definition import DECLINE, NO, YES

FIELD_PREFIX = "item_"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IsoDateField(DateField):
    """A date field that also takes the stored answer, an ISO date text, as its data (an
    earlier answer shown again)."""

    def process_data(self, value: Any) -> None:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        super().process_data(value)


def field_name(item: Item) -> str:
    return FIELD_PREFIX + item.id


def _required(item: Item, message: str) -> list[Any]:
    return [InputRequired(message)] if item.required else [Optional()]


def build_field(item: Item, language: str) -> Field:
    label = item.text.get(language)
    description = item.help.get(language) if item.help else ""
    choose = missing_message(item, language)
    common: dict[str, Any] = {"label": label, "description": description}
    kind = item.type
    if kind in (ItemType.SINGLE_CHOICE, ItemType.SCALE, ItemType.YES_NO):
        values = item.choice_values()
        if kind == ItemType.YES_NO:
            names = {YES: gettext("Ja"), NO: gettext("Nej"), DECLINE: gettext("Vill inte svara")}
            labels = [names[v] for v in values]
        elif kind == ItemType.SCALE:
            labels = [str(v) for v in values]
        else:
            labels = [c.label.get(language) for c in item.choices]
        numeric = all(isinstance(v, int) for v in values)
        return RadioField(
            choices=[SelectChoice(str(v), text) for v, text in zip(values, labels, strict=True)],
            coerce=int if numeric else str,
            validators=_required(item, choose),
            **common,
        )
    if kind == ItemType.MULTIPLE_CHOICE:
        numeric = all(isinstance(c.value, int) for c in item.choices)
        return CheckboxesField(
            choices=[SelectChoice(str(c.value), c.label.get(language)) for c in item.choices],
            coerce=int if numeric else str,
            validators=_required(item, choose),
            **common,
        )
    if kind in (ItemType.VAS, ItemType.NUMBER):
        low, high = item.min, item.max
        message = _range_message(low, high)
        field_class = IntegerField if item.integer or kind == ItemType.VAS else FloatField
        return field_class(
            validators=[
                *_required(item, choose),
                NumberRange(min=low, max=high, message=message),
            ],
            render_kw={
                "inputmode": "numeric" if field_class is IntegerField else "decimal",
                **({"min": low} if low is not None else {}),
                **({"max": high} if high is not None else {}),
            },
            **common,
        )
    if kind == ItemType.DATE:
        return IsoDateField(
            validators=[*_required(item, choose), _not_absurd_date],
            **common,
        )
    limit = item.max_length or 2000
    return TextAreaField(
        validators=[
            *_required(item, choose),
            Length(
                max=limit, message=gettext("Texten får vara högst %(limit)s tecken.", limit=limit)
            ),
        ],
        render_kw={"maxlength": limit, "rows": 5},
        **common,
    )


def missing_message(item: Item, language: str) -> str:
    """What to do when a required answer is missing: the item's own words, else the type's."""
    if item.error is not None:
        return item.error.get(language)
    kind = item.type
    if kind == ItemType.SCALE:
        low, high = _fmt(item.min or 0), _fmt(item.max or 0)
        return gettext("Välj en siffra från %(low)s till %(high)s.", low=low, high=high)
    if kind == ItemType.YES_NO and item.allow_decline:
        return gettext("Välj ja, nej eller vill inte svara.")
    if kind == ItemType.YES_NO:
        return gettext("Välj ja eller nej.")
    if kind in (ItemType.VAS, ItemType.NUMBER):
        return _range_message(item.min, item.max)
    if kind == ItemType.SINGLE_CHOICE:
        return gettext("Välj det svar som stämmer bäst.")
    if kind == ItemType.MULTIPLE_CHOICE:
        return gettext("Välj ett eller flera svar.")
    if kind == ItemType.DATE:
        return gettext("Skriv ett datum, till exempel 2026-03-01.")
    return gettext("Skriv ditt svar.")


def _range_message(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return gettext("Skriv ett tal från %(low)s till %(high)s.", low=_fmt(low), high=_fmt(high))
    if low is not None:
        return gettext("Skriv ett tal som är minst %(low)s.", low=_fmt(low))
    if high is not None:
        return gettext("Skriv ett tal som är högst %(high)s.", high=_fmt(high))
    return gettext("Skriv ett tal.")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _not_absurd_date(_form: Any, field: Field) -> None:
    if isinstance(field.data, date) and not 1900 <= field.data.year <= 2100:
        raise ValidationError(gettext("Datumet verkar fel; kontrollera året."))


class PageForm(SwedishForm):
    """Base of the per-page form classes. Refuses answers to items that are not on the page."""

    page_item_ids: frozenset[str] = frozenset()
    submitted_keys: frozenset[str] = frozenset()

    def process(self, formdata: Any = None, *args: Any, **kwargs: Any) -> None:
        wrapped = self.meta.wrap_formdata(self, formdata)
        self.submitted_keys = frozenset(wrapped.keys()) if wrapped is not None else frozenset()
        super().process(wrapped, *args, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        submitted = self.submitted_keys
        unknown = {
            key[len(FIELD_PREFIX) :]
            for key in submitted
            if key.startswith(FIELD_PREFIX) and key[len(FIELD_PREFIX) :] not in self.page_item_ids
        }
        if unknown:
            self.form_errors.append(
                gettext(
                    "Svaret innehöll en fråga som inte finns på den här sidan. Ingenting har "
                    "sparats; fyll i sidan igen."
                )
            )
            return False
        return valid

    def answers(self) -> dict[str, Any]:
        """The page's answers by item id; dates as ISO text, empty answers as None."""
        out: dict[str, Any] = {}
        for item_id in self.page_item_ids:
            data = self[FIELD_PREFIX + item_id].data
            if isinstance(data, date):
                data = data.isoformat()
            if data in ("", []):
                data = None
            out[item_id] = data
        return out


# Rendered choice questions by (item, language, field type, answer shown, messages). The
# `item` macro of survey/_items.html stays the one source of the HTML: a question is rendered by
# it the first time and served from here afterwards. Radio buttons and checkboxes are where the
# time goes (WTForms builds each option's attributes one by one), and their states are few: no
# answer, or one of the item's own choices. An answer outside the choices (a tampered form) is
# rendered but not kept, so what a request sends cannot grow the cache.
_ITEM_MARKUP: dict[tuple[Any, ...], tuple[Item, tuple[Any, ...], Markup]] = {}
_ITEM_MARKUP_LIMIT = 20_000
CHOICE_FIELDS = ("RadioField", "CheckboxesField")


def render_item(field: Field, item: Item, language: str, **options: Any) -> Markup:
    """The HTML of one question on a page: the `item` macro's (Markup: the template escapes),
    called with the same arguments and cached for choice questions. `options` are the macro's
    keyword arguments; an option that is not hashable (a questionnaire's recall text) is keyed by
    identity and kept alive with the entry, as the item is."""
    template = current_app.jinja_env.get_template("survey/_items.html")
    macro = template.module.item  # type: ignore[attr-defined]
    data = field.data
    shown = tuple(data) if isinstance(data, list) else (data,)
    if field.type not in CHOICE_FIELDS or not set(shown) <= {None, *item.choice_values()}:
        rendered: Markup = macro(field, item, language, **options)
        return rendered
    held = tuple(options.values())
    # id(): items are frozen but hold dicts, so not hashable; the item itself is kept in the
    # value, so its id cannot be reused by another item while the entry exists.
    key = (
        id(item),
        language,
        field.type,
        shown,
        tuple(field.errors),
        *((name, value if _hashable(value) else id(value)) for name, value in options.items()),
    )
    cached = _ITEM_MARKUP.get(key)
    if (
        cached is not None
        and cached[0] is item
        and all(a is b for a, b in zip(cached[1], held, strict=True))
    ):
        return cached[2]
    markup: Markup = macro(field, item, language, **options)
    if len(_ITEM_MARKUP) >= _ITEM_MARKUP_LIMIT:
        _ITEM_MARKUP.clear()
    _ITEM_MARKUP[key] = (item, held, markup)
    return markup


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def page_form_class(page: Page, answers: Mapping[str, Any], language: str) -> type[PageForm]:
    """A fresh form class for the page's items visible given the earlier answers."""
    visible = [item for item in page.items if item.visible(answers)]
    attributes: dict[str, Any] = {field_name(i): build_field(i, language) for i in visible}
    attributes["page_item_ids"] = frozenset(i.id for i in visible)
    return type("QuestionnairePageForm", (PageForm,), attributes)
