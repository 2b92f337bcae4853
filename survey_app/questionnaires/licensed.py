"""Licensed item texts (EQ-5D) installed per deployment, never shipped with the service.

A file `<questionnaire id>.<language>.yaml` in the licensed-texts folder gives the licensed
wording of every item and, for choice items, of every level:

    questionnaire: eq5d-3l
    language: sv
    items:
      MO: {text: "...", levels: ["...", "...", "..."]}
      ...
      VAS: {text: "..."}

A file with a missing item or level, or in the wrong language, is refused with a message naming
the file and the gap; the neutral texts stay in use.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from survey_app.questionnaires.definition import (
    Choice,
    Item,
    Page,
    Problem,
    Questionnaire,
    Text,
)
from survey_app.questionnaires.schema import LANGUAGE_CODE


def install(
    questionnaire: Questionnaire, directory: Path | None
) -> tuple[Questionnaire, list[Problem]]:
    """The questionnaire with every valid licensed-text file of the folder applied."""
    if not questionnaire.licensed_texts or directory is None or not directory.is_dir():
        return questionnaire, []
    problems: list[Problem] = []
    installed = set()
    for path in sorted(directory.glob(f"{questionnaire.id}.*.yaml")):
        language = path.name[len(questionnaire.id) + 1 : -len(".yaml")]
        texts, file_problems = _read(path, questionnaire, language)
        if file_problems:
            problems.extend(file_problems)
            continue
        questionnaire = _apply(questionnaire, language, texts)
        installed.add(language)
    return dataclasses.replace(
        questionnaire, licensed_texts_installed=frozenset(installed)
    ), problems


def _read(
    path: Path, questionnaire: Questionnaire, language: str
) -> tuple[dict[str, Any], list[Problem]]:
    def problem(reason: str) -> tuple[dict[str, Any], list[Problem]]:
        return {}, [Problem(path.name, "", None, reason)]

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return problem(f"ogiltig YAML ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        return problem("filen ska ha questionnaire, language och items")
    if data.get("questionnaire") != questionnaire.id:
        return problem(f"filen gäller {data.get('questionnaire')!r}, inte {questionnaire.id!r}")
    if data.get("language") != language or not re.fullmatch(LANGUAGE_CODE, language):
        return problem(f"språket i filen ({data.get('language')!r}) stämmer inte med filnamnet")
    items: dict[str, Any] = data["items"]
    gaps = []
    for item in questionnaire.items:
        entry = items.get(item.id)
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            gaps.append(f"texten till {item.id} saknas")
            continue
        if item.kind.has_choices:
            levels = entry.get("levels")
            if not isinstance(levels, list) or len(levels) != len(item.choices):
                gaps.append(f"{item.id} ska ha {len(item.choices)} nivåer")
            elif not all(isinstance(level, str) and level.strip() for level in levels):
                gaps.append(f"en nivå till {item.id} saknar text")
    unknown = sorted(set(items) - {item.id for item in questionnaire.items})
    if unknown:
        gaps.append(f"okända frågor: {', '.join(unknown)}")
    if gaps:
        return {}, [Problem(path.name, "", None, "; ".join(gaps))]
    return items, []


def _apply(questionnaire: Questionnaire, language: str, texts: dict[str, Any]) -> Questionnaire:
    def with_language(text: Text, value: str) -> Text:
        return Text({**text.translations, language: value})

    def item(original: Item) -> Item:
        entry = texts[original.id]
        choices = original.choices
        if "levels" in entry and choices:
            choices = tuple(
                Choice(c.value, with_language(c.label, level))
                for c, level in zip(choices, entry["levels"], strict=True)
            )
        return dataclasses.replace(
            original, text=with_language(original.text, entry["text"]), choices=choices
        )

    pages = tuple(
        Page(p.number, p.title, tuple(item(i) for i in p.items)) for p in questionnaire.pages
    )
    return dataclasses.replace(questionnaire, pages=pages)
