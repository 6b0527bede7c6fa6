"""BackendHandler: the contract for http.server handlers (Host check, key, CORS, instance id)."""

import http.client
import socket
import threading

from backend_lifecycle import AuthConfig, BackendHandler, Settings, serve_http


def start(auth_config=None, api_key="secret"):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    settings = Settings.from_env({"BACKEND_PORT": str(port), "BACKEND_API_KEY": api_key, "BACKEND_INSTANCE_ID": "i-7"})

    class Handler(BackendHandler):
        def do_GET(self):
            url = self.admit()
            if url is None:
                return
            if url.path == "/api/health":
                return self.send_health()
            self.send_json(200, {"path": url.path})

        def log_message(self, *args):
            pass

    Handler.settings = settings
    Handler.auth = AuthConfig.from_config(auth_config, api_key=api_key)
    threading.Thread(target=serve_http, args=(Handler, settings), daemon=True).start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            threading.Event().wait(0.02)
    return port


def call(port, path, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers=headers or {})
    answer = connection.getresponse()
    return answer.status, dict(answer.getheaders()), answer.read()


def test_health_carries_the_instance_without_a_key_and_everything_else_needs_it():
    port = start()
    status, headers, body = call(port, "/api/health")
    assert (status, headers["X-Backend-Instance"], body) == (200, "i-7", b'{"status": "ok", "instanceId": "i-7"}')
    assert call(port, "/api/items")[0] == 401
    assert call(port, "/api/items", headers={"X-API-Key": "secretx"})[0] == 401
    assert call(port, "/api/items?api_key=secret")[0] == 401
    assert call(port, "/api/items", headers={"X-API-Key": "secret"})[0] == 200


def test_a_foreign_host_header_is_refused_as_dns_rebinding():
    port = start()
    assert call(port, "/api/health", headers={"Host": f"attacker.example:{port}"})[0] == 421
    assert call(port, "/api/health", headers={"Host": f"localhost:{port}"})[0] == 200


def test_cors_preflights_pass_for_configured_origins_only_and_mark_their_answers():
    port = start({"cors_origins": ["http://localhost:5173"]})
    preflight = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}
    status, headers, _ = call(port, "/api/items", "OPTIONS", preflight)
    assert (status, headers["Access-Control-Allow-Origin"]) == (204, "http://localhost:5173")
    assert call(port, "/api/items", "OPTIONS", {**preflight, "Origin": "https://evil.example"})[0] == 403
    _, headers, _ = call(port, "/api/items", headers={"X-API-Key": "secret", "Origin": "http://localhost:5173"})
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    _, headers, _ = call(port, "/api/items", headers={"X-API-Key": "secret", "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
