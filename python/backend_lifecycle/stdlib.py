"""Plain Python: an http.server backend that says READY=1 right after its socket listens (its own,
or the one the supervisor handed over)."""

from __future__ import annotations

import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Type

from .handoff import listening_socket
from .notify import Notifier
from .parent import watch_parent
from .settings import Settings


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
    # bound and listening (here or by the supervisor): connections queue from here on
    notifier.ready()

    def stop(*_: object) -> None:
        # shutdown() waits for the serve loop: never from the loop's own thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    watch_parent(settings.parent_pid, stop)
    if threading.current_thread() is threading.main_thread():
        # the supervisor's SIGTERM ends the serve loop: a clean exit (code 0), the finally blocks run
        signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
