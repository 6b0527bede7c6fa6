"""The FastAPI example under real uvicorn, as the supervisor runs it: a notification pipe, a port,
a key; READY=1 must mean the socket accepts."""

import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

APP = Path(__file__).resolve().parents[2] / "examples" / "fastapi-backend" / "app.py"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def backend():
    started = []

    def start(**env):
        read_end, write_end = os.pipe()
        port = free_port()
        environ = {**os.environ, "BACKEND_PORT": str(port), "BACKEND_HOST": "127.0.0.1", "BACKEND_API_KEY": "secret", "BACKEND_INSTANCE_ID": "i-1", "BACKEND_NOTIFY_FD": str(write_end), **env}
        process = subprocess.Popen([sys.executable, str(APP)], env=environ, pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_end)
        started.append(process)
        return process, port, os.fdopen(read_end, "rb")

    yield start
    for process in started:  # nothing outlives a test, whatever it asserted
        process.kill()
        process.wait()


def request(port, method, path, key=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers={"X-API-Key": key} if key else {})
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_progress_then_ready_only_once_the_socket_accepts(backend):
    process, port, notifications = backend()
    lines = []
    while "READY=1" not in lines:
        line = notifications.readline().decode()
        assert line, f"the backend closed the pipe before READY=1: {process.stderr.read().decode()[-2000:]}"
        lines.append(line.strip())
    # no retry, no sleep: at READY=1 the socket must already accept
    assert request(port, "GET", "/api/health")[0] == 200
    assert lines == ["STATUS=loading the model", "EXTEND_TIMEOUT_USEC=60000000", "STATUS=starting the server", "READY=1"]
    assert request(port, "GET", "/api/items")[0] == 401
    assert request(port, "GET", "/api/items", "secret") == (200, b'[{"id":1,"name":"first"},{"id":2,"name":"second"}]')


def test_the_stop_request_ends_the_process_cleanly(backend):
    process, port, notifications = backend()
    while notifications.readline().strip() != b"READY=1":
        pass
    assert request(port, "POST", "/api/shutdown", "secret")[0] == 202
    assert process.wait(timeout=10) == 0


def test_it_leaves_when_its_parent_is_gone(backend):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        process, _port, notifications = backend(BACKEND_PARENT_PID=str(parent.pid))
        while notifications.readline().strip() != b"READY=1":
            pass
        parent.kill()
        parent.wait()
        assert process.wait(timeout=10) == 0
    finally:
        parent.kill()


def test_ready_is_sent_when_the_socket_already_accepts_not_before():
    import threading

    from fastapi import FastAPI

    from backend_lifecycle import Notifier, Settings
    from backend_lifecycle.asgi import install, serve

    port = free_port()

    class Probe(Notifier):
        """Connects to the port at the very moment READY=1 would be written."""

        accepted = None

        def ready(self):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                Probe.accepted = True
            except OSError:
                Probe.accepted = False
            return True

    app = FastAPI()
    settings = Settings(port=port, api_key="secret")
    install(app, settings)
    thread = threading.Thread(target=serve, args=(app, settings, Probe(None)), kwargs={"log_level": "warning"}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if Probe.accepted is not None:
                break
            thread.join(0.01)
        assert Probe.accepted is True
    finally:
        app.state.backend_lifecycle_server.should_exit = True
        thread.join(5)
    assert not thread.is_alive()
