"""What the supervisor hands the backend, read from the environment into one typed object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import FrozenSet, Mapping, Optional


class SettingsError(ValueError):
    """A variable the backend needs is missing or malformed; the message names it."""


def _int(environ: Mapping[str, str], name: str, required: bool) -> Optional[int]:
    raw = environ.get(name, "")
    if raw == "":
        if required:
            raise SettingsError(
                f"{name} is not set: start this backend through backend-lifecycle "
                f"(or set {name} yourself for a manual run)"
            )
        return None
    if raw.startswith("-") and _digits(raw[1:]):
        raise SettingsError(f"{name} must not be negative, got {raw}")
    # int() would also take "1_733", " 1733" or other scripts' digits: none of them is what we write
    if not _digits(raw):
        raise SettingsError(f"{name} must be an integer, got {raw!r}")
    return int(raw)


def _digits(text: str) -> bool:
    return text != "" and text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Settings:
    """The backend's side of the contract (DESIGN section 2).

    Example::

        settings = Settings.from_env()
        uvicorn.run(app, host=settings.host, port=settings.port)
    """

    port: int
    host: str = "127.0.0.1"
    api_key: Optional[str] = None
    instance_id: str = ""
    parent_pid: Optional[int] = None
    notify_fd: Optional[int] = None
    #: the listening socket the supervisor handed over (its ``handoff`` option), else None
    listen_fd: Optional[int] = None

    def host_headers(self) -> FrozenSet[str]:
        """The Host headers a request to this backend may carry; any other is how DNS rebinding shows."""
        port = self.port
        return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"{self.host}:{port}", f"[::1]:{port}"})

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        """Reads BACKEND_PORT (required), BACKEND_HOST, BACKEND_API_KEY, BACKEND_INSTANCE_ID,
        BACKEND_PARENT_PID, BACKEND_NOTIFY_FD and BACKEND_LISTEN_FD; raises SettingsError naming
        the variable that is missing or malformed."""
        env = os.environ if environ is None else environ
        port = _int(env, "BACKEND_PORT", True)
        if port is not None and (port == 0 or port > 65535):
            raise SettingsError(f"BACKEND_PORT must be a port from 1 to 65535, got {port}")
        return cls(
            port=port or 0,  # required above: never 0 here
            host=env.get("BACKEND_HOST", "") or "127.0.0.1",
            api_key=env.get("BACKEND_API_KEY") or None,
            instance_id=env.get("BACKEND_INSTANCE_ID", ""),
            parent_pid=_int(env, "BACKEND_PARENT_PID", False),
            notify_fd=_int(env, "BACKEND_NOTIFY_FD", False),
            listen_fd=_int(env, "BACKEND_LISTEN_FD", False),
        )
