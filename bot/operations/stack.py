"""Starting and stopping the three services: used by `mapbot run`, the end-to-end tests
and the benchmark (`local_settings`, `running`, `add_worker`: the one way they start them).

The portal runs from `.venv` (Python 3.11); the Rasa server and the action server run
from `.venv-rasa` (Python 3.10). Each gets its settings through its environment, and
only its own (`portal_env`, `rasa_env`, `actions_env`): no secret is on a command line.

There may be several Rasa servers, each with its own action server (a "Rasa instance"):
instance 1 is `rasa` + `actions`, instance N is `rasa-N` + `actions-N`. Each Rasa server
gets an endpoints file written from the settings (`<log dir>/rasa[-N].endpoints.yml`):
its own action server, the shared SQL tracker store, and Redis as the lock store when
`MAPBOT_REDIS_URL` is set (endpoints.yml cannot switch store types through ${...}).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from bot.config import ROOT, Settings
from bot.operations.private_files import PRIVATE_UMASK
from bot.portal.health import HEALTH_CACHE_SECONDS

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
    return replace(
        settings,
        action_secret=settings.action_secret or secrets.token_urlsafe(32),
        internal_secret=settings.internal_secret or secrets.token_urlsafe(32),
        rasa_channel_secret=settings.rasa_channel_secret or secrets.token_urlsafe(32),
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


def train(settings: Settings, log: Path | None = None,
          progress: Callable[[str], None] | None = None) -> Path:
    """Train the model unless one from the same training data is already there
    (`progress` is told each step Rasa reports while it trains)."""
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
        if progress is None:
            subprocess.run(command, cwd=ROOT, env=service_env(settings), check=True,
                           stdout=stream, stderr=subprocess.STDOUT, umask=PRIVATE_UMASK)
        else:
            _train_telling(command, settings, stream, progress)
    stamp.write_text(fingerprint)
    return model


def _train_telling(command: list[str], settings: Settings, stream,
                   progress: Callable[[str], None]) -> None:
    """Rasa's output to the log as it comes, and its steps to `progress`."""
    from bot.operations.progress import rasa_step

    process = subprocess.Popen(command, cwd=ROOT, env=service_env(settings),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               umask=PRIVATE_UMASK)
    assert process.stdout is not None
    pending, last = b"", None
    while chunk := os.read(process.stdout.fileno(), 4096):
        if stream is not None:
            stream.write(chunk)
        *lines, pending = re.split(rb"[\r\n]", pending + chunk)
        for line in lines:
            step = rasa_step(line.decode(errors="replace"))
            if step is not None and step != last:
                progress(step)
                last = step
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, command)


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
    """Every setting: for MapBot's own command-line tools (`mapbot worker add`, `purge`,
    training), which an administrator runs. The services get less (below)."""
    env = dict(os.environ)
    env.update({
        "MAPBOT_HOST": settings.host,
        "MAPBOT_PORT": str(settings.port),
        "MAPBOT_PUBLIC_URL": settings.public_url,
        "MAPBOT_PROXIES_COUNT": str(settings.proxies_count),
        "MAPBOT_REAL_IP_HEADER": settings.real_ip_header,
        "MAPBOT_FORWARDED_SECRET": settings.forwarded_secret,
        "MAPBOT_DATABASE_URL": settings.database_url,
        "MAPBOT_PORTAL_REDIS_URL": settings.portal_redis_url,
        "MAPBOT_PORTAL_REDIS_PREFIX": settings.portal_redis_prefix,
        "MAPBOT_TRACKER_DATABASE_URL": settings.tracker_database_url,
        "MAPBOT_RASA_URL": settings.rasa_servers[0],
        "MAPBOT_RASA_URLS": ",".join(settings.rasa_servers),
        "MAPBOT_RASA_TURNS_AT_ONCE": str(settings.rasa_turns_at_once),
        "MAPBOT_RASA_PATCHES": "on" if settings.rasa_patches else "off",
        "MAPBOT_ACTION_PORT": str(settings.action_port),
        "MAPBOT_PORTAL_INTERNAL_URL": settings.internal_url,
        "MAPBOT_ACTION_SECRET": settings.action_secret,
        "MAPBOT_INTERNAL_SECRET": settings.internal_secret,
        "MAPBOT_RASA_CHANNEL_SECRET": settings.rasa_channel_secret,
        "MAPBOT_MODEL_DIR": str(model_dir(settings)),
        # Safeguarding alerts: where they go, by the clock (bot/core/alert_routes.py).
        "MAPBOT_ALERT_WEBHOOK_URL": settings.alert_webhook_url,
        "MAPBOT_ALERT_WEBHOOK_SECRET": settings.alert_webhook_secret,
        "MAPBOT_SMTP_HOST": settings.smtp_host,
        "MAPBOT_SMTP_PORT": str(settings.smtp_port),
        "MAPBOT_SMTP_USER": settings.smtp_user,
        "MAPBOT_SMTP_PASSWORD": settings.smtp_password,
        "MAPBOT_SMTP_FROM": settings.smtp_from,
        "MAPBOT_SMTP_TLS": settings.smtp_tls,
        "MAPBOT_SMTP_CA_FILE": settings.smtp_ca_file,
        "MAPBOT_RETENTION_DAYS": str(settings.retention_days),
        "MAPBOT_RETENTION_FILED_DAYS": "" if settings.retention_filed_days is None
                                          else str(settings.retention_filed_days),
        "MAPBOT_RETENTION_UNFILED_DAYS": "" if settings.retention_unfiled_days is None
                                          else str(settings.retention_unfiled_days),
        "MAPBOT_PURGE_EVERY_HOURS": str(settings.purge_every_hours),
        # Named in the privacy notices (bot/portal/privacy.py).
        "MAPBOT_COUNCIL_NAME": settings.council_name,
        "MAPBOT_COUNCIL_CONTACT": settings.council_contact,
        "MAPBOT_DPO_CONTACT": settings.dpo_contact,
        "MAPBOT_ALERT_EMAIL_TO": settings.alert_email_to,
        "MAPBOT_DUTY_EMAIL_TO": settings.duty_email_to,
        "MAPBOT_ESCALATE_AFTER_MINUTES": str(settings.escalate_after_minutes),
        "MAPBOT_ALERT_POLL_SECONDS": str(settings.alert_poll_seconds),
        "MAPBOT_OFFICE_HOURS": settings.office_hours,
        "MAPBOT_TIMEZONE": settings.timezone,
        "MAPBOT_OFFICE_HOURS_CONTACTS": settings.office_hours_contacts,
        "MAPBOT_OUT_OF_HOURS_CONTACTS": settings.out_of_hours_contacts,
        # Reaching people (issue 23): interpreter replies, GOV.UK Notify, reminders.
        "MAPBOT_INTERPRETER_LANGUAGES": settings.interpreter_languages,
        "MAPBOT_NOTIFY_API_KEY": settings.notify_api_key,
        "MAPBOT_NOTIFY_BASE_URL": settings.notify_base_url,
        "MAPBOT_NOTIFY_SMS_INVITATION_TEMPLATE": settings.notify_sms_invitation_template,
        "MAPBOT_NOTIFY_EMAIL_INVITATION_TEMPLATE": settings.notify_email_invitation_template,
        "MAPBOT_NOTIFY_SMS_REMINDER_TEMPLATE": settings.notify_sms_reminder_template,
        "MAPBOT_NOTIFY_EMAIL_REMINDER_TEMPLATE": settings.notify_email_reminder_template,
        "MAPBOT_REMINDER_DAYS": str(settings.reminder_days),
        "MAPBOT_REMINDER_POLL_SECONDS": str(settings.reminder_poll_seconds),
        # The map for the case record (bot/portal/case_record.py).
        "MAPBOT_WORD_TEMPLATE": settings.word_template,
        "MAPBOT_SOFFICE": settings.soffice,
        "MAPBOT_SOFFICE_TIMEOUT_SECONDS": str(settings.soffice_timeout_seconds),
        "MAPBOT_CASE_RECORD_FIELDS": settings.case_record_fields,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "LOG_LEVEL_LIBRARIES": "ERROR",
        # Rasa's PostgreSQL default (50 + 100 per process) would exhaust a small server.
        "SQL_POOL_SIZE": "5",
        "SQL_MAX_OVERFLOW": "5",
        # How long a Rasa server's turn may hold a conversation's lock. A server killed
        # mid-turn leaves its ticket in Redis; another server waits this long for it.
        "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME") or "10",
        "PYTHONPATH": str(ROOT),
    })
    env.update(tracker_env(settings.tracker_database_url))
    redis = urlsplit(settings.redis_url) if settings.redis_url else None
    if redis is not None and redis.password:
        env["MAPBOT_REDIS_PASSWORD"] = unquote(redis.password)
    return env


