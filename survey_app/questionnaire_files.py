"""Finding questionnaire definition files and pinning their exact content.

Only what the service needs before the questionnaire engine: id, version, title and the content
hash that every stored response records.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuestionnaireFile:
    id: str
    version: str
    title: str
    respondent: str
    item_ids: tuple[str, ...]
    content_hash: str
    path: Path


class DefinitionError(ValueError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def read_definition(path: Path) -> QuestionnaireFile:
    raw = path.read_bytes()
    try:
        data: Any = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise DefinitionError(path, f"ogiltig YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError(path, "filen ska innehålla en mappning med id, version, title, items")
    for key in ("id", "version", "title", "items"):
        if key not in data:
            raise DefinitionError(path, f"nyckeln {key!r} saknas")
    title = data["title"]
    if not isinstance(title, dict) or not title.get("sv"):
        raise DefinitionError(path, "title måste ha en svensk text (title.sv)")
    items = data["items"]
    if not isinstance(items, list) or not items:
        raise DefinitionError(path, "items måste vara en icke-tom lista")
    item_ids = tuple(str(item.get("id")) for item in items if isinstance(item, dict))
    return QuestionnaireFile(
        id=str(data["id"]),
        version=str(data["version"]),
        title=str(title["sv"]),
        respondent=str(data.get("respondent", "participant")),
        item_ids=item_ids,
        content_hash=hashlib.sha256(raw).hexdigest(),
        path=path,
    )


def available(directory: Path) -> dict[str, QuestionnaireFile]:
    """Every readable definition in `directory`; a broken file is logged and left out."""
    found: dict[str, QuestionnaireFile] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            definition = read_definition(path)
        except DefinitionError as error:
            log.error("questionnaire definition skipped: %s", error)
            continue
        found[definition.id] = definition
    return found
