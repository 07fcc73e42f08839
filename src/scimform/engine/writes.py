"""What each apply step sends to the live store: one step, one SCIM write (a second when a
create adopts an existing object that differs from the config), after a lookup when a
manager's id is not known yet.

User creates are POSTs of `wire.user_to_scim`, updates PUTs of the whole user; group
creates are POSTs, renames PATCH replace on `displayName`, members PATCH add or remove of
at most 100 values; deletes are DELETEs. A member list is never replaced.

Users and groups a plan creates get their SCIM ids only when they are created, so member
and manager references are resolved here, as the apply goes, through `Ids`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from scimform.engine.changes import Action, Change, MemberRef, Value, user_from_attributes
from scimform.engine.keys import Key, Kind
from scimform.engine.match import R, group_names, same_identity, user_names
from scimform.engine.order import Step
from scimform.engine.result import Outcome, StepResult
from scimform.errors import ChangeFailed, MissingId, ScimformError
from scimform.model import Group, LiveState, User
from scimform.wire import (
    group_from_scim,
    group_to_scim,
    manager_id_of,
    user_from_scim,
    user_to_scim,
)


class CreatedObject(Protocol):
    """What a create answers: the stored document, and whether an existing one was adopted."""

    @property
    def doc(self) -> dict[str, Any]: ...

    @property
    def adopted(self) -> bool: ...


class WriteBackend(Protocol):
    """The writes (and the one lookup) apply needs from a backend."""

    def find_user(
        self, *, user_name: str | None = None, external_id: str | None = None
    ) -> dict[str, Any] | None: ...
    def create_user(self, doc: dict[str, Any]) -> CreatedObject: ...
    def replace_user(self, user_id: str, doc: dict[str, Any]) -> dict[str, Any]: ...
    def delete_user(self, user_id: str) -> None: ...
    def create_group(self, doc: dict[str, Any]) -> CreatedObject: ...
    def patch_group(self, group_id: str, operations: list[dict[str, Any]]) -> None: ...
    def delete_group(self, group_id: str) -> None: ...


class Ids:
    """SCIM ids by key: of users and groups this apply creates, of the users the plan
    updates (by their desired names), and of live users (by their live names)."""

    def __init__(self, changes: Sequence[Change], live: LiveState | None) -> None:
        self._lock = threading.Lock()
        self._created: dict[Key, str] = {}
        self._desired: dict[Key, str] = {}
        self._live: dict[Key, str] = {}
        for user in live.users if live is not None else ():
            if user.id is not None:
                self._live[Key.user(user.user_name)] = user.id
        for change in changes:
            if change.kind is not Kind.USER or change.id is None:
                continue
            if change.before is not None and isinstance(change.before.get("userName"), str):
                self._live[Key.user(str(change.before["userName"]))] = change.id
            if change.action in (Action.UPDATE, Action.DEACTIVATE):
                self._desired[change.ident] = change.id

    def created(self, kind: Kind, key: str, id: str) -> None:
        """Record the id of an object this apply created."""
        with self._lock:
            self._created[Key(kind, key)] = id

    def created_id(self, kind: Kind, key: str) -> str | None:
        """The id of an object this apply created, if it was."""
        with self._lock:
            return self._created.get(Key(kind, key))

    def desired_user(self, user_name: str) -> str | None:
        """The id of the user the config calls `user_name`, when known without a request."""
        key = Key.user(user_name)
        return (
            self.created_id(Kind.USER, user_name) or self._desired.get(key) or self._live.get(key)
        )

    def live_user(self, user_name: str) -> str | None:
        """The id of the user the live store calls `user_name`, when known."""
        return self._live.get(Key.user(user_name))


class StepWriter:
    """Carries out single steps against a backend; never raises for a refused change."""

    def __init__(self, backend: WriteBackend, ids: Ids) -> None:
        self._backend = backend
        self._ids = ids

    def run(self, step: Step) -> StepResult:
        """Send the step's request(s); the outcome says whether the store took them."""
        try:
            outcome, id = self._send(step)
        except ScimformError as exc:
            status = exc.status if isinstance(exc, ChangeFailed) else None
            return step_result(
                step, Outcome.FAILED, target_id(step), detail=str(exc), status=status
            )
        return step_result(step, outcome, id, member_refs=self._resolved(step.members))

    def _resolved(self, members: tuple[MemberRef, ...]) -> tuple[MemberRef, ...]:
        """Members with the ids this apply gave the users it created."""
        return tuple(
            m if m.id else MemberRef(m.user_name, self._ids.created_id(Kind.USER, m.user_name))
            for m in members
        )

    def _send(self, step: Step) -> tuple[Outcome, str | None]:
        change = step.change
        if step.action is Action.DELETE:
            return Outcome.DONE, self._delete(change)
        if step.action is Action.CREATE:
            if change.kind is Kind.USER:
                return self._create_user(change)
            return self._create_group(change)
        if step.action in (Action.ADD_MEMBERS, Action.REMOVE_MEMBERS):
            return Outcome.DONE, self._members(step)
        if change.kind is Kind.USER:
            return Outcome.DONE, self._update_user(change)
        return Outcome.DONE, self._rename_group(change)

    # --- users -----------------------------------------------------------------------------

    def _create_user(self, change: Change) -> tuple[Outcome, str]:
        user = user_from_attributes(change.after or {})
        manager_id = self._desired_manager(user.manager)
        doc = user_to_scim(user, manager_id)
        created = self._backend.create_user(doc)
        new_id = str(created.doc["id"])
        if created.adopted:
            _check_adoptable(user, user_from_scim(created.doc), user_names, new_id)
        self._ids.created(Kind.USER, change.key, new_id)
        if not created.adopted:
            return Outcome.DONE, new_id
        stored = replace(user_from_scim(created.doc), id=None)
        if stored != replace(user, manager=None) or manager_id_of(created.doc) != manager_id:
            self._backend.replace_user(new_id, doc)
        return Outcome.ADOPTED, new_id

    def _update_user(self, change: Change) -> str:
        user_id = _require(change.id, change)
        user = user_from_attributes(change.after or {})
        if any(f.name == "manager" for f in change.fields):
            manager_id = self._desired_manager(user.manager)
        else:
            # The manager is not part of this change (the same person, or a name nobody
            # has): a PUT replaces the whole user, so it must carry the live manager on.
            manager_id = self._live_manager((change.before or {}).get("manager"))
        self._backend.replace_user(user_id, user_to_scim(user, manager_id))
        return user_id

    def _desired_manager(self, name: str | None) -> str | None:
        """The manager's id; None (left unset for the next apply) when nobody has the name
        yet, as when a cycle of managers is being created."""
        if name is None:
            return None
        return self._ids.desired_user(name) or self._looked_up(name)

    def _live_manager(self, name: Value) -> str | None:
        if not isinstance(name, str):
            return None
        return self._ids.live_user(name) or self._looked_up(name)

    def _looked_up(self, user_name: str) -> str | None:
        found = self._backend.find_user(user_name=user_name)
        return None if found is None else str(found["id"])

    # --- groups ----------------------------------------------------------------------------

    def _create_group(self, change: Change) -> tuple[Outcome, str]:
        after = change.after or {}
        group = Group(
            display_name=str(after["displayName"]), external_id=_text(after, "externalId")
        )
        created = self._backend.create_group(group_to_scim(group))
        new_id = str(created.doc["id"])
        if created.adopted:
            _check_adoptable(group, group_from_scim(created.doc), group_names, new_id)
        self._ids.created(Kind.GROUP, change.key, new_id)
        if not created.adopted:
            return Outcome.DONE, new_id
        wanted = {"displayName": group.display_name, "externalId": group.external_id}
        operations = _attribute_operations(
            (name, value) for name, value in wanted.items() if created.doc.get(name) != value
        )
        if operations:
            self._backend.patch_group(new_id, operations)
        return Outcome.ADOPTED, new_id

    def _rename_group(self, change: Change) -> str:
        group_id = _require(change.id, change)
        operations = _attribute_operations((f.path, f.after) for f in change.fields)
        self._backend.patch_group(group_id, operations)
        return group_id

    def _members(self, step: Step) -> str:
        change = step.change
        group_id = self._group_id(change)
        values = [{"value": self._member_id(m.user_name, m.id)} for m in step.members]
        op = "add" if step.action is Action.ADD_MEMBERS else "remove"
        operation = {"op": op, "path": "members", "value": values}
        self._backend.patch_group(group_id, [operation])
        return group_id

    def _group_id(self, change: Change) -> str:
        if change.creates:
            return _require(self._ids.created_id(Kind.GROUP, change.key), change)
        return _require(change.id, change)

    def _member_id(self, user_name: str, id: str | None) -> str:
        found = id or self._ids.created_id(Kind.USER, user_name)
        if found is None:
            raise MissingId(f'member "{user_name}" has no id: it was not created')
        return found

    def _delete(self, change: Change) -> str:
        target = _require(change.id, change)
        if change.kind is Kind.USER:
            self._backend.delete_user(target)
        else:
            self._backend.delete_group(target)
        return target


