"""Plain Python: an http.server backend that says READY=1 right after its socket is bound."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Type

from .notify import Notifier
from .parent import watch_parent
from .settings import Settings


def serve_http(handler: Type[BaseHTTPRequestHandler], settings: Optional[Settings] = None, notifier: Optional[Notifier] = None) -> None:
    """Serves ``handler`` on the supervisor's host and port until the parent is gone or the server
    is shut down (``server.shutdown()`` from a handler thread, e.g. on the stop request).

    Example::

        serve_http(MyHandler)
    """
    settings = settings or Settings.from_env()
    notifier = notifier or Notifier(settings.notify_fd)
    server = ThreadingHTTPServer((settings.host, settings.port), handler)
    server.daemon_threads = True
    # the constructor bound and listened: connections queue from here on
    notifier.ready()
    watch_parent(settings.parent_pid, lambda: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
