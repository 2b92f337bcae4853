"""Answers given on several versions of a questionnaire, reported together where they can be.

An item with the same id in two versions is reported as one where its answers mean the same
(same type, scale, direction and kind of value; a single choice may gain or lose categories:
the report shows every category of every version). Where they do not, each group of compatible
versions is reported apart, under the item's text with the versions named, and *Om rapporten*
says which item, why, and how many answers each part has. Plain Python, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from survey_app.questionnaires import Item, Questionnaire


@dataclass
class Variant:
    """One item (or score) as reported: the versions whose answers are counted together."""

    key: str  # the item id, or "<id>@<version>" for a part reported apart
    item: Item | None  # the item as reported (every version's categories); None for a score
    versions: list[str] = field(default_factory=list)
    hashes: set[str] = field(default_factory=set)

    @property
    def suffix(self) -> str:
        """What a label gets where the part is reported apart ("" for the main part)."""
        return "" if "@" not in self.key else f" (version {', '.join(self.versions)})"


@dataclass
class Split:
    """An item whose versions are reported apart, for *Om rapporten*."""

    questionnaire: str
    name: str  # the item id or score
    reason: str
    variants: list[Variant]


def incompatibility(a: Item, b: Item) -> str | None:
    """Why answers to `a` and to `b` cannot be counted together (Swedish), or None (the
    item types decide: `questionnaires.types`)."""
    return a.kind.incompatibility(a, b)


def _merged(items: Sequence[Item]) -> Item:
    """The first item with every version's categories (the first's order, then new ones)."""
    first = items[0]
    if not first.choices:
        return first
    seen = {c.value for c in first.choices}
    extra = []
    for item in items[1:]:
        for choice in item.choices:
            if choice.value not in seen:
                seen.add(choice.value)
                extra.append(choice)
    return replace(first, choices=(*first.choices, *extra)) if extra else first


def item_variants(
    declared: Questionnaire, answered: Iterable[Questionnaire], item_id: str
) -> tuple[list[Variant], str | None]:
    """The parts `item_id` is reported in over the versions `answered` (the declared file's
    own part first), and why there is more than one (or None)."""
    versions = _versions(declared, answered)
    groups: list[tuple[list[Item], Variant]] = []
    reasons: list[str] = []
    for definition in versions:
        item = definition.item(item_id)
        if item is None:
            continue
        for items, variant in groups:
            reason = incompatibility(items[0], item)
            if reason is None:
                items.append(item)
                _add(variant, definition)
                break
        else:
            if groups:
                reasons.append(incompatibility(groups[0][0][0], item) or "")
            variant = Variant(_key(item_id, definition, groups), None)
            _add(variant, definition)
            groups.append(([item], variant))
    out = []
    for items, variant in groups:
        variant.item = _merged(items)
        out.append(variant)
    return out, (reasons[0] if reasons else None)


def score_variants(
    declared: Questionnaire, answered: Iterable[Questionnaire], name: str
) -> tuple[list[Variant], str | None]:
    """The parts a scorer result is reported in: together where the versions score alike."""
    groups: list[tuple[Any, Variant]] = []
    for definition in _versions(declared, answered):
        spec = _scoring(definition)
        for known, variant in groups:
            if known == spec:
                _add(variant, definition)
                break
        else:
            variant = Variant(_key(name, definition, groups), None)
            _add(variant, definition)
            groups.append((spec, variant))
    reason = "poängen räknas på olika sätt (scorer eller frågor)" if len(groups) > 1 else None
    return [variant for _, variant in groups], reason


def _scoring(definition: Questionnaire) -> Any:
    """How a version scores: its scorer's parameters and the answer ranges of its items."""
    spec = dict(definition.scoring or {})
    ranges = {
        item.id: (item.type, item.value_range())
        for item in definition.items
        if not item.kind.free_text
    }
    return (sorted(spec.items(), key=str), sorted(ranges.items()))


def _versions(declared: Questionnaire, answered: Iterable[Questionnaire]) -> list[Questionnaire]:
    """The declared file first, then the other versions answered, newest first."""
    others = {d.content_hash: d for d in answered if d.content_hash != declared.content_hash}
    return [declared, *sorted(others.values(), key=lambda d: _order(d.version), reverse=True)]


def _order(version: str) -> tuple[int, int | str]:
    return (1, int(version)) if version.isdigit() else (0, version)


def _add(variant: Variant, definition: Questionnaire) -> None:
    variant.hashes.add(definition.content_hash)
    if definition.version not in variant.versions:
        variant.versions.append(definition.version)


def _key(name: str, definition: Questionnaire, groups: Sequence[tuple[Any, Variant]]) -> str:
    if not groups:
        return name
    key = f"{name}@{definition.version}"
    taken = {variant.key for _, variant in groups}
    return key if key not in taken else f"{key}-{definition.content_hash[:8]}"


def describe(split: Split, counts: dict[str, int]) -> str:
    """A line of *Om rapporten* about one item reported in parts."""
    parts = " och ".join(
        f"version {', '.join(v.versions)} ({counts.get(v.key, 0)} svar)" for v in split.variants
    )
    return f"{split.questionnaire}, {split.name}: {parts} redovisas var för sig – {split.reason}."
