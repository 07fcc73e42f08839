"""SCIM access tokens and the automatic provisioning switch, under the AWS console's rules.

At most two tokens exist at a time, each valid for one year. A token's secret is shown once,
when it is made, and kept only as a SHA-256 digest. Provisioning can be disabled only after
every token is deleted. Functions take an open connection; `Store` owns the transactions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scimform.errors import NotFound, StoreError, TokenLimit
from scimform.model import MAX_TOKENS, TOKEN_VALIDITY
from scimform.store.schema import set_setting, setting

# last_used is written at most this often, so that authenticating stays a read.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# 412 random bytes are 550 characters of base64url, as long as AWS's own tokens.
_SECRET_BYTES = 412
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,127}$")


@dataclass(frozen=True)
class TokenInfo:
    """What the console shows of a token; never its secret."""

    id: str
    created: datetime
    expires: datetime
    last_used: datetime | None


@dataclass(frozen=True)
class Provisioning:
    """Whether automatic provisioning is on, and the tenant id in the SCIM endpoint."""

    enabled: bool
    tenant_id: str


def utc(now: datetime | None) -> datetime:
    """`now` in UTC to the second (the current time when None; naive means UTC)."""
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _info(row: Sequence[Any]) -> TokenInfo:
    token_id, created, expires, last_used = row
    return TokenInfo(
        id=token_id,
        created=datetime.fromisoformat(created),
        expires=datetime.fromisoformat(expires),
        last_used=datetime.fromisoformat(last_used) if last_used else None,
    )


def provisioning(conn: sqlite3.Connection) -> Provisioning:
    """The provisioning switch and the tenant id."""
    return Provisioning(setting(conn, "provisioning") == "on", setting(conn, "tenant_id"))


def set_tenant(conn: sqlite3.Connection, tenant_id: str) -> None:
    """Serve the store under another tenant id (letters, digits and hyphens, as AWS's)."""
    if not _TENANT.match(tenant_id):
        raise StoreError(
            f"tenant id {tenant_id!r} is not valid: use letters, digits and hyphens "
            "(up to 128 characters, starting with a letter or digit)"
        )
    set_setting(conn, "tenant_id", tenant_id)


def list_tokens(conn: sqlite3.Connection) -> list[TokenInfo]:
    """Every token, oldest first (in order of creation)."""
    rows = conn.execute(
        "SELECT id, created, expires, last_used FROM tokens ORDER BY created, rowid"
    )
    return [_info(row) for row in rows]


def create_token(conn: sqlite3.Connection, now: datetime | None) -> tuple[TokenInfo, str]:
    """A new token and its secret, which is not kept and cannot be shown again."""
    if not provisioning(conn).enabled:
        raise StoreError(
            "automatic provisioning is disabled; enable it first (scimform server enable)"
        )
    existing = list_tokens(conn)
    if len(existing) >= MAX_TOKENS:
        ids = ", ".join(t.id for t in existing)
        raise TokenLimit(
            f"the store already has {MAX_TOKENS} access tokens, the most allowed ({ids}); "
            "delete one first (scimform server token delete ID)"
        )
    created = utc(now)
    info = TokenInfo(str(uuid.uuid4()), created, created + TOKEN_VALIDITY, None)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    conn.execute(
        "INSERT INTO tokens (id, digest, created, expires) VALUES (?, ?, ?, ?)",
        (info.id, _digest(secret), info.created.isoformat(), info.expires.isoformat()),
    )
    return info, secret


def delete_token(conn: sqlite3.Connection, token_id: str) -> None:
    """Delete a token; clients using it are refused from now on."""
    if conn.execute("DELETE FROM tokens WHERE id = ?", (token_id,)).rowcount == 0:
        raise NotFound(f"no access token with id {token_id!r} (see scimform server token list)")


def enable(
    conn: sqlite3.Connection, now: datetime | None, *, first_token: bool = True
) -> tuple[TokenInfo, str] | None:
    """Turn provisioning on; the first token and its secret when `first_token` and no token
    exists yet. Without `first_token` (a `local:` target, which is served no token), the
    first token is made later, by `scimform server enable`."""
    set_setting(conn, "provisioning", "on")
    if not first_token or list_tokens(conn):
        return None
    return create_token(conn, now)


def disable(conn: sqlite3.Connection) -> None:
    """Turn provisioning off; refused while any token exists, as the console does."""
    tokens = list_tokens(conn)
    if tokens:
        ids = ", ".join(t.id for t in tokens)
        raise StoreError(
            f"automatic provisioning cannot be disabled while access tokens exist; delete "
            f"them first (scimform server token delete ID): {ids}"
        )
    set_setting(conn, "provisioning", "off")


def check(
    conn: sqlite3.Connection, secret: str, now: datetime | None
) -> tuple[TokenInfo | None, str]:
    """The token a secret belongs to, if it may be used now, and the reason when not."""
    if not provisioning(conn).enabled:
        return None, "automatic provisioning is disabled"
    wanted = _digest(secret)
    rows = conn.execute("SELECT id, created, expires, last_used, digest FROM tokens").fetchall()
    # Compare every digest, in constant time, so timing says nothing about which matched.
    matched = [row for row in rows if hmac.compare_digest(bytes(row[4]), wanted)]
    if not matched:
        return None, "the access token is not known (wrong, or deleted)"
    info = _info(matched[0][:4])
    if utc(now) >= info.expires:
        return None, f"the access token {info.id} expired on {info.expires.date()}"
    return info, "ok"


def needs_last_used(info: TokenInfo, now: datetime | None) -> bool:
    """Whether last_used is old enough to be written again."""
    return info.last_used is None or utc(now) - info.last_used >= LAST_USED_RESOLUTION


def mark_used(conn: sqlite3.Connection, info: TokenInfo, now: datetime | None) -> TokenInfo:
    """Record that the token was used now."""
    moment = utc(now)
    conn.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (moment.isoformat(), info.id))
    return TokenInfo(info.id, info.created, info.expires, moment)
