import os
import subprocess
import sys
import threading

import pytest

from backend_lifecycle import Notifier, parent_alive, watch_parent


def test_one_line_per_message_in_systemd_vocabulary():
    read_end, write_end = os.pipe()
    notifier = Notifier(write_end)
    assert notifier.status("loading\nthe model")
    assert notifier.extend(1.5)
    assert notifier.ready()
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read().decode().splitlines() == ["STATUS=loading the model", "EXTEND_TIMEOUT_USEC=1500000", "READY=1"]


def test_without_a_fd_or_a_reader_nothing_fails():
    assert Notifier(None).ready() is False
    read_end, write_end = os.pipe()
    os.close(read_end)
    notifier = Notifier(write_end)
    assert notifier.ready() is False  # EPIPE: the supervisor went away
    assert notifier.status("still fine") is False
    os.close(write_end)


def test_parent_alive_tells_a_live_process_from_a_finished_one():
    assert parent_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not parent_alive(child.pid)


def test_watch_parent_calls_back_once_the_parent_is_gone():
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    gone = threading.Event()
    try:
        assert watch_parent(parent.pid, gone.set, interval=0.05) is not None
        assert not gone.wait(0.3)
        parent.kill()
        parent.wait()
        assert gone.wait(5)
    finally:
        parent.kill()
    assert watch_parent(None, gone.set) is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX re-parenting; Windows has no parent pid to follow")
def test_a_parent_whose_pid_was_reused_counts_as_gone(monkeypatch):
    # our direct parent died and its pid now belongs to another live process (here: ourselves);
    # being re-parented is the sign, whatever the old pid answers
    stand_in = os.getpid()
    ppid = [stand_in]
    monkeypatch.setattr(os, "getppid", lambda: ppid[0])
    gone = threading.Event()
    stop = watch_parent(stand_in, gone.set, interval=0.02)
    try:
        assert not gone.wait(0.2)
        ppid[0] = 1
        assert gone.wait(5)
    finally:
        if stop is not None:
            stop.set()
