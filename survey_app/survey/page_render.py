"""A question page's HTML, with what is the same for every participant rendered once.

`survey/page.html` stays the one source of the page. A page shown without messages (no errors,
nothing flashed, not on a tablet with its timer) differs between participants only in the form's
hidden fields (the CSRF token) and in its questions (the answers shown, the recordings); the rest
is a function of the questionnaire, the page, its number and the total, the language, the
language links and the site's root. That rest is rendered by the template itself, once per such
key, with a marker where the hidden fields and each question go, and kept as the text between
the markers. A request then renders only what goes between (`render_item`, as the template
calls it) and joins. Everything else (errors, a flash, a tablet, templates reloaded in
development) is rendered by the template as a whole, as before.

The template's own work per request (its expressions, translations, addresses) was a quarter
of a page's time. `tests/test_page_html.py` compares the pages with golden files either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, get_flashed_messages, render_template, request
from markupsafe import Markup

from survey_app.i18n import Language
from survey_app.questionnaires import Item, Questionnaire
from survey_app.responses.flow import Step
from survey_app.survey.fields import PageForm, field_name, render_item

PAGE = "survey/page.html"
MARK = "\x00"  # never in a page's text: a questionnaire's text with it is rendered as a whole
HIDDEN = "hidden"

# Skeletons by key: the questionnaire (kept in the value, so its id is not reused while the
# entry exists) and the page's text split at the markers.
_SKELETONS: dict[tuple[Any, ...], tuple[Questionnaire, list[str]]] = {}
_SKELETONS_LIMIT = 5_000


def render_page(
    *,
    form: PageForm,
    step: Step,
    total: int,
    items: list[Item],
    recordings: dict[str, str],
    kiosk: bool,
    language: str,
    language_links: list[tuple[Language, str | None]],
) -> str:
    """The page as `render_template(PAGE, ...)` makes it. `language` and `language_links` are
    what the survey blueprint's context processor gives the template."""
    context: dict[str, Any] = {
        "form": form,
        "step": step,
        "total": total,
        "items": items,
        "field_name": field_name,
        "render_item": render_item,
        "kiosk": kiosk,
        "recordings": recordings,
    }
    if (
        kiosk
        or form.errors
        or form.form_errors
        # As the template asks (popped once per request; the whole template gets them again).
        or get_flashed_messages()
        or current_app.jinja_env.auto_reload
    ):
        return render_template(PAGE, **context)
    questionnaire = step.questionnaire
    key = (
        id(questionnaire),
        step.page.number,
        step.number,
        total,
        tuple(item.id for item in items),
        language,
        tuple((other.code, href) for other, href in language_links),
        request.script_root,
    )
    cached = _SKELETONS.get(key)
    if cached is not None and cached[0] is questionnaire:
        skeleton = cached[1]
    else:
        found = _skeleton(context, items)
        if found is None:
            return render_template(PAGE, **context)
        skeleton = found
        if len(_SKELETONS) >= _SKELETONS_LIMIT:
            _SKELETONS.clear()
        _SKELETONS[key] = (questionnaire, skeleton)
    # What the template's loop passes to `render_item` for each question.
    one_question = questionnaire.one_question_per_page and len(items) == 1
    parts = [skeleton[0], form.hidden_tag(), skeleton[2]]
    for n, item in enumerate(items):
        parts.append(
            render_item(
                form[field_name(item)],
                item,
                language,
                recall=questionnaire.recall,
                heading=one_question,
                recording=recordings.get(item.id),
            )
        )
        parts.append(skeleton[4 + 2 * n])
    return "".join(parts)


def _skeleton(context: dict[str, Any], items: list[Item]) -> list[str] | None:
    """The page rendered with markers for the hidden fields and the questions, split at them:
    [text, "hidden", text, "0", text, "1", text, …]. None if the markers are not where and as
    many as expected (a text holding the marker character)."""
    form: PageForm = context["form"]
    marked = {
        **context,
        "form": _MarkedForm(form),
        "render_item": _marked_item({item.id: n for n, item in enumerate(items)}),
    }
    parts = render_template(PAGE, **marked).split(MARK)
    expected = [HIDDEN, *(str(n) for n in range(len(items)))]
    if parts[1::2] != expected:
        return None
    return parts


class _MarkedForm:
    """The form as the template sees it, with a marker for its hidden fields."""

    def __init__(self, form: PageForm) -> None:
        self._form = form
        self.errors = form.errors
        self.form_errors = form.form_errors

    def hidden_tag(self) -> Markup:
        return Markup("{0}{1}{0}").format(MARK, HIDDEN)

    def __getitem__(self, name: str) -> Any:
        return self._form[name]

    def __contains__(self, name: str) -> bool:
        return name in self._form


def _marked_item(index: dict[str, int]) -> Callable[..., Markup]:
    def marker(_field: Any, question: Item, *_args: Any, **_options: Any) -> Markup:
        return Markup("{0}{1}{0}").format(MARK, index[question.id])

    return marker
