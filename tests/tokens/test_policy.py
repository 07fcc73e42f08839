"""The token policy check: windows, expiry, the two-token limit, live differences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scimform.diagnostics import Severity
from scimform.model import ExpectedToken, TokenPolicy
from scimform.store import TokenInfo
from scimform.tokens.policy import TokenState, check_tokens

TODAY = date(2026, 6, 1)
POLICY = TokenPolicy(warn_before_expiry=timedelta(days=60), rotate_before_expiry=timedelta(days=30))


def token(token_id: str, days_left: int, used_by: str | None = None) -> ExpectedToken:
    expires = TODAY + timedelta(days=days_left)
    return ExpectedToken(token_id, expires - timedelta(days=365), expires, used_by)


def live(token_id: str, expires: date) -> TokenInfo:
    moment = datetime(expires.year, expires.month, expires.day, tzinfo=UTC)
    return TokenInfo(token_id, moment - timedelta(days=365), moment, None)


def codes(report: object) -> list[str]:
    return [f.code for f in report.findings]  # type: ignore[attr-defined]


def test_a_token_far_from_expiry_is_fine() -> None:
    report = check_tokens([token("t1", 200)], POLICY, None, TODAY)
    assert [s.state for s in report.statuses] == [TokenState.OK]
    assert report.findings == ()
    assert not report.has_errors
    assert report.rotation_due == ()


def test_inside_the_warning_window_is_a_warning_with_the_days_left() -> None:
    report = check_tokens([token("t1", 45, "github-actions")], POLICY, None, TODAY)
    (finding,) = report.findings
    assert finding.severity is Severity.WARNING
    assert finding.code == "tokens.expiring"
    assert finding.days_left == 45
    assert "in 45 days" in finding.message and "github-actions" in finding.message
    assert report.rotation_due == ()
    assert not report.has_errors


def test_the_warning_window_edges() -> None:
    assert check_tokens([token("t1", 61)], POLICY, None, TODAY).findings == ()
    assert codes(check_tokens([token("t1", 60)], POLICY, None, TODAY)) == ["tokens.expiring"]


def test_inside_the_rotation_window_a_rotation_is_due() -> None:
    due = token("t1", 30)
    report = check_tokens([due, token("t2", 300)], POLICY, None, TODAY)
    assert codes(report) == ["tokens.rotation-due"]
    assert report.findings[0].severity is Severity.WARNING
    assert "in 30 days" in report.findings[0].message
    assert report.rotation_due == (due,)
    assert codes(check_tokens([token("t1", 31)], POLICY, None, TODAY)) == ["tokens.expiring"]


def test_past_expiry_is_an_error_and_due_for_rotation() -> None:
    gone = token("t1", -3)
    report = check_tokens([gone], POLICY, None, TODAY)
    (finding,) = report.findings
    assert finding.severity is Severity.ERROR
    assert finding.code == "tokens.expired"
    assert "3 days ago" in finding.message
    assert report.has_errors
    assert report.rotation_due == (gone,)


def test_a_token_expiring_today_is_expired() -> None:
    report = check_tokens([token("t1", 0)], POLICY, None, TODAY)
    assert codes(report) == ["tokens.expired"]
    assert "today" in report.findings[0].message


def test_more_than_two_declared_tokens_is_an_error() -> None:
    three = [token(f"t{n}", 200 + n) for n in range(3)]
    report = check_tokens(three, POLICY, None, TODAY)
    assert codes(report) == ["tokens.too-many"]
    assert report.has_errors
    assert not check_tokens(three[:2], POLICY, None, TODAY).has_errors


def test_a_policy_with_other_windows_is_honoured() -> None:
    tight = TokenPolicy(warn_before_expiry=timedelta(days=10), rotate_before_expiry=timedelta(0))
    assert check_tokens([token("t1", 45)], tight, None, TODAY).findings == ()
    assert codes(check_tokens([token("t1", 5)], tight, None, TODAY)) == ["tokens.expiring"]


def test_statuses_are_ordered_by_expiry() -> None:
    report = check_tokens([token("late", 300), token("soon", 100)], POLICY, None, TODAY)
    assert [s.token.id for s in report.statuses] == ["soon", "late"]


def test_live_tokens_not_declared_are_to_delete_and_declared_missing_ones_are_errors() -> None:
    declared = [token("kept", 200), token("gone", 250)]
    kept = declared[0]
    report = check_tokens(
        declared, POLICY, [live("kept", kept.expires), live("stray", TODAY)], TODAY
    )
    assert (report.missing, [t.id for t in report.undeclared]) == (("gone",), ["stray"])
    assert codes(report) == ["tokens.missing", "tokens.undeclared"]
    assert report.has_errors
    assert report.live_checked


def test_matching_live_tokens_give_no_changes() -> None:
    declared = [token("a", 200)]
    report = check_tokens(declared, POLICY, [live("a", declared[0].expires)], TODAY)
    assert report.matches_live and not report.undeclared
    assert report.findings == ()


def test_a_differing_expiry_is_a_warning() -> None:
    declared = [token("a", 200)]
    report = check_tokens(declared, POLICY, [live("a", TODAY + timedelta(days=100))], TODAY)
    assert codes(report) == ["tokens.expiry-differs"]


def test_nothing_declared_means_nothing_is_deleted() -> None:
    report = check_tokens([], POLICY, [live("in-use", TODAY + timedelta(days=100))], TODAY)
    assert report.matches_live and not report.undeclared
    assert report.findings == ()


def test_without_a_live_list_no_differences_are_reported() -> None:
    report = check_tokens([token("a", 200)], POLICY, None, TODAY)
    assert report.matches_live and not report.undeclared
    assert not report.live_checked
