#!/usr/bin/env python3
"""The API of examples/system.json: what the app talks to. It needs the store, and finds it through
what the system hands every dependent: BACKEND_STORE_URL and BACKEND_STORE_API_KEY.
    GET  /api/health   {"status": "ok", "instanceId": ...}
    GET  /api/notes    the store's notes
    POST /api/notes    {"text": "..."}: stored in the store
"""

import json
import os
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from backend_lifecycle import AuthConfig, Settings, SettingsError, serve_http  # noqa: E402

settings = Settings.from_env()
auth = AuthConfig.from_config(api_key=settings.api_key)
store_url = os.environ.get("BACKEND_STORE_URL")
store_key = os.environ.get("BACKEND_STORE_API_KEY", "")
if not store_url:
    raise SettingsError("BACKEND_STORE_URL is not set: run this API in a system whose store it depends on (dependsOn: [\"store\"])")


def store(method, path, body=None):
    request = urllib.request.Request(store_url + path, method=method, data=None if body is None else json.dumps(body).encode(), headers={"X-API-Key": store_key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        return 503, json.dumps({"error": f"the store is unreachable: {error}"}).encode()


class Api(BaseHTTPRequestHandler):
    def answer(self, status, data):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.path == "/api/health":
            self.send_header("X-Backend-Instance", settings.instance_id)
        self.end_headers()
        self.wfile.write(data)

    def allowed(self):
        if auth.allows(self.path, self.headers.get("X-API-Key")):
            return True
        self.answer(401, b'{"error": "missing or invalid X-API-Key"}')
        return False

    def do_GET(self):
        if not self.allowed():
            return
        if self.path == "/api/health":
            return self.answer(200, json.dumps({"status": "ok", "instanceId": settings.instance_id}).encode())
        if self.path == "/api/notes":
            return self.answer(*store("GET", "/notes"))
        self.answer(404, b'{"error": "not found"}')

    def do_POST(self):
        if not self.allowed():
            return
        if self.path != "/api/notes":
            return self.answer(404, b'{"error": "not found"}')
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(min(length, 64 * 1024)) or b"{}")
        except ValueError:
            return self.answer(400, b'{"error": "body is not JSON"}')
        self.answer(*store("POST", "/notes", body))

    def log_message(self, format, *args):
        sys.stderr.write(f"api: {format % args}\n")


if __name__ == "__main__":
    serve_http(Api, settings)
