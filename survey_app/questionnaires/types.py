"""Item types as classes: one registered class per type holds what the service does with an item
of that type – the checks of its definition, its answer values and range, the form field and
its missing-answer message, parsing an imported value, the print version, and how the report
summarises it. A new type is a new class here and `register`; nothing else switches on types.

Form fields and messages are built only inside a request (WTForms, the participant's language).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import wtforms
from wtforms import (
    DateField,
    Field,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.i18n import gettext

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Item

YES, NO, DECLINE = "ja", "nej", "vill_inte_svara"
DEFAULT_TEXT_LENGTH = 2000
MAX_SCALE_STEPS = 21
# Keys of an item that only some types take, and what a file author is told elsewhere.
OPTION_PROBLEMS = {
    "labels": "ändpunkternas texter (labels) hör bara till typen scale",
    "allow_decline": "allow_decline hör bara till typen yes_no",
    "max_length": "max_length hör bara till typen text",
}
Problem = Callable[[Sequence[Any], str], None]
Bounds = tuple[Any, Any]


class RadioField(wtforms.RadioField):
    """WTForms' radio buttons, the chosen value checked against the item's values as one set
    lookup: WTForms' own check builds every choice anew for it (issue 17: about 3 % of a page
    save's profile). The same outcome: coerced, the answer is one of the choices' values. The
    same name, which templates and the render cache tell fields by."""

    def __init__(self, *args: Any, allowed: frozenset[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def pre_validate(self, form: Any) -> None:
        if self.process_errors or not self.validate_choice:
            return
        if self.data not in self.allowed:
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


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


class ItemKind(ABC):
    """The behaviour of one item type; subclasses override what differs."""

    name: ClassVar[str] = ""
    has_choices: ClassVar[bool] = False  # the file lists `choices`
    has_bounds: ClassVar[bool] = False  # the file may give `min` and `max`
    options: ClassVar[frozenset[str]] = frozenset()  # of OPTION_PROBLEMS, those it takes
    # How the report summarises it as a distribution ("scale", "yes_no", "categories"), or
    # None where it cannot (free text is never reported).
    summary: ClassVar[str | None] = None
    free_text: ClassVar[bool] = False  # never in a report
    print_as: ClassVar[str] = "blank"  # the macro of survey/_print_items.html

    # --- the definition file -------------------------------------------------------------

    def bounds(self, data: Mapping[str, Any], path: list[Any], problem: Problem) -> Bounds:
        """`min` and `max` as the type has them, after its own checks."""
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low >= high:
            problem([*path, "max"], "max måste vara större än min")
        return low, high

    def numeric(self, values: Sequence[Any]) -> bool:
        """Whether the answer is a number (a `direction` is allowed)."""
        return False

    # --- answers ----------------------------------------------------------------------------

    def choice_values(self, item: Item) -> tuple[Any, ...]:
        return tuple(choice.value for choice in item.choices)

    def value_range(self, item: Item) -> tuple[float, float]:
        """The least and greatest numeric answer (a reader of a report knows them)."""
        values = [float(v) for v in self.choice_values(item) if isinstance(v, int | float)]
        return (min(values), max(values)) if values else (-float("inf"), float("inf"))

    @abstractmethod
    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        """The stored value of an imported cell (not empty), or a Swedish reason it does not
        fit."""

    def incompatibility(self, a: Item, b: Item) -> str | None:
        """Why answers to `a` (of this type) and `b` (same id, another version) cannot be
        reported together (Swedish), or None."""
        if a.type != b.type:
            return f"olika frågetyper ({a.type}, {b.type})"
        if a.direction != b.direction:
            return "olika riktning (högre eller lägre är bättre)"
        if len({type(c.value) for c in (*a.choices, *b.choices)}) > 1:
            return "svarsalternativens värden är tal i den ena versionen och text i den andra"
        return None

    # --- the participant's form -------------------------------------------------------------

    @abstractmethod
    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        """The form field (`common`: label and description; `choose`: the missing message)."""

    def missing_message(self, item: Item, language: str) -> str:
        return gettext("Skriv ditt svar.")


KINDS: dict[str, ItemKind] = {}


def register(kind: type[ItemKind]) -> type[ItemKind]:
    KINDS[kind.name] = kind()
    return kind


def kind_of(type_name: str) -> ItemKind:
    return KINDS[type_name]


def _required(item: Item, message: str) -> list[Any]:
    return [InputRequired(message)] if item.required else [Optional()]


def range_message(low: float | None, high: float | None) -> str:
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


def _span(item: Item) -> str:
    return f"{item.min:g}–{item.max:g}" if item.min is not None and item.max is not None else "?"


def _choice(item: Item, text: str) -> tuple[Any, str | None]:
    for choice in item.choices:
        if str(choice.value) == text:
            return choice.value, None
    return (
        None,
        f"{text!r} är inget av svarsalternativen ({', '.join(str(c.value) for c in item.choices)})",
    )


class _OneOf(ItemKind):
    """One answer among listed values, as radio buttons."""

    def labels(self, item: Item, language: str) -> list[str]:
        return [c.label.get(language) for c in item.choices]

    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        values = self.choice_values(item)
        numeric = all(isinstance(v, int) for v in values)
        labels = self.labels(item, language)
        coerce = int if numeric else str
        return RadioField(
            choices=[SelectChoice(str(v), text) for v, text in zip(values, labels, strict=True)],
            allowed=frozenset(coerce(str(v)) for v in values),
            coerce=coerce,
            validators=_required(item, choose),
            **common,
        )


@register
class SingleChoice(_OneOf):
    name = "single_choice"
    has_choices = True
    summary = "categories"
    print_as = "choices"

    def numeric(self, values: Sequence[Any]) -> bool:
        return bool(values) and all(isinstance(v, int) for v in values)

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        return _choice(item, text)

    def missing_message(self, item: Item, language: str) -> str:
        return gettext("Välj det svar som stämmer bäst.")


@register
class MultipleChoice(ItemKind):
    name = "multiple_choice"
    has_choices = True
    print_as = "choices"

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        values = []
        for part in text.split(";"):
            value, problem = _choice(item, part.strip())
            if problem:
                return None, problem
            values.append(value)
        return values, None

    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        numeric = all(isinstance(c.value, int) for c in item.choices)
        return CheckboxesField(
            choices=[SelectChoice(str(c.value), c.label.get(language)) for c in item.choices],
            coerce=int if numeric else str,
            validators=_required(item, choose),
            **common,
        )

    def missing_message(self, item: Item, language: str) -> str:
        return gettext("Välj ett eller flera svar.")


class _Number(ItemKind):
    """A number typed in (or a scale's step): parsed from text, within min and max."""

    has_bounds = True

    def numeric(self, values: Sequence[Any]) -> bool:
        return True

    def whole(self, item: Item) -> bool:
        return True

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        try:
            number: float = float(text.replace(",", "."))
        except ValueError:
            return None, f"{text!r} är inte ett tal"
        if self.whole(item) and not number.is_integer():
            return None, f"{text!r} ska vara ett heltal"
        if (item.min is not None and number < item.min) or (
            item.max is not None and number > item.max
        ):
            return None, f"{text} ligger utanför {item.min}–{item.max}"
        return (int(number) if number.is_integer() and item.integer else number), None

    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        low, high = item.min, item.max
        field_class = IntegerField if self.whole(item) else FloatField
        return field_class(
            validators=[
                *_required(item, choose),
                NumberRange(min=low, max=high, message=range_message(low, high)),
            ],
            render_kw={
                "inputmode": "numeric" if field_class is IntegerField else "decimal",
                **({"min": low} if low is not None else {}),
                **({"max": high} if high is not None else {}),
            },
            **common,
        )

    def missing_message(self, item: Item, language: str) -> str:
        return range_message(item.min, item.max)


@register
class Scale(_OneOf, _Number):
    name = "scale"
    options = frozenset({"labels"})
    summary = "scale"
    print_as = "scale"

    def bounds(self, data: Mapping[str, Any], path: list[Any], problem: Problem) -> Bounds:
        low, high = data.get("min"), data.get("max")
        if not isinstance(low, int) or not isinstance(high, int):
            problem([*path], "en skala behöver heltalen min och max")
            return 1, 2
        if high - low + 1 > MAX_SCALE_STEPS or high <= low:
            problem([*path, "max"], f"skalan ska ha 2 till {MAX_SCALE_STEPS} steg (min < max)")
        return low, high

    def choice_values(self, item: Item) -> tuple[Any, ...]:
        assert item.min is not None and item.max is not None  # noqa: S101 (checked at load)
        return tuple(range(int(item.min), int(item.max) + 1))

    def labels(self, item: Item, language: str) -> list[str]:
        return [str(v) for v in self.choice_values(item)]

    field = _OneOf.field

    def incompatibility(self, a: Item, b: Item) -> str | None:
        if a.type == b.type and (a.min, a.max) != (b.min, b.max):
            return f"olika skalor ({_span(a)}, {_span(b)})"
        return super().incompatibility(a, b)

    def missing_message(self, item: Item, language: str) -> str:
        low, high = _fmt(item.min or 0), _fmt(item.max or 0)
        return gettext("Välj en siffra från %(low)s till %(high)s.", low=low, high=high)


@register
class YesNo(_OneOf):
    name = "yes_no"
    options = frozenset({"allow_decline"})
    summary = "yes_no"
    print_as = "yes_no"

    def choice_values(self, item: Item) -> tuple[Any, ...]:
        return (YES, NO, DECLINE) if item.allow_decline else (YES, NO)

    def labels(self, item: Item, language: str) -> list[str]:
        names = {YES: gettext("Ja"), NO: gettext("Nej"), DECLINE: gettext("Vill inte svara")}
        return [names[v] for v in self.choice_values(item)]

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        allowed = self.choice_values(item)
        return (text, None) if text in allowed else (None, f"ska vara {', '.join(allowed)}")

    def missing_message(self, item: Item, language: str) -> str:
        if item.allow_decline:
            return gettext("Välj ja, nej eller vill inte svara.")
        return gettext("Välj ja eller nej.")


@register
class Vas(_Number):
    name = "vas"
    print_as = "vas"

    def bounds(self, data: Mapping[str, Any], path: list[Any], problem: Problem) -> Bounds:
        if (data.get("min"), data.get("max")) not in ((None, None), (0, 100)):
            problem([*path, "min"], "VAS går alltid från 0 till 100")
        return 0, 100

    def value_range(self, item: Item) -> tuple[float, float]:
        return 0.0, 100.0


@register
class Number(_Number):
    name = "number"

    def whole(self, item: Item) -> bool:
        return item.integer

    def value_range(self, item: Item) -> tuple[float, float]:
        low = -float("inf") if item.min is None else float(item.min)
        return low, float("inf") if item.max is None else float(item.max)


@register
class Date(ItemKind):
    name = "date"

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, "ska vara ett datum som 2026-03-01"

    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        return IsoDateField(validators=[*_required(item, choose), _not_absurd_date], **common)

    def missing_message(self, item: Item, language: str) -> str:
        return gettext("Skriv ett datum, till exempel 2026-03-01.")


@register
class Text(ItemKind):
    name = "text"
    options = frozenset({"max_length"})
    free_text = True
    print_as = "text"

    def parse(self, item: Item, text: str) -> tuple[Any, str | None]:
        limit = item.max_length or DEFAULT_TEXT_LENGTH
        return (text, None) if len(text) <= limit else (None, f"högst {limit} tecken")

    def field(self, item: Item, language: str, common: dict[str, Any], choose: str) -> Field:
        limit = item.max_length or DEFAULT_TEXT_LENGTH
        return TextAreaField(
            validators=[
                *_required(item, choose),
                Length(
                    max=limit,
                    message=gettext("Texten får vara högst %(limit)s tecken.", limit=limit),
                ),
            ],
            render_kw={"maxlength": limit, "rows": 5},
            **common,
        )
