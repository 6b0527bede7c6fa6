#!/usr/bin/env python3
"""The backend side of backend-lifecycle in miniature: standard library only.

It reads what the supervisor hands it (BACKEND_PORT, BACKEND_HOST, BACKEND_API_KEY,
BACKEND_INSTANCE_ID, BACKEND_PARENT_PID), answers /api/health with its instance id, demands the
API key on every other path except the excluded ones, refuses foreign Host headers (DNS
rebinding), answers CORS preflights for the origins in BACKEND_CORS_ORIGINS only, exits cleanly on SIGTERM or on POST /api/shutdown (with the key), and exits by itself
when its parent process dies.
"""

import fnmatch
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(os.environ.get("BACKEND_PORT", "1733"))
HOST = os.environ.get("BACKEND_HOST", "127.0.0.1")
API_KEY = os.environ.get("BACKEND_API_KEY", "")
INSTANCE_ID = os.environ.get("BACKEND_INSTANCE_ID", "")
PARENT_PID = int(os.environ.get("BACKEND_PARENT_PID", "0") or 0)
# as in MineContext's config: health and static paths need no key
EXCLUDED_PATHS = ["/health", "/api/health", "/", "/static/*"]
# keys in URLs end up in logs and browser history: off unless asked for
ALLOW_QUERY_KEY = os.environ.get("BACKEND_ALLOW_QUERY_KEY") == "1"
# pages that may call this backend directly (the Electron proxy needs none): exact origins, comma-separated
CORS_ORIGINS = {origin.strip() for origin in os.environ.get("BACKEND_CORS_ORIGINS", "").split(",") if origin.strip()}
STARTED = time.time()


def say(message):
    # our stdout is a pipe to the supervisor; once it is gone, writing raises BrokenPipeError
    try:
        print(message, flush=True)
    except OSError:
        pass


def is_excluded(path):
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in EXCLUDED_PATHS)


def key_matches(candidate):
    return bool(API_KEY) and hmac.compare_digest(candidate.encode(), API_KEY.encode())


class Handler(BaseHTTPRequestHandler):
    server_version = "example-backend/1.0"

    def send_json(self, status, body, extra_headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend-Instance", INSTANCE_ID)
        for name, value in {**self.cors_headers(), **(extra_headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def cors_headers(self):
        origin = self.headers.get("Origin", "")
        if origin not in CORS_ORIGINS:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    def do_OPTIONS(self):
        # a CORS preflight carries no key: it passes for configured origins only, and grants nothing else
        if not self.host_allowed() or self.headers.get("Origin", "") not in CORS_ORIGINS:
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(204)
        for name, value in self.cors_headers().items():
            self.send_header(name, value)
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
        self.send_header("Access-Control-Allow-Headers", "X-API-Key, Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def host_allowed(self):
        host = self.headers.get("Host", "")
        return host in (f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"{HOST}:{PORT}")

    def authorized(self, url):
        if not API_KEY or is_excluded(url.path):
            return True
        if key_matches(self.headers.get("X-API-Key", "")):
            return True
        if ALLOW_QUERY_KEY:
            return key_matches(parse_qs(url.query).get("api_key", [""])[0])
        return False

    def guard(self):
        url = urlsplit(self.path)
        if not self.host_allowed():
            self.send_json(421, {"error": "misdirected request: unexpected Host header"})
            return None
        if not self.authorized(url):
            self.send_json(401, {"error": "missing or invalid X-API-Key"})
            return None
        return url

    def do_GET(self):
        url = self.guard()
        if url is None:
            return
        if url.path in ("/api/health", "/health"):
            self.send_json(200, {"status": "ok", "instanceId": INSTANCE_ID})
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


def parent_alive():
    if os.name == "nt":
        # never os.kill(pid, 0) on Windows: there it terminates the process. Ask the kernel instead.
        import ctypes

        kernel32 = ctypes.windll.kernel32
        synchronize_and_query = 0x00100000 | 0x1000
        handle = kernel32.OpenProcess(synchronize_and_query, False, PARENT_PID)
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    if os.getppid() == PARENT_PID:
        return True
    try:
        os.kill(PARENT_PID, 0)
        return True
    except OSError:
        return False


def watch_parent(server):
    # a supervisor that was SIGKILLed cannot stop us: notice it and leave
    while PARENT_PID:
        time.sleep(1)
        if not parent_alive():
            say("parent process is gone, shutting down")
            threading.Thread(target=server.shutdown, daemon=True).start()
            return


def notify_ready():
    # s6-style readiness notification: tells the supervisor to health-check now instead of at its next poll
    fd = os.environ.get("BACKEND_NOTIFY_FD")
    if not fd:
        return
    try:
        os.write(int(fd), b"READY=1\n")
        os.close(int(fd))
    except OSError:
        pass


def main():
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    server.daemon_threads = True

    def on_sigterm(signum, frame):
        say("SIGTERM received, shutting down")
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    threading.Thread(target=watch_parent, args=(server,), daemon=True).start()
    say(f"example backend listening on http://{HOST}:{PORT} (instance {INSTANCE_ID or 'unset'})")
    notify_ready()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    server.server_close()
    say("example backend stopped")


if __name__ == "__main__":
    main()
