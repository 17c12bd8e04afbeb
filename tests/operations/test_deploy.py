"""deploy/: the systemd units pass `systemd-analyze verify` when written for this checkout
(so every program they start exists here), hold the hardening the README promises, and
`mapbot start` becomes the service with its secrets kept off the command line."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT
from bot.operations.deploy import AS_WRITTEN, SECRETS, UNITS_DIR, Install, units, write_units
from bot.operations.stack import free_port

SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze"
MAPBOT = str(ROOT / ".venv" / "bin" / "mapbot")
SERVICES = ["mapbot-actions@.service", "mapbot-portal.service", "mapbot-rasa@.service"]


def verify(folder: Path) -> subprocess.CompletedProcess:
    """systemd-analyze verify on every unit in `folder`, finding their dependencies there:
    a unit it warns about (an unknown setting, say) fails as an error would."""
    if not Path(SYSTEMD_ANALYZE).exists():
        pytest.fail(f"{SYSTEMD_ANALYZE} is needed (Debian: apt-get install systemd)")
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *sorted(str(p) for p in folder.iterdir())],
        capture_output=True, text=True, timeout=120,
        env=os.environ | {"SYSTEMD_UNIT_PATH": f"{folder}:", "SYSTEMD_LOG_COLOR": "0"})


def here(tmp_path: Path) -> Install:
    return Install(prefix=str(ROOT), state_dir=str(tmp_path / "state"),
                   env_file=str(tmp_path / "mapbot.env"), user="mapbot")


def test_the_units_for_this_checkout_pass_systemd_analyze_verify(tmp_path) -> None:
    written = write_units(here(tmp_path), tmp_path / "units")
    assert sorted(p.name for p in written) == sorted([*SERVICES, "mapbot.target"])
    result = verify(tmp_path / "units")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_verify_fails_units_whose_programs_are_missing(tmp_path) -> None:
    """What makes the check above honest: the same units for an empty prefix fail."""
    nowhere = Install(prefix=str(tmp_path / "nowhere"))
    write_units(nowhere, tmp_path / "units")
    result = verify(tmp_path / "units")
    assert result.returncode != 0
    assert f"{tmp_path}/nowhere/.venv/bin/mapbot is not executable" in result.stderr


def test_verify_fails_a_setting_systemd_does_not_know(tmp_path) -> None:
    write_units(here(tmp_path), tmp_path / "units")
    unit = tmp_path / "units" / "mapbot-portal.service"
    unit.write_text(unit.read_text().replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"))
    result = verify(tmp_path / "units")
    assert "Unknown key 'NoNewPrivilege'" in result.stdout + result.stderr


def settings_of(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_as_its_own_user_with_the_hardening(name: str) -> None:
    unit = settings_of((UNITS_DIR / name).read_text())
    expected = {"User": ["mapbot"], "Group": ["mapbot"], "NoNewPrivileges": ["yes"],
                "ProtectSystem": ["strict"], "ProtectHome": ["yes"], "PrivateTmp": ["yes"],
                "StateDirectory": ["mapbot"], "Restart": ["on-failure"],
                "EnvironmentFile": ["/etc/mapbot/mapbot.env"], "CapabilityBoundingSet": [""]}
    assert {key: unit.get(key) for key in expected} == expected
    # Writable: the state folder only (also seen as the checkout's var/).
    assert "ReadWritePaths" not in unit
    assert unit["BindPaths"] == ["/var/lib/mapbot:/opt/mapbot/var"]
    # No secret in a unit: units are readable by every user.
    assert not [line for line in (UNITS_DIR / name).read_text().splitlines()
                if any(secret in line for secret in SECRETS)]


def test_units_for_another_install_keep_nothing_of_the_written_one(tmp_path) -> None:
    other = Install(prefix="/srv/mapbot-2", state_dir="/srv/state", env_file="/srv/env",
                    user="mapbot2")
    for name, text in units(other).items():
        assert "/opt/mapbot" not in text and "/var/lib/mapbot" not in text, name
        assert "/etc/mapbot" not in text, name
    portal = settings_of(units(other)["mapbot-portal.service"])
    assert portal["ExecStart"] == ["/srv/mapbot-2/.venv/bin/mapbot serve"]
    assert portal["User"] == ["mapbot2"] and portal["EnvironmentFile"] == ["/srv/env"]
    assert portal["BindPaths"] == ["/srv/state:/srv/mapbot-2/var"]
    assert units(AS_WRITTEN) == {p.name: p.read_text() for p in UNITS_DIR.iterdir()}
    with pytest.raises(ValueError):
        units(Install(prefix="relative/path"))


# mapbot start --------------------------------------------------------------------------


def service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAPBOT_")}
    return env | {name: secrets.token_urlsafe(32) for name in SECRETS} | {
        "STATE_DIRECTORY": str(tmp_path),
        "MAPBOT_TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'trackers.db'}",
        "MAPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'mapbot.db'}",
        "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"} | extra


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def start(started: list, env: dict, *args: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen([MAPBOT, "start", *args], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    started.append(process)
    return process


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float,
             **kwargs) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            return httpx.get(url, timeout=5, **kwargs)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered: {log.read_text()[-3000:]}")


def command_line(process: subprocess.Popen) -> str:
    return Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def jwt(secret: str) -> str:
    """An HS256 admin token, as Rasa's HTTP API would take one (`--jwt-secret`)."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps({"user": {"username": "actions", "role": "admin"}}).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{part(signature.digest())}"


