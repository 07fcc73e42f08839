"""The approvals section of the plan comment: right under the comment's marker line, between
two hidden markers of its own, so that a later check (a review submitted or dismissed)
replaces it in place without the plan being made again."""

from __future__ import annotations

import re

START = "<!-- scimform-approvals -->"
END = "<!-- /scimform-approvals -->"
# GitHub refuses comments over 65,536 characters.
MAX_COMMENT = 65_500
_SECTION = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.S)


def with_section(body: str, section: str, short: str) -> str:
    """`body` with its approvals section (if any) replaced by `section`, placed after the
    marker line; `short` instead when the whole would be too long for GitHub."""
    rest = _SECTION.sub("", body)
    marker, newline, plan = rest.partition("\n")
    for text in (section, short):
        block = f"{START}\n{text.rstrip()}\n{END}\n"
        combined = f"{marker}{newline}{block}{plan}" if newline else f"{marker}\n{block}"
        if len(combined) <= MAX_COMMENT:
            return combined
    return rest


def section_of(body: str) -> str | None:
    """The approvals section in a comment body, or None."""
    found = _SECTION.search(body)
    return None if found is None else found.group(0)