@dataclass(frozen=True)
class RasaInstance:
    """One Rasa server and its own action server."""

    number: int  # from 1
    url: str
    action_port: int

    @property
    def suffix(self) -> str:
        return "" if self.number == 1 else f"-{self.number}"

    @property
    def rasa(self) -> str:
        return f"rasa{self.suffix}"

    @property
    def actions(self) -> str:
        return f"actions{self.suffix}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5005


def rasa_instances(settings: Settings, count: int | None = None) -> list[RasaInstance]:
    """The Rasa servers in `MAPBOT_RASA_URLS` (or `count` of them, the missing ones on the
    next ports after the first); instance N's action server is on MAPBOT_ACTION_PORT + N-1."""
    urls = settings.rasa_servers
    count = count or len(urls)
    first = urlsplit(urls[0])
    instances = []
    for index in range(count):
        url = urls[index] if index < len(urls) else (
            f"{first.scheme}://{first.hostname}:{(first.port or 5005) + index}")
        instances.append(RasaInstance(index + 1, url, settings.action_port + index))
    return instances


# Each service's environment holds its own settings and secrets and no other's, so a
# service that leaks its environment leaks only what it could use anyway.
QUIET_RASA = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
              "LOG_LEVEL_LIBRARIES": "ERROR"}
# The portal reads `.env` itself (bot/config.py), never overriding what it is given: these
# are given empty, so neither its environment nor `.env` hands them to it.
# The portal keeps MAPBOT_TRACKER_DATABASE_URL: its scheduled purge deletes Rasa's copy of
# the conversations it purges. Rasa's lock store (MAPBOT_REDIS_URL) is not the portal's:
# the portals share their limits and locks through MAPBOT_PORTAL_REDIS_URL.
NOT_FOR_THE_PORTAL = ("MAPBOT_ACTION_SECRET", "MAPBOT_REDIS_URL")
ONLY_FOR_RASA = ("MAPBOT_TRACKER_URL", "MAPBOT_TRACKER_DIALECT", "MAPBOT_REDIS_PASSWORD",
                 "SQL_POOL_SIZE", "SQL_MAX_OVERFLOW", "TICKET_LOCK_LIFETIME")


