#!/usr/bin/env python3
"""A FastAPI backend supervised by backend-lifecycle, through the Python companion (python/).

Health echoes the instance id, everything else needs the API key (MineContext's api_auth shape),
progress shows while it starts, READY=1 goes out once uvicorn's socket accepts, POST /api/shutdown
stops it cleanly on every system, and python:execute commands answer with their own errors.
Run (with fastapi and uvicorn installed), the socket handed over by the supervisor:
    npx backend-lifecycle run --handoff -- python3 examples/fastapi-backend/app.py
or without --handoff: it then binds BACKEND_PORT itself.
"""

import os
import sys
import time
from pathlib import Path

# the companion from this repository; in your app: pip install ./python (or vendor it)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from fastapi import FastAPI  # noqa: E402

from backend_lifecycle import AuthConfig, CommandError, Commands, Notifier, Settings  # noqa: E402
from backend_lifecycle.asgi import install, serve  # noqa: E402

settings = Settings.from_env()
notifier = Notifier(settings.notify_fd)
# the shape of MineContext's config.yaml api_auth section
config = {"api_auth": {"enabled": True, "api_keys": [], "excluded_paths": ["/static/*"]}}

notifier.status("loading the model")
notifier.extend(60)  # a slow first start may take a minute more than the app's startupTimeoutMs
time.sleep(float(os.environ.get("EXAMPLE_LOAD_SECONDS", "0.2")))

app = FastAPI(title="example FastAPI backend")
commands = Commands()


@commands.register("sum")
def total(payload):
    if not isinstance(payload, list) or not all(isinstance(x, (int, float)) for x in payload):
        raise CommandError("sum expects a list of numbers")
    return sum(payload)


@app.get("/api/items")
def items():
    return [{"id": 1, "name": "first"}, {"id": 2, "name": "second"}]


install(app, settings, AuthConfig.from_config(config["api_auth"], api_key=settings.api_key, cors_origins=tuple(filter(None, os.environ.get("BACKEND_CORS_ORIGINS", "").split(",")))), commands)
notifier.status("starting the server")

if __name__ == "__main__":
    serve(app, settings, notifier, log_level="warning")
