#!/usr/bin/env python3
"""The backend side of backend-lifecycle in miniature: standard library and the Python companion.

The companion (python/backend_lifecycle) reads what the supervisor hands over (BACKEND_PORT,
BACKEND_HOST, BACKEND_API_KEY, BACKEND_INSTANCE_ID, BACKEND_PARENT_PID, BACKEND_NOTIFY_FD, and
BACKEND_LISTEN_FD with --handoff), says READY=1 once the socket listens, exits cleanly on SIGTERM
and when its parent dies, and its BackendHandler holds MineContext's api_auth rules, the Host
check (DNS rebinding) and CORS preflights for the origins in BACKEND_CORS_ORIGINS only. This file
adds the routes: health with the instance id, /api/info, python:execute's /api/execute, and
POST /api/shutdown (with the key) as the stop request.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

# the companion: beside this file in a copied project, else in this repository's python/ folder
HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parents[1] / "python"):
    if (folder / "backend_lifecycle").is_dir():
        sys.path.insert(0, str(folder))
        break

from backend_lifecycle import AuthConfig, BackendHandler, Settings, serve_http  # noqa: E402

SETTINGS = Settings.from_env()
CORS_ORIGINS = [origin.strip() for origin in os.environ.get("BACKEND_CORS_ORIGINS", "").split(",") if origin.strip()]
AUTH = AuthConfig.from_config(
    # as in MineContext's config: health, the index and static paths need no key
    {"enabled": bool(SETTINGS.api_key), "excluded_paths": ["/", "/static/*"], "cors_origins": CORS_ORIGINS},
    api_key=SETTINGS.api_key,
    # keys in URLs end up in logs and browser history: off unless asked for
    allow_query_key=os.environ.get("BACKEND_ALLOW_QUERY_KEY") == "1",
)
STARTED = time.time()


def say(message):
    # our stdout is a pipe to the supervisor; once it is gone, writing raises BrokenPipeError
    try:
        print(message, flush=True)
    except OSError:
        pass


class Handler(BackendHandler):
    server_version = "example-backend/1.0"
    settings = SETTINGS
    auth = AUTH

    def do_GET(self):
        url = self.admit()
        if url is None:
            return
        if url.path in ("/api/health", "/health"):
            self.send_health()
        elif url.path == "/api/info":
            self.send_json(200, {"pid": os.getpid(), "uptimeSeconds": round(time.time() - STARTED, 3), "python": sys.version.split()[0]})
        elif url.path == "/":
            self.send_json(200, {"name": "example-backend", "health": "/api/health"})
        else:
            self.send_json(404, {"error": f"no route {url.path}"})

    def do_POST(self):
        url = self.admit()
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
