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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from backend_lifecycle import AuthConfig, BackendHandler, Settings, SettingsError, serve_http  # noqa: E402

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


class Api(BackendHandler):
    settings = settings
    auth = auth

    def do_GET(self):
        url = self.admit()
        if url is None:
            return
        if url.path == "/api/health":
            return self.send_health()
        if url.path == "/api/notes":
            return self.send_json(*store("GET", "/notes"))
        self.send_json(404, {"error": "not found"})

    def do_POST(self):
        url = self.admit()
        if url is None:
            return
        if url.path != "/api/notes":
            return self.send_json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(min(length, 64 * 1024)) or b"{}")
        except ValueError:
            return self.send_json(400, {"error": "body is not JSON"})
        self.send_json(*store("POST", "/notes", body))

    def log_message(self, format, *args):
        sys.stderr.write(f"api: {format % args}\n")


if __name__ == "__main__":
    serve_http(Api, settings)
