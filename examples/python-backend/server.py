#!/usr/bin/env python3
"""The backend side of backend-lifecycle in miniature: standard library and the Python companion.

The companion (python/backend_lifecycle) reads what the supervisor hands over (BACKEND_PORT,
BACKEND_HOST, BACKEND_API_KEY, BACKEND_INSTANCE_ID, BACKEND_PARENT_PID, BACKEND_NOTIFY_FD, and
BACKEND_LISTEN_FD with --handoff), says READY=1 once the socket listens, exits cleanly on SIGTERM
and when its parent dies, and holds MineContext's api_auth rules. This file adds the routes: health
with the instance id, the key on every other path but the excluded ones, foreign Host headers
refused (DNS rebinding), CORS preflights for the origins in BACKEND_CORS_ORIGINS only, and
POST /api/shutdown (with the key) as the stop request.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

# the companion: beside this file in a copied project, else in this repository's python/ folder
HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parents[1] / "python"):
    if (folder / "backend_lifecycle").is_dir():
        sys.path.insert(0, str(folder))
        break

from backend_lifecycle import AuthConfig, Settings, serve_http  # noqa: E402

SETTINGS = Settings.from_env()
CORS_ORIGINS = [origin.strip() for origin in os.environ.get("BACKEND_CORS_ORIGINS", "").split(",") if origin.strip()]
AUTH = AuthConfig.from_config(
    # as in MineContext's config: health, the index and static paths need no key
    {"enabled": bool(SETTINGS.api_key), "excluded_paths": ["/", "/static/*"], "cors_origins": CORS_ORIGINS},
    api_key=SETTINGS.api_key,
    # keys in URLs end up in logs and browser history: off unless asked for
    allow_query_key=os.environ.get("BACKEND_ALLOW_QUERY_KEY") == "1",
)
HOSTS = {f"127.0.0.1:{SETTINGS.port}", f"localhost:{SETTINGS.port}", f"{SETTINGS.host}:{SETTINGS.port}"}
STARTED = time.time()


def say(message):
    # our stdout is a pipe to the supervisor; once it is gone, writing raises BrokenPipeError
    try:
        print(message, flush=True)
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    server_version = "example-backend/1.0"

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend-Instance", SETTINGS.instance_id)
        for name, value in AUTH.cors_headers(self.headers.get("Origin")):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_OPTIONS(self):
        # a CORS preflight carries no key: it passes for configured origins only, and grants nothing else
        allowed = AUTH.preflight_headers(self.headers.get("Origin")) if self.headers.get("Host", "") in HOSTS else None
        self.send_response(403 if allowed is None else 204)
        for name, value in allowed or []:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def guard(self):
        url = urlsplit(self.path)
        if self.headers.get("Host", "") not in HOSTS:
            self.send_json(421, {"error": "misdirected request: unexpected Host header"})
            return None
        if not AUTH.allows(url.path, self.headers.get("X-API-Key"), url.query):
            self.send_json(401, {"error": "missing or invalid X-API-Key"})
            return None
        return url

    def do_GET(self):
        url = self.guard()
        if url is None:
            return
        if url.path in ("/api/health", "/health"):
            self.send_json(200, {"status": "ok", "instanceId": SETTINGS.instance_id})
        elif url.path == "/api/info":
            self.send_json(200, {"pid": os.getpid(), "uptimeSeconds": round(time.time() - STARTED, 3), "python": sys.version.split()[0]})
        elif url.path == "/":
            self.send_json(200, {"name": "example-backend", "health": "/api/health"})
        else:
            self.send_json(404, {"error": f"no route {url.path}"})

    def do_POST(self):
        url = self.guard()
        if url is None:
            return
        if url.path == "/api/shutdown":
            # the stop request (shutdown.request): a graceful stop that needs no POSIX signal
            self.send_json(202, {"stopping": True})
            say("stop request received, shutting down")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        if url.path != "/api/execute":
            self.send_json(404, {"error": f"no route {url.path}"})
            return
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length > 1_000_000:
            self.send_json(413, {"error": "payload too large"})
            return
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self.send_json(400, {"error": "body is not JSON"})
            return
        command, payload = request.get("command"), request.get("payload")
        if command == "echo":
            self.send_json(200, {"result": payload})
        elif command == "sum" and isinstance(payload, list):
            self.send_json(200, {"result": sum(x for x in payload if isinstance(x, (int, float)))})
        else:
            self.send_json(400, {"error": f"unknown command {command!r}"})

    def log_message(self, format, *args):
        try:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))
        except OSError:
            pass


if __name__ == "__main__":
    say(f"example backend listening on http://{SETTINGS.host}:{SETTINGS.port} (instance {SETTINGS.instance_id or 'unset'})")
    serve_http(Handler, SETTINGS)
    say("example backend stopped")
