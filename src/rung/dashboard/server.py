"""``rung dashboard``'s web server: the page and its read-only JSON API.

The standard library's threading HTTP server, GET and HEAD only (every other method
gets 405), bound to loopback unless told otherwise. Every response forbids inline and
foreign scripts (Content-Security-Policy), and the API answers data only: the page
writes every string it gets as text. Bound to loopback, it answers only requests whose
``Host`` is a loopback name, so a web page elsewhere cannot reach it by rebinding a
domain name to 127.0.0.1.

API (JSON; see docs/dashboard.md):

* ``/api/runs``: each run's description (``meta``) and figures (``summary``);
* ``/api/runs/<run>/snapshot``: everything read so far, and a ``cursor``;
* ``/api/runs/<run>/updates?jobs=J&trials=T&changes=C&feed=F``: what came after a cursor;
* ``/api/runs/<run>/trials/<trial>``: a trial's config, jobs, whole errors and logs.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import socket
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rung._checks import InstanceOf, SequenceOf, check
from rung.dashboard.assets import CONTENT_TYPES, asset, asset_names
from rung.dashboard.feed import INTERVAL, RunFeed
from rung.errors import ConfigError

__all__ = ["CSP", "Dashboard", "is_loopback"]

logger = logging.getLogger(__name__)

#: The page's scripts and styles come from this server only; nothing inline runs.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: The runs to show: a list of paths (one path alone is a string, a list of characters).
PATHS = SequenceOf(InstanceOf((str, os.PathLike), "a path"))


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _json(payload: Any) -> bytes:
    return json.dumps(payload, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "rung-dashboard"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        logger.debug("%s " + format, self.address_string(), *args)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any other method: read-only server
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _json({"error": "read-only: GET only"}),
            "application/json",
            extra={"Allow": "GET, HEAD"},
        )

    def do_HEAD(self) -> None:
        self._get(head=True)

    def do_GET(self) -> None:
        self._get(head=False)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        *,
        head: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, head: bool) -> None:
        self._send(status, _json({"error": message}), "application/json", head=head)

    def _host_allowed(self) -> bool:
        if not self.server.loopback_only:
            return True
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]").lower() in _LOOPBACK_NAMES or is_loopback(name)

    def _get(self, head: bool) -> None:
        if not self._host_allowed():
            self._error(HTTPStatus.FORBIDDEN, "this server answers loopback names only", head)
            return
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        try:
            if not parts or parts == ["index.html"]:
                self._send(HTTPStatus.OK, asset("index.html"), CONTENT_TYPES[".html"], head=head)
            elif len(parts) == 2 and parts[0] == "static" and parts[1] in asset_names():
                suffix = os.path.splitext(parts[1])[1]
                self._send(HTTPStatus.OK, asset(parts[1]), CONTENT_TYPES[suffix], head=head)
            elif parts == ["favicon.ico"]:
                self._send(HTTPStatus.OK, asset("favicon.svg"), CONTENT_TYPES[".svg"], head=head)
            elif parts[0] == "api":
                payload = self._api(parts[1:], parse_qs(url.query))
                if payload is None:
                    self._error(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}", head)
                else:
                    body = payload if isinstance(payload, bytes) else _json(payload)
                    self._send(HTTPStatus.OK, body, "application/json", head=head)
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}", head)
        except _BadRequest as err:
            self._error(HTTPStatus.BAD_REQUEST, str(err), head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _api(self, parts: list[str], query: dict[str, list[str]]) -> Any:
        feeds = self.server.feeds
        if parts == ["runs"]:
            return {"runs": [{"meta": f.meta, **f.state()} for f in feeds]}
        if len(parts) < 3 or parts[0] != "runs":
            return None
        run = _int(parts[1], "run")
        if not 0 <= run < len(feeds):
            return None
        feed = feeds[run]
        if parts[2:] == ["snapshot"]:
            return self.server.snapshot(feed)
        if parts[2:] == ["updates"]:
            cursor = {k: _int(query.get(k, ["0"])[-1], k) for k in ("jobs", "trials", "changes")}
            return feed.updates(**cursor, feed=query.get("feed", [None])[-1])
        if len(parts) == 4 and parts[2] == "trials":
            return feed.trial(_int(parts[3], "trial"))
        return None


class _BadRequest(ValueError):
    pass


def _int(text: str, name: str) -> int:
    # ASCII only: str.isdigit() also accepts '²' and other scripts' digits
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise _BadRequest(f"{name} must be a whole number >= 0; got {text[:40]!r}")
    return int(text)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    feeds: Sequence[RunFeed] = ()
    loopback_only = True
    _snapshots: dict[int, tuple[Any, bytes]]
    _snapshot_lock = threading.Lock()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends the connections still open: a page keeps its connection alive between
        polls, and its thread would go on answering from the closed runs."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def snapshot(self, feed: RunFeed) -> bytes:
        """A run's snapshot as JSON, encoded once for each state the feed reaches (a
        large run's snapshot takes a while to encode, and every page load asks for it)."""
        key = feed.version()
        with self._snapshot_lock:
            if not hasattr(self, "_snapshots"):
                self._snapshots = {}
            cached = self._snapshots.get(feed.run_id)
            if cached is not None and cached[0] == key:
                return cached[1]
            body = _json(feed.snapshot())
            self._snapshots[feed.run_id] = (key, body)
            return body


