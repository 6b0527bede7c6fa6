#!/usr/bin/env python3
"""The database-like service of examples/system.json: notes kept in SQLite, served over HTTP.

Standard library and the Python companion only. Every route but health needs the API key the
supervisor gave it; its dependents (the API) receive that key as BACKEND_STORE_API_KEY.
    GET  /api/health   {"status": "ok", "instanceId": ..., "notes": <count>}
    GET  /notes        [{"id": 1, "text": "..."}]
    POST /notes        {"text": "..."} -> 201 {"id": n}
The database file: $STORE_PATH, else backend-lifecycle-example/notes.sqlite3 in the user's data folder
($XDG_DATA_HOME or ~/.local/share), never a predictable name in the shared temp folder.
"""

import json
import os
import sqlite3
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from backend_lifecycle import AuthConfig, BackendHandler, Notifier, Settings, serve_http  # noqa: E402

settings = Settings.from_env()
notifier = Notifier(settings.notify_fd)
auth = AuthConfig.from_config(api_key=settings.api_key)
# another user could create a fixed name in /tmp first, and read or replace the notes
data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
path = Path(os.environ.get("STORE_PATH") or data_home / "backend-lifecycle-example" / "notes.sqlite3")
path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
notifier.status(f"opening {path}")
database = sqlite3.connect(path, check_same_thread=False)
database.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
database.commit()
lock = threading.Lock()


class Store(BackendHandler):
    settings = settings
    auth = auth

    def do_GET(self):
        url = self.admit()
        if url is None:
            return
        if url.path == "/api/health":
            with lock:
                (count,) = database.execute("SELECT COUNT(*) FROM notes").fetchone()
            return self.send_json(200, {"status": "ok", "instanceId": settings.instance_id, "notes": count})
        if url.path == "/notes":
            with lock:
                rows = database.execute("SELECT id, text FROM notes ORDER BY id").fetchall()
            return self.send_json(200, [{"id": row[0], "text": row[1]} for row in rows])
        self.send_json(404, {"error": "not found"})

    def do_POST(self):
        url = self.admit()
        if url is None:
            return
        if url.path != "/notes":
            return self.send_json(404, {"error": "not found"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            text = json.loads(self.rfile.read(min(length, 64 * 1024)) or b"{}").get("text")
        except (ValueError, AttributeError):
            text = None
        if not isinstance(text, str) or not text.strip():
            return self.send_json(400, {"error": 'expected {"text": "..."}'})
        with lock:
            cursor = database.execute("INSERT INTO notes (text) VALUES (?)", (text,))
            database.commit()
        self.send_json(201, {"id": cursor.lastrowid})

    def log_message(self, format, *args):
        sys.stderr.write(f"store: {format % args}\n")


if __name__ == "__main__":
    try:
        serve_http(Store, settings, notifier)
    finally:
        database.close()
