"""WTForms fields for each item type, and a fresh form class for one page of a questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import (
    Field,
)

from survey_app.forms import SwedishForm
from survey_app.i18n import current_language, gettext
from survey_app.questionnaires import Item, Page

FIELD_PREFIX = "item_"


def field_name(item: Item) -> str:
    return FIELD_PREFIX + item.id


def build_field(item: Item, language: str) -> Field:
    label = item.text.get(language)
    description = item.help.get(language) if item.help else ""
    common: dict[str, Any] = {"label": label, "description": description}
    return item.kind.field(item, language, common, missing_message(item, language))


def missing_message(item: Item, language: str) -> str:
    """What to do when a required answer is missing: the item's own words, else the type's."""
    if item.error is not None:
        return item.error.get(language)
    return item.kind.missing_message(item, language)


class PageForm(SwedishForm):
    """Base of the per-page form classes. Refuses answers to items that are not on the page.

    Its CSRF token is the request's (`hidden_tag`), checked by CSRFProtect before the view
    (survey_app.extensions.csrf, on every POST): the form's own check would check the same
    token again, and make a new one on each save that no page shows (issue 17)."""

    class Meta:
        csrf = False

    page_item_ids: frozenset[str] = frozenset()
    submitted_keys: frozenset[str] = frozenset()

    def hidden_tag(self, *fields: Any) -> Markup:
        """The hidden fields, the CSRF token first, as the form's own would be."""
        token = Markup()
        if current_app.config["WTF_CSRF_ENABLED"]:
            token = Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{0}">')
            token = token.format(generate_csrf())
        hidden: Markup = super().hidden_tag(*fields)
        return token + hidden

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


# Form classes by (page, language, the request's language, items visible). A class is made by
# `type()` the first time and never changed after, so requests share it as they would a
# module-level form class; each request binds its own form. Making the fields (their choices,
# labels and validators) was a tenth of a page's time. The page is kept in the value, so its id
# is not reused while the entry exists; the items visible are a subset of the page's, so
# requests cannot grow the cache beyond the pages and languages there are.
_FORM_CLASSES: dict[tuple[int, str, str, tuple[str, ...]], tuple[Page, type[PageForm]]] = {}
_FORM_CLASSES_LIMIT = 5_000


def page_form_class(page: Page, answers: Mapping[str, Any], language: str) -> type[PageForm]:
    """The form class for the page's items visible given the earlier answers."""
    visible = [item for item in page.items if item.visible(answers)]
    # The types' own missing messages are in the language of the request (`gettext`).
    key = (id(page), language, current_language().code, tuple(i.id for i in visible))
    cached = _FORM_CLASSES.get(key)
    if cached is not None and cached[0] is page:
        return cached[1]
    attributes: dict[str, Any] = {field_name(i): build_field(i, language) for i in visible}
    attributes["page_item_ids"] = frozenset(i.id for i in visible)
    form_class = type("QuestionnairePageForm", (PageForm,), attributes)
    if len(_FORM_CLASSES) >= _FORM_CLASSES_LIMIT:
        _FORM_CLASSES.clear()
    _FORM_CLASSES[key] = (page, form_class)
    return form_class
