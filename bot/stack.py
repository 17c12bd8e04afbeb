"""Starting and stopping the three services: used by `mapbot run` and by the tests.

The portal runs from `.venv` (Python 3.11); the Rasa server and the action server run
from `.venv-rasa` (Python 3.10). Each gets its settings through its environment.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.config import ROOT, Settings

RASA_BIN = ROOT / ".venv-rasa" / "bin"
MODEL_NAME = "mapbot"
TRAINING_INPUTS = ("domain.yml", "config.yml", "data")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def with_secrets(settings: Settings) -> Settings:
    """Fill empty shared secrets with random ones for this run (development only)."""
    from dataclasses import replace

    return replace(
        settings,
        action_secret=settings.action_secret or secrets.token_urlsafe(32),
        internal_secret=settings.internal_secret or secrets.token_urlsafe(32),
        rasa_jwt_secret=settings.rasa_jwt_secret or secrets.token_urlsafe(32),
    )


def model_dir(settings: Settings) -> Path:
    path = Path(settings.model_dir)
    return path if path.is_absolute() else ROOT / path


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = ROOT / name
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def train(settings: Settings, log: Path | None = None) -> Path:
    """Train the model unless one from the same training data is already there."""
    out = model_dir(settings)
    model = out / f"{MODEL_NAME}.tar.gz"
    stamp = out / f"{MODEL_NAME}.fingerprint"
    fingerprint = training_fingerprint()
    if model.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return model
    out.mkdir(parents=True, exist_ok=True)
    command = [str(RASA_BIN / "rasa"), "train", "--fixed-model-name", MODEL_NAME,
               "--out", str(out), "--force"]
    with _log_file(log) as stream:
        subprocess.run(command, cwd=ROOT, env=service_env(settings), check=True,
                       stdout=stream, stderr=subprocess.STDOUT)
    stamp.write_text(fingerprint)
    return model


def tracker_env(url: str) -> dict[str, str]:
    """Rasa's SQL tracker store takes a whole URL in `url` plus a dialect name."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path = path if path.is_absolute() else ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return {"MAPBOT_TRACKER_URL": f"sqlite:///{path}", "MAPBOT_TRACKER_DIALECT": "sqlite"}
    scheme = urlsplit(url).scheme.split("+")[0]
    dialect = "postgresql" if scheme in ("postgres", "postgresql") else scheme
    if dialect == "postgresql":
        url = "postgresql://" + url.split("://", 1)[1]
    return {"MAPBOT_TRACKER_URL": url, "MAPBOT_TRACKER_DIALECT": dialect}


def service_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "MAPBOT_HOST": settings.host,
        "MAPBOT_PORT": str(settings.port),
        "MAPBOT_PUBLIC_URL": settings.public_url,
        "MAPBOT_DATABASE_URL": settings.database_url,
        "MAPBOT_TRACKER_DATABASE_URL": settings.tracker_database_url,
        "MAPBOT_RASA_URL": settings.rasa_url,
        "MAPBOT_ACTION_PORT": str(settings.action_port),
        "MAPBOT_PORTAL_INTERNAL_URL": settings.internal_url,
        "MAPBOT_ACTION_SECRET": settings.action_secret,
        "MAPBOT_INTERNAL_SECRET": settings.internal_secret,
        "MAPBOT_RASA_JWT_SECRET": settings.rasa_jwt_secret,
        "MAPBOT_MODEL_DIR": str(model_dir(settings)),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "LOG_LEVEL_LIBRARIES": "ERROR",
        # Rasa's PostgreSQL default (50 + 100 per process) would exhaust a small server.
        "SQL_POOL_SIZE": "5",
        "SQL_MAX_OVERFLOW": "5",
        "PYTHONPATH": str(ROOT),
    })
    env.update(tracker_env(settings.tracker_database_url))
    return env


class _log_file:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    def __enter__(self):
        if self.path is None:
            self.stream = None
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = open(self.path, "ab")  # noqa: SIM115 - closed in __exit__
        return self.stream

    def __exit__(self, *exc) -> None:
        if self.stream:
            self.stream.close()


@dataclass
class Stack:
    """The three services as child processes."""

    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def commands(self) -> dict[str, list[str]]:
        model = model_dir(self.settings) / f"{MODEL_NAME}.tar.gz"
        return {
            "actions": [str(RASA_BIN / "python"), "-m", "actions.server"],
            # The HTTP API is on only for the action server's NLU calls, and every
            # call to it needs a token signed with the shared JWT secret.
            "rasa": [str(RASA_BIN / "rasa"), "run", "-i", "127.0.0.1",
                     "-p", str(self.settings.rasa_port), "--model", str(model),
                     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                     "--enable-api", "--jwt-secret", self.settings.rasa_jwt_secret,
                     "--jwt-method", "HS256"],
            "portal": [sys.executable, "-m", "bot.cli", "serve"],
        }

    def ports(self) -> dict[str, int]:
        return {"actions": self.settings.action_port, "rasa": self.settings.rasa_port,
                "portal": self.settings.port}

    def start(self, *names: str) -> None:
        env = service_env(self.settings)
        names = names or ("actions", "rasa", "portal")
        for name in names:
            if not port_is_free(self.ports()[name]):
                raise RuntimeError(f"port {self.ports()[name]} for {name} is already in use")
        for name in names:
            with _log_file(self.log_dir / f"{name}.log") as stream:
                self.processes[name] = subprocess.Popen(
                    self.commands()[name], cwd=ROOT, env=env, stdout=stream,
                    stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # it would not stop politely
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.settings.port}/healthz"
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the services did not become healthy; see {self.log_dir}")

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); "
                                   f"see {self.log_dir / (name + '.log')}")

    def logs(self) -> Iterator[str]:
        for path in sorted(self.log_dir.glob("*.log")):
            yield f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
