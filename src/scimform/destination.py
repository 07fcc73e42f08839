"""Where a SCIM token (or an admin key) may be sent: decided by the operator, never by the
YAML alone.

A token is full read-write access to the identity store, so a config edit alone must never
be able to point it somewhere else. It goes only to:
- an AWS SCIM endpoint host: `scim.<region>.amazonaws.com`, `scim.<region>.api.aws`,
  `scim.<region>.amazonaws.com.cn` (China) and GovCloud's `scim.us-gov-<...>.amazonaws.com`;
- this machine (loopback: `localhost`, 127.0.0.0/8, ::1), where `scimform serve` runs;
- a host the operator allows outside the config: `--allow-host HOST` (repeatable) or the
  environment variable SCIMFORM_ALLOWED_HOSTS (hosts separated by commas or spaces).

Everything is checked before a connection is opened. No message here ever quotes a host
that is not one of the above, nor any other part of the URL: a token pasted into
`target.url` must not be printed. Pure functions over strings; no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

ALLOWED_HOSTS_ENV = "SCIMFORM_ALLOWED_HOSTS"
_REGION = r"[a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}"
_AWS_HOST = re.compile(
    rf"scim\.(?:{_REGION}\.amazonaws\.com|{_REGION}\.api\.aws|cn-[a-z]+-\d{{1,2}}\.amazonaws\.com\.cn)"
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALLOW_HINT = (
    "use an AWS SCIM endpoint (https://scim.<region>.amazonaws.com/<tenant>/scim/v2), or "
    "allow the host outside the config: the option --allow-host HOST, or the environment "
    f"variable {ALLOWED_HOSTS_ENV}"
)


class BadDestination(ValueError):
    """A target URL or token reference that must not be used: a stable code, a message that
    quotes nothing secret, and what to do."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}"


@dataclass(frozen=True)
class Endpoint:
    """A well-formed SCIM endpoint URL: scheme, lower-case host, port and path."""

    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def kind(self) -> str:
        """aws, loopback or other."""
        return host_kind(self.host)


def host_kind(host: str) -> str:
    """`aws` for an AWS SCIM endpoint host, `loopback` for this machine, else `other`."""
    host = host.casefold()
    if _AWS_HOST.fullmatch(host):
        return "aws"
    if host == "localhost":
        return "loopback"
    try:
        return "loopback" if ipaddress.ip_address(host.strip("[]")).is_loopback else "other"
    except ValueError:
        return "other"


def allowed_hosts(environ: Mapping[str, str], extra: Iterable[str] = ()) -> frozenset[str]:
    """The hosts the operator allows: SCIMFORM_ALLOWED_HOSTS in `environ`, plus `extra` (the
    --allow-host options), lower-cased."""
    listed = re.split(r"[\s,]+", environ.get(ALLOWED_HOSTS_ENV, ""))
    return frozenset(h.strip().casefold().rstrip(".") for h in [*listed, *extra] if h.strip())


def with_allowed_hosts(environ: Mapping[str, str], hosts: Iterable[str]) -> dict[str, str]:
    """A copy of `environ` whose SCIMFORM_ALLOWED_HOSTS also lists `hosts`: how the CLI's
    --allow-host options reach the code that opens connections."""
    merged = dict(environ)
    joined = ",".join(sorted(allowed_hosts(environ, hosts)))
    if joined:
        merged[ALLOWED_HOSTS_ENV] = joined
    return merged


def parse_endpoint(url: str) -> Endpoint:
    """`url` as an Endpoint; BadDestination (code settings.target-url) when it is not an
    https:// URL (or http:// to this machine) with a valid host and no credentials, query
    or fragment."""
    parts = _split(url)
    host = _host(parts)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _url_error("must not carry credentials (user:password@)")
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        raise _url_error("must not carry a query or a fragment")
    if parts.scheme == "http" and host_kind(host) != "loopback":
        raise BadDestination(
            "settings.target-url",
            "target.url uses http:// for a host that is not this machine: the token would "
            "cross the network in clear text",
            "use https:// (http:// is only for scimform serve on localhost)",
        )
    return Endpoint(parts.scheme, host, _port(parts), parts.path)


def check_destination(endpoint: Endpoint, allowed: Iterable[str]) -> None:
    """BadDestination (code settings.target-host) unless a token may go to `endpoint`."""
    if endpoint.kind != "other" or endpoint.host.rstrip(".") in set(allowed):
        return
    raise BadDestination(
        "settings.target-host",
        "target.url names a host that is not an AWS SCIM endpoint, this machine, or a host "
        "the operator allowed, so no token is sent to it (nothing was sent)",
        _ALLOW_HINT,
    )


def checked_endpoint(url: str, allowed: Iterable[str]) -> Endpoint:
    """parse_endpoint, then check_destination."""
    endpoint = parse_endpoint(url)
    check_destination(endpoint, allowed)
    return endpoint


def check_token_reference(reference: str) -> None:
    """BadDestination (code settings.target-token) unless `reference` is env:NAME with a
    valid variable name or file:PATH. The reference is never quoted: it may be the token."""
    scheme, _, rest = reference.partition(":")
    if scheme == "env" and _ENV_NAME.fullmatch(rest):
        return
    if scheme == "file" and rest.strip():
        return
    raise BadDestination(
        "settings.target-token",
        "target.token is neither env:NAME (a variable name: letters, digits and _) nor file:PATH",
        "write e.g. token: env:SCIM_TOKEN, never the token itself",
    )


def safe_label(url: str, allowed: Iterable[str] = ()) -> str:
    """The endpoint as it may be shown: the URL (without user info, query or fragment) when
    its host is AWS, loopback or allowed; else words that quote nothing of it."""
    try:
        endpoint = parse_endpoint(url)
    except BadDestination:
        return "an invalid target.url"
    if endpoint.kind == "other" and endpoint.host.rstrip(".") not in set(allowed):
        return "a SCIM endpoint on a host that is not allowed (not shown)"
    port = f":{endpoint.port}" if endpoint.port is not None else ""
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{endpoint.scheme}://{host}{port}{endpoint.path}"


def _split(url: str) -> SplitResult:
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise _url_error("is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not text.lower().startswith(parts.scheme + "://"):
        raise BadDestination(
            "settings.target-url",
            "target.url must be local:PATH or an https:// SCIM endpoint URL",
            "e.g. https://scim.us-east-1.amazonaws.com/<tenant>/scim/v2 (http:// only for "
            "scimform serve on this machine)",
        )
    return parts


def _host(parts: SplitResult) -> str:
    try:
        host = parts.hostname or ""
    except ValueError:
        raise _url_error("has an invalid host") from None
    if not host:
        raise _url_error("has no host")
    if host.startswith("[") or ":" in host:
        try:
            ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            raise _url_error("has an invalid host") from None
        return host.strip("[]")
    if not host.isascii():
        raise _url_error("has a host with characters other than ASCII letters, digits, - and .")
    labels = host.rstrip(".").split(".")
    if any(len(label) > 63 for label in labels) or len(host) > 253:
        raise _url_error("has a host name part longer than 63 characters (or a name over 253)")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise _url_error("has an invalid host name")
    return host


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise _url_error("has an invalid port") from None


def _url_error(what: str) -> BadDestination:
    return BadDestination(
        "settings.target-url",
        f"target.url {what}",
        "write the SCIM endpoint URL alone, e.g. https://scim.us-east-1.amazonaws.com/"
        "<tenant>/scim/v2; the token belongs in target.token as env:NAME or file:PATH",
    )
