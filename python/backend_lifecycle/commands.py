"""The backend's side of ``python:execute``: commands registered by name, typed errors."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Callable, Dict, Tuple

Handler = Callable[[Any], Any]


class CommandError(Exception):
    """A command's own failure: its message reaches the renderer as given (``ExecuteResult.error.message``).

    Example::

        raise CommandError("the document is locked", status=409)
    """

    def __init__(self, message: str, status: int = 400):
        # an error answered with 200 would reach the renderer as a success
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"CommandError status must be 400-599, got {status!r}")
        super().__init__(message)
        self.message = message
        self.status = status


class Commands:
    """Named commands for ``POST /api/execute`` with ``{"command": name, "payload": ...}``.

    A command answers ``{"result": <its return value>}``; a CommandError answers
    ``{"error": <message>}`` with its status, which the Electron side turns into
    ``{ ok: false, error: { code: 'BACKEND_ERROR', message, status } }``.

    Example::

        commands = Commands()

        @commands.register("sum")
        def total(payload):
            return sum(payload)
    """

    def __init__(self) -> None:
        self._handlers: Dict[str, Handler] = {}

    def register(self, name: str) -> Callable[[Handler], Handler]:
        if not name or not isinstance(name, str):
            raise ValueError("a command needs a non-empty name")
        if name in self._handlers:
            raise ValueError(f"command {name!r} is registered twice")

        def add(handler: Handler) -> Handler:
            self._handlers[name] = handler
            return handler

        return add

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(self._handlers)

    def dispatch(self, body: bytes) -> Tuple[int, Dict[str, Any]]:
        """Runs the command a request body names: (HTTP status, JSON body). Never raises."""
        try:
            request = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            return 400, {"error": "the request body is not JSON"}
        if not isinstance(request, dict) or not isinstance(request.get("command"), str):
            return 400, {"error": 'expected {"command": string, "payload": any}'}
        handler = self._handlers.get(request["command"])
        if handler is None:
            return 404, {"error": f"unknown command {request['command']!r}"}
        try:
            result = handler(request.get("payload"))
        except CommandError as error:
            return error.status, {"error": error.message}
        except Exception as error:  # a defect in the command: the renderer gets its type, the log its trace
            traceback.print_exc(file=sys.stderr)
            return 500, {"error": f"command {request['command']!r} failed: {type(error).__name__}"}
        try:
            # strict JSON, as the answer is written: NaN, sets or dates would fail there, outside any handler
            json.dumps(result, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as error:
            return 500, {"error": f"command {request['command']!r} returned a value that is not JSON: {error}"}
        return 200, {"result": result}
