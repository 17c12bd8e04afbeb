"""The guards of MapBot's replacements of Rasa internals (bot/rasa_patches): each patch
refuses, loudly and by name, a Rasa it was not checked against, a missing target, a
target whose parameters changed and a missing internal it uses; one switch installs
none; installing is all or nothing, and only through an explicit call at Rasa's start.

Each patch's equivalence with the code it replaces is tested beside it:
test_applied_events.py, test_remote_action.py, test_local_asks.py, test_pooled_http.py,
test_graph_runner.py, and on the trained model tests/rasa/nlu_eval/test_model_speedups.py
(graph_runner, intent_features, rule_matching)."""

from __future__ import annotations

import logging
import pkgutil
import sys

import pluggy
import pytest

from bot import rasa_patches
from bot.config import rasa_patches_on
from bot.rasa_patches import PATCH_MODULES, PatchError, resolve, run_rasa

TARGETS = [(name, path) for name in PATCH_MODULES
           for path in rasa_patches.load(name).TARGETS]
USES = [(name, path) for name in PATCH_MODULES for path in rasa_patches.load(name).USES]


@pytest.fixture(autouse=True)
def stock_rasa() -> None:
    """Every test starts and ends on Rasa's own code."""
    rasa_patches.uninstall()
    yield
    rasa_patches.uninstall()


def current(path: str) -> object:
    try:
        return resolve(path)[2]
    except LookupError:  # taken away by the test
        return None


def stock_values() -> dict[str, object]:
    return {path: current(path) for _, path in TARGETS}


def test_every_module_of_the_package_is_a_declared_patch() -> None:
    modules = {info.name for info in pkgutil.iter_modules(rasa_patches.__path__)}
    assert modules - {"run_rasa"} == set(PATCH_MODULES)
    for name in PATCH_MODULES:
        module = rasa_patches.load(name)
        assert module.RASA_VERSIONS and module.TARGETS, name
        assert all(path.startswith("rasa.") for path in [*module.TARGETS, *module.USES]), name
        assert not hasattr(module, "install"), f"{name} must not install itself"


def test_importing_the_patches_changes_nothing_in_rasa() -> None:
    before = stock_values()
    for name in PATCH_MODULES:
        rasa_patches.load(name)
    assert stock_values() == before
    assert rasa_patches.started() is None


def test_install_replaces_every_target_and_says_so_in_one_line(caplog) -> None:
    before = stock_values()
    with caplog.at_level(logging.INFO, logger="bot.rasa_patches"):
        assert rasa_patches.install(environ={}) == list(PATCH_MODULES)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.rasa_patches"]
    assert len(lines) == 1 and all(name in lines[0] for name in PATCH_MODULES)
    for name, path in TARGETS:
        assert current(path) is rasa_patches.load(name).TARGETS[path]
    assert set(rasa_patches.installed()) == set(before)
    assert rasa_patches.started() is True
    assert rasa_patches.install(environ={}) == list(PATCH_MODULES)  # again: no change
    rasa_patches.uninstall()
    assert stock_values() == before


@pytest.mark.parametrize("value", ["off", "OFF", " off "])
def test_the_switch_installs_nothing(value: str, caplog) -> None:
    before = stock_values()
    with caplog.at_level(logging.INFO, logger="bot.rasa_patches"):
        assert rasa_patches.install(environ={"MAPBOT_RASA_PATCHES": value}) == []
    assert stock_values() == before
    assert rasa_patches.installed() == {}
    assert rasa_patches.started() is False  # decided, not forgotten
    assert "none installed" in caplog.text


def test_the_switch_reads_on_off_and_nothing_else() -> None:
    assert rasa_patches_on(None) and rasa_patches_on("") and rasa_patches_on("on")
    with pytest.raises(ValueError, match="MAPBOT_RASA_PATCHES"):
        rasa_patches_on("no")
    with pytest.raises(ValueError, match="MAPBOT_RASA_PATCHES"):
        rasa_patches.install(environ={"MAPBOT_RASA_PATCHES": "false"})
    assert rasa_patches.installed() == {}


