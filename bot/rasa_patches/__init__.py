"""Replacements of Rasa internals, each guarded. Runs inside the Rasa server (.venv-rasa,
Python 3.10), never in the portal.

What Rasa supports as a plug-in (the channel, the tracker store) is in `bot.rasa_plugins`.
Everything here replaces a Rasa attribute Rasa does not offer to replace: each module
declares

- `TARGETS`: {dotted path of the Rasa attribute it replaces: the replacement},
- `USES`: the other Rasa internals its code relies on (private methods, mostly),
- `RASA_VERSIONS`: the Rasa versions it was checked against (its code and its tests
  compared with the code it replaces).

`install()` is the one way in, called explicitly when Rasa starts (`run_rasa.py`, through
Rasa's own plug-in hook `init_managers`). Before it replaces anything it checks, for every
patch, that the running Rasa is one of its checked versions, that every target and every
internal it uses exists, and that each target still takes the parameters its replacement
was written for; any failure raises `PatchError` naming the patch, and nothing is
installed (all or none). `MAPBOT_RASA_PATCHES=off` (bot/config.py) installs nothing and
leaves stock Rasa. One log line says what was installed.

Nothing here is installed by importing it.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bot.config import rasa_patches_on

logger = logging.getLogger(__name__)

SETTING = "MAPBOT_RASA_PATCHES"
# In the order they are checked and installed.
PATCH_MODULES = ("applied_events", "graph_runner", "intent_features", "local_asks",
                 "pooled_http", "remote_action", "rule_matching")


class PatchError(RuntimeError):
    """A patch cannot be installed on this Rasa: MapBot must not start with it."""


@dataclass(frozen=True)
class Target:
    patch: str
    path: str  # rasa.x.y.Class.attribute
    owner: Any  # the module or class that holds the attribute
    attribute: str
    stock: Any  # what Rasa had there
    replacement: Callable[..., Any]


# path -> the installed target; empty while stock Rasa runs.
_installed: dict[str, Target] = {}
_decided: list[bool] = []  # [on] once install() has run (on or off)


def resolve(path: str) -> tuple[Any, str, Any]:
    """(the module or class holding the attribute, its name, its value) for a dotted path
    such as `rasa.core.policies.rule_policy.RulePolicy._get_possible_keys`. Raises
    LookupError when any part of it is missing."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:-1]:
                owner = getattr(owner, name)
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError as error:
            raise LookupError(f"{path} does not exist ({error})") from error
    raise LookupError(f"{path} does not exist (no module)")


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def rasa_version() -> str:
    from rasa.version import __version__

    return __version__


def load(name: str) -> ModuleType:
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except Exception as error:  # its Rasa imports or the stock code it keeps are gone
        raise PatchError(f"Rasa patch {name!r} cannot be loaded on Rasa {rasa_version()}: "
                         f"{type(error).__name__}: {error}. Fix or remove the patch, or "
                         f"start with {SETTING}=off.") from error


def check(name: str, module: ModuleType, version: str) -> list[Target]:
    """The targets of one patch, checked; PatchError naming the patch otherwise."""
    def fail(why: str) -> PatchError:
        return PatchError(f"Rasa patch {name!r} ({module.__name__}) cannot be installed: "
                          f"{why}. Check it against this Rasa (and its tests), or start "
                          f"with {SETTING}=off.")

    versions = tuple(getattr(module, "RASA_VERSIONS", ()))
    if version not in versions:
        raise fail(f"it was checked against Rasa {', '.join(versions) or 'no version'}, "
                   f"this is Rasa {version}")
    targets = []
    for path, replacement in module.TARGETS.items():
        try:
            owner, attribute, stock = resolve(path)
        except LookupError as error:
            raise fail(f"its target {error}") from error
        if isinstance(owner, type) and attribute not in vars(owner):
            # Gone from the class itself: what is found now is a base class's.
            raise fail(f"its target {path} is no longer defined on {owner.__name__}")
        if path not in _installed:
            try:
                same = _parameters(stock) == _parameters(replacement)
            except (TypeError, ValueError):
                same = False
            if not same:
                raise fail(f"its target {path} takes {_describe(stock)}, the replacement "
                           f"was written for {_describe(replacement)}")
        targets.append(Target(name, path, owner, attribute, stock, replacement))
    for path in getattr(module, "USES", ()):
        try:
            resolve(path)
        except LookupError as error:
            raise fail(f"a Rasa internal it uses, {error}") from error
    return targets


def _describe(function: Any) -> str:
    try:
        return f"({', '.join(_parameters(function))})"
    except (TypeError, ValueError):
        return repr(function)


def install(environ: Mapping[str, str] | None = None,
            names: tuple[str, ...] = PATCH_MODULES) -> list[str]:
    """Check every patch, then install them all; the patches installed (none when
    MAPBOT_RASA_PATCHES=off). Calling it again installs nothing more."""
    environ = os.environ if environ is None else environ
    if not rasa_patches_on(environ.get(SETTING)):
        _decided[:] = [False]
        logger.info("MapBot's Rasa patches: none installed (%s=off), stock Rasa %s", SETTING,
                    rasa_version())
        return []
    version = rasa_version()
    targets = [target for name in names for target in check(name, load(name), version)]
    for target in targets:  # all checked: now replace
        if target.path not in _installed:
            setattr(target.owner, target.attribute, target.replacement)
            _installed[target.path] = target
    _decided[:] = [True]
    patches = list(dict.fromkeys(target.patch for target in targets))
    logger.info("MapBot's Rasa patches installed on Rasa %s: %s", version, "; ".join(
        f"{name} ({', '.join(t.path.removeprefix('rasa.') for t in targets if t.patch == name)})"
        for name in patches))
    return patches


def installed() -> dict[str, str]:
    """{target path: patch} of what is installed now."""
    return {path: target.patch for path, target in _installed.items()}


def started() -> bool | None:
    """Whether install() has run: True (patches on), False (switched off), None (never)."""
    return _decided[0] if _decided else None


def uninstall() -> None:
    """Put Rasa's own code back (tests, and comparing with stock Rasa)."""
    for path, target in reversed(list(_installed.items())):
        setattr(target.owner, target.attribute, target.stock)
        del _installed[path]
    _decided.clear()
