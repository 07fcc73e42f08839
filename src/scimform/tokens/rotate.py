"""Rotation, AWS's procedure end to end on a target with a token API.

Steps, in order: create the new token; hand it to the sink; verify that the target
accepts it; delete the old token; declare the new token in place of the old one in
`tokens:`. A failed step stops the rotation with the old token still in place, and the
report says which step it was. A new token that was made but not handed over, or not
accepted, is deleted again so that no unknown token lingers. The config file is parsed
before anything happens, so a broken file stops the rotation before the target changes.

If deleting the old token fails, the new one is already in use: it is declared beside
the old one, so that the next plan does not delete it as undeclared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from scimform.config.token_record import TokensFile, declares, record_token
from scimform.errors import ScimformError
from scimform.model import ExpectedToken
from scimform.store import TokenInfo
from scimform.tokens.api import Secret, TokenApi
from scimform.tokens.sinks import Sink


class Step(enum.Enum):
    CREATE = "create the new token"
    HAND_OVER = "hand the new token to the sink"
    VERIFY = "verify that the new token authenticates"
    DELETE_OLD = "delete the old token"
    RECORD = "record the new token in tokens:"


@dataclass(frozen=True)
class Rotation:
    """What a rotation did. `stopped_at` is the step that failed (None when all were
    done) and `problem` why; neither ever holds a secret."""

    old_id: str
    new: TokenInfo | None
    done: tuple[Step, ...]
    stopped_at: Step | None = None
    problem: str | None = None
    new_deleted: bool = False
    recorded_in: Path | None = None

    @property
    def ok(self) -> bool:
        return self.stopped_at is None


def rotate(api: TokenApi, sink: Sink, old: ExpectedToken, tokens_file: TokensFile) -> Rotation:
    """Replace token `old` with a new one through `api`, handing the new secret to `sink`
    and declaring the new token in `tokens_file` in place of the old one."""
    try:
        new, secret = api.create_token()
    except ScimformError as exc:
        return Rotation(old.id, None, (), Step.CREATE, str(exc))
    done: tuple[Step, ...] = (Step.CREATE,)
    try:
        sink.deliver(secret)
    except ScimformError as exc:
        return _undo(api, old.id, new, done, Step.HAND_OVER, str(exc))
    done += (Step.HAND_OVER,)
    problem = _verify(api, secret)
    if problem is not None:
        return _undo(api, old.id, new, done, Step.VERIFY, problem + _sink_note(sink))
    return _finish(api, old, new, (*done, Step.VERIFY), tokens_file)


def _verify(api: TokenApi, secret: Secret) -> str | None:
    try:
        accepted = api.authenticates(secret)
    except ScimformError as exc:
        return str(exc)
    return None if accepted else "the target refused the new token"


def _finish(
    api: TokenApi, old: ExpectedToken, new: TokenInfo, done: tuple[Step, ...], file: TokensFile
) -> Rotation:
    declared = ExpectedToken(new.id, new.created.date(), new.expires.date(), old.used_by)
    try:
        api.delete_token(old.id)
    except ScimformError as exc:
        where = _record(file, declared, None)
        problem = f"{exc}; the new token is in use and declared beside the old one"
        if isinstance(where, str):
            problem += f", but recording it failed too: {where}"
        path = where if isinstance(where, Path) else None
        return Rotation(old.id, new, done, Step.DELETE_OLD, problem, recorded_in=path)
    done += (Step.DELETE_OLD,)
    where = _record(file, declared, old.id if declares(file, old.id) else None)
    if isinstance(where, str):
        return Rotation(old.id, new, done, Step.RECORD, where)
    return Rotation(old.id, new, (*done, Step.RECORD), recorded_in=where)


def _record(file: TokensFile, new: ExpectedToken, replaces: str | None) -> Path | str:
    try:
        return record_token(file, new, replaces)
    except ScimformError as exc:
        return str(exc)


def _undo(
    api: TokenApi, old_id: str, new: TokenInfo, done: tuple[Step, ...], step: Step, problem: str
) -> Rotation:
    """Delete the new token again after a failed step; say so if that fails too."""
    try:
        api.delete_token(new.id)
    except ScimformError as exc:
        problem += f"; deleting the new token {new.id} again failed too ({exc}): delete it"
        return Rotation(old_id, new, done, step, problem)
    return Rotation(old_id, new, done, step, problem, new_deleted=True)


def _sink_note(sink: Sink) -> str:
    return (
        f"; the {sink.label} was given the new token, which is now deleted: put the old "
        "token back there"
    )


def choose_old(
    expected: tuple[ExpectedToken, ...], live: list[TokenInfo], wanted: str | None
) -> ExpectedToken | None:
    """The token to rotate: `wanted` when given; else the declared token that expires
    first; else the only live token (undeclared, dated from the target). None when that
    is ambiguous or `wanted` is unknown."""
    if wanted is not None:
        found = [t for t in expected if t.id == wanted]
        found += [_declared(t) for t in live if t.id == wanted and not found]
        return found[0] if found else None
    if expected:
        return min(expected, key=lambda t: (t.expires, t.id))
    return _declared(live[0]) if len(live) == 1 else None


def _declared(info: TokenInfo) -> ExpectedToken:
    return ExpectedToken(info.id, info.created.date(), info.expires.date())