def machine_env() -> dict[str, str]:
    """The machine's environment (PATH, HOME, locale...) without any MapBot setting."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("MAPBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def portal_env(settings: Settings) -> dict[str, str]:
    """Its own settings and secrets (and whatever else `.env` holds for it), not the
    action server's or Rasa's secrets; Rasa's conversation store only to purge from it."""
    env = service_env(settings)
    for name in ONLY_FOR_RASA:
        env.pop(name, None)
    return env | dict.fromkeys(NOT_FOR_THE_PORTAL, "")


def rasa_env(settings: Settings, instance: RasaInstance) -> dict[str, str]:
    """What one Rasa server reads: credentials.yml and its endpoints file (${...})."""
    everything = service_env(settings)
    env = machine_env() | QUIET_RASA | {
        name: everything[name] for name in ONLY_FOR_RASA if name in everything}
    return env | {
        "MAPBOT_RASA_CHANNEL_SECRET": settings.rasa_channel_secret,  # the portal's calls
        "MAPBOT_ACTION_SECRET": settings.action_secret,  # sent with each action call
        "MAPBOT_ACTION_PORT": str(instance.action_port),
        "MAPBOT_RASA_TURNS_AT_ONCE": str(settings.rasa_turns_at_once),
        "MAPBOT_RASA_PATCHES": "on" if settings.rasa_patches else "off",
    }


def actions_env(settings: Settings, instance: RasaInstance) -> dict[str, str]:
    """What one action server reads (actions/server.py, portal.py)."""
    return machine_env() | {
        "MAPBOT_ACTION_SECRET": settings.action_secret,  # Rasa's calls
        "MAPBOT_ACTION_PORT": str(instance.action_port),
        "MAPBOT_PORTAL_INTERNAL_URL": settings.internal_url,
        "MAPBOT_INTERNAL_SECRET": settings.internal_secret,  # the portal's internal endpoint
    }


