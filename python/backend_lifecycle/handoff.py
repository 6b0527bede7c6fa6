"""Socket handoff: the listening socket the supervisor bound and passed down (``handoff: true``)."""

from __future__ import annotations

import socket
from typing import Optional

from .settings import Settings, SettingsError


def listening_socket(settings: Settings) -> Optional[socket.socket]:
    """The socket on BACKEND_LISTEN_FD, ready to accept on, or None when the supervisor bound
    nothing (then bind ``settings.host``/``settings.port`` yourself). Raises SettingsError naming
    the variable and the supervisor's ``handoff`` option when the fd is not a TCP socket.

    Example::

        sock = listening_socket(settings)
        server = ThreadingHTTPServer((settings.host, settings.port), Handler, bind_and_activate=sock is None)
    """
    fd = settings.listen_fd
    if fd is None:
        return None
    try:
        # fileno= alone: family and type are read from the fd itself
        sock = socket.socket(fileno=fd)
    except OSError as error:
        raise SettingsError(f"BACKEND_LISTEN_FD={fd} is not an open socket ({error.strerror}); it is set by the supervisor's handoff option, which passes the listening socket as that fd") from None
    if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
        sock.detach()
        raise SettingsError(f"BACKEND_LISTEN_FD={fd} is not a TCP socket; it is set by the supervisor's handoff option, which passes the listening socket as that fd")
    # the supervisor's helper usually called listen() already; a second call only sets the backlog
    sock.listen(socket.SOMAXCONN)
    return sock