class _Server6(_Server):
    address_family = socket.AF_INET6


class Dashboard:
    """The dashboard over one or more experiment directories, served on ``host:port``.

    Args:
        directories: Experiment directories (running or finished).
        host: The address to bind (default loopback). Anything else serves every
            machine that can reach it: a warning is logged.
        port: The port; 0 picks a free one (see :attr:`url`).
        interval: Seconds between looks at each run's database files (at least
            :data:`~rung.dashboard.feed.MIN_INTERVAL`, 0.1).

    Raises:
        StoreError: a directory holds no experiment, or a damaged or foreign one.
        ConfigError: no directory given, or ``directories`` is not a list of paths (one
            path alone, say), or a bad ``port`` or ``interval``.
        OSError: the address cannot be bound.

    Example:
        >>> import rung, tempfile
        >>> directory = tempfile.mkdtemp()
        >>> _ = rung.tune(lambda c: c["x"] ** 2, {"x": rung.uniform(-1, 1)}, max_trials=3,
        ...               directory=directory)
        >>> with Dashboard([directory], port=0) as dashboard:
        ...     dashboard.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        directories: Sequence[str | os.PathLike[str]],
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        interval: float = 1.0,
    ) -> None:
        check("Dashboard", "directories", directories, PATHS)
        if not directories:
            raise ConfigError("The dashboard needs at least one experiment directory; got none.")
        check("Dashboard", "interval", interval, INTERVAL)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(f"The 'port' parameter must be an int in [0, 65535]; got {port!r}.")
        self.loopback = is_loopback(host)
        self.feeds: list[RunFeed] = []
        try:
            for run_id, directory in enumerate(directories):
                self.feeds.append(RunFeed(directory, run_id, interval=interval).start())
            server_class = _Server6 if ":" in host else _Server
            self._server = server_class((host.strip("[]"), port), _Handler)
        except BaseException:
            self._close_feeds()
            raise
        if not self.loopback:  # once it serves: a failed bind is only the error
            logger.warning(
                "The dashboard serves on %s: anyone who can reach this machine can read "
                "these runs (there is no login).",
                host,
            )
        self._server.feeds = self.feeds
        self._server.loopback_only = self.loopback
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        """Serves until :meth:`shutdown` (or Ctrl-C in the caller)."""
        self._server.serve_forever(poll_interval=0.25)

    def start(self) -> Dashboard:
        """Serves from a background thread (for tests and notebooks)."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="rung-dashboard-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stops serving and following the runs."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        self._server.close_connections()
        self._close_feeds()

    def _close_feeds(self) -> None:
        for feed in self.feeds:
            feed.close()

    def __enter__(self) -> Dashboard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
