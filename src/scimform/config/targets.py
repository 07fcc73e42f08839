"""Several named targets in one config: their names, each target's effective settings, and
which declarations go to which target.

A config holds either the single `target:` (one target, named `default` where a name is
needed) or `targets:`, a mapping of names to endpoints, each with its own scope, ownership
and safety or the top-level ones. Users, groups and tokens blocks may say which targets
they go to (`targets:` on users and groups, `target:` on a tokens block); by default a
user or group goes to every target. The rules about all this are in `target_rules`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from scimform.config.declared import Declarations, DeclaredTokens
from scimform.config.schema import SettingsFile
from scimform.errors import UnknownTarget

DEFAULT_TARGET = "default"
# A name goes into file names, audit records, comment headings and workflow inputs.
TARGET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def target_names(settings: SettingsFile) -> tuple[str, ...]:
    """The config's targets in the order scimform.yaml lists them; ("default",) for the
    single `target:`."""
    if settings.targets is None:
        return (DEFAULT_TARGET,)
    return tuple(settings.targets)


def has_several(settings: SettingsFile) -> bool:
    """Whether scimform.yaml declares `targets:` (however many it names)."""
    return settings.targets is not None


def settings_for(settings: SettingsFile, name: str) -> SettingsFile:
    """The settings as one target sees them: its url and token as `target:`, its own
    scope, ownership and safety where it has them, else the top-level ones."""
    if settings.targets is None:
        return settings
    spec = settings.targets[name]
    return settings.model_copy(
        update={
            "target": spec.endpoint(),
            "targets": None,
            "scope": spec.scope if spec.scope is not None else settings.scope,
            "ownership": spec.ownership if spec.ownership is not None else settings.ownership,
            "safety": spec.safety if spec.safety is not None else settings.safety,
        }
    )


def goes_to(targets: list[str] | None, name: str) -> bool:
    """Whether something that says `targets: targets` goes to the target `name`."""
    return targets is None or name in targets


def declarations_for(decl: Declarations, name: str) -> Declarations:
    """The users and groups that go to target `name`, and its tokens block: the one that
    names it, else the one that names no target."""
    return Declarations(
        users=[u for u in decl.users if goes_to(u.spec.targets, name)],
        groups=[g for g in decl.groups if goes_to(g.spec.targets, name)],
        tokens=tokens_for(decl.tokens, name),
        findings=[],
        rejected_users=decl.rejected_users,
        rejected_groups=decl.rejected_groups,
    )


def tokens_for(blocks: list[DeclaredTokens], name: str | None) -> list[DeclaredTokens]:
    """The tokens blocks that serve target `name` (None: the blocks that name no target)."""
    own = [b for b in blocks if name is not None and b.spec.target == name]
    return own or [b for b in blocks if b.spec.target is None]


def select(names: tuple[str, ...], requested: tuple[str, ...]) -> tuple[str, ...]:
    """The targets `--target` asks for, in config order (all of them when none is asked
    for); UnknownTarget, with a did-you-mean, for a name the config does not declare."""
    if not requested:
        return names
    for name in requested:
        if name not in names:
            raise UnknownTarget(unknown_target_message(name, names, "the config"))
    return tuple(n for n in names if n in requested)


def unknown_target_message(name: str, names: Iterable[str], where: str) -> str:
    """'no target "x" in WHERE (did you mean "y"?); its targets are: ...'."""
    listed = list(names)
    close = [n for n in listed if n.startswith(name)] if name else []
    close = close or difflib.get_close_matches(name, listed, n=1, cutoff=0.6)
    meant = f' (did you mean "{close[0]}"?)' if close else ""
    return (
        f'there is no target "{name}" in {where}{meant}; its targets are: '
        + (", ".join(listed) or "(none)")
        + ". Nothing was changed."
    )
