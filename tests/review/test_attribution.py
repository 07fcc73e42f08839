"""attribute: a change joined with the apply that carried it out and the pull request's
approvers, and its flags, on audit records built here."""

from __future__ import annotations

from datetime import datetime

from scimform.audit import ApplyRecord, Begin, End, Member, PullRequest, Step
from scimform.history.changes import Event
from scimform.history.git import Commit
from scimform.history.timeline import Entry
from scimform.review.attribution import DIRECT_PUSH, SELF_GRANTED, UNREVIEWED, attribute
from scimform.review.tables import csv_text

GRANT = Event("group", "admins", "member-added", member="alice@corp.example")


def _commit(sha: str, author: str, email: str, day: str, subject: str) -> Commit:
    stamp = f"{day}T09:00:00+00:00"
    return Commit(sha * 40, (), author, email, stamp, subject, stamp)


def _apply(
    commit: str, day: str, pulls: tuple[PullRequest, ...], *steps: tuple[str, str]
) -> ApplyRecord:
    time = datetime.fromisoformat(f"{day}T12:00:00+00:00")
    base = {"apply_id": f"apply-{commit}", "prev": "0" * 64, "time": time}
    begin = Begin(seq=0, actor="deploy-bot", commit=commit * 40, target="local:x",
                  plan_hash="f" * 64, pull_requests=pulls, **base)  # fmt: skip
    recorded = [
        Step(seq=n + 1, step=f"s{n}", kind="group", key=key, action="add_members",
             outcome="done", members=(Member(user_name=member, id=f"id-{n}"),), **base)
        for n, (key, member) in enumerate(steps)
    ]  # fmt: skip
    end = End(seq=len(steps) + 1, succeeded=True, **base)
    return ApplyRecord(begin, recorded, (), end)


def test_a_change_applied_by_a_later_apply_is_found_by_what_the_step_did() -> None:
    landed = Entry(_commit("a", "Jane Doe", "jane@corp.example", "2026-07-01", "x (#7)"), GRANT, 7)
    too_early = _apply("0", "2026-06-30", (), ("admins", "alice@corp.example"))
    other_group = _apply("b", "2026-07-02", (), ("ops", "alice@corp.example"))
    later = _apply("c", "2026-07-03", (PullRequest(number=8),), ("admins", "ALICE@corp.example"))
    (item,) = attribute([landed], [later, other_group, too_early])
    assert item.applied is not None
    assert (item.applied.apply_id, item.applied.outcome, item.applied.reviewed) == (
        "apply-c", "done", True,
    )  # fmt: skip
    assert item.pull is None  # the trail never recorded pull request #7
    assert item.flags == ()


def test_self_granted_unless_someone_else_approved() -> None:
    # The git author's email is not her userName; the pull request's author login is.
    commit = _commit("a", "A. Liddell", "al@home.example", "2026-07-01", "Add me (#9)")
    entry = Entry(commit, GRANT, 9)

    def flags(approvers: tuple[str, ...]) -> tuple[str, ...]:
        pull = PullRequest(number=9, author="alice", approvers=approvers)
        (item,) = attribute([entry], [_apply("a", "2026-07-01", (pull,))])
        return item.flags

    assert flags(()) == (SELF_GRANTED,)
    assert flags(("alice",)) == (SELF_GRANTED,)  # approving one's own grant is no approval
    assert flags(("bob",)) == ()


def test_a_direct_push_applied_without_a_pull_request_carries_both_flags() -> None:
    entry = Entry(_commit("a", "Bob", "bob@corp.example", "2026-07-01", "Add alice"), GRANT)
    apply = _apply("a", "2026-07-01", (), ("admins", "alice@corp.example"))
    (item,) = attribute([entry], [apply])
    assert item.flags == (DIRECT_PUSH, UNREVIEWED)
    (unapplied,) = attribute([entry], [])
    assert (unapplied.applied, unapplied.flags) == (None, (DIRECT_PUSH,))


def test_a_csv_cell_a_spreadsheet_would_run_is_written_inert() -> None:
    text = csv_text(["a", "b"], [['=HYPERLINK("http://x")', "alice"], ["@SUM(1)", "-1"]])
    assert text.splitlines() == ["a,b", '"\'=HYPERLINK(""http://x"")",alice', "'@SUM(1),'-1"]
