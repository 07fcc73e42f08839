"""SCIMFORM_TOKENS: several targets' tokens in one variable, for CI.

A config with several targets names each target's token as `env:NAME`. A GitHub workflow
can only set the variables it names in advance, so the reusable workflows take all the
tokens in one secret, one `NAME=TOKEN` per line, and scimform reads each `env:NAME` from
it when NAME itself is not set:

    SCIM_TOKEN_SANDBOX=...
    SCIM_TOKEN_PRODUCTION=...

Names must start with SCIM_TOKEN (so the map cannot set anything else), blank lines and
lines starting with # are skipped. A malformed line is an error that names its line
number, never its text (it may hold a token).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from scimform.errors import TargetError

TOKENS_VARIABLE = "SCIMFORM_TOKENS"
_LINE = re.compile(r"^(SCIM_TOKEN[A-Z0-9_]*)=(\S+)$")


def with_token_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with each NAME of SCIMFORM_TOKENS added, where NAME is not set already."""
    out = dict(environ)
    for name, token in token_variables(environ.get(TOKENS_VARIABLE, "")).items():
        if not out.get(name):
            out[name] = token
    return out


def token_variables(text: str) -> dict[str, str]:
    """The NAME=TOKEN lines of `text`; TargetError at the first malformed one."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise TargetError(
                f"line {number} of {TOKENS_VARIABLE} is not NAME=TOKEN with a NAME that starts "
                "with SCIM_TOKEN (letters, digits and _) and a token without spaces"
            )
        found[match.group(1)] = match.group(2)
    return found
