"""The backend's side of backend-lifecycle: settings from the environment, readiness and progress
notifications, API-key rules, parent watch and python:execute commands (standard library only),
plus a Starlette/FastAPI integration in ``backend_lifecycle.asgi``."""

from .auth import AuthConfig
from .commands import CommandError, Commands
from .handoff import listening_socket
from .notify import Notifier
from .parent import parent_alive, watch_parent
from .settings import Settings, SettingsError
from .stdlib import BackendHandler, serve_http

__all__ = ["AuthConfig", "BackendHandler", "CommandError", "Commands", "Notifier", "Settings", "SettingsError", "listening_socket", "parent_alive", "serve_http", "watch_parent"]
__version__ = "0.1.0"
