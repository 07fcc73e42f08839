"""A TCP listener on 127.0.0.1 for the tests that prove a token goes nowhere it should not:
it records what each connection sent (so a test can assert that nothing, or no
Authorization header, arrived), and a fixture-ready name, attacker.example, that resolves to
it as an attacker's DNS entry would."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection's first bytes and answers
    each HTTP request with `answer` (bytes)."""

    def __init__(self, answer: bytes = b"") -> None:
        self.received: list[bytes] = []
        self.answer = answer
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(2)
                try:
                    data = self.request.recv(65536)
                except OSError:
                    data = b""
                listener.received.append(data)
                if listener.answer and data:
                    self.request.sendall(listener.answer)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def redirect_to(url: str) -> bytes:
    return (
        f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {url}\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, listener: Listener) -> None:
    """Make `name` resolve to the listener (in this process), as a DNS entry would."""
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).casefold() == name:
            return real("127.0.0.1", listener.port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def attacker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """A listener on 127.0.0.1 that the name attacker.example resolves to: not loopback by
    name, so a token must never go there."""
    with Listener() as listener:
        resolving(monkeypatch, "attacker.example", listener)
        yield listener
