"""The token API: what the AWS console does with SCIM access tokens, as a small protocol.

Two targets have one: a `local:` embedded store (`StoreTokenApi`, in process) and a
`scimform serve` with its admin API turned on (`tokens.admin.AdminTokenApi`, over HTTP).
AWS has none: its tokens are managed in the console only.

A new token's secret travels as a `Secret`, whose repr and str hide it, so that a log line,
an error or a traceback that shows one never shows the token.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from scimform.errors import StoreError, TokenApiError
from scimform.store import Store, TokenInfo


class Secret:
    """A token's secret; shown only by `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: hand it to a sink or an Authorization header, nowhere else."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__


class TokenApi(Protocol):
    """The console's token operations on one target."""

    @property
    def label(self) -> str:
        """The target as it may be shown (never a token or a key)."""
        ...

    def list_tokens(self) -> list[TokenInfo]:
        """Every token, oldest first; TokenApiError when they cannot be read."""
        ...

    def create_token(self) -> tuple[TokenInfo, Secret]:
        """A new token and its secret (shown this once); TokenApiError when refused."""
        ...

    def delete_token(self, token_id: str) -> None:
        """Delete a token; TokenApiError when it cannot be deleted."""
        ...

    def authenticates(self, secret: Secret) -> bool:
        """Whether the target accepts `secret` now (False for a refused token);
        TokenApiError when the check itself fails."""
        ...

    def close(self) -> None:
        """Release the connection or the store."""
        ...


class StoreTokenApi:
    """The token API of an embedded store, used in process (a `local:` target)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def label(self) -> str:
        """The store's file."""
        return f"embedded store {self._store.path}"

    def list_tokens(self) -> list[TokenInfo]:
        """Every token, oldest first."""
        with _translated("listing the tokens"):
            return self._store.list_tokens()

    def create_token(self) -> tuple[TokenInfo, Secret]:
        """A new token, valid one year."""
        with _translated("creating a token"):
            info, secret = self._store.create_token()
        return info, Secret(secret)

    def delete_token(self, token_id: str) -> None:
        """Delete a token by id."""
        with _translated(f"deleting token {token_id}"):
            self._store.delete_token(token_id)

    def authenticates(self, secret: Secret) -> bool:
        """Whether the store accepts the secret, as its SCIM endpoint would."""
        with _translated("checking a token"):
            return self._store.authenticate(secret.reveal()) is not None

    def close(self) -> None:
        """Close the store."""
        self._store.close()


@contextmanager
def _translated(doing: str) -> Iterator[None]:
    """Turns a StoreError into a TokenApiError that says what was being done."""
    try:
        yield
    except StoreError as exc:
        raise TokenApiError(f"{doing} failed: {exc}") from None
