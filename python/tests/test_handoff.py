"""Socket handoff: the companion serves on the socket the supervisor bound, or says by name why not."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from backend_lifecycle import Settings, SettingsError, listening_socket, serve_http


def bound_socket():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def test_reads_the_listen_fd_and_hands_back_a_listening_socket():
    held = bound_socket()
    try:
        settings = Settings.from_env({"BACKEND_PORT": str(held.getsockname()[1]), "BACKEND_LISTEN_FD": str(os.dup(held.fileno()))})
        sock = listening_socket(settings)
        assert sock is not None and sock.family == socket.AF_INET
        # listening: a connection is accepted by the kernel before anyone calls accept()
        with socket.create_connection(held.getsockname(), timeout=2):
            pass
        sock.close()
    finally:
        held.close()


def accepted_nodelay(listener):
    """TCP_NODELAY of a connection accepted on ``listener``, after asyncio's own transport setup."""
    from asyncio import base_events

    with socket.create_connection(listener.getsockname(), timeout=2):
        conn, _ = listener.accept()
        with conn:
            base_events._set_nodelay(conn)
            return conn.family, conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_the_handed_socket_keeps_tcp_nodelay_which_uvicorns_own_fd_option_loses():
    # docs/backend.md: uvicorn --fd wraps the fd as AF_UNIX, so asyncio never sets TCP_NODELAY on
    # what it accepts; listening_socket() (what serve() uses) reads the real family from the fd
    held = bound_socket()
    held.listen()
    try:
        as_uvicorn_fd = socket.fromfd(held.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)
        assert accepted_nodelay(as_uvicorn_fd) == (socket.AF_UNIX, 0)
        as_uvicorn_fd.close()
        settings = Settings.from_env({"BACKEND_PORT": str(held.getsockname()[1]), "BACKEND_LISTEN_FD": str(os.dup(held.fileno()))})
        ours = listening_socket(settings)
        family, nodelay = accepted_nodelay(ours)
        assert family == socket.AF_INET and nodelay != 0
        ours.close()
    finally:
        held.close()


def test_without_handoff_there_is_no_socket():
    assert listening_socket(Settings.from_env({"BACKEND_PORT": "1733"})) is None


def test_a_closed_fd_is_refused_by_name():
    fd = os.dup(1)
    os.close(fd)
    with pytest.raises(SettingsError) as raised:
        listening_socket(Settings.from_env({"BACKEND_PORT": "1733", "BACKEND_LISTEN_FD": str(fd)}))
    assert str(raised.value).startswith(f"BACKEND_LISTEN_FD={fd} is not an open socket (Bad file descriptor); it is set by the supervisor's handoff option")


def test_a_pipe_is_refused_by_name():
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(SettingsError) as raised:
            listening_socket(Settings.from_env({"BACKEND_PORT": "1733", "BACKEND_LISTEN_FD": str(read_end)}))
        assert f"BACKEND_LISTEN_FD={read_end} is not an open socket" in str(raised.value)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_udp_socket_is_refused_by_name():
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(SettingsError) as raised:
            listening_socket(Settings.from_env({"BACKEND_PORT": "1733", "BACKEND_LISTEN_FD": str(udp.fileno())}))
        assert str(raised.value) == f"BACKEND_LISTEN_FD={udp.fileno()} is not a TCP socket; it is set by the supervisor's handoff option, which passes the listening socket as that fd"
        # still ours: the check must not have closed it
        assert udp.fileno() >= 0
    finally:
        udp.close()


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


def test_serve_http_serves_on_the_handed_socket():
    held = bound_socket()
    held.listen(16)  # as the supervisor's helper does: connections queue before the thread serves
    port = held.getsockname()[1]
    settings = Settings.from_env({"BACKEND_PORT": str(port), "BACKEND_LISTEN_FD": str(os.dup(held.fileno()))})
    thread = threading.Thread(target=serve_http, args=(Hello, settings), daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"hello"
    finally:
        held.close()


APP = Path(__file__).resolve().parents[2] / "examples" / "fastapi-backend" / "app.py"


@pytest.mark.skipif(sys.platform == "win32", reason="handoff is POSIX")
def test_uvicorn_serves_on_the_handed_socket_and_a_connection_made_before_it_serves_waits():
    pytest.importorskip("uvicorn")
    pytest.importorskip("fastapi")
    held = bound_socket()
    held.listen(16)
    port = held.getsockname()[1]
    env = {**os.environ, "BACKEND_PORT": str(port), "BACKEND_API_KEY": "secret", "BACKEND_INSTANCE_ID": "i-9", "BACKEND_LISTEN_FD": "4", "EXAMPLE_LOAD_SECONDS": "0.5"}
    started = time.monotonic()
    # the socket as fd 4 of the backend, as the supervisor passes it
    process = subprocess.Popen(
        [sys.executable, "-c", f"import os, runpy, sys; os.dup2({held.fileno()}, 4); sys.argv = [{str(APP)!r}]; runpy.run_path({str(APP)!r}, run_name='__main__')"],
        env=env, pass_fds=(held.fileno(),), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/health")
        answer = connection.getresponse()
        assert (answer.status, answer.getheader("X-Backend-Instance")) == (200, "i-9"), process.stderr
        # sent while the model was still loading: it waited in the queue instead of being refused
        assert time.monotonic() - started >= 0.5
    finally:
        process.kill()
        process.wait()
        held.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
@pytest.mark.parametrize("attempt", range(10))
def test_serve_http_exits_cleanly_on_sigterm_even_right_after_ready(attempt):
    # SIGTERM at once after READY=1: the handler must already be there (CI once caught it missing)
    held = bound_socket()
    port = held.getsockname()[1]
    held.close()
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from http.server import BaseHTTPRequestHandler\n"
        "from backend_lifecycle import serve_http\n"
        "try:\n    serve_http(BaseHTTPRequestHandler)\nfinally:\n    print('cleaned up', flush=True)\n"
    ) % str(Path(__file__).resolve().parents[1])
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "BACKEND_PORT": str(port), "BACKEND_NOTIFY_FD": str(write_end)}, pass_fds=(write_end,), stdout=subprocess.PIPE)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as notifications:
            assert notifications.readline() == b"READY=1\n"
        process.terminate()
        out, _ = process.communicate(timeout=10)
        assert (process.returncode, out) == (0, b"cleaned up\n")
    finally:
        process.kill()
        process.wait()