def refused(match: str, *names: str) -> None:
    before = stock_values()
    with pytest.raises(PatchError, match=match):
        rasa_patches.install(environ={})
    assert stock_values() == before, "a refused install must install nothing"
    assert rasa_patches.installed() == {}


@pytest.mark.parametrize("name", PATCH_MODULES)
def test_another_rasa_version_is_refused_naming_the_patch(name, monkeypatch) -> None:
    monkeypatch.setattr(rasa_patches.load(name), "RASA_VERSIONS", ("3.6.20",))
    refused(f"'{name}'.*checked against Rasa 3.6.20, this is Rasa 3.6.21")


def test_a_rasa_upgrade_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(rasa_patches, "rasa_version", lambda: "3.7.0")
    refused(f"'{PATCH_MODULES[0]}'.*this is Rasa 3.7.0")


@pytest.mark.parametrize(("name", "path"), TARGETS)
def test_a_missing_target_is_refused_naming_the_patch(name, path, monkeypatch) -> None:
    owner, attribute, _ = resolve(path)
    monkeypatch.delattr(owner, attribute)
    refused(f"'{name}'.*{path.rsplit('.', 1)[-1]}")


@pytest.mark.parametrize(("name", "path"), TARGETS)
def test_a_target_with_other_parameters_is_refused(name, path, monkeypatch) -> None:
    owner, attribute, _ = resolve(path)

    def changed(self, something_new, *args, **kwargs):  # a later Rasa's signature
        raise AssertionError("never called")

    monkeypatch.setattr(owner, attribute, changed)
    refused(f"'{name}'.*{path} takes \\(self, something_new, args, kwargs\\)")


@pytest.mark.parametrize(("name", "path"), USES)
def test_a_missing_internal_it_uses_is_refused(name, path, monkeypatch) -> None:
    owner, attribute, _ = resolve(path)
    monkeypatch.delattr(owner, attribute)
    refused(f"'{name}'")


def test_a_patch_that_cannot_load_is_refused_naming_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.rasa_patches.rule_matching", None)  # ImportError
    refused("'rule_matching' cannot be loaded")


def test_rasas_start_hook_installs_them() -> None:
    """Rasa's own plug-in manager, as rasa/__main__.py calls it before any command."""
    import rasa.plugin

    manager = pluggy.PluginManager("rasa")
    manager.add_hookspecs(rasa.plugin)
    run_rasa.register(manager)
    run_rasa.register(manager)  # once only
    assert len(manager.get_plugins()) == 1
    manager.hook.init_managers(endpoints_file=None)
    assert set(rasa_patches.installed()) == {path for _, path in TARGETS}


def test_the_channel_will_not_start_without_the_start_hook() -> None:
    from bot.rasa_plugins.secure_rest import SecureRestInput

    credentials = {"secret": "s" * 32}
    with pytest.raises(RuntimeError, match="run_rasa"):
        SecureRestInput.from_credentials(credentials)
    rasa_patches.install(environ={"MAPBOT_RASA_PATCHES": "off"})
    assert SecureRestInput.from_credentials(credentials).secret == "s" * 32


@pytest.mark.parametrize("options", [
    ["--enable-api"], ["--enable-ap"], ["--auth-token", "t"], ["--jwt-secret=-s3cret"],
    ["--jwt-private-key", "key.pem"]])
def test_rasas_http_api_is_refused_at_start(options: list[str]) -> None:
    """With Rasa's own argument parser and plug-in manager, as rasa/__main__.py runs them:
    the API would open every conversation to one token (issue 21, item 4)."""
    import rasa.plugin
    from rasa.__main__ import create_argument_parser

    manager = pluggy.PluginManager("rasa")
    manager.add_hookspecs(rasa.plugin)
    run_rasa.register(manager)
    arguments = create_argument_parser().parse_args(["run", *options])
    with pytest.raises(SystemExit, match="without Rasa's HTTP API"):
        manager.hook.configure_commandline(cmdline_arguments=arguments)
    plain = create_argument_parser().parse_args(["run", "--credentials", "credentials.yml"])
    assert manager.hook.configure_commandline(cmdline_arguments=plain) == []