def endpoints_yaml(settings: Settings, instance: RasaInstance) -> str:
    """The endpoints file for one Rasa server. Secrets stay in the environment: Rasa
    substitutes ${...}, so none is written to disk."""
    lines = [
        f"# Written by bot/operations/stack.py for {instance.rasa} from the settings;",
        "# endpoints.yml in the repository is the documented single-server default.",
        "action_endpoint:",
        f"  url: http://127.0.0.1:{instance.action_port}/webhook",
        "  headers:",
        "    Authorization: Bearer ${MAPBOT_ACTION_SECRET}",
        "  enable_selective_domain: true",
        "tracker_store:",
        "  type: bot.rasa_plugins.tracker_store.CachedSQLTrackerStore",
        "  dialect: ${MAPBOT_TRACKER_DIALECT}",
        "  url: ${MAPBOT_TRACKER_URL}",
    ]
    if settings.redis_url:
        redis = urlsplit(settings.redis_url)
        if redis.scheme not in ("redis", "rediss"):
            raise ValueError("MAPBOT_REDIS_URL must start with redis:// or rediss://")
        lines += [
            "# Every Rasa server takes a conversation's lock in Redis.",
            "lock_store:",
            "  type: redis",
            f"  url: {redis.hostname or '127.0.0.1'}",
            f"  port: {redis.port or 6379}",
            f"  db: {int(redis.path.strip('/') or 0)}",
            "  key_prefix: mapbot",
        ]
        if redis.username:
            lines.append(f"  username: {unquote(redis.username)}")
        if redis.password:
            lines.append("  password: ${MAPBOT_REDIS_PASSWORD}")
        if redis.scheme == "rediss":
            lines.append("  use_ssl: true")
    else:
        lines += ["# One Rasa server, or sticky routing without Redis: locks in memory.",
                  "lock_store:", "  type: in_memory"]
    return "\n".join(lines) + "\n"


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


class _log_file:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    def __enter__(self):
        if self.path is None:
            self.stream = None
            return None
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Readable by the service's user only, whatever the caller's umask.
        self.stream = open(self.path, "ab", opener=_private)  # noqa: SIM115 - closed in __exit__
        return self.stream

    def __exit__(self, *exc) -> None:
        if self.stream:
            self.stream.close()