def test_start_refuses_to_make_up_secrets(tmp_path) -> None:
    env = service_env(tmp_path)
    del env["MAPBOT_RASA_CHANNEL_SECRET"]
    result = subprocess.run([MAPBOT, "start", "rasa", "1"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "Not set in the environment file: MAPBOT_RASA_CHANNEL_SECRET." in result.stderr


def test_start_knows_only_the_rasa_servers_configured(tmp_path) -> None:
    result = subprocess.run([MAPBOT, "start", "actions", "2"], env=service_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "There is no Rasa server 2: MAPBOT_RASA_URLS names 1." in result.stderr


def test_start_becomes_the_rasa_server_with_its_secrets_off_the_command_line(
        tmp_path, started) -> None:
    rasa_port, action_port = free_port(), free_port()
    env = service_env(tmp_path, MAPBOT_RASA_URLS=f"http://127.0.0.1:{rasa_port}",
                      MAPBOT_ACTION_PORT=str(action_port))
    actions = start(started, env, "actions", "1", log=tmp_path / "actions.log")
    rasa = start(started, env, "rasa", "1", log=tmp_path / "rasa.log")
    wait_for(f"http://127.0.0.1:{action_port}/health", actions, tmp_path / "actions.log", 120)
    assert wait_for(f"http://127.0.0.1:{rasa_port}/", rasa, tmp_path / "rasa.log",
                    400).status_code == 200
    # Rasa's HTTP API is off (bot/rasa_patches/run_rasa.py), even for a signed token,
    token = jwt(env["MAPBOT_RASA_CHANNEL_SECRET"])
    status = httpx.get(f"http://127.0.0.1:{rasa_port}/status", timeout=10,
                       headers={"Authorization": f"Bearer {token}"})
    assert status.status_code == 404, status.text
    # and the mapbot channel reads no text for anyone, even the portal.
    parse = httpx.post(f"http://127.0.0.1:{rasa_port}/webhooks/mapbot/parse", timeout=10,
                       json={"text": "hi"}, headers={
                           "Authorization": f"Bearer {env['MAPBOT_RASA_CHANNEL_SECRET']}"})
    assert parse.status_code == 404, parse.text
    # The same processes, become the services (what systemd watches), and no secret in
    # what every user of the machine can read.
    for process in (actions, rasa):
        line = command_line(process)
        assert "mapbot start" not in line and ".venv-rasa/bin/python" in line
        assert not [name for name in SECRETS if env[name] in line], line
    assert "-m bot.rasa_patches.run_rasa run" in command_line(rasa)
    endpoints = (tmp_path / "rasa.endpoints.yml").read_text()
    assert f"127.0.0.1:{action_port}/webhook" in endpoints


def test_mapbot_units_warns_of_a_python_the_units_would_hide(tmp_path) -> None:
    """ProtectHome=yes hides /root and /home from the services: a venv made from a pyenv
    there would not start, though `systemd-analyze verify` cannot see it."""
    prefix = tmp_path / "mapbot"
    for venv, target in ((".venv", "/root/.pyenv/versions/3.11.7/bin/python3.11"),
                         (".venv-rasa", "/usr/bin/python3")):
        (prefix / venv / "bin").mkdir(parents=True)
        (prefix / venv / "bin" / "python").symlink_to(target)
    result = subprocess.run([MAPBOT, "units", "--prefix", str(prefix), "--out",
                             str(tmp_path / "units")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Warning: /root/.pyenv/versions/3.11.7/bin/python3.11 is in a folder the units "
        "hide from the services (ProtectHome=yes): install MapBot and its Python "
        "elsewhere, e.g. pyenv with PYENV_ROOT=/opt/pyenv."]
    assert len(result.stdout.splitlines()) == 4
    assert f"ExecStart={prefix}/.venv/bin/mapbot serve" in (
        tmp_path / "units" / "mapbot-portal.service").read_text()
