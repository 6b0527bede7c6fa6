"""Starlette / FastAPI integration: health, API key, CORS preflight, stop request, python:execute,
and a uvicorn runner that says READY=1 only once its socket accepts. Needs starlette (and uvicorn
for :func:`serve`); the rest of the package is standard library only."""

from __future__ import annotations

import json
import signal
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from .auth import AuthConfig
from .commands import Commands
from .handoff import listening_socket
from .notify import Notifier
from .parent import watch_parent
from .settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> Optional[str]:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _answer(send: Send, status: int, body: Optional[Dict[str, Any]], headers: List[Tuple[str, str]]) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    raw = [(name.lower().encode(), value.encode()) for name, value in headers]
    if body is not None:
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class BackendGuard:
    """Pure ASGI middleware: refuses foreign Host headers (DNS rebinding), answers CORS preflights
    for configured origins only, demands the API key except on excluded paths (WebSockets too), and
    marks answers to configured origins with their CORS headers."""

    def __init__(self, app: ASGIApp, settings: Settings, auth: AuthConfig):
        self.app = app
        self.auth = auth
        self.hosts = settings.host_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            return await self._websocket(scope, receive, send)
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if _header(scope, b"host") not in self.hosts:
            return await _answer(send, 421, {"error": "misdirected request: unexpected Host header"}, [])
        origin = _header(scope, b"origin")
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            allowed = self.auth.preflight_headers(origin)
            return await _answer(send, 403 if allowed is None else 204, None, list(allowed or []))
        query = scope.get("query_string", b"").decode("latin-1")
        if not self.auth.allows(scope["path"], _header(scope, b"x-api-key"), query):
            return await _answer(send, 401, {"error": "missing or invalid X-API-Key"}, list(self.auth.cors_headers(origin)))
        cors = [(name.lower().encode(), value.encode()) for name, value in self.auth.cors_headers(origin)]
        if not cors:
            return await self.app(scope, receive, send)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + cors}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        # any web page may open a WebSocket to 127.0.0.1 (CORS does not apply): the same Host and key
        # rules as for HTTP; a close before accept is answered with 403 by the server
        query = scope.get("query_string", b"").decode("latin-1")
        if _header(scope, b"host") in self.hosts and self.auth.allows(scope["path"], _header(scope, b"x-api-key"), query):
            return await self.app(scope, receive, send)
        await send({"type": "websocket.close", "code": 1008})


def install(app: Any, settings: Settings, auth: Optional[AuthConfig] = None, commands: Optional[Commands] = None, *, health_path: str = "/api/health", shutdown_path: str = "/api/shutdown", execute_path: str = "/api/execute") -> None:
    """Adds the backend's side of the contract to a Starlette or FastAPI app: the guard middleware,
    a health route that echoes the instance id (header and JSON), ``POST shutdown_path`` (the stop
    request, with the key) and, with ``commands``, ``POST execute_path`` for ``python:execute``.

    Example::

        app = FastAPI()
        settings = Settings.from_env()
        install(app, settings, AuthConfig.from_config({"excluded_paths": ["/static/*"]}, api_key=settings.api_key), commands)
        serve(app, settings)
    """
    from starlette.background import BackgroundTask
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    guard_auth = auth or AuthConfig.from_config(api_key=settings.api_key)
    app.add_middleware(BackendGuard, settings=settings, auth=guard_auth)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "instanceId": settings.instance_id}, headers={"X-Backend-Instance": settings.instance_id})

    async def shutdown(request: Request) -> JSONResponse:
        # after the answer is sent: the supervisor learns the request was accepted, then we go
        return JSONResponse({"stopping": True}, status_code=202, background=BackgroundTask(_stop, request.app))

    app.add_route(health_path, health, methods=["GET"])
    app.add_route(shutdown_path, shutdown, methods=["POST"])
    if commands is not None:

        async def execute(request: Request) -> JSONResponse:
            # in a worker thread, as FastAPI runs plain def endpoints: a slow command must not stall health checks
            status, body = await run_in_threadpool(commands.dispatch, await request.body())
            return JSONResponse(body, status_code=status)

        app.add_route(execute_path, execute, methods=["POST"])


def _stop(app: Any) -> None:
    server = getattr(app.state, "backend_lifecycle_server", None)
    if server is not None:
        server.should_exit = True
    else:
        # run by the uvicorn command instead of serve(): SIGINT is its graceful stop on every system
        signal.raise_signal(signal.SIGINT)


def serve(app: Any, settings: Optional[Settings] = None, notifier: Optional[Notifier] = None, **uvicorn_options: Any) -> None:
    """Runs ``app`` with uvicorn on the supervisor's host and port, or on the socket it handed over
    (BACKEND_LISTEN_FD, the ``handoff`` option), says READY=1 once the socket accepts (not from a startup hook: those run before uvicorn binds), and leaves when the
    supervisor's process is gone.

    Example::

        serve(app)   # instead of uvicorn.run(app, host=..., port=...)
    """
    import uvicorn

    settings = settings or Settings.from_env()
    notifier = notifier or Notifier(settings.notify_fd)

    class NotifyingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                notifier.ready()

    # a handed-over socket is checked before anything else runs, so a bad fd fails at once and by name
    handed = listening_socket(settings)
    server = NotifyingServer(uvicorn.Config(app, host=settings.host, port=settings.port, **uvicorn_options))
    app.state.backend_lifecycle_server = server
    watch_parent(settings.parent_pid, lambda: setattr(server, "should_exit", True))
    # Starlette builds its middleware stack on the first request; built now, the first health check
    # (already waiting in a handed-over socket's queue) is answered as fast as any other
    if getattr(app, "middleware_stack", "absent") is None:
        app.middleware_stack = app.build_middleware_stack()
    # uvicorn's own --fd opens the fd as AF_UNIX; handing it the socket object keeps its real family
    server.run(sockets=None if handed is None else [handed])
