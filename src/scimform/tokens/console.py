"""The rotation on AWS, where only the console manages SCIM tokens: the steps to follow,
naming the tokens involved, and the `scimform tokens record` command that declares the
result so that it goes through review.
"""

from __future__ import annotations

from collections.abc import Sequence

from scimform.model import MAX_TOKENS, ExpectedToken


def console_steps(old: ExpectedToken, declared: Sequence[ExpectedToken]) -> list[str]:
    """Numbered steps that replace token `old` by hand in the IAM Identity Center console.
    `declared` is every declared token (the other one may have to go first)."""
    others = [t for t in declared if t.id != old.id]
    used_by = f" (used by {old.used_by})" if old.used_by else ""
    steps = [
        "In the IAM Identity Center console, open Settings; under Identity source, next "
        "to Provisioning, choose View details.",
        f"Under Access tokens, find token {old.id}{used_by}, created {old.created}, "
        f"expiring {old.expires}: it is the one being replaced.",
    ]
    if len(others) + 1 >= MAX_TOKENS:
        names = ", ".join(o.id for o in others)
        steps.append(
            f"AWS allows {MAX_TOKENS} tokens and {names} is the other one, so a new token "
            f"can be made only once one is gone: if nothing uses {names} any more, delete "
            "it first (Delete, type DELETE, confirm) and remove it from tokens:."
        )
    steps += [
        "Choose Generate new token, then Show token. Copy it straight into the secret "
        "store its clients read (for GitHub Actions: gh secret set SCIM_TOKEN), never "
        "into a file under version control. Note the new token's id.",
        "Test the new token: run scimform plan with it; the plan must read the live "
        "store, not stop with 'the SCIM token was refused'.",
        f"Delete the old token {old.id}: choose Delete next to it, type DELETE, confirm.",
        "Declare the new token and open a pull request with the change: scimform tokens "
        f"record --id NEW_ID --created YYYY-MM-DD --replaces {old.id}"
        + (f" --used-by {old.used_by}" if old.used_by else ""),
    ]
    return [f"{n}. {step}" for n, step in enumerate(steps, 1)]
