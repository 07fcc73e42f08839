"""The diff: desired and live state in, changes out.

Objects are matched by identity (engine.match), then compared attribute by attribute
(engine.fields). Members are compared by identity too (engine.people), so renaming a user
changes no group. Live objects the config does not declare are deleted only with
`ownership.prune` and never when they match `ownership.ignore`; an object the config
declares is managed even if its name matches an ignore glob (declaring it is explicit).
Pure: no I/O, and the same inputs always give the same changes in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimform.engine.changes import (
    NAMED_LEFT_ALONE,
    Action,
    Change,
    FieldDiff,
    Kind,
    LeftAlone,
    Value,
    user_attributes,
)
from scimform.engine.collector import few_collections
from scimform.engine.conflicts import name_conflicts
from scimform.engine.fields import (
    MANAGER,
    group_attributes,
    group_fields,
    same_values,
    update_reason,
    user_fields,
)
from scimform.engine.keys import Key, folded
from scimform.engine.match import group_names, match, user_names
from scimform.engine.members import live_members, sorted_refs, wanted_members
from scimform.engine.people import People
from scimform.engine.policy import Ownership
from scimform.errors import LiveReadError
from scimform.model import DesiredState, Group, LiveState, User


@dataclass(frozen=True, slots=True)
class Diff:
    """The changes, in order, with what was left alone and what the user should know."""

    changes: tuple[Change, ...]
    left_alone: LeftAlone
    warnings: tuple[str, ...]


def diff(desired: DesiredState, live: LiveState, ownership: Ownership) -> Diff:
    """Compare what the config declares with what the live store holds.

    Raises LiveReadError if the members of a group the config manages were not read (a
    member list that was not read is unknown, never empty) or name unknown users."""
    with few_collections():
        return _Differ(desired, live, ownership).run()


class _Differ:
    def __init__(self, desired: DesiredState, live: LiveState, ownership: Ownership) -> None:
        self.live = live
        self.ownership = ownership
        self.users = match(desired.users, live.users, user_names)
        self.groups = match(desired.groups, live.groups, group_names)
        self.people = People(self.users)
        self.warnings: list[str] = []
        self.left_alone = {"users": 0, "groups": 0, "ignored_users": 0, "ignored_groups": 0}
        self.unpruned: dict[Kind, list[str]] = {Kind.USER: [], Kind.GROUP: []}
        self.destroyed_users: set[str | None] = set()
        self.blocked: set[str | None] = set()

    def run(self) -> Diff:
        changes = self._with_groups_lost(self._user_changes()) + self._group_changes()
        ids = {c.id for c in changes if c.destroys}
        self.warnings += name_conflicts(self.users, user_names, Kind.USER, ids)
        self.warnings += name_conflicts(self.groups, group_names, Kind.GROUP, ids)
        return Diff(
            changes=tuple(sorted(changes, key=Change.sort_key)),
            left_alone=LeftAlone(
                **self.left_alone,
                user_names=_named(self.unpruned[Kind.USER]),
                group_names=_named(self.unpruned[Kind.GROUP]),
            ),
            warnings=tuple(sorted(set(self.warnings))),
        )

    def _with_groups_lost(self, changes: list[Change]) -> list[Change]:
        """Each destroyed user with the groups it is a member of (of the groups whose
        members were read): its memberships go with it, and the plan says so."""
        read = [g for g in self.live.groups if g.id in self.live.members_read]
        out = []
        for change in changes:
            name = (change.before or {}).get("userName")
            if change.destroys and isinstance(name, str):
                lost = sorted((g.display_name for g in read if name in g.members), key=str.casefold)
                change = change.model_copy(update={"groups_lost": tuple(lost)})
            out.append(change)
        return out

    def _may_delete(self, kind: Kind, name: str) -> bool:
        """Whether an undeclared live object may go; counts it as left alone if not."""
        owner = self.ownership
        if owner.ignores_user(name) if kind is Kind.USER else owner.ignores_group(name):
            self.left_alone[f"ignored_{kind.value}s"] += 1
            return False
        if not self.ownership.prune:
            self.left_alone[f"{kind.value}s"] += 1
            self.unpruned[kind].append(name)
            return False
        return True

    def _may_replace(self, kind: Kind, name: str, wanted: str | None, held: str | None) -> bool:
        if self._may_delete(kind, name):
            return True
        self.warnings.append(
            f'{kind.value} "{name}": the config gives it externalId {wanted}, but the live '
            f"{kind.value} of that name has externalId {held} and scimform may not delete it "
            "(ownership.prune is off or it matches ownership.ignore); it is left alone and "
            "nothing is created. Correct the externalId or remove the live object."
        )
        return False

    # --- users -----------------------------------------------------------------------------

    def _user_changes(self) -> list[Change]:
        out = [self._user_change(Action.CREATE, u, None) for u in self.users.created]
        for wanted, found in self.users.matched:
            if not same_values(wanted, found) or not self._same_manager(wanted, found):
                out += self._user_update(wanted, found)
        for wanted, found in self.users.replaced:
            if self._may_replace(Kind.USER, found.user_name, wanted.external_id, found.external_id):
                out.append(self._user_change(Action.REPLACE, wanted, found))
            else:
                # Neither identity may be touched: memberships of that name stay as they are.
                self.blocked |= {
                    self.people.desired(wanted.user_name),
                    self.people.live(found.user_name),
                }
        for found in self.users.undeclared:
            if self._may_delete(Kind.USER, found.user_name):
                out.append(_delete(Kind.USER, found.user_name, found.id, user_attributes(found)))
        self.destroyed_users = {c.id for c in out if c.destroys}
        return out

    def _user_change(self, action: Action, wanted: User, found: User | None) -> Change:
        reason = "not in the live store"
        if found is not None:
            reason = (
                f"externalId {wanted.external_id} in the config, {found.external_id} in the "
                "live store: a different identity holds this userName"
            )
        return Change(
            kind=Kind.USER,
            key=wanted.user_name,
            action=action,
            reason=reason,
            id=None if found is None else found.id,
            before=None if found is None else user_attributes(found),
            after=self._desired_attributes(wanted),
            fields=() if found is None else tuple(self._user_fields(wanted, found)),
        )

    def _user_update(self, wanted: User, found: User) -> list[Change]:
        fields = self._user_fields(wanted, found)
        if not fields:
            return []
        deactivates = any(f.name == "active" and f.after is False for f in fields)
        change = Change(
            kind=Kind.USER,
            key=wanted.user_name,
            action=Action.DEACTIVATE if deactivates else Action.UPDATE,
            reason=update_reason(fields, "userName", deactivates),
            id=found.id,
            before=user_attributes(found),
            after=self._desired_attributes(wanted),
            fields=tuple(fields),
        )
        return [change]

    def _desired_attributes(self, user: User) -> dict[str, Value]:
        values = user_attributes(user)
        if user.manager is not None and self._manager(user) is None:
            del values[MANAGER.friendly]
        return values

    def _manager(self, user: User) -> str | None:
        """The token of a desired user's manager; None, with a warning, if nobody has that
        name (the warning is given once however often this is asked)."""
        assert user.manager is not None
        token = self.people.desired(user.manager)
        if token is None:
            self.warnings.append(
                f'user "{user.user_name}": manager "{user.manager}" is neither declared nor '
                "in the live store; the manager is left as it is"
            )
        return token

    def _same_manager(self, wanted: User, found: User) -> bool:
        if wanted.manager is None:
            return found.manager is None
        token = self._manager(wanted)
        if token is None:
            return True  # unknown: left as it is
        return found.manager is not None and token == self.people.live(found.manager)

    def _user_fields(self, wanted: User, found: User) -> list[FieldDiff]:
        return user_fields(wanted, found, self._same_manager(wanted, found))

    # --- groups ----------------------------------------------------------------------------

    def _group_changes(self) -> list[Change]:
        out = [self._group_create(g, None) for g in self.groups.created]
        for wanted, found in self.groups.matched:
            out += self._group_update(wanted, found)
        for wanted, found in self.groups.replaced:
            name = found.display_name
            if self._may_replace(Kind.GROUP, name, wanted.external_id, found.external_id):
                out.append(self._group_create(wanted, found))
        for found in self.groups.undeclared:
            if self._may_delete(Kind.GROUP, found.display_name):
                out.append(self._group_delete(found))
        self._warn_renames(out)
        return out

    def _group_delete(self, found: Group) -> Change:
        """The delete of a live group, naming the members who lose it: a plan never hides
        who loses access (members of a group whose members were not read stay unnamed)."""
        change = _delete(Kind.GROUP, found.display_name, found.id, group_attributes(found))
        if found.id not in self.live.members_read:
            return change
        had = live_members(found, self.people)
        removed = sorted_refs(
            r for r in map(self.people.removed, had) if r.id not in self.destroyed_users
        )
        return change.model_copy(update={"members_removed": removed})

    def _warn_renames(self, changes: list[Change]) -> None:
        """Warn of each destroyed group whose members all go to a group the plan creates:
        most likely a rename written without `previously:`."""
        created = {
            frozenset(Key.user(m.user_name) for m in c.members_added): c.key
            for c in changes
            if c.action is Action.CREATE and c.members_added
        }
        for change in changes:
            if change.action is not Action.DELETE or not change.members_removed:
                continue
            members = frozenset(Key.user(m.user_name) for m in change.members_removed)
            if members in created:
                self.warnings.append(
                    f'group "{change.key}" is destroyed and group "{created[members]}" is '
                    "created with the same members: if it is a rename, add `previously: "
                    f'[{change.key}]` to "{created[members]}", so that the group keeps its id '
                    "and the AWS permission sets assigned to it"
                )

    def _group_create(self, wanted: Group, replaced: Group | None) -> Change:
        added = wanted_members(wanted, self.people, self.warnings) - self.blocked
        reason = "not in the live store"
        if replaced is not None:
            reason = (
                f"externalId {wanted.external_id} in the config, {replaced.external_id} in the "
                "live store: a different identity holds this displayName"
            )
        return Change(
            kind=Kind.GROUP,
            key=wanted.display_name,
            action=Action.CREATE if replaced is None else Action.REPLACE,
            reason=reason,
            id=None if replaced is None else replaced.id,
            before=None if replaced is None else group_attributes(replaced),
            after=group_attributes(wanted),
            fields=() if replaced is None else tuple(group_fields(wanted, replaced)),
            members_added=sorted_refs(self.people.added(t) for t in added),
        )

    def _group_update(self, wanted: Group, found: Group) -> list[Change]:
        if found.id not in self.live.members_read:
            raise LiveReadError(
                f'the members of live group "{found.display_name}" (id {found.id}) were not '
                "read; a plan needs the members of every group the config manages"
            )
        want = wanted_members(wanted, self.people, self.warnings) - self.blocked
        have = live_members(found, self.people) - self.blocked
        added = sorted_refs(self.people.added(t) for t in want - have)
        removed = sorted_refs(
            r for r in map(self.people.removed, have - want) if r.id not in self.destroyed_users
        )
        fields = group_fields(wanted, found)
        if not (fields or added or removed):
            return []
        reasons = [update_reason(fields, "displayName", False)] if fields else []
        reasons += ["members differ"] if added or removed else []
        change = Change(
            kind=Kind.GROUP,
            key=wanted.display_name,
            action=Action.UPDATE,
            reason="; ".join(reasons),
            id=found.id,
            before=group_attributes(found),
            after=group_attributes(wanted),
            fields=tuple(fields),
            members_added=added,
            members_removed=removed,
            members_unchanged=len(want & have),
        )
        return [change]


def _named(names: list[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda n: (folded(n), n))[:NAMED_LEFT_ALONE])


def _delete(kind: Kind, key: str, id: str | None, before: dict[str, Value]) -> Change:
    return Change(
        kind=kind, key=key, action=Action.DELETE, reason="not in the config", id=id, before=before
    )
