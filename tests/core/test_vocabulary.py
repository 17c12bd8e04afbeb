"""One vocabulary drives every consumer: the API, the screens, the exports, the
OpenAPI document, the assistant's wording and its question forms.

Expected values are written out here, not read from the code under test: a role added
to `bot/core/vocabulary.py` must show up everywhere below, and this file says so.
"""

from __future__ import annotations

import json

import yaml

from actions.questions import ADULT_FORM, CHILD_FORM, adult_order, form_for
from bot.core import texts
from bot.core.vocabulary import (
    QUESTION_SETS,
    ROLE_FACTS,
    Audience,
    Role,
    audience_for,
    is_child,
    question_set_for,
)
from bot.portal import exports, web
from bot.portal.openapi import OPENAPI
from bot.services.audit import FIXED_VALUES

ROLES = ["parent", "carer", "network", "professional", "young_person", "child"]
AUDIENCES = {"parent": "adult", "carer": "adult", "network": "adult", "professional": "adult",
             "young_person": "young_person", "child": "child"}
FORMS = {"adult": "adult_form", "young_person": "child_form", "child": "child_form"}
SCREEN_CHOICES = [("parent", "Parent"), ("carer", "Carer"),
                  ("network", "Someone in the family's network"),
                  ("professional", "Professional (teacher, health visitor, GP or other)"),
                  ("young_person", "Young person (12 and over)"),
                  ("child", "Child (under 12)")]
SPEAKERS = {"parent": "Pat (parent)", "carer": "Pat (carer)",
            "network": "Pat (family network)", "professional": "Pat (professional)",
            "young_person": "Pat (young person)",
            "child": "Pat (child)"}


def _schema(path: str, method: str) -> dict:
    body = OPENAPI["paths"][path][method]["requestBody"]
    return body["content"]["application/json"]["schema"]


def test_the_roles_are_the_contracts_strings():
    assert [role.value for role in Role] == ROLES
    assert set(ROLE_FACTS) == set(Role)
    # Stored and sent as the bare string, on every Python the project runs.
    assert json.dumps([Role.CHILD, Role.NETWORK]) == '["child", "network"]'
    assert f"{Role.YOUNG_PERSON}" == str(Role.YOUNG_PERSON) == "young_person"
    assert Role("carer") is Role.CARER and Role.CARER == "carer"


def test_every_role_is_in_the_openapi_enum():
    role = _schema("/api/v1/cases/{id}/invitations", "post")["properties"]["role"]
    assert role == {"enum": ROLES}


def test_the_openapi_states_are_the_vocabularys():
    schemas = OPENAPI["components"]["schemas"]
    assert schemas["Respondent"]["properties"]["status"] == {
        "enum": ["invited", "in_progress", "submitted"]}
    assert schemas["Item"]["properties"]["status"] == {"enum": ["draft", "accepted", "rejected"]}
    assert schemas["Flag"]["properties"]["level"] == {"enum": ["immediate", "concern"]}
    access = _schema("/api/v1/cases/{id}/access", "post")["properties"]["role"]
    assert access == {"enum": ["viewer", "owner"]}


def test_every_role_has_its_audience_and_form():
    assert {role: audience_for(role) for role in ROLES} == AUDIENCES
    assert {role for role in ROLES if is_child(role)} == {"young_person", "child"}
    assert {audience.value: form_for(audience.value) for audience in Audience} == FORMS
    assert (ADULT_FORM, CHILD_FORM) == ("adult_form", "child_form")


def test_every_role_is_offered_and_named_on_the_screens_and_in_exports():
    assert web.ROLE_CHOICES == SCREEN_CHOICES
    assert {role: exports.speaker_label({"name": "Pat", "role": role})
            for role in ROLES} == SPEAKERS
    assert set(ROLES) <= FIXED_VALUES  # the audit log may show a role as it is


def test_each_adult_role_has_its_own_question_set_and_a_worker_may_choose_another():
    assert QUESTION_SETS == ("parent", "carer", "network", "professional")
    assert [question_set_for(role) for role in ROLES] == [
        "parent", "carer", "network", "professional", None, None]
    assert question_set_for("carer", "network") == "network"  # the parent's sister
    assert question_set_for("child", "parent") is None  # a child keeps the three houses
    assert question_set_for("parent", "teacher") == "parent"  # unknown: the role's own


def test_a_professional_is_named_by_their_job_where_it_is_given():
    assert exports.speaker_label({"name": "Ms Green", "role": "professional",
                                  "relationship": "Class teacher"}) == "Ms Green (Class teacher)"
    assert exports.speaker_label({"name": "Ms Green", "role": "professional",
                                  "relationship": None}) == "Ms Green (professional)"


def test_every_role_is_asked_every_question_of_its_form():
    """Each role gets wording in texts.yml for every question its form asks."""
    domain = yaml.safe_load((texts.TEXTS_FILE.parents[1] / "domain.yml").read_text("utf-8"))
    assert set(domain["slots"]["audience"]["values"]) == set(FORMS)
    for role in Role:
        form = domain["forms"][form_for(audience_for(role))]["required_slots"]
        asked = adult_order(role) if role in QUESTION_SETS else form
        for slot in asked:
            worded = texts.question(slot, "ask", role, audience_for(role), {})
            assert worded, (role, slot)
            assert slot in form, (role, slot)


def test_texts_yml_names_only_roles_and_audiences():
    """A role or audience key in texts.yml that is not in the vocabulary is a typo.
    `easy_read` (issue 23): an adult's Easy Read wording (bot/core/texts.py)."""
    known = {*ROLES, *FORMS, "default", texts.EASY_READ}
    structure = {"text", "buttons"}

    def keys_by_person(value, found: set[str]) -> set[str]:
        if isinstance(value, dict):
            if "default" in value or set(value) & known:
                found |= set(value) - structure
            for inner in value.values():
                keys_by_person(inner, found)
        return found

    found = keys_by_person(texts.catalogue()["say"], set())
    for question in texts.catalogue()["questions"].values():
        for part in question.values():
            keys_by_person(part, found)
    assert found <= known, found - known
    assert {"parent", "child", "young_person", "default"} <= found