def _check_adoptable(
    desired: R, found: R, names: Callable[[R], tuple[str, ...]], found_id: str
) -> None:
    """A create answered 409 may take over the object that holds the name only when it is
    the declared identity (engine.match.same_identity): its id carries AWS permission-set
    assignments, so adopting someone else's would hand one person's access to another."""
    if same_identity(desired, found, names):
        return
    kind = "user" if isinstance(desired, User) else "group"
    raise ChangeFailed(
        f'409: the {kind} "{names(found)[0]}" (id {found_id}, externalId '
        f"{found.external_id or 'none'}) is a different identity from the declared "
        f'{kind} "{names(desired)[0]}" (externalId {desired.external_id or "none"}); it was '
        "not adopted and nothing was changed. Find out who that object belongs to: correct "
        "the config's externalId, or remove or rename the live object, then apply again.",
        409,
        "held by a different identity",
    )


def _attribute_operations(values: Iterable[tuple[str, Value]]) -> list[dict[str, Any]]:
    return [
        {"op": "remove", "path": path}
        if value is None
        else {"op": "replace", "path": path, "value": value}
        for path, value in values
    ]


def _text(values: dict[str, Value], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) else None


def _require(id: str | None, change: Change) -> str:
    if id is None:
        raise MissingId(f'{change.kind.value} "{change.key}" has no id: it was not created')
    return id


def target_id(step: Step) -> str | None:
    """The live id a step acts on; None for a create (the object has no id yet)."""
    return None if step.action is Action.CREATE else step.change.id


def step_result(
    step: Step,
    outcome: Outcome,
    id: str | None,
    *,
    detail: str | None = None,
    status: int | None = None,
    member_refs: tuple[MemberRef, ...] | None = None,
) -> StepResult:
    """The result of `step`: its object, action and members, with `outcome`."""
    return StepResult(
        step_id=step.id,
        kind=step.change.kind,
        key=step.change.key,
        action=step.action,
        outcome=outcome,
        id=id,
        members=len(step.members),
        detail=detail,
        status=status,
        member_refs=step.members if member_refs is None else member_refs,
    )
