"""The token API of a remote `scimform serve`: its admin HTTP API, over httpx.

The admin API lives at the server's root (`/_admin/v1`), beside the SCIM endpoint
(`/<tenant>/scim/v2`), and wants the admin key as a bearer token; the key is read from a
file, as `serve --admin-key-file` reads it. Creating a token is never retried: a retried
create whose first response was lost would make a second token.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scimform.backends.auth import BearerToken
from scimform.backends.sender import NoResponse, Sender, detail_of
from scimform.backends.target import token_client
from scimform.errors import TargetError, TokenApiError
from scimform.store import TokenInfo
from scimform.tokens import auth
from scimform.tokens.api import Secret

ADMIN_PATH = "/_admin/v1"
SCIM_SUFFIX = "/scim/v2"
READ_RETRIES = 2
MIN_KEY = 16

_Json = TypeVar("_Json", bound=BaseModel)


def read_admin_key(path: Path) -> str:
    """The admin key in `path`, surrounding whitespace removed; TargetError when it cannot
    be read or is too short to be a key."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise TargetError(f"cannot read the admin key file {path} ({reason})") from None
    if len(key) < MIN_KEY:
        raise TargetError(
            f"the admin key file {path} holds no key of at least {MIN_KEY} characters; give "
            "the file that scimform serve was started with (--admin-key-file)"
        )
    return key


def admin_root(scim_url: httpx.URL) -> httpx.URL:
    """The server root of a `scimform serve` SCIM URL (…/<tenant>/scim/v2)."""
    path = scim_url.path.rstrip("/")
    if not path.endswith(SCIM_SUFFIX):
        raise TargetError(
            f"{scim_url} does not look like a scimform serve SCIM endpoint "
            "(http://HOST:PORT/<tenant>/scim/v2), so its admin API cannot be found"
        )
    root = path.removesuffix(SCIM_SUFFIX).rsplit("/", 1)[0]
    return scim_url.copy_with(path=root + ADMIN_PATH, query=None, fragment=None)


class AdminTokenApi:
    """Tokens of a `scimform serve` through its admin API; `transport` is for tests."""

    def __init__(
        self, scim_url: httpx.URL, key: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._scim_url = scim_url
        self._transport = transport
        self._client = token_client(admin_root(scim_url), BearerToken(key), transport=transport)
        self._reads = Sender(self._client, rate_limit=None, retries=READ_RETRIES)
        self._creates = Sender(self._client, rate_limit=None, retries=0)

    @property
    def label(self) -> str:
        """The SCIM endpoint the tokens belong to."""
        return str(self._scim_url)

    def list_tokens(self) -> list[TokenInfo]:
        """Every token, oldest first."""
        doing = "listing the tokens"
        response = self._send(self._reads, "GET", "/tokens", doing, 200)
        return [_info(t) for t in _parse(_ListJson, response, doing).tokens]

    def create_token(self) -> tuple[TokenInfo, Secret]:
        """A new token and its secret."""
        doing = "creating a token"
        made = _parse(_CreatedJson, self._send(self._creates, "POST", "/tokens", doing, 201), doing)
        return _info(made), Secret(made.secret)

    def delete_token(self, token_id: str) -> None:
        """Delete a token by id."""
        path = f"/tokens/{httpx.URL(token_id).raw_path.decode()}"
        self._send(self._reads, "DELETE", path, f"deleting token {token_id}", 204)

    def authenticates(self, secret: Secret) -> bool:
        """A real SCIM request with the secret: accepted (200) or refused (401)."""
        with token_client(
            self._scim_url, BearerToken(secret.reveal()), transport=self._transport
        ) as client:
            try:
                return auth.probe(client) == 200
            except TargetError as exc:
                raise TokenApiError(str(exc)) from None

    def close(self) -> None:
        """Close the connection."""
        self._client.close()

    def __enter__(self) -> AdminTokenApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, sender: Sender, method: str, path: str, doing: str, ok: int) -> httpx.Response:
        try:
            response = sender.send(method, path)
        except NoResponse as exc:
            raise TokenApiError(f"{doing} failed: {exc.reason}") from None
        if response.status_code == ok:
            return response
        raise TokenApiError(f"{doing} failed: {_explain(response)}")


def _explain(response: httpx.Response) -> str:
    status, detail = response.status_code, detail_of(response)
    if status == 401:
        return "401: the admin API refused the admin key; give the key file serve was started with"
    if status == 404 and detail.startswith("no endpoint"):
        return "404: the target has no admin API (start scimform serve with --admin-key-file)"
    return f"{status} {detail}"


class _TokenJson(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    created: datetime
    expires: datetime
    lastUsed: datetime | None = None  # the admin API's name


class _CreatedJson(_TokenJson):
    secret: str = Field(min_length=1, repr=False)


class _ListJson(BaseModel):
    tokens: list[_TokenJson]


def _info(token: _TokenJson) -> TokenInfo:
    return TokenInfo(token.id, token.created, token.expires, token.lastUsed)


def _parse(model: type[_Json], response: httpx.Response, doing: str) -> _Json:
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        raise TokenApiError(
            f"{doing} failed: the admin API's answer is not what it sends"
        ) from None
