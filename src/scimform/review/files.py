"""Writing the review pack: CSV files and one HTML page in a directory."""

from __future__ import annotations

from pathlib import Path

from scimform.errors import ScimformError
from scimform.review.html import render
from scimform.review.pack import GroupPeriod, Pack, group_periods
from scimform.review.tables import (
    CHANGE_HEADER,
    DRIFT_HEADER,
    MEMBER_HEADER,
    STEP_HEADER,
    change_row,
    csv_text,
    drift_row,
    member_rows,
    step_rows,
)

PAGE = "review.html"
GROUP_HEADER = ["group", "members_at_start", "members_at_end", "joined", "left"]


def group_row(group: GroupPeriod) -> list[str]:
    """A group over the period; names separated by spaces."""
    return [group.name, *(" ".join(names) for names in
                          (group.start, group.end, group.joined, group.left))]  # fmt: skip


def pack_files(pack: Pack) -> dict[str, str]:
    """Each file of the pack by name, with its text (drift.csv when a drift log was read)."""
    files = {
        "members-start.csv": csv_text(MEMBER_HEADER, member_rows(pack.members_start)),
        "members-end.csv": csv_text(MEMBER_HEADER, member_rows(pack.members_end)),
        "groups.csv": csv_text(GROUP_HEADER, map(group_row, group_periods(pack))),
        "changes.csv": csv_text(CHANGE_HEADER, map(change_row, pack.changes)),
        "flags.csv": csv_text(CHANGE_HEADER, map(change_row, pack.flagged)),
        "applies.csv": csv_text(STEP_HEADER, [r for a in pack.applies for r in step_rows(a)]),
        PAGE: render(pack),
    }
    if pack.drift is not None:
        files["drift.csv"] = csv_text(DRIFT_HEADER, [drift_row(i, pack.end) for i in pack.drift])
    return files


def write_pack(pack: Pack, out: Path) -> list[Path]:
    """Write the pack under `out` (made if needed); the paths written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in pack_files(pack).items():
            path = out / name
            path.write_text(text, encoding="utf-8", newline="")
            written.append(path)
    except OSError as exc:
        raise ScimformError(
            f"cannot write the review pack to {out}: {exc.strerror or exc}; give a "
            "writable directory (--out)"
        ) from None
    return written
