"""Questionnaire definitions: parsed from YAML, checked, and held as immutable objects.

A file is checked in two steps: its structure against `schema.SCHEMA` (jsonschema), then its
meaning (unique ids, conditions on earlier answers only, sensible ranges, a known scorer). Every
problem names the file, the path inside it, the line, and the reason in Swedish.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonschema
import yaml

from survey_app.questionnaires.schema import SCHEMA
from survey_app.questionnaires.types import (
    DEFAULT_TEXT_LENGTH,
    KINDS,
    OPTION_PROBLEMS,
    ItemKind,
    kind_of,
)

DEFAULT_LANGUAGE = "sv"


class ItemType(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    YES_NO = "yes_no"
    VAS = "vas"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class Text:
    """A text in several languages; Swedish is always there and is the fallback."""

    translations: Mapping[str, str]

    def get(self, language: str) -> str:
        return self.translations.get(language) or self.translations[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: Text


@dataclass(frozen=True)
class Condition:
    """Show an item only when an earlier item's answer equals a value or is one of several."""

    item: str
    values: tuple[Any, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.item)
        if isinstance(answer, list):
            return any(value in answer for value in self.values)
        return answer in self.values


@dataclass(frozen=True)
class Item:
    id: str
    type: ItemType
    text: Text
    help: Text | None = None
    error: Text | None = None
    required: bool = True
    direction: str | None = None
    show_if: Condition | None = None
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = True
    end_labels: Mapping[str, tuple[str, str]] | None = None
    allow_decline: bool = False
    max_length: int | None = None

    def visible(self, answers: Mapping[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    @property
    def kind(self) -> ItemKind:
        """What the service does with an item of this type (`types`)."""
        return kind_of(self.type)

    def choice_values(self) -> tuple[Any, ...]:
        return self.kind.choice_values(self)

    def value_range(self) -> tuple[float, float]:
        """The least and greatest numeric answer (a reader of a report knows them)."""
        return self.kind.value_range(self)

    def end_label(self, language: str) -> tuple[str, str] | None:
        if not self.end_labels:
            return None
        return self.end_labels.get(language) or self.end_labels.get(DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Page:
    number: int  # 1-based within the questionnaire
    title: Text | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Safety:
    quick_exit: bool = False
    support_when: str | None = None  # "any_yes": the scorer's any_yes result is True
    flag: str | None = None  # the follow-up flag text staff see (never the answers)


@dataclass(frozen=True)
class Compared:
    """A measure compared START → EXIT: an item's answer (`item`) or a scorer result
    (`score`). Its key in reports and goals is "<measures>:<item or score>"."""

    name: str  # the item id or the scorer result's name
    is_score: bool
    label: str | None = None
    goal_label: str | None = None
    goal: bool = False
    direction: str | None = None


@dataclass(frozen=True)
class Distribution:
    """An item summarised as counts and shares per answer (by its type: counts and mean of a
    scale, share "ja" of a yes/no, counts per category of a single choice)."""

    item: str
    title: str | None = None
    position: int | None = None  # where on the sheet, among all files' tables there
    shares: bool = False  # also each category's share per insats and gender
    top_box: str | None = None  # a scale: the share giving the two highest answers, first
    goal: bool = False  # a single choice: goals name categories of it ("30 % to work")
    # Only the answers given at this occasion kind ("start", "followup", "exit"); without it,
    # every occasion's, the latest per participation.
    occasion: str | None = None


@dataclass(frozen=True)
class Section:
    """One part of the report workbook, declared in the file's `report` list."""

    sheet: str
    title: str | None = None
    order: int = 0
    note: str | None = None
    empty: str | None = None
    measures: str = ""  # the prefix of the measures' keys (default: the questionnaire id)
    compare: tuple[Compared, ...] = ()
    chart: str | None = None
    distributions: tuple[Distribution, ...] = ()
    screening: bool = False
    # How a screening's tables name its forms: plural ("Genomförda våldsenkäter") and definite
    # ("fyllt i våldsenkäten"); the defaults fit any questionnaire.
    forms: str = "enkäter"
    form: str = "enkäten"


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    respondent: str
    title: Text
    intro: Text | None
    pages: tuple[Page, ...]
    scoring: Mapping[str, Any] | None
    content_hash: str
    source: str = field(repr=False, compare=False)
    safety: Safety = field(default_factory=Safety)
    licensed_texts: bool = False
    licensed_texts_installed: frozenset[str] = frozenset()
    recall: Text | None = None
    one_question_per_page: bool = False
    # Per translated language: whether a native speaker has reviewed it.
    reviewed: Mapping[str, bool] = field(default_factory=dict)
    # What staff call it (the file's `name`, or else the Swedish title).
    name: str = ""
    # What the report workbook shows of the answers.
    report: tuple[Section, ...] = ()

    # Cached: reports look items up once per stored answer. (A frozen dataclass still has a
    # __dict__, which is where cached_property keeps the value.)
    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for page in self.pages for item in page.items)

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    def item(self, item_id: str) -> Item | None:
        return self._items_by_id.get(item_id)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The languages the questionnaire is complete in (asked on every participant page)."""
        codes = {code for text in self.texts() for code in text[1].translations}
        complete = [code for code in codes if not self.missing_translations(code)]
        return tuple(sorted(complete, key=lambda code: (code != DEFAULT_LANGUAGE, code)))

    def texts(self) -> list[tuple[str, Text]]:
        """Every text a respondent reads, with where it is in the file."""
        found: list[tuple[str, Text]] = [("title", self.title)]
        found += [(name, text) for name in ("intro", "recall") if (text := getattr(self, name))]
        for page in self.pages:
            if page.title is not None:
                found.append((f"sida {page.number}.title", page.title))
            for item in page.items:
                found.append((f"{item.id}.text", item.text))
                found += [
                    (f"{item.id}.{k}", t) for k in ("help", "error") if (t := getattr(item, k))
                ]
                found += [(f"{item.id}.choices[{c.value}]", c.label) for c in item.choices]
                if item.end_labels:
                    labels = {code: " / ".join(pair) for code, pair in item.end_labels.items()}
                    found.append((f"{item.id}.labels", Text(labels)))
        return found

    def missing_translations(self, language: str) -> list[str]:
        """Where the file has no text in the language (Swedish is the fallback there)."""
        return list(
            dict.fromkeys(
                where for where, text in self.texts() if language not in text.translations
            )
        )


@dataclass(frozen=True)
class Problem:
    source: str
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}"
        if self.line is not None:
            where += f", rad {self.line}"
        if self.path:
            where += f", {self.path}"
        return f"{where}: {self.reason}"


class DefinitionError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


def parse_definition(raw: bytes | str, source: str) -> Questionnaire:
    """Parse and check a definition file's content; DefinitionError lists every problem."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DefinitionError([Problem(source, "", line, f"ogiltig YAML ({exc})")]) from exc
    locate = _Locator(root)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    schema_errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    if schema_errors:
        found = [
            Problem(source, _dotted(e.absolute_path), locate(e.absolute_path), _reason(e))
            for e in schema_errors
        ]
        # One value can break two rules that say the same (e.g. title.sv as a property and as a
        # language code): report each problem once.
        raise DefinitionError(list(dict.fromkeys(found)))
    problems: list[Problem] = []

    def problem(path: Sequence[str | int], reason: str) -> None:
        problems.append(Problem(source, _dotted(path), locate(path), reason))

    questionnaire = _build(data, text, problem)
    if problems:
        raise DefinitionError(problems)
    return questionnaire


def _build(data: dict[str, Any], text: str, problem: Any) -> Questionnaire:
    from survey_app import scoring  # late: scorers import this module's types

    seen: dict[str, Item] = {}
    pages: list[Page] = []
    for p, page_data in enumerate(data["pages"]):
        items: list[Item] = []
        for i, item_data in enumerate(page_data["items"]):
            path = ["pages", p, "items", i]
            item = _item(item_data, path, seen, problem)
            if item.id in seen or any(earlier.id == item.id for earlier in items):
                problem([*path, "id"], f"id {item.id!r} används redan i formuläret")
            items.append(item)
        for item in items:
            seen[item.id] = item
        title = Text(page_data["title"]) if "title" in page_data else None
        if data.get("one_question_per_page"):
            pages.extend(Page(len(pages) + 1, title, (item,)) for item in items)
        else:
            pages.append(Page(len(pages) + 1, title, tuple(items)))
    questionnaire = Questionnaire(
        id=data["id"],
        version=str(data["version"]),
        respondent=data.get("respondent", "participant"),
        title=Text(data["title"]),
        intro=Text(data["intro"]) if "intro" in data else None,
        recall=Text(data["recall"]) if "recall" in data else None,
        one_question_per_page=data.get("one_question_per_page", False),
        reviewed={code: bool(t["reviewed"]) for code, t in data.get("translations", {}).items()},
        pages=tuple(pages),
        scoring=data.get("scoring"),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=text,
        safety=Safety(**data.get("safety", {})),
        licensed_texts=data.get("licensed_texts", False),
        name=data.get("name") or Text(data["title"]).get("sv"),
        report=tuple(_section(section, data["id"]) for section in data.get("report", ())),
    )
    if questionnaire.safety.support_when == "any_yes" and (
        questionnaire.scoring is None or questionnaire.scoring.get("scorer") != "any_yes"
    ):
        problem(["safety", "support_when"], "support_when: any_yes kräver scorer any_yes")
    if questionnaire.scoring is not None:
        for reason in scoring.check(questionnaire):
            problem(["scoring"], reason)
    for number, section in enumerate(questionnaire.report):
        _check_section(questionnaire, section, ["report", number], problem)
    return questionnaire


def _section(data: dict[str, Any], questionnaire_id: str) -> Section:
    return Section(
        sheet=data["sheet"],
        title=data.get("title"),
        order=data.get("order", 0),
        note=data.get("note"),
        empty=data.get("empty"),
        measures=data.get("measures", questionnaire_id),
        compare=tuple(
            Compared(
                name=c.get("item") or c["score"],
                is_score="score" in c,
                label=c.get("label"),
                goal_label=c.get("goal_label"),
                goal=c.get("goal", False),
                direction=c.get("direction"),
            )
            for c in data.get("compare", ())
        ),
        chart=data.get("chart"),
        distributions=tuple(Distribution(**d) for d in data.get("distributions", ())),
        screening=data.get("screening", False),
        forms=data.get("forms", "enkäter"),
        form=data.get("form", "enkäten"),
    )


RESERVED_SHEETS = ("Översikt", "Om rapporten")


def _check_section(
    questionnaire: Questionnaire, section: Section, path: list[Any], problem: Any
) -> None:
    from survey_app import scoring  # late: scorers import this module's types

    if section.sheet in RESERVED_SHEETS:
        problem([*path, "sheet"], f"bladet {section.sheet!r} skrivs alltid av tjänsten själv")
    if section.compare and (section.distributions or section.screening):
        problem(
            [*path, "compare"],
            "ett avsnitt med jämförelser (compare) kan inte också ha fördelningar eller "
            "screening: lägg dem i ett eget avsnitt",
        )
    scores = scoring.measures(questionnaire, scoring.ScoringContext())
    for n, compared in enumerate(section.compare):
        where = [*path, "compare", n]
        if compared.is_score:
            if compared.name not in scores:
                known = ", ".join(sorted(scores)) or "inga"
                problem(
                    [*where, "score"],
                    f"poängen {compared.name!r} finns inte hos formulärets scorer "
                    f"(den ger: {known})",
                )
            continue
        item = questionnaire.item(compared.name)
        if item is None:
            problem([*where, "item"], f"frågan {compared.name!r} finns inte i formuläret")
        elif not item.direction:
            problem(
                [*where, "item"],
                f"frågan {compared.name!r} behöver en riktning (direction) för att jämföras",
            )
        if compared.direction is not None:
            problem([*where, "direction"], "en frågas riktning anges på frågan (direction)")
    keys = [c.name for c in section.compare]
    if section.chart is not None and section.chart not in keys:
        problem([*path, "chart"], f"diagrammet visar {section.chart!r}, som inte jämförs")
    for n, distribution in enumerate(section.distributions):
        where = [*path, "distributions", n]
        item = questionnaire.item(distribution.item)
        if item is None:
            problem([*where, "item"], f"frågan {distribution.item!r} finns inte i formuläret")
            continue
        if item.kind.summary is None:
            kinds = ", ".join(k.name for k in KINDS.values() if k.summary)
            problem(
                [*where, "item"],
                f"typen {item.type} kan inte redovisas som fördelning (bara {kinds})",
            )
        if distribution.top_box and item.kind.summary != "scale":
            problem([*where, "top_box"], "top_box hör bara till typen scale")
        if (distribution.goal or distribution.shares) and item.kind.summary != "categories":
            problem([*where, "goal"], "goal och shares hör bara till typen single_choice")
    if section.screening and not any(i.kind.summary == "yes_no" for i in questionnaire.items):
        problem([*path, "screening"], "screening kräver frågor av typen yes_no")


def _item(data: dict[str, Any], path: list[Any], earlier: Mapping[str, Item], problem: Any) -> Item:
    kind_name = ItemType(data["type"])
    kind = kind_of(kind_name)
    choices = tuple(Choice(c["value"], Text(c["label"])) for c in data.get("choices", ()))
    if kind.has_choices and not choices:
        problem([*path, "choices"], f"typen {kind_name} behöver svarsalternativ (choices)")
    if choices and not kind.has_choices:
        problem([*path, "choices"], f"typen {kind_name} har inga svarsalternativ (choices)")
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        problem([*path, "choices"], "två svarsalternativ har samma värde")
    if len({type(v) for v in values}) > 1:
        problem([*path, "choices"], "svarsalternativens värden ska alla vara tal eller alla text")

    low, high = kind.bounds(data, path, problem)
    if not kind.has_bounds and ("min" in data or "max" in data):
        problem([*path, "min"], f"typen {kind_name} har inga gränser (min/max)")
    for option, reason in OPTION_PROBLEMS.items():
        if option in data and option not in kind.options:
            problem([*path, option], reason)
    if "direction" in data and not kind.numeric(values):
        problem([*path, "direction"], "riktning (direction) kräver ett svar som är ett tal")

    condition = None
    if "show_if" in data:
        spec = data["show_if"]
        target = earlier.get(spec["item"])
        allowed = spec.get("one_of", [spec.get("equals")])
        if target is None:
            problem(
                [*path, "show_if", "item"],
                f"villkoret hänvisar till {spec['item']!r}, som inte finns på en tidigare sida",
            )
        elif target.choice_values() and any(v not in target.choice_values() for v in allowed):
            problem([*path, "show_if"], f"villkoret har ett värde som {target.id!r} inte kan få")
        condition = Condition(spec["item"], tuple(allowed))

    return Item(
        id=data["id"],
        type=kind_name,
        text=Text(data["text"]),
        help=Text(data["help"]) if "help" in data else None,
        error=Text(data["error"]) if "error" in data else None,
        required=data.get("required", True),
        direction=data.get("direction"),
        show_if=condition,
        choices=choices,
        min=low,
        max=high,
        integer=data.get("integer", True),
        end_labels={k: (v[0], v[1]) for k, v in data["labels"].items()}
        if "labels" in data
        else None,
        allow_decline=data.get("allow_decline", False),
        max_length=data.get("max_length", DEFAULT_TEXT_LENGTH)
        if "max_length" in kind.options
        else None,
    )


class _Locator:
    """Finds the line of a path like ["pages", 0, "items", 2] in the composed YAML tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def __call__(self, path: Sequence[Any]) -> int | None:
        node = self.root
        if node is None:
            return None
        for step in path:
            child = self._child(node, step)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    @staticmethod
    def _child(node: yaml.Node, step: Any) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(step):
                    return value
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            return node.value[step]
        return None


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _reason(error: jsonschema.ValidationError) -> str:
    """A Swedish reason for the schema errors a file author is likely to meet."""
    validator, value = error.validator, error.validator_value
    if validator == "required":
        missing = [key for key in value if key not in (error.instance or {})]
        return f"nyckeln {missing[0]!r} saknas" if missing else "en obligatorisk nyckel saknas"
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"okänd nyckel {extra[0]!r}" if extra else "okänd nyckel"
    if validator == "enum":
        return f"{error.instance!r} är inte tillåtet; välj bland {', '.join(map(str, value))}"
    if validator == "type":
        return f"fel typ: {error.instance!r} ska vara {value}"
    if validator == "pattern":
        return f"{error.instance!r} är inte ett giltigt id (bokstäver, siffror, _ och -)"
    if validator == "minItems":
        return f"listan behöver minst {value} element"
    if validator == "oneOf":
        if "score" in error.schema.get("properties", {}):
            return "ange antingen item eller score"
        return "villkoret ska ha antingen equals eller one_of"
    if validator == "minLength":
        return "texten får inte vara tom"
    if validator == "maxLength":
        return f"texten får vara högst {value} tecken"
    if validator == "minimum":
        return f"{error.instance!r} är för litet; minst {value}"
    if validator == "maximum":
        return f"{error.instance!r} är för stort; högst {value}"
    if validator == "maxItems":
        return f"listan får ha högst {value} element"
    return f"ogiltigt värde {error.instance!r}"
