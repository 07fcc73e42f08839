"""What the access log shows of a request target (scimform.server.access)."""

from __future__ import annotations

from scimform.server.access import shown_target


def test_the_query_string_is_shown() -> None:
    assert shown_target("/Users", b"filter=userName+eq+%22a%22&cursor=") == (
        "/Users?filter=userName+eq+%22a%22&cursor="
    )
    assert shown_target("/Users", b"") == "/Users"


def test_parameters_named_like_credentials_are_masked() -> None:
    shown = shown_target("/Users", b"access_token=s3cret&api%5Fkey=k&count=5&Password=p")
    assert shown == "/Users?access_token=***&api%5Fkey=***&count=5&Password=***"


def test_one_request_is_one_printable_line() -> None:
    shown = shown_target("/Users\r\nfake 200", b"x=\x1b[31m")
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    assert len(shown_target("/Users", b"x=" + b"a" * 10_000)) <= 2051
