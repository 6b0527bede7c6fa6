import threading
from types import SimpleNamespace

import pytest

pytest.importorskip("starlette")
from fastapi import FastAPI, HTTPException, WebSocket  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from backend_lifecycle import AuthConfig, CommandError, Commands, Settings  # noqa: E402
from backend_lifecycle.asgi import install  # noqa: E402

settings = Settings(port=1733, api_key="secret", instance_id="instance-1")
ORIGIN = "http://localhost:5173"
slow_started = threading.Event()
slow_release = threading.Event()


def make_app():
    app = FastAPI()
    commands = Commands()

    @commands.register("echo")
    def echo(payload):
        if payload is None:
            raise CommandError("echo needs a payload")
        return payload

    @commands.register("slow")
    def slow(_payload):
        slow_started.set()
        slow_release.wait(10)
        return "done"

    @app.get("/api/items")
    def items():
        return [1, 2]

    @app.websocket("/api/events")
    async def events(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json({"event": "hello"})
        await websocket.close()

    @app.get("/api/strict")
    def strict():
        raise HTTPException(status_code=409, detail="the document is locked")

    install(app, settings, AuthConfig.from_config({"excluded_paths": ["/static/*"]}, api_key="secret", cors_origins=(ORIGIN,)), commands)
    return app


@pytest.fixture
def client():
    return TestClient(make_app(), base_url="http://127.0.0.1:1733")


def test_health_echoes_the_instance_in_header_and_json_without_a_key(client):
    answer = client.get("/api/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "instanceId": "instance-1"}
    assert answer.headers["x-backend-instance"] == "instance-1"


def test_everything_else_needs_the_key_by_header(client):
    assert client.get("/api/items").status_code == 401
    assert client.get("/api/items", headers={"X-API-Key": "wrong"}).json() == {"error": "missing or invalid X-API-Key"}
    assert client.get("/api/items?api_key=secret").status_code == 401
    assert client.get("/api/items", headers={"X-API-Key": "secret"}).json() == [1, 2]
    assert client.get("/static/app.js").status_code == 404  # excluded: no 401, simply not there


def test_foreign_host_headers_are_refused(client):
    assert client.get("/api/health", headers={"Host": "attacker.example:1733"}).status_code == 421
    assert client.get("/api/health", headers={"Host": "localhost:1733"}).status_code == 200


def test_cors_preflight_for_configured_origins_only(client):
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
    allowed = client.options("/api/items", headers=preflight)
    assert (allowed.status_code, allowed.headers["access-control-allow-origin"]) == (204, ORIGIN)
    refused = client.options("/api/items", headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    marked = client.get("/api/items", headers={"Origin": ORIGIN, "X-API-Key": "secret"})
    assert marked.headers["access-control-allow-origin"] == ORIGIN


def test_execute_answers_results_and_the_commands_own_errors(client):
    key = {"X-API-Key": "secret"}
    assert client.post("/api/execute", json={"command": "echo", "payload": {"a": 1}}, headers=key).json() == {"result": {"a": 1}}
    failed = client.post("/api/execute", json={"command": "echo"}, headers=key)
    assert (failed.status_code, failed.json()) == (400, {"error": "echo needs a payload"})
    assert client.post("/api/execute", json={"command": "echo"}).status_code == 401


def test_the_stop_request_needs_the_key_and_stops_the_server(client):
    server = SimpleNamespace(should_exit=False)
    client.app.state.backend_lifecycle_server = server
    assert client.post("/api/shutdown").status_code == 401
    answer = client.post("/api/shutdown", headers={"X-API-Key": "secret"})
    assert (answer.status_code, answer.json()) == (202, {"stopping": True})
    assert server.should_exit


def test_a_slow_command_does_not_stall_the_server():
    # one event loop for every request, as under uvicorn
    with TestClient(make_app(), base_url="http://127.0.0.1:1733") as shared:
        answers = []
        worker = threading.Thread(target=lambda: answers.append(shared.post("/api/execute", json={"command": "slow"}, headers={"X-API-Key": "secret"})))
        worker.start()
        try:
            assert slow_started.wait(10)
            # health must answer while the command still runs: a stalled loop fails health checks and gets the backend restarted
            assert shared.get("/api/health").status_code == 200
            assert worker.is_alive()
        finally:
            slow_release.set()
            worker.join(15)
        assert answers[0].json() == {"result": "done"}


def test_websockets_need_the_key_and_our_host_like_any_request(client):
    # a web page may open ws://127.0.0.1:<port> from any site (no CORS for WebSockets): only the key keeps it out
    from starlette.websockets import WebSocketDisconnect

    ours = {"Host": "127.0.0.1:1733"}  # the test client's own WebSocket Host is "testserver"
    for headers in (ours, {**ours, "X-API-Key": "wrong"}, {"X-API-Key": "secret", "Host": "attacker.example:1733"}):
        with pytest.raises(WebSocketDisconnect):
            with client.websocket_connect("/api/events", headers=headers) as socket:
                socket.receive_json()
    with client.websocket_connect("/api/events", headers={**ours, "X-API-Key": "secret"}) as socket:
        assert socket.receive_json() == {"event": "hello"}
