"""The canonical layout `fmt` writes: key order per kind of mapping, and which lists of
names it sorts. Read off the pydantic models, so a new field is placed without an edit here.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field, replace
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from scimform.config.mapping import canonical_keys
from scimform.config.schema import GroupSpec, ResourceFile, ScopeSpec, SettingsFile, UserSpec
from scimform.model import ATTRIBUTES

# Lists of names whose order means nothing: sorted, so that a one-line change makes a
# one-line diff and two people adding members do not conflict on the same line.
_SORTED = {
    (GroupSpec, "members"),
    (GroupSpec, "owners"),
    (UserSpec, "groups"),
    (ScopeSpec, "groups"),
}


@dataclass(frozen=True)
class Shape:
    """How one kind of mapping is laid out. `strict` shapes keep their order as written
    when they hold a key they do not know (an IdP-shaped user under a mapping, or a typo
    that validate will report), except that keys named in `last` still go last."""

    order: tuple[str, ...]
    children: dict[str, Shape] = field(default_factory=dict)
    sorted_lists: frozenset[str] = frozenset()
    strict: bool = False
    last: tuple[str, ...] = ()
    each: Shape | None = None  # the layout of every value, for a mapping of names

    def child(self, key: str) -> Shape | None:
        """The layout of the value under `key`."""
        return self.children.get(key, self.each)

    def arrange(self, keys: list[Any]) -> list[Any]:
        """The keys in canonical order; unknown keys keep their order, after known ones."""
        known = set(self.order)
        if self.strict and any(key not in known for key in keys):
            tail = [key for key in self.last if key in keys]
            return [key for key in keys if key not in tail] + tail
        rank = {key: i for i, key in enumerate(self.order)}
        return sorted(keys, key=lambda key: rank.get(key, len(rank)))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside `Model`, `Model | None` or `list[Model]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _named_models(annotation: Any) -> type[BaseModel] | None:
    """The model inside `dict[str, Model]` (or `... | None`): a mapping of names."""
    if get_origin(annotation) is dict:
        return _model_of(get_args(annotation)[1])
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _named_models(arg)
            if found is not None:
                return found
    return None


def shape_of(model: type[BaseModel]) -> Shape:
    """The layout of a model's YAML mapping and of the models nested in it."""
    order: list[str] = []
    children: dict[str, Shape] = {}
    sorted_lists: set[str] = set()
    for name, info in model.model_fields.items():
        key = info.alias or name
        order.append(key)
        child = _model_of(info.annotation)
        if child is not None:
            children[key] = shape_of(child)
        named = _named_models(info.annotation)
        if named is not None:  # the names keep the order written (targets: apply order)
            children[key] = Shape((), each=shape_of(named))
        if (model, name) in _SORTED:
            sorted_lists.add(key)
    if model is GroupSpec:  # renames read best right under the name they replace
        order = [
            "displayName", "externalId", "previously", "sensitive", "owners", "members", "targets",
        ]  # fmt: skip
    if model is UserSpec:
        friendly = tuple(a.friendly for a in ATTRIBUTES)
        order = [*friendly, "address", "github", "groups", "targets"]
        last = ("groups", "targets")
        return Shape(tuple(order), children, frozenset(sorted_lists), True, last)
    return Shape(tuple(order), children, frozenset(sorted_lists))


_SETTINGS = shape_of(SettingsFile)
# The mapping is a plain table in the model; its keys go in attribute order too.
SETTINGS = replace(_SETTINGS, children={**_SETTINGS.children, "mapping": Shape(canonical_keys())})
RESOURCES = shape_of(ResourceFile)
