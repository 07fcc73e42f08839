"""The approval check as markdown: for the job summary, the plan comment and the apply's
refusal. Changes that lack approval first, each with what is missing; the satisfied ones
after, one line each."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scimform.approvals.check import ApprovalCheck
from scimform.approvals.policy import Need, Verdict

_SHOWN = 100  # changes listed per kind; the rest are counted


def approvals_markdown(check: ApprovalCheck, directory: str, heading: str = "###") -> str:
    """The whole report of one pull request's check."""
    lacking = check.unmet
    title = f"{heading} scimform approvals: `{directory}`"
    if not check.verdicts:
        return f"{title}\n\n**Met:** no access changes, nothing to approve.\n"
    if lacking:
        verdict = (
            f"**Not met:** {len(lacking)} of {len(check.verdicts)} access change"
            f"{'' if len(check.verdicts) == 1 else 's'} lack{'s' if len(lacking) == 1 else ''} "
            "approval."
        )
    else:
        count = len(check.verdicts)
        verdict = (
            "**Met:** the access change has its approvals."
            if count == 1
            else f"**Met:** each of the {count} access changes has its approvals."
        )
    parts = [title, "", verdict, "", _who(check), ""]
    if lacking:
        parts += ["**Lacking approval:**", "", *_listed(lacking, _lacking), ""]
    satisfied = [v for v in check.verdicts if v.met]
    if satisfied:
        parts += ["**Approved:**", "", *_listed(satisfied, _satisfied), ""]
    return "\n".join(parts)


def approvals_short(check: ApprovalCheck, directory: str) -> str:
    """One paragraph, for a comment with no room for the whole report."""
    lacking = len(check.unmet)
    state = f"**Not met:** {lacking} access change(s) lack approval" if lacking else "**Met**"
    return (
        f"### scimform approvals: `{directory}`\n\n{state}; the approvals check's job "
        "summary lists each change.\n"
    )


def _who(check: ApprovalCheck) -> str:
    approved = check.approved
    said = [f"Approved on the head commit `{check.head[:12]}` by: {_logins(approved.counted)}."]
    if approved.stale:
        said.append(
            f"Approvals of an earlier commit, which no longer count: {_logins(approved.stale)}."
        )
    if approved.by_author:
        said.append(f"The author's own approval (@{check.author}) never counts.")
    return " ".join(said)


def _logins(logins: Sequence[str]) -> str:
    return ", ".join(f"@{login}" for login in logins) if logins else "nobody"


def _listed(verdicts: list[Verdict], line: Callable[[Verdict], str]) -> list[str]:
    lines = [line(v) for v in verdicts[:_SHOWN]]
    if len(verdicts) > _SHOWN:
        lines.append(f"- … and {len(verdicts) - _SHOWN} more")
    return lines


def _lacking(verdict: Verdict) -> str:
    missing = "; ".join(verdict.missing)
    return f"- `{verdict.change.describe()}`: needs {_need(verdict.need)}. **Missing:** {missing}."


def _satisfied(verdict: Verdict) -> str:
    return f"- `{verdict.change.describe()}`: {_need(verdict.need)}, met."


def _need(need: Need) -> str:
    count = f"{need.approvals} approval{'' if need.approvals == 1 else 's'}"
    if need.approvals == 0:
        count = "no approval"
    owner = f", one by an owner of `{need.group}`" if need.owners else ""
    why = f" ({'; '.join(need.reasons)})" if need.reasons else ""
    return f"{count}{owner}{why}"
