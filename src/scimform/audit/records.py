"""The audit trail's entries: what one line of the log holds.

An apply is written ahead, as it goes: a `begin` entry before the first write to the live
store, one `step` entry as each step ends (its outcome, its SCIM id, the members it added
or removed by userName and id), a `tokens` entry for the token operations, and an `end`
entry. Every line carries `prev`, the sha256 of the line before it in the file, so an
edit, a deletion or a reordering of lines breaks the chain (see audit.verify).

Entries never hold a token: the target is cleaned of userinfo, query and fragment, and
every secret the writer is given is blanked out of every text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT_VERSION: Literal[2] = 2
GENESIS = "0" * 64  # the `prev` of a log's first line
UNKNOWN_ACTOR = "unknown"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Member(_Frozen):
    """A member a step added or removed: userName and SCIM id (None if it had none yet)."""

    user_name: str
    id: str | None = None


class TokenRecord(_Frozen):
    """One token operation of the apply: `operation` is "delete" or "rotate", `outcome`
    done, failed, skipped or not started; a rotation names the new token's id and the step
    it stopped at. Token ids only, never a secret."""

    operation: str
    token_id: str
    outcome: str
    new_token_id: str | None = None
    stopped_at: str | None = None
    detail: str | None = None

    @property
    def failed(self) -> bool:
        """True when the operation was tried and did not succeed."""
        return self.outcome == "failed"


class PullRequest(_Frozen):
    """A pull request an apply carries out, as the apply workflow read it from GitHub (in
    the job that never holds the SCIM token): number, URL, author, who merged it and when,
    and who approved it."""

    number: int
    url: str | None = None
    title: str | None = None
    author: str | None = None
    merged_by: str | None = None
    merged_at: datetime | None = None
    approvers: tuple[str, ...] = ()


class _Entry(_Frozen):
    format_version: Literal[2] = FORMAT_VERSION
    apply_id: str
    seq: int
    prev: str
    time: datetime

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time needs a timezone (use UTC)")
        return value


class Begin(_Entry):
    """An apply starts: who, from which config commit, against which target, which plan
    (its hash and counts), whether --force overrode the safety thresholds, the context
    the caller adds (a CI run) and the pull requests it carries out, with their
    approvers."""

    type: Literal["begin"] = "begin"
    actor: str
    commit: str | None = None
    config_dirty: bool | None = None
    target: str
    target_name: str | None = None  # with several targets: which one (None: the single)
    plan_hash: str
    forced: bool = False
    summary: dict[str, int] = Field(default_factory=dict)
    context: dict[str, str] = Field(default_factory=dict)
    pull_requests: tuple[PullRequest, ...] = ()

    @property
    def shown_target(self) -> str:
        """The target as reports show it: `production: URL` for one of several."""
        return f"{self.target_name}: {self.target}" if self.target_name else self.target


class Step(_Entry):
    """One step ended: which object, what was done, how it ended, its SCIM id, the members
    it added or removed, and why a step that did not succeed did not."""

    type: Literal["step"] = "step"
    step: str
    kind: str
    key: str
    action: str
    outcome: str
    id: str | None = None
    members: tuple[Member, ...] = ()
    status: int | None = None
    detail: str | None = None


class Tokens(_Entry):
    """The token operations of the apply."""

    type: Literal["tokens"] = "tokens"
    operations: tuple[TokenRecord, ...] = ()


class End(_Entry):
    """The apply ended: whether every step and token operation succeeded, whether it was
    stopped (Ctrl-C, SIGTERM, or by itself) and why, and the steps by outcome."""

    type: Literal["end"] = "end"
    succeeded: bool
    stopped: bool = False
    stop_reason: str | None = None
    outcomes: dict[str, int] = Field(default_factory=dict)


Entry = Annotated[Begin | Step | Tokens | End, Field(discriminator="type")]


def actor_of(github_actor: str | None, os_user: str | None) -> str:
    """Who ran the apply: the GitHub actor in GitHub Actions, else the OS user, else
    "unknown". The caller reads GITHUB_ACTOR and the OS user and passes them in."""
    for name in (github_actor, os_user):
        if name is not None and name.strip():
            return name.strip()
    return UNKNOWN_ACTOR


def target_for_record(url: str) -> str:
    """The target URL fit for a record: no userinfo (a token could hide there), no query
    and no fragment. `local:` targets are paths and are kept as they are."""
    if not url.startswith(("http://", "https://")):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(a target URL that could not be read)"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))