@dataclass
class Stack:
    """The services as child processes: the portal, and `instances` Rasa servers, each
    with its own action server (all of them calling the same portal)."""

    settings: Settings
    log_dir: Path
    instances: int | None = None  # default: one per URL in MAPBOT_RASA_URLS
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Run in each child before it starts: `mapbot run` ties its services' lives to its own
    # (bot/operations/supervisor.py `die_with_parent`).
    preexec_fn: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.rasa = rasa_instances(self.settings, self.instances)
        # The portal must know every Rasa server; a run needs every secret.
        self.settings = with_secrets(replace(
            self.settings, rasa_urls=",".join(instance.url for instance in self.rasa)))

    def names(self) -> list[str]:
        return [name for i in self.rasa for name in (i.actions, i.rasa)] + ["portal"]

    def commands(self) -> dict[str, list[str]]:
        model = model_dir(self.settings) / f"{MODEL_NAME}.tar.gz"
        commands = {"portal": [sys.executable, "-m", "bot.operations.cli", "serve"]}
        for instance in self.rasa:
            commands[instance.actions] = [str(RASA_BIN / "python"), "-m", "actions.server",
                                          "--port", str(instance.action_port)]
            # Rasa's HTTP API is off (run_rasa refuses it): the action server reads
            # with the NLU through the mapbot channel. Secrets come from the environment.
            commands[instance.rasa] = [
                # Rasa's CLI, with MapBot's patches installed at start (bot/rasa_patches).
                str(RASA_BIN / "python"), "-m", "bot.rasa_patches.run_rasa", "run",
                "-i", instance.host, "-p", str(instance.port),
                "--model", str(model), "--endpoints", str(self.endpoints_file(instance)),
                "--credentials", "credentials.yml"]
        return commands

    def endpoints_file(self, instance: RasaInstance) -> Path:
        return self.log_dir / f"{instance.rasa}.endpoints.yml"

    def ports(self) -> dict[str, int]:
        ports = {"portal": self.settings.port}
        for instance in self.rasa:
            ports |= {instance.actions: instance.action_port, instance.rasa: instance.port}
        return ports

    def env(self, name: str) -> dict[str, str]:
        for instance in self.rasa:
            if name == instance.rasa:
                return rasa_env(self.settings, instance)
            if name == instance.actions:
                return actions_env(self.settings, instance)
        return portal_env(self.settings)

    def start(self, *names: str) -> None:
        names = names or tuple(self.names())
        for name in names:
            if not port_is_free(self.ports()[name]):
                raise RuntimeError(f"port {self.ports()[name]} for {name} is already in use")
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for instance in self.rasa:
            if instance.rasa in names:
                self.endpoints_file(instance).write_text(
                    endpoints_yaml(self.settings, instance))
        for name in names:
            with _log_file(self.log_dir / f"{name}.log") as stream:
                self.processes[name] = subprocess.Popen(
                    self.commands()[name], cwd=ROOT, env=self.env(name), stdout=stream,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=self.preexec_fn, umask=PRIVATE_UMASK)

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
        """Until the portal says every service is up (not only enough of them)."""
        deadline = time.monotonic() + timeout
        # The portal shares one health check for HEALTH_CACHE_SECONDS: an "ok" from before
        # a service was restarted must not count.
        time.sleep(HEALTH_CACHE_SECONDS + 0.2)
        while time.monotonic() < deadline:
            self._check_alive()
            if self.healthy():
                return
            time.sleep(0.5)
        raise TimeoutError(f"the services did not become healthy; see {self.log_dir}")

    def healthy(self) -> bool:
        """Whether the portal says every service is up, now."""
        try:
            response = httpx.get(f"http://127.0.0.1:{self.settings.port}/healthz", timeout=5)
            return response.status_code == 200 and response.json().get("status") == "ok"
        except (httpx.HTTPError, ValueError):
            return False

    def wait_rasa(self, timeout: float = 180) -> None:
        """Until every Rasa server's channel says it can take messages (its model is
        loaded and its action server answers): for a machine without a portal."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self.rasa_ready():
                return
            time.sleep(0.5)
        raise TimeoutError(f"the Rasa servers did not become ready; see {self.log_dir}")

    def rasa_ready(self) -> bool:
        """Whether every Rasa server's channel says it can take messages, now."""
        headers = {"Authorization": f"Bearer {self.settings.rasa_channel_secret}"}
        for instance in self.rasa:
            try:
                if httpx.get(f"{instance.url}/webhooks/mapbot/", headers=headers,
                             timeout=5).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return True

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); "
                                   f"see {self.log_dir / (name + '.log')}")

    def logs(self) -> Iterator[str]:
        for path in sorted(self.log_dir.glob("*.log")):
            yield f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"


# A whole local stack, for the end-to-end tests and the benchmark ------------------------------


def distinct_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def local_settings(portal_database: str, tracker_database: str, **changes) -> Settings:
    """Settings for a stack of this machine's own: the portal, one Rasa server and its
    action server on free ports of 127.0.0.1, every shared secret random for this run."""
    portal, rasa, actions = distinct_ports(3)
    return with_secrets(replace(Settings(
        port=portal, database_url=portal_database, tracker_database_url=tracker_database,
        rasa_url=f"http://127.0.0.1:{rasa}", action_port=actions), **changes))


def add_worker(settings: Settings, username: str, password: str, *kind: str,
               timeout: float = 120) -> None:
    """A worker account through the real command line, as an administrator would make one
    (`kind`: "--duty", ...)."""
    subprocess.run([sys.executable, "-m", "bot.operations.cli", "worker", "add", username,
                    "--password-stdin", *kind], input=password + "\n", text=True,
                   check=True, cwd=ROOT, env=service_env(settings), capture_output=True,
                   timeout=timeout)


@contextmanager
def running(settings: Settings, log_dir: Path, *, healthy_timeout: float = 180,
            started: Callable[[Stack], None] | None = None) -> Iterator[Stack]:
    """The services started and healthy (`started` is called between the two, with the
    processes running: the benchmark watches them from then on); stopped at the end,
    also on an error or Ctrl-C."""
    stack = Stack(settings, log_dir)
    try:
        stack.start()
        if started is not None:
            started(stack)
        stack.wait_healthy(timeout=healthy_timeout)
        yield stack
    finally:
        stack.stop()
