"""Several targets' plans, one section each, in text and markdown; a target that could
not be planned shows why in its section. A single-target config never comes here: its
plan renders exactly as it always did."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from scimform.engine.plan import Plan
from scimform.render.markdown import LIMIT, render_markdown

_MARKDOWN_HEAD = "### scimform plan"


@dataclass(frozen=True)
class Section:
    """One target: its name, where it is (a label fit to show), and its plan or the
    error that stopped it."""

    name: str
    label: str
    plan: Plan | None = None
    error: str | None = None


def render_text_sections(sections: Sequence[Section], render: Callable[[Plan], str]) -> str:
    """Each target under a `== target NAME ==` heading, rendered by `render`."""
    parts: list[str] = []
    for section in sections:
        parts.append(f"== target {section.name}: {section.label} ==\n\n")
        if section.plan is not None:
            parts.append(render(section.plan))
        else:
            parts.append(f"Error: {section.error}\n")
        parts.append("\n")
    return "".join(parts)


def render_markdown_sections(
    sections: Sequence[Section], *, limit: int = LIMIT, sensitive: Collection[str] = ()
) -> str:
    """Each target's markdown plan under a heading that names it, sharing the limit."""
    share = max(limit // max(len(sections), 1) - 200, 1_000)
    parts: list[str] = []
    for section in sections:
        heading = f"{_MARKDOWN_HEAD}: target `{section.name}`"
        if section.plan is None:
            parts.append(f"{heading}\n\n**Not planned:** {section.error}\n")
            continue
        text = render_markdown(section.plan, limit=share, sensitive=sensitive)
        parts.append(text.replace(_MARKDOWN_HEAD, heading, 1))
    return "\n".join(parts)
