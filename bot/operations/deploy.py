"""Running MapBot as systemd services (`deploy/`): the units for an install prefix, and
the start of one Rasa server or action server as its unit runs it.

The units in `deploy/systemd/` are written for MapBot installed in /opt/mapbot, its state
in /var/lib/mapbot, its settings in /etc/mapbot/mapbot.env and the user `mapbot`.
`mapbot units --prefix P --out DIR` writes those same files with these four replaced and
nothing else, so what is installed is what the repository holds and `make test` checks
(`systemd-analyze verify`, tests/operations/test_deploy.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from bot.config import ROOT, VAR_DIR, load_settings

UNITS_DIR = ROOT / "deploy" / "systemd"


@dataclass(frozen=True)
class Install:
    """Where MapBot is installed, and as whom it runs."""

    prefix: str = "/opt/mapbot"  # the checkout, with its .venv and .venv-rasa
    state_dir: str = "/var/lib/mapbot"
    env_file: str = "/etc/mapbot/mapbot.env"
    user: str = "mapbot"


AS_WRITTEN = Install()


def units(install: Install) -> dict[str, str]:
    """{file name: text} of every unit, for this install."""
    for path in (install.prefix, install.state_dir, install.env_file):
        if not path.startswith("/") or any(c.isspace() for c in path):
            raise ValueError(f"{path!r}: the units need absolute paths without spaces")
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,30}", install.user):
        raise ValueError(f"{install.user!r} is not a system user name")
    return {path.name: _for(path.read_text(), install)
            for path in sorted(UNITS_DIR.iterdir()) if path.suffix in (".service", ".target")}


def _for(text: str, install: Install) -> str:
    # In one pass, so that a new path is never itself replaced again.
    paths = {AS_WRITTEN.env_file: install.env_file, AS_WRITTEN.state_dir: install.state_dir,
             AS_WRITTEN.prefix: install.prefix}
    text = re.sub("|".join(map(re.escape, paths)), lambda m: paths[m[0]], text)
    return re.sub(rf"^(User|Group)={AS_WRITTEN.user}$", rf"\1={install.user}", text,
                  flags=re.MULTILINE)


def write_units(install: Install, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in units(install).items():
        (out / name).write_text(text)
        written.append(out / name)
    return written


HIDDEN = ("/root", "/home", "/run/user")  # what ProtectHome=yes hides from the services


def hidden_paths(prefix: str) -> list[str]:
    """The programs of an install the units could not run: the prefix, or the Python an
    environment was made from (a pyenv in /root, say), inside a folder the units hide."""
    programs = [Path(prefix) / venv / "bin" / "python" for venv in (".venv", ".venv-rasa")]
    found = [str(Path(prefix))] + [str(program.resolve()) for program in programs]
    return [path for path in found
            if any(path == hidden or path.startswith(hidden + "/") for hidden in HIDDEN)]


SECRETS = ("MAPBOT_ACTION_SECRET", "MAPBOT_INTERNAL_SECRET", "MAPBOT_RASA_CHANNEL_SECRET")


def start(kind: str, number: int) -> NoReturn:
    """Become Rasa server `number` (from 1) or its action server, as `mapbot run` starts
    it (bot/operations/stack.py), with the settings of this environment. Secrets must be
    set (a unit must not make up its own), and stay out of the command line."""
    from bot.operations.stack import Stack, endpoints_yaml

    missing = [name for name in SECRETS if not os.environ.get(name)]
    if missing:
        raise SystemExit(f"Not set in the environment file: {', '.join(missing)}.")
    # systemd's StateDirectory=; `mapbot run`'s var/ otherwise.
    state = Path((os.environ.get("STATE_DIRECTORY") or str(VAR_DIR)).split(":")[0])
    stack = Stack(load_settings(), state)
    if not 1 <= number <= len(stack.rasa):
        raise SystemExit(f"There is no Rasa server {number}: MAPBOT_RASA_URLS names "
                         f"{len(stack.rasa)}.")
    instance = stack.rasa[number - 1]
    name = instance.rasa if kind == "rasa" else instance.actions
    if kind == "rasa":
        stack.endpoints_file(instance).write_text(endpoints_yaml(stack.settings, instance))
    command = stack.commands()[name]  # no secret in it: each service reads its environment
    os.chdir(ROOT)
    os.execve(command[0], command, stack.env(name))
