"""What a server said about a failed request reaches scimform's error as one line: the
status and the first meaningful text, at most 200 characters. AWS's own detail comes from
the real server; the pages of proxies in front of a store (an HTML error page, a JSON
error of another shape) come from httpx.MockTransport, as no SCIM server sends them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from scimform_cli import cli

from scimform.backends.excerpt import one_line, status_line
from scimform.backends.scim import ScimBackend
from scimform.errors import ChangeFailed, LiveReadError

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n" + "<!-- padding -->\r\n" * 6
)
LONG_PAGE = (
    "<!DOCTYPE html><html><head><style>body { color: red }</style>"
    "<script>var secret = 1;</script></head><body><div class='x'>\n\n  The service is "
    "down &amp; will be back   soon.\n</div>" + "<p>more words</p>" * 200 + "</body></html>"
)


def _backend(status: int, content: str, content_type: str) -> ScimBackend:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ServiceProviderConfig"):
            return httpx.Response(404)  # a store with no configuration to give
        return httpx.Response(
            status, content=content.encode(), headers={"Content-Type": content_type}
        )

    client = httpx.Client(
        base_url="https://scim.test/t/scim/v2", transport=httpx.MockTransport(answer)
    )
    return ScimBackend(client, retries=0)


def _read_error(backend: ScimBackend) -> str:
    with pytest.raises(LiveReadError) as raised:
        list(backend.iter_users())
    return str(raised.value)


def test_an_html_error_page_is_its_title_on_one_line() -> None:
    message = _read_error(_backend(502, NGINX_502, "text/html"))
    assert message == "reading /Users failed: 502 Bad Gateway"


def test_a_long_html_page_is_cut_to_its_first_text() -> None:
    with pytest.raises(ChangeFailed) as raised:
        _backend(503, LONG_PAGE, "text/html; charset=utf-8").delete_group("g")
    message, detail = str(raised.value), raised.value.detail
    assert "\n" not in message and "<" not in message and "secret" not in message
    assert detail.startswith("The service is down & will be back soon. more words")
    assert len(detail) <= 200 and detail.endswith("...")
    assert message.startswith("DELETE /Groups/g: 503 The service is down & will be back soon.")


def test_an_html_page_without_a_content_type_is_still_recognised() -> None:
    message = _read_error(_backend(502, NGINX_502, ""))
    assert message == "reading /Users failed: 502 Bad Gateway"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{"message": "Forbidden"}', "403 Forbidden"),
        ('{"error": {"message": "quota\\nexceeded"}}', "403 quota exceeded"),
        ('{"title": "Not allowed", "status": 403}', "403 Not allowed"),
        ("", "403 Forbidden"),
        ("   \n\t ", "403 Forbidden"),
    ],
)
def test_other_json_errors_and_empty_bodies(body: str, said: str) -> None:
    assert _read_error(_backend(403, body, "application/json")) == f"reading /Users failed: {said}"


def test_plain_text_is_one_line_of_at_most_200_characters() -> None:
    text = "Traceback (most recent call last):\n  File 'app.py'\n" + "x" * 1000
    message = _read_error(_backend(500, text, "text/plain"))
    line = message.removeprefix("reading /Users failed: ")
    assert line.startswith("500 Traceback (most recent call last): File 'app.py' xxx")
    assert len(line) == 200 and "\n" not in line


def test_aws_detail_from_the_real_server_is_kept(scim_server: Any, user_doc: Any) -> None:
    with scim_server.client() as client:
        backend = ScimBackend(client)
        backend.create_user(user_doc("alice@corp.example"))
        with pytest.raises(ChangeFailed) as raised:
            backend.replace_user("9067729b3d-00000000-0000-4000-8000-000000000000", user_doc("b@x"))
    assert raised.value.detail.startswith("User 9067729b3d-")
    assert str(raised.value).endswith(f"404 {raised.value.detail}")


def test_one_line_masks_an_echoed_bearer_credential_and_control_characters() -> None:
    assert one_line("Authorization: Bearer abc.def\x1b[31m red") == (
        "Authorization: Bearer *** [31m red"
    )
    assert status_line(502, "502: Bad Gateway") == "502 Bad Gateway"
    assert status_line(500, "") == "500"


CLOUDFRONT_403 = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
    '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
    "<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n"
    "<H1>403 ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n<HR noshade "
    'size="1px">\nRequest blocked.\n' + "<BR clear=all>\n" * 40 + "</BODY></HTML>"
)


class _Proxy(BaseHTTPRequestHandler):
    """A proxy in front of a store that refuses everything with its own HTML page."""

    def do_GET(self) -> None:
        page = CLOUDFRONT_403.encode()
        self.send_response(403)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tenant/scim/v2"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_plan_against_a_proxy_page_says_it_in_one_line(tmp_path: Path, proxy: str) -> None:
    config = {"target": {"url": proxy, "token": "env:SCIM_TOKEN"}}
    (tmp_path / "scimform.yaml").write_text(json.dumps(config), "utf-8")
    env = {"SCIM_TOKEN": "t" * 40, "NO_COLOR": "1"}
    result = cli("plan", str(tmp_path), env=env)
    assert result.exit_code == 1
    said = [line for line in result.output.splitlines() if "403" in line]
    assert len(said) == 1 and "ERROR: The request could not be satisfied" in said[0]
    assert "<" not in result.output and "BR clear" not in result.output
    assert len(said[0]) < 300 and "t" * 40 not in result.output
