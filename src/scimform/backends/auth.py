"""The SCIM token: resolved from its reference and sent as a bearer token, never shown.

The config names where the token is (`env:NAME` or `file:PATH`), never the token itself.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from pathlib import Path

import httpx

from scimform.errors import TargetError

# What a bearer token may hold (RFC 6750's b64token, and more: any visible ASCII). A second
# line, a space inside, a control or a non-ASCII character means the wrong file or a paste
# gone wrong; sent, it would fail far from here (httpx refuses the header, retries follow).
_TOKEN = re.compile(r"[\x21-\x7e]+")


class BearerToken(httpx.Auth):
    """Sends `Authorization: Bearer <token>`; its repr hides the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"


def resolve_token(reference: str, config_root: Path, environ: Mapping[str, str]) -> str:
    """The token a reference names: `env:NAME` reads the environment variable NAME,
    `file:PATH` the file PATH (relative to the config directory), surrounding whitespace
    removed. A TargetError (which never quotes the token) when it cannot be had."""
    scheme, _, name = reference.partition(":")
    if scheme == "env" and name:
        token = environ.get(name, "").strip()
        if not token:
            raise TargetError(
                f"target.token in scimform.yaml names the environment variable {name}, "
                "which is not set or empty; export the SCIM token in it"
            )
        return _checked(token, f"the environment variable {name}")
    if scheme == "file" and name:
        return _token_file(config_root / Path(name).expanduser())
    # The reference is never quoted: what was given may be the token itself.
    raise TargetError(
        "target.token in scimform.yaml is neither env:NAME nor file:PATH; write env:NAME or "
        "file:PATH (never the token itself)"
    )


def _token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise TargetError(
            f"cannot read the SCIM token file {path} named by target.token in scimform.yaml "
            f"({reason})"
        ) from None
    if not token:
        raise TargetError(f"the SCIM token file {path} named by target.token is empty")
    return _checked(token, f"the SCIM token file {path}")


def _checked(token: str, where: str) -> str:
    """The token, if every character is one a token can have; never quoted otherwise."""
    if _TOKEN.fullmatch(token):
        return token
    lines = len(token.splitlines())
    what = f"{lines} lines" if lines > 1 else "a space, a control or a non-ASCII character"
    raise TargetError(
        f"the token has characters a token cannot have: {where} (named by target.token) "
        f"holds {what}; put the SCIM token alone in it, on one line"
    )
