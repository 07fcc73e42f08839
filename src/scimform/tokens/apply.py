"""Apply's token operations: the token changes of a plan, carried out after the SCIM
changes, deletes first (a rotation needs a free slot for its new token), then the rotation.

A rotation runs only with a sink, the place its new token goes; without one it is skipped
and the record says how to run it. A rotation that fails at any step leaves the old token
in place (see tokens.rotate). Nothing is started when the apply was stopped. Every
operation ends in an audit `TokenRecord`; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scimform.audit import TokenRecord
from scimform.config.token_record import TokensFile
from scimform.engine.token_plan import TokenChange, TokenPlan
from scimform.errors import ScimformError
from scimform.model import ExpectedToken
from scimform.tokens.api import TokenApi
from scimform.tokens.rotate import Rotation, rotate
from scimform.tokens.sinks import Sink

NO_SINK = (
    "no --token-sink was given, so the rotation did not run: run `scimform apply "
    "--token-sink file:PATH` (or 'command:CMD'), or `scimform tokens rotate`"
)


@dataclass(frozen=True)
class TokenApplyResult:
    """Every token operation's record, and the rotation itself when one ran."""

    records: tuple[TokenRecord, ...] = ()
    rotation: Rotation | None = None

    @property
    def failed(self) -> bool:
        """True when a token operation was tried and did not succeed."""
        return any(r.failed for r in self.records)

    @property
    def rotated(self) -> str | None:
        """The id of the token a successful rotation replaced."""
        return self.rotation.old_id if self.rotation and self.rotation.ok else None


def apply_tokens(
    api: TokenApi | None,
    plan: TokenPlan,
    declared: Sequence[ExpectedToken],
    sink: Sink | None,
    tokens_file: TokensFile | None,
    *,
    stopped: bool = False,
) -> TokenApplyResult:
    """Carry out `plan`'s token changes through `api`; `declared` are the config's tokens
    (the rotated one's `used_by` passes to its successor), `tokens_file` the file that
    declares them, opened before anything was changed."""
    if not plan.changes:
        return TokenApplyResult()
    if stopped or api is None:
        why = "the apply was stopped first" if stopped else "the target has no token API"
        return TokenApplyResult(tuple(_record(c, "not started", why) for c in plan.changes))
    records = [_delete(api, c) for c in plan.deletes]
    change = plan.rotation
    if change is None:
        return TokenApplyResult(tuple(records))
    if sink is None or tokens_file is None:
        return TokenApplyResult((*records, _record(change, "skipped", NO_SINK)))
    rotation = rotate(api, sink, _old(change, declared), tokens_file)
    return TokenApplyResult((*records, _rotation_record(change, rotation)), rotation)


def _delete(api: TokenApi, change: TokenChange) -> TokenRecord:
    # A failed delete is recorded and the other operations go on.
    try:
        api.delete_token(change.token_id)
    except ScimformError as exc:
        return _record(change, "failed", str(exc))
    return _record(change, "done")


def _old(change: TokenChange, declared: Sequence[ExpectedToken]) -> ExpectedToken:
    for token in declared:
        if token.id == change.token_id:
            return token
    # A saved plan may name a token the config no longer declares: its dates will do.
    assert change.created is not None and change.expires is not None
    return ExpectedToken(change.token_id, change.created, change.expires)


def _rotation_record(change: TokenChange, rotation: Rotation) -> TokenRecord:
    new = rotation.new.id if rotation.new is not None else None
    if rotation.ok:
        return _record(change, "done", new_token_id=new)
    assert rotation.stopped_at is not None
    return _record(
        change,
        "failed",
        rotation.problem,
        new_token_id=None if rotation.new_deleted else new,
        stopped_at=rotation.stopped_at.value,
    )


def _record(
    change: TokenChange,
    outcome: str,
    detail: str | None = None,
    *,
    new_token_id: str | None = None,
    stopped_at: str | None = None,
) -> TokenRecord:
    return TokenRecord(
        operation=change.operation.value,
        token_id=change.token_id,
        outcome=outcome,
        new_token_id=new_token_id,
        stopped_at=stopped_at,
        detail=detail,
    )
