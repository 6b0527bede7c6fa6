"""Messages to the supervisor on BACKEND_NOTIFY_FD, one per line, in systemd's vocabulary."""

from __future__ import annotations

import os
import threading
from typing import Optional


class Notifier:
    """Writes READY=1, STATUS=<text> and EXTEND_TIMEOUT_USEC=<n> lines to the notification fd.

    Without a fd (run by hand) every call does nothing; a supervisor that went away (EPIPE) is
    not an error of the backend.

    Example::

        notifier = Notifier(settings.notify_fd)
        notifier.status("loading the model")
        notifier.extend(120)   # two more minutes from now
        notifier.ready()
    """

    def __init__(self, fd: Optional[int]):
        self._fd = fd
        self._lock = threading.Lock()

    def _send(self, line: str) -> bool:
        if self._fd is None:
            return False
        data = (line.replace("\n", " ").replace("\r", " ") + "\n").encode("utf-8")
        with self._lock:
            try:
                os.write(self._fd, data)
                return True
            except OSError:
                self._fd = None
                return False

    def ready(self) -> bool:
        """Tells the supervisor the backend serves now (it health-checks at once)."""
        return self._send("READY=1")

    def status(self, text: str) -> bool:
        """Start-up progress, shown to the user while the backend starts."""
        return self._send(f"STATUS={text}")

    def extend(self, seconds: float) -> bool:
        """Asks for this much more time to start, from now (capped by the app's maxStartupMs)."""
        return self._send(f"EXTEND_TIMEOUT_USEC={max(0, int(seconds * 1_000_000))}")
