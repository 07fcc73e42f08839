"""The workflows' side of several targets: the operator's URL for each target, the reviewed
facts of a document of plans, and its pull-request comment with one section per target.

The operator's `target-url` input is a URL (one target) or, for several, one `NAME=URL`
per line. The facts of a target's plan carry its name (`["target:production", ...]`), so
that a change reviewed for sandbox does not vouch for the same change in production, and
an apply of one target checks only its own facts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping

from scimform.ci.comment import LIMIT, SUMMARY_LIMIT, Where, plan_marker
from scimform.ci.facts import plan_facts
from scimform.engine.plan import Plan
from scimform.engine.plan_set import PlanSet, rolled_up_exit
from scimform.errors import ScimformError
from scimform.render.targets import Section, render_markdown_sections

TARGET_PREFIX = "target:"
_SHORT = 12


def operator_urls(text: str, names: Collection[str]) -> dict[str, str]:
    """Each target's URL from the `target-url` input: one URL for a single target, else
    a `NAME=URL` line for each of `names`. A ScimformError says what is missing."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and "=" not in lines[0].split("://", 1)[0]:
        if len(names) != 1:
            raise ScimformError(
                "target-url holds one URL, but the config has several targets: give one "
                "NAME=URL line per target (" + ", ".join(names) + ")"
            )
        return {next(iter(names)): lines[0]}
    urls: dict[str, str] = {}
    for line in lines:
        name, sep, url = line.partition("=")
        if not sep:
            raise ScimformError(f"target-url: {line!r} is not NAME=URL")
        urls[name.strip()] = url.strip()
    missing = [n for n in names if n not in urls]
    if missing:
        raise ScimformError(
            "target-url names no URL for target " + ", ".join(missing) + ": add a NAME=URL "
            "line for each target the workflow plans or applies"
        )
    return urls


def set_facts(plans: PlanSet) -> list[str]:
    """Every fact of every target's plan, each tagged with its target; sorted."""
    return sorted(
        tag(name, fact) for name, plan in plans.targets.items() for fact in plan_facts(plan)
    )


def tag(target: str, fact: str) -> str:
    """The fact as a fact of `target`'s plan."""
    parts = json.loads(fact)
    return json.dumps(
        [TARGET_PREFIX + target, *parts], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def set_hash(plans: PlanSet) -> str:
    """One hash for the document: over each target's name and plan hash."""
    lines = "".join(f"{name} {plan.hash}\n" for name, plan in plans.targets.items())
    return hashlib.sha256(lines.encode()).hexdigest()


def set_outputs(plans: PlanSet) -> Mapping[str, str]:
    """The step outputs of `plan_outputs`, rolled up over the targets."""
    every: list[Plan] = list(plans.targets.values())
    changes = any(p.has_changes for p in every)
    return {
        "hash": set_hash(plans),
        "exit-code": str(rolled_up_exit(plans)),
        "has-changes": "true" if changes else "false",
        "safe": "true" if all(p.safety.safe for p in every) else "false",
        "destroys": str(sum(c.destroys for p in every for c in p.changes)),
    }


def set_comment_body(
    plans: PlanSet, where: Where, reviewed_hash: str, sensitive: Collection[str] = ()
) -> str:
    """The plan comment for several targets: the marker, a section per target, the foot."""
    head = (
        plan_marker(where.directory, commit=where.commit, run=where.run_id, reviewed=reviewed_hash)
        + "\n"
    )
    foot = where.foot(f" · plans `{set_hash(plans)[:_SHORT]}`")
    body = render_markdown_sections(
        _sections(plans), limit=LIMIT - len(head) - len(foot), sensitive=sensitive
    )
    return head + body + foot


def set_summary_body(plans: PlanSet, where: Where, sensitive: Collection[str] = ()) -> str:
    """The job summary: every target's plan, up to GitHub's 1 MiB."""
    foot = where.foot(f" · plans `{set_hash(plans)[:_SHORT]}`")
    limit = SUMMARY_LIMIT - len(foot)
    return render_markdown_sections(_sections(plans), limit=limit, sensitive=sensitive) + foot


def _sections(plans: PlanSet) -> list[Section]:
    shown = [Section(name, name, plan) for name, plan in plans.targets.items()]
    return shown + [Section(name, name, error=why) for name, why in plans.errors.items()]
