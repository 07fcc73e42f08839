"""The rules for `target:` (and each of `targets:`) in scimform.yaml: the URL a token may
be sent to, and where the token comes from. The same rules scimform.destination applies
before connecting, so that `validate` reports at file:line what `plan` would refuse.

Which hosts the operator allows is not in the config: `validate` passes the allowances it
was given (--allow-host, SCIMFORM_ALLOWED_HOSTS); without them, a host that is neither AWS
nor this machine is an error, as it would be for `plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scimform.config.declared import Finding, Site, error
from scimform.config.schema import TargetSpec
from scimform.destination import (
    BadDestination,
    check_destination,
    check_token_reference,
    parse_endpoint,
)

LOCAL = "local:"


def check_target(
    target: TargetSpec, site: Site, allowed_hosts: Iterable[str] | None
) -> Iterator[Finding]:
    """Findings at the url and token of `target`, written at `site` (the settings file at
    `target`, or at `targets.NAME`). `allowed_hosts` None skips the host check (a caller
    that cannot know the operator's allowances)."""
    if not target.url.startswith(LOCAL):
        try:
            endpoint = parse_endpoint(target.url)
            if allowed_hosts is not None:
                check_destination(endpoint, allowed_hosts)
        except BadDestination as exc:
            yield error(exc.code, _named(exc.message, site), site.at("url"), exc.hint)
    token = target.token
    # Anything but env:/file: is already the schema's error.
    if token is not None and token.startswith(("env:", "file:")):
        try:
            check_token_reference(token)
        except BadDestination as exc:
            yield error(exc.code, _named(exc.message, site), site.at("token"), exc.hint)


def _named(message: str, site: Site) -> str:
    """The message, saying `targets.NAME.url` where a named target's url is meant."""
    if site.path[:1] != ("targets",):
        return message
    prefix = ".".join(str(part) for part in site.path)
    return message.replace("target.url", f"{prefix}.url").replace("target.token", f"{prefix}.token")
