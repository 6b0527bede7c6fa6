"""Leaving when the supervisor is gone: a SIGKILLed or crashed supervisor cannot stop us."""

from __future__ import annotations

import os
import threading
from typing import Callable, Optional


def parent_alive(pid: int) -> bool:
    """True while process ``pid`` runs. Never ``os.kill(pid, 0)`` on Windows: there it terminates."""
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        synchronize_and_query = 0x00100000 | 0x1000
        handle = kernel32.OpenProcess(synchronize_and_query, False, pid)
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    if os.getppid() == pid:
        return True
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user


def watch_parent(pid: Optional[int], on_gone: Callable[[], None], interval: float = 1.0) -> Optional[threading.Event]:
    """Calls ``on_gone`` once, from a daemon thread, when process ``pid`` (BACKEND_PARENT_PID) ends.

    Returns an Event that stops the watch when set; None when there is no parent to watch.

    Example::

        watch_parent(settings.parent_pid, lambda: server.shutdown())
    """
    if not pid:
        return None
    stop = threading.Event()
    # a direct child is re-parented when its parent dies: that holds even once the pid is reused
    direct = os.name != "nt" and os.getppid() == pid

    def alive() -> bool:
        return os.getppid() == pid if direct else parent_alive(pid)

    def watch() -> None:
        while not stop.wait(interval):
            if not alive():
                on_gone()
                return

    threading.Thread(target=watch, name="backend-lifecycle-parent-watch", daemon=True).start()
    return stop
