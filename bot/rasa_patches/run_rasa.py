"""`rasa`, with MapBot's patches installed when it starts: `python -m bot.rasa_patches.run_rasa
run ...` (bot/operations/stack.py) or `... test core ...` (tests/run_all.sh), in .venv-rasa.

Rasa 3.6 has a plug-in manager (pluggy, `rasa/plugin.py`) but discovers plug-ins only
from its enterprise package; this wrapper registers MapBot's as Rasa's own CLI would
register that one, then runs Rasa's CLI unchanged. The patches go in through the hook
`init_managers`, which Rasa calls once the command line is read and before the command
runs (before any model, channel or endpoint is loaded). A patch that does not fit this
Rasa stops the start with its PatchError; MAPBOT_RASA_PATCHES=off starts stock Rasa.

Rasa's HTTP API stays off whatever the command line says (hook `configure_commandline`,
with the arguments as Rasa parsed them): with it, one token opens every conversation and
the model. The action server reads with the NLU through MapBot's channel instead
(bot/rasa_plugins/secure_rest.py), so no secret is ever on Rasa's command line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pluggy

from bot import rasa_patches

hookimpl = pluggy.HookimplMarker("rasa")
# `rasa run` options that would open Rasa's HTTP API, or put a secret on the command line.
API_OPTIONS = ("enable_api", "auth_token", "jwt_secret", "jwt_private_key")


def refuse_http_api(arguments: argparse.Namespace) -> None:
    given = [name for name in API_OPTIONS if getattr(arguments, name, None)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise SystemExit(f"MapBot's Rasa server runs without Rasa's HTTP API; remove {options}"
                         " (the action server reads through the mapbot channel).")


class MapBotPatches:
    """MapBot's plug-in for Rasa's plug-in manager."""

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> None:
        refuse_http_api(cmdline_arguments)

    @hookimpl
    def init_managers(self, endpoints_file: str | None) -> None:
        rasa_patches.install()


def register(manager: Any = None) -> None:
    if manager is None:
        from rasa.plugin import plugin_manager

        manager = plugin_manager()
    if not any(isinstance(plugin, MapBotPatches) for plugin in manager.get_plugins()):
        manager.register(MapBotPatches())


def main() -> None:
    register()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
