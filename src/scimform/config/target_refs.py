"""The rules for several targets: `target:` and `targets:` are not both given, target names
are safe, each target's url, token and scope pass the single target's rules, every
`targets:` (users, groups) and tokens `target:` names a declared target, and a group sent
to a target names only members that go to that target too.

The member rule is an error rather than a silent narrowing: a group that goes to
production while one of its members goes to sandbox only would otherwise reach production
without that member, which nobody reading the YAML would expect.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from scimform.config.declared import Declarations, Finding, Site, error
from scimform.config.group_rules import check_scope
from scimform.config.schema import SettingsFile
from scimform.config.target_rules import check_target
from scimform.config.targets import TARGET_NAME, has_several, target_names
from scimform.model import user_key


def check_targets(
    settings: SettingsFile, site: Site, decl: Declarations, allowed_hosts: Iterable[str] | None
) -> list[Finding]:
    """Every finding about targets, at the place each was written."""
    findings = list(_declared(settings, site, allowed_hosts, decl))
    names = target_names(settings)
    findings.extend(_references(decl, names))
    if has_several(settings):
        findings.extend(_members(decl, names))
    return findings


def _declared(
    settings: SettingsFile,
    site: Site,
    allowed_hosts: Iterable[str] | None,
    decl: Declarations,
) -> Iterator[Finding]:
    if settings.targets is None:
        yield from check_target(settings.target, site.at("target"), allowed_hosts)
        return
    if "target" in settings.model_fields_set:
        yield error(
            "targets.both",
            "scimform.yaml gives both `target:` and `targets:`",
            site.at("target"),
            "keep one: move this target under `targets:` with a name, or drop `targets:`",
        )
    if not settings.targets:
        yield error(
            "targets.empty",
            "`targets:` names no target",
            site.at("targets"),
            "name each target with its url and token, or use the single `target:`",
        )
    for name, spec in settings.targets.items():
        at = site.at("targets", name)
        if not TARGET_NAME.match(name):
            yield error(
                "targets.bad-name",
                f'"{name}" is not a usable target name',
                at,
                "start with a lowercase letter; then lowercase letters, digits, - or _ "
                "(at most 32 characters), such as sandbox or prod-eu",
            )
        yield from check_target(spec.endpoint(), at, allowed_hosts)
        yield from check_scope(spec.scope, at.at("scope"), decl)


def _references(decl: Declarations, names: tuple[str, ...]) -> Iterator[Finding]:
    known = set(names)
    for kind, items in (("user", decl.users), ("group", decl.groups)):
        for item in items:
            for index, name in enumerate(item.spec.targets or ()):
                if name not in known:
                    yield _unknown(name, names, item.site.at("targets", index), kind)
    for block in decl.tokens:
        wanted = block.spec.target
        if wanted is not None and wanted not in known:
            yield _unknown(wanted, names, block.site.at("target"), "tokens block")


def _unknown(name: str, names: tuple[str, ...], site: Site, kind: str) -> Finding:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    listed = ", ".join(names)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return error(
        "targets.unknown",
        f'this {kind} names target "{name}", which scimform.yaml does not declare',
        site,
        f"{hint}the targets are: {listed}",
    )


def _members(decl: Declarations, names: tuple[str, ...]) -> Iterator[Finding]:
    """Each group's members go to every target the group goes to: whether they are
    listed under the group's `members:` or under the user's `groups:`."""
    known = set(names)
    reach: dict[str, tuple[str, list[str] | None]] = {}
    for user in decl.users:
        reach.setdefault(user_key(user.spec.user_name), (user.spec.user_name, user.spec.targets))
    groups = {g.spec.display_name.casefold(): g.spec for g in decl.groups}
    for group in decl.groups:
        wanted = _reached(group.spec.targets, names, known)
        if wanted is None:
            continue
        for index, member in enumerate(group.spec.members):
            found = reach.get(user_key(member))
            if found is not None:
                yield from _narrower(
                    found[0], found[1], group.spec.display_name, wanted,
                    names, known, group.site.at("members", index),
                )  # fmt: skip
    for user in decl.users:
        for index, name in enumerate(user.spec.groups):
            spec = groups.get(name.casefold())
            wanted = None if spec is None else _reached(spec.targets, names, known)
            if spec is not None and wanted is not None:
                yield from _narrower(
                    user.spec.user_name, user.spec.targets, spec.display_name, wanted,
                    names, known, user.site.at("groups", index),
                )  # fmt: skip


def _reached(
    targets: list[str] | None, names: tuple[str, ...], known: set[str]
) -> tuple[str, ...] | None:
    """The targets something goes to, in config order; None when it names an unknown one
    (already an error of its own)."""
    if targets is None:
        return names
    if not known.issuperset(targets):
        return None
    return tuple(n for n in names if n in targets)


def _narrower(
    member: str,
    targets: list[str] | None,
    group: str,
    wanted: tuple[str, ...],
    names: tuple[str, ...],
    known: set[str],
    site: Site,
) -> Iterator[Finding]:
    reached = _reached(targets, names, known)
    if reached is None:
        return
    missing = [n for n in wanted if n not in reached]
    if not missing:
        return
    where = ", ".join(missing)
    yield error(
        "targets.member-not-sent",
        f'group "{group}" goes to target {where}, but its member "{member}" does not',
        site,
        f'add {where} to the targets of "{member}", or give the group `targets:` without '
        f"{where} (a group is sent to a target only with all its members)",
    )
