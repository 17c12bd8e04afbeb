"""The action server offers exactly the actions the domain names, and the forms fit them."""

from __future__ import annotations

import inspect

import pytest
from rasa_sdk.executor import ActionExecutor

from actions import forms
from actions.questions import ADULT_SLOTS, QUESTION_SETS, QUESTIONS, child_order
from tests.rasa.conftest import action_names, load_domain

DOMAIN = load_domain()


@pytest.fixture(scope="module")
def registered() -> set[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return set(executor.actions)


def test_every_domain_action_is_registered_and_nothing_else(registered: set[str]) -> None:
    declared = action_names(DOMAIN)
    assert len(declared) == len(set(declared)), "an action is listed twice in domain.yml"
    assert sorted(set(declared) - registered) == [], "in domain.yml, but no action has the name"
    assert sorted(registered - set(declared)) == [], "registered, but missing from domain.yml"


@pytest.mark.parametrize("form", sorted(DOMAIN["forms"]))
def test_every_required_slot_of_every_form_is_asked_by_an_action(
        form: str, registered: set[str]) -> None:
    for slot in DOMAIN["forms"][form]["required_slots"]:
        assert f"action_ask_{slot}" in registered, slot
        assert slot in DOMAIN["slots"], slot


@pytest.mark.parametrize("form", sorted(DOMAIN["forms"]))
def test_every_form_has_a_validation_action_with_a_validator_per_slot(
        form: str, registered: set[str]) -> None:
    assert f"validate_{form}" in registered
    validator = {"adult_form": forms.ValidateAdultForm, "child_form": forms.ValidateChildForm,
                 "edit_form": forms.ValidateEditForm}[form]()
    for slot in DOMAIN["forms"][form]["required_slots"]:
        assert inspect.iscoroutinefunction(getattr(validator, f"validate_{slot}", None)), slot


def test_the_dynamic_child_order_only_uses_slots_with_an_ask_action(registered) -> None:
    for house in (None, "good_things", "worries", "dreams"):
        for slot in child_order(house):
            assert f"action_ask_{slot}" in registered
            assert slot in DOMAIN["forms"]["child_form"]["required_slots"]


def test_the_question_orders_match_the_domain() -> None:
    # With no house chosen, ValidateChildForm.required_slots must equal the domain's list:
    # then rasa-sdk leaves the next question to Rasa, which asks in the domain's order.
    assert DOMAIN["forms"]["adult_form"]["required_slots"] == ADULT_SLOTS
    assert DOMAIN["forms"]["child_form"]["required_slots"] == child_order(None)


def test_every_adult_question_set_asks_only_the_adult_forms_slots() -> None:
    assert sorted(QUESTION_SETS) == ["carer", "network", "parent", "professional"]
    for order in QUESTION_SETS.values():
        assert set(order) <= set(DOMAIN["forms"]["adult_form"]["required_slots"])
        assert len(order) == len(set(order))


@pytest.mark.parametrize("slot", sorted(QUESTIONS))
def test_each_question_slot_is_a_text_slot_filled_only_inside_its_own_forms(slot: str) -> None:
    forms_asking = {form for form, spec in DOMAIN["forms"].items()
                    if slot in spec["required_slots"]}
    spec = DOMAIN["slots"][slot]
    assert spec["type"] == "text"
    assert spec["influence_conversation"] is False
    for mapping in spec["mappings"]:
        assert "stop" in mapping.get("not_intent", []) or mapping["type"] == "from_entity"
        conditions = mapping["conditions"]
        assert {c["active_loop"] for c in conditions} == forms_asking
        assert all(c["requested_slot"] == slot for c in conditions)


def test_the_slots_the_actions_set_exist_in_the_domain() -> None:
    for slot in ("role", "audience", "name", "child_name", "stage", "last_asked", "simpler",
                 "scale_value", "repeat", "edit_target", "old_text", "new_text"):
        assert slot in DOMAIN["slots"], slot
    assert set(DOMAIN["slots"]["stage"]["values"]) == {"welcomed", "mapping", "review",
                                                        "submitted"}
    assert set(DOMAIN["slots"]["audience"]["values"]) == {"adult", "child", "young_person"}


def test_every_form_validator_gets_the_domain() -> None:
    """Rasa sends the domain only to actions marked `send_domain: true` (selective
    domain, endpoints.yml), and rasa-sdk's form validation reads the form's slots from
    it: a validator without the mark would see no slots to validate."""
    from rasa_sdk.forms import ValidationAction

    executor = ActionExecutor()
    executor.register_package("actions")
    validators = {name for name, run in executor.actions.items()
                  if isinstance(getattr(run, "__self__", None), ValidationAction)}
    marked = {next(iter(entry)) for entry in DOMAIN["actions"]
              if isinstance(entry, dict) and next(iter(entry.values())).get("send_domain")}
    assert validators == {"validate_adult_form", "validate_child_form", "validate_edit_form"}
    assert marked == validators
