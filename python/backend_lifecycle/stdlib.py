"""Plain Python: an http.server backend that says READY=1 right after its socket listens (its own,
or the one the supervisor handed over), and a request handler base that holds the contract."""

from __future__ import annotations

import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, FrozenSet, Optional, Type
from urllib.parse import SplitResult, urlsplit

from .auth import AuthConfig
from .handoff import listening_socket
from .notify import Notifier
from .parent import watch_parent
from .settings import Settings


class BackendHandler(BaseHTTPRequestHandler):
    """A request handler base with the backend's side of the contract for ``http.server``: set
    ``settings`` and ``auth`` on the subclass, begin each ``do_GET``/``do_POST`` with
    ``url = self.admit()`` (None: refused and answered already, 421 for a foreign Host header,
    which is how DNS rebinding shows, 401 without the key), answer with ``send_json``. Answers
    carry ``X-Backend-Instance`` and, for ``auth.cors_origins``, their CORS headers; preflights pass
    for those origins only.

    Example::

        class Api(BackendHandler):
            settings = Settings.from_env()
            auth = AuthConfig.from_config(api_key=settings.api_key)

            def do_GET(self):
                url = self.admit()
                if url is None:
                    return
                if url.path == "/api/health":
                    return self.send_health()
                self.send_json(200, {"hello": "world"})

        serve_http(Api, Api.settings)
    """

    settings: Settings
    auth: AuthConfig

    def allowed_hosts(self) -> FrozenSet[str]:
        return self.settings.host_headers()

    def _host_allowed(self) -> bool:
        return self.headers.get("Host", "") in self.allowed_hosts()

    def send_json(self, status: int, body: Any) -> None:
        """Answers ``body`` as JSON (bytes are taken as JSON already encoded, e.g. relayed)."""
        data = bytes(body) if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend-Instance", self.settings.instance_id)
        for name, value in self.auth.cors_headers(self.headers.get("Origin")):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_health(self) -> None:
        """The health answer the supervisor checks: the instance id, in the header and the JSON."""
        self.send_json(200, {"status": "ok", "instanceId": self.settings.instance_id})

    def admit(self) -> Optional[SplitResult]:
        url = urlsplit(self.path)
        if not self._host_allowed():
            self.send_json(421, {"error": "misdirected request: unexpected Host header"})
            return None
        if not self.auth.allows(url.path, self.headers.get("X-API-Key"), url.query):
            self.send_json(401, {"error": "missing or invalid X-API-Key"})
            return None
        return url

    def do_OPTIONS(self) -> None:
        # a preflight carries no key: it passes for configured origins only, and grants nothing else
        allowed = self.auth.preflight_headers(self.headers.get("Origin")) if self._host_allowed() else None
        self.send_response(403 if allowed is None else 204)
        for name, value in allowed or []:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve_http(handler: Type[BaseHTTPRequestHandler], settings: Optional[Settings] = None, notifier: Optional[Notifier] = None) -> None:
    """Serves ``handler`` on the supervisor's host and port (or on the socket it handed over) until
    SIGTERM (a clean exit, when called from the main thread), the parent is gone, or the server is
    shut down (``server.shutdown()`` from a handler thread, e.g. on the stop request).

    Example::

        serve_http(MyHandler)
    """
    settings = settings or Settings.from_env()
    notifier = notifier or Notifier(settings.notify_fd)
    handed = listening_socket(settings)
    server = ThreadingHTTPServer((settings.host, settings.port), handler, bind_and_activate=handed is None)
    if handed is not None:
        server.socket.close()
        server.socket = handed
        server.server_address = handed.getsockname()[:2]
    server.daemon_threads = True

    def stop(*_: object) -> None:
        # shutdown() waits for the serve loop (one not started yet returns at once): never from its own thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    watch_parent(settings.parent_pid, stop)
    if threading.current_thread() is threading.main_thread():
        # the supervisor's SIGTERM ends the serve loop: a clean exit (code 0), the finally blocks run;
        # installed before READY=1, since a stop may follow READY at once
        signal.signal(signal.SIGTERM, stop)
    # bound and listening (here or by the supervisor): connections queue from here on
    notifier.ready()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
