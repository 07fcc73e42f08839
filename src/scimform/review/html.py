"""The review pack as one self-contained HTML page: no external assets, every table
readable without JavaScript, a print stylesheet; a small inline script adds sorting (click
a column heading) and a filter box above each table."""

from __future__ import annotations

from html import escape

from scimform.history.access import Membership, Moment, stamp
from scimform.history.wording import describe
from scimform.review.attribution import Attributed
from scimform.review.pack import Pack, group_periods
from scimform.review.tables import (
    CHANGE_HEADER,
    DRIFT_HEADER,
    STEP_HEADER,
    Row,
    change_row,
    drift_row,
    step_rows,
    when,
)

_CHANGE_COLUMNS = ["landed", "pr", "author", "change", "approvers", "merged_by", "applied",
                   "apply_outcome", "flags", "authored", "landed_commit"]  # fmt: skip
_STEP_COLUMNS = ["started", "actor", "pull_requests", "approvers", "outcome", "step_time",
                 "action", "kind", "key", "step_outcome", "members", "flags"]  # fmt: skip

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}td.num{text-align:right}
.flag{color:#a00;font-weight:bold}.added{color:#060}.removed{color:#a00;text-decoration:line-through}
.note{background:#fff6d5;border:1px solid #e0c060;padding:.5em}
.muted{color:#555}input.filter{margin:.25em 0;padding:.2em;width:20em}
th.sortable{cursor:pointer}
@media print{body{margin:0;font-size:10px}input.filter{display:none}
h2{page-break-after:avoid}tr{page-break-inside:avoid}a{color:#000;text-decoration:none}
th{background:#ddd !important;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

_SCRIPT = """
document.querySelectorAll('table.data').forEach(function(table){
  var box=document.createElement('input');box.className='filter';box.type='search';
  box.placeholder='Filter rows';box.setAttribute('aria-label','Filter rows');
  table.parentNode.insertBefore(box,table);
  box.addEventListener('input',function(){var q=box.value.toLowerCase();
    table.querySelectorAll('tbody tr').forEach(function(tr){
      tr.style.display=tr.textContent.toLowerCase().indexOf(q)<0?'none':'';});});
  table.querySelectorAll('th').forEach(function(th,i){th.className+=' sortable';
    th.title='Sort';th.addEventListener('click',function(){
      var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      var up=th.getAttribute('data-up')!=='1';th.setAttribute('data-up',up?'1':'0');
      rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;
        return (up?1:-1)*x.localeCompare(y,undefined,{numeric:true});});
      rows.forEach(function(r){body.appendChild(r);});});});
});
"""


def render(pack: Pack) -> str:
    """The whole page."""
    title = f"Access review {pack.directory}: {when(pack.start)} to {when(pack.end)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _summary(pack),
        _flags(pack),
        _groups(pack),
        _changes(pack),
        _applies(pack),
        _drift(pack),
        _members("Members at the start", pack.at_start, pack.members_start, "members-start"),
        _members("Members at the end", pack.at_end, pack.members_end, "members-end"),
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _summary(pack: Pack) -> str:
    trail = pack.trail
    if trail is None:
        audit = ("no audit log was given or found: approvals and apply times are not "
                 "known for these changes")  # fmt: skip
    elif trail.intact:
        audit = f"{escape(trail.path)}: the hash chain is intact (head {trail.head})"
    else:
        audit = (f'<span class="flag">{escape(trail.path)}: the hash chain is BROKEN</span>: '
                 + "; ".join(escape(b) for b in trail.breaks))  # fmt: skip
    rows = [
        ("Config directory", escape(pack.directory)),
        ("Period (UTC)", f"{when(pack.start)} to {when(pack.end)}"),
        ("Changes that landed", str(len(pack.changes))),
        ("Flagged changes", str(len(pack.flagged))),
        ("Applies run", str(len(pack.applies))),
        ("Audit trail", audit),
        ("Drift incidents", "no drift log" if pack.drift is None else str(len(pack.drift))),
        ("Generated", when(pack.generated)),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<h2 id="summary">Summary</h2><table class="summary">{body}</table>'


def _flags(pack: Pack) -> str:
    items = [
        f'<li><span class="flag">{escape("; ".join(c.flags))}</span>: '
        f"{escape(_change_line(c.entry.landed.date().isoformat(), c))}</li>"
        for c in pack.flagged
    ]
    for apply in pack.applies:
        if not apply.begin.pull_requests:
            items.append(
                f'<li><span class="flag">applied without review</span>: apply '
                f"{escape(apply.begin.apply_id[:8])} by {escape(apply.actor)} at "
                f"{when(apply.time)} carried no pull request ({len(apply.steps)} steps)</li>"
            )
    listed = "".join(items) or "<li>Nothing flagged.</li>"
    return f'<h2 id="flags">Flags</h2><ul class="flags">{listed}</ul>'


def _change_line(day: str, item: Attributed) -> str:
    entry = item.entry
    pr = f"#{entry.pr}" if entry.pr is not None else "no pull request"
    return f"{day} {pr} by {entry.commit.author}: {describe(entry.event)}"


def _groups(pack: Pack) -> str:
    rows = [
        [g.name, str(len(g.start)), ", ".join(g.start), str(len(g.end)), ", ".join(g.end),
         ", ".join(g.joined), ", ".join(g.left)]
        for g in group_periods(pack)
    ]  # fmt: skip
    header = ["group", "members at start", "at start", "members at end", "at end", "joined",
              "left"]  # fmt: skip
    return '<h2 id="groups">Groups: members at the start and at the end</h2>' + _table(
        header, rows, "groups"
    )


def _changes(pack: Pack) -> str:
    columns = [CHANGE_HEADER.index(c) for c in _CHANGE_COLUMNS]
    rows = [[change_row(c)[i] for i in columns] for c in pack.changes]
    return '<h2 id="changes">Changes that landed in the period, by landing date</h2>' + _table(
        _CHANGE_COLUMNS, rows, "changes"
    )


def _applies(pack: Pack) -> str:
    columns = [STEP_HEADER.index(c) for c in _STEP_COLUMNS]
    rows = [[r[i] for i in columns] for a in pack.applies for r in step_rows(a)]
    return '<h2 id="applies">Applies run in the period, step by step</h2>' + _table(
        _STEP_COLUMNS, rows, "applies"
    )


def _drift(pack: Pack) -> str:
    if pack.drift is None:
        return (
            '<h2 id="drift">Drift incidents</h2><p class="note">Drift is not recorded yet: '
            "no drift log was given or found (the drift workflow keeps drift.jsonl beside "
            "the audit log on the audit-log branch; pass it with --drift). This pack shows "
            "changes made through git and applies made through scimform; a change made "
            "directly in the store does not appear here.</p>"
        )
    rows = [drift_row(i, pack.end) for i in pack.drift]
    intro = (
        f'<p class="muted">From the drift log {escape(pack.drift_path or "")}: every item '
        "the nightly drift check found differing between the live store and the config, "
        "from when it was first seen to when it was last seen or found resolved. The "
        "config ahead of the store was merged and not yet applied; anything else changed "
        "in the store outside git.</p>"
    )
    return '<h2 id="drift">Drift incidents</h2>' + intro + _table(DRIFT_HEADER, rows, "drift")


def _members(title: str, moment: Moment, members: list[Membership], key: str) -> str:
    if moment.commit is None:
        source = "nothing had landed yet"
    else:
        source = (f"the config as of commit {moment.commit.sha[:7]}, landed "
                  f"{when(stamp(moment.commit))}")  # fmt: skip
    skipped = "".join(
        f"<br>the config at {c.sha[:7]} does not load ({escape(p)}): an earlier commit is shown"
        for c, p in moment.skipped
    )
    rows = [[m.group, m.user_name, m.display_name or "", m.email or ""] for m in members]
    return (
        f'<h2 id="{key}">{escape(title)}</h2><p class="muted">{escape(source)}{skipped}</p>'
        + _table(["group", "userName", "displayName", "email"], rows, key)
    )


def _table(header: list[str], rows: list[Row], key: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(header[i], v)}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(header)}">None.</td></tr>'
    return (
        f'<table class="data" id="{key}-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _cell(column: str, value: str) -> str:
    if column == "landed_commit":  # the CSV files keep the full sha
        return f'<span title="{escape(value)}">{escape(value[:10])}</span>'
    if column == "flags" and value:
        return f'<span class="flag">{escape(value)}</span>'
    return escape(value)
