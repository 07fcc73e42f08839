"""Running the ASGI app under uvicorn: in the foreground for `scimform serve`, or on a
background thread for tests and benchmarks.

The socket is bound before uvicorn starts, so that port 0 (any free port) works and the
real address is known, and printed, before the first request.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from scimform.server.protocol import ScimHttpProtocol

# uvicorn reports a response the app left incomplete; the fault knobs do that on purpose.
_DROPPED = "ASGI callable returned without completing response."


class _HideDeliberateDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROPPED


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port); port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    """http://host:port for a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(app: Any, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for `app`: no access log of its own (the app logs, without
    headers), no lifespan, no `server` header, and AWS's error body for a request that is
    not HTTP or is too large to parse (protocol.ScimHttpProtocol)."""
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDeliberateDrops) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_HideDeliberateDrops())
    config = uvicorn.Config(
        app,
        http=ScimHttpProtocol,
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


def serve(app: Any, sock: socket.socket, log_level: str = "info") -> None:
    """Serve until interrupted (SIGINT or SIGTERM)."""
    make_server(app, log_level).run(sockets=[sock])


@contextmanager
def serve_in_background(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` on a thread; yields the base URL (http://host:port) and stops the server
    on exit."""
    sock = bind_socket(host, port)
    server = make_server(app, log_level="warning")
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="scim-server", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the SCIM server did not start")
        time.sleep(0.005)
