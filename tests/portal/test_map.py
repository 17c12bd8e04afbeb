"""The draft map (GET /api/v1/cases/{id}/map) and item review (PATCH /api/v1/items/{id})."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.database.models import Item
from tests.portal.portal_support import parse_iso

RESPONDENT_STATUSES = {"invited", "in_progress", "submitted"}
SECTIONS = {"worries", "working_well", "needs"}
CATEGORIES = {"harm", "danger", "complicating", "strength", "safety", "goal", "next_step", None}
HOUSES = {"worries", "good_things", "dreams", None}
ITEM_STATUSES = {"draft", "accepted", "rejected"}
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"
FLAG_EXTRAS = {"category"}


def nullable_str(value) -> bool:
    return value is None or isinstance(value, str)


def assert_map_shape(draft: dict) -> None:
    """Every field of every object of the contract's `mapbot.draft-map/1`, no more."""
    assert set(draft) == {"schema", "case", "generated_at", "respondents", "items", "scales",
                          "network", "flags", "round", "history", "analysis"}
    assert set(draft["round"]) == {"id", "number", "label", "started_at"}
    assert draft["analysis"] == {"see": f"GET /api/v1/cases/{draft['case']['id']}/analysis"}
    for entry in draft["history"]["scales"]:
        assert set(entry) == {"round", "respondent_id", "role", "name", "value"}
    assert draft["schema"] == "mapbot.draft-map/1"
    assert set(draft["case"]) == {"id", "reference", "child_name"}
    assert all(isinstance(v, str) for v in draft["case"].values())
    parse_iso(draft["generated_at"])
    respondent_ids = set()
    for respondent in draft["respondents"]:
        assert set(respondent) == {"id", "role", "name", "relationship", "status",
                                   "submitted_at", "assisted"}
        assert respondent["assisted"] in (None, "worker", "advocate", "interpreter")
        assert isinstance(respondent["id"], str) and isinstance(respondent["name"], str)
        assert nullable_str(respondent["relationship"])
        assert respondent["role"] in {"parent", "carer", "network", "professional",
                                      "young_person", "child"}
        assert respondent["status"] in RESPONDENT_STATUSES
        if respondent["status"] == "submitted":
            parse_iso(respondent["submitted_at"])
        else:
            assert respondent["submitted_at"] is None
        respondent_ids.add(respondent["id"])
    for item in draft["items"]:
        assert set(item) == {"id", "respondent_id", "section", "category", "house", "text",
                             "original_text", "question", "confidence", "status", "created_at",
                             "private", "suggested_section", "language",
                             "safeguarding_checked"}
        assert item["private"] is False and item["suggested_section"] in (*SECTIONS, None)
        assert item["language"] == "en" and item["safeguarding_checked"] is True
        assert isinstance(item["id"], str) and item["respondent_id"] in respondent_ids
        assert item["section"] in SECTIONS
        assert item["category"] in CATEGORIES
        assert item["house"] in HOUSES
        for field in ("text", "original_text", "question"):
            assert isinstance(item[field], str), field
        assert isinstance(item["confidence"], float) and 0.0 <= item["confidence"] <= 1.0
        assert item["status"] in ITEM_STATUSES
        parse_iso(item["created_at"])
    for scale in draft["scales"]:
        assert set(scale) == {"respondent_id", "question", "value", "why", "one_point_higher"}
        assert scale["respondent_id"] in respondent_ids
        assert isinstance(scale["question"], str)
        assert type(scale["value"]) is int and 0 <= scale["value"] <= 10
        assert nullable_str(scale["why"]) and nullable_str(scale["one_point_higher"])
    for person in draft["network"]:
        assert set(person) == {"respondent_id", "name", "relationship", "how_they_help"}
        assert person["respondent_id"] in respondent_ids
        assert isinstance(person["name"], str) and person["name"]
        assert nullable_str(person["relationship"]) and nullable_str(person["how_they_help"])
    for flag in draft["flags"]:
        assert set(flag) - FLAG_EXTRAS == {"id", "kind", "respondent_id", "text", "level",
                                           "created_at", "acknowledged_by", "acknowledged_at"}
        assert flag["level"] in ("immediate", "concern")
        assert flag["kind"] == "safeguarding"
        assert isinstance(flag["id"], str) and isinstance(flag["text"], str)
        assert flag["respondent_id"] in respondent_ids
        parse_iso(flag["created_at"])
        assert nullable_str(flag["acknowledged_by"])
        if flag["acknowledged_at"] is not None:
            parse_iso(flag["acknowledged_at"])


@pytest.fixture
def respond(portal, alice, case):
    """Invite someone to alice's case, store their answers, and (by default) submit."""

    async def respond(answers: dict[str, dict], role: str = "parent", name: str = "Jo Parent",
                      submit: bool = True) -> dict:
        invitation = await portal.invite(alice, case["id"], role, name)
        for key, body in answers.items():
            await portal.answer(invitation["conversation_id"], key, **body)
        if submit:
            await portal.submit(invitation["conversation_id"])
        return invitation

    return respond


PARENT_ANSWERS = {
    "worries": {"kind": "item", "section": "worries", "category": "harm",
                "question": "What are you worried about?",
                "text": "Dad shouts when he drinks. The flat is damp."},
    "working_well": {"kind": "item", "section": "working_well", "category": "strength",
                     "question": "What is working well?", "text": "Alex goes to school."},
    "next_step": {"kind": "item", "section": "needs", "category": "next_step",
                  "question": "What needs to happen?", "text": "A new flat"},
    "network": {"kind": "network", "question": "Who helps your family?",
                "text": "my mum and my sister Kelly"},
    "network_how": {"kind": "network_how", "question": "How do they help?",
                    "text": "They pick Alex up from school."},
    "scale": {"kind": "scale", "question": "On a scale of 0 to 10, how safe is Alex?",
              "text": "six", "value": 6},
    "scale_why": {"kind": "scale_why", "question": "Why a 6 and not a 0?",
                  "text": "Because Nan is there."},
    "scale_higher": {"kind": "scale_higher", "question": "What would make it a 7?",
                     "text": "If Dad stopped drinking."},
}
CHILD_ANSWERS = {
    "house_worries": {"kind": "item", "house": "worries", "question": "House of Worries?",
                      "text": "Shouting"},
    "house_good_things": {"kind": "item", "house": "good_things",
                          "question": "House of Good Things?", "text": "My cat Tiddles"},
    "house_dreams": {"kind": "item", "house": "dreams", "question": "House of Dreams?",
                     "text": "A big garden"},
}


@pytest.fixture
async def full_map(portal, alice, case, respond) -> dict:
    parent = await respond(PARENT_ANSWERS)
    child = await respond(CHILD_ANSWERS, role="child", name="Alex")
    carer = await respond({"worries": PARENT_ANSWERS["worries"]}, role="carer",
                          name="Chris Carer", submit=False)
    _, disclosure = await portal.client.post(f"/api/v1/chat/{carer['token']}/messages",
                                             json={"text": "he hits me"})
    assert disclosure.status == 200
    revoked = await portal.invite(alice, case["id"], "network", "Sam Neighbour")
    await portal.client.delete(f"/api/v1/invitations/{revoked['id']}", headers=alice.headers)
    draft = await portal.draft_map(alice, case["id"])
    return {"map": draft, "parent": parent, "child": child, "carer": carer,
            "revoked": revoked}


# Shape -------------------------------------------------------------------------------


async def test_empty_map_has_the_contract_shape(portal, alice, case):
    draft = await portal.draft_map(alice, case["id"])
    assert_map_shape(draft)
    assert draft["case"] == {"id": case["id"], "reference": "CASE-0001",
                             "child_name": "Alex Example"}
    assert draft["respondents"] == draft["items"] == draft["scales"] == []
    assert draft["network"] == draft["flags"] == []


async def test_full_map_has_the_contract_shape(full_map):
    draft = full_map["map"]
    assert_map_shape(draft)
    assert [(r["name"], r["status"]) for r in draft["respondents"]] == [
        ("Jo Parent", "submitted"), ("Alex", "submitted"), ("Chris Carer", "invited"),
        ("Sam Neighbour", "invited")]
    assert draft["items"] and draft["scales"] and draft["network"]
    assert [(f["respondent_id"], f["text"]) for f in draft["flags"]] == [
        (full_map["carer"]["id"], "he hits me")]


async def test_full_map_content(full_map):
    draft, parent, child = full_map["map"], full_map["parent"]["id"], full_map["child"]["id"]
    items = [(i["respondent_id"], i["section"], i["category"], i["house"], i["text"],
              i["question"]) for i in draft["items"]]
    assert items == [
        (parent, "worries", "harm", None, "Dad shouts when he drinks.",
         "What are you worried about?"),
        (parent, "worries", "harm", None, "The flat is damp.", "What are you worried about?"),
        (parent, "working_well", "strength", None, "Alex goes to school.",
         "What is working well?"),
        (parent, "needs", "next_step", None, "A new flat", "What needs to happen?"),
        (child, "worries", None, "worries", "Shouting", "House of Worries?"),
        (child, "working_well", None, "good_things", "My cat Tiddles",
         "House of Good Things?"),
        (child, "needs", None, "dreams", "A big garden", "House of Dreams?"),
    ]
    for item in draft["items"]:
        assert item["original_text"] == item["text"]
        assert item["status"] == "draft"
    assert draft["scales"] == [{
        "respondent_id": parent, "question": "On a scale of 0 to 10, how safe is Alex?",
        "value": 6, "why": "Because Nan is there.",
        "one_point_higher": "If Dad stopped drinking."}]
    assert [(p["respondent_id"], p["name"], p["how_they_help"]) for p in draft["network"]] == [
        (parent, "Mum", "They pick Alex up from school."),
        (parent, "Kelly", "They pick Alex up from school.")]
    assert [p["relationship"] for p in draft["network"]] == ["mum", "sister"]


async def test_map_is_generated_now(portal, alice, case):
    from datetime import datetime, timedelta, timezone

    draft = await portal.draft_map(alice, case["id"])
    assert abs(parse_iso(draft["generated_at"]) - datetime.now(timezone.utc)) < timedelta(
        minutes=1)


# Only what was sent ---------------------------------------------------------------------


async def test_nothing_of_a_respondent_shows_before_they_submit(portal, alice, case, respond):
    invitation = await respond(PARENT_ANSWERS, submit=False)
    draft = await portal.draft_map(alice, case["id"])
    assert [r["status"] for r in draft["respondents"]] == ["invited"]
    assert draft["items"] == draft["scales"] == draft["network"] == []
    for answer in PARENT_ANSWERS.values():
        assert answer["text"] not in str(draft)

    await portal.submit(invitation["conversation_id"])
    draft = await portal.draft_map(alice, case["id"])
    assert [r["status"] for r in draft["respondents"]] == ["submitted"]
    assert len(draft["items"]) == 4 and len(draft["scales"]) == 1
    assert len(draft["network"]) == 2


async def test_one_submitted_respondent_does_not_reveal_another(portal, alice, case, respond):
    await respond({"worries": PARENT_ANSWERS["worries"] | {"text": "Secret of the carer."},
                   "network": PARENT_ANSWERS["network"] | {"text": "my friend Dana"},
                   "scale": PARENT_ANSWERS["scale"] | {"value": 2}},
                  role="carer", name="Chris", submit=False)
    parent = await respond({"worries": PARENT_ANSWERS["worries"]})
    draft = await portal.draft_map(alice, case["id"])
    assert {i["respondent_id"] for i in draft["items"]} == {parent["id"]}
    assert "Secret of the carer." not in str(draft) and "Dana" not in str(draft)
    assert draft["scales"] == []


# Exact words ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("I love my dog 🐶❤️ and Nan's 🍰", ["I love my dog 🐶❤️ and Nan's 🍰"]),
    ("<script>alert(1)</script>", ["<script>alert(1)</script>"]),
    ("<b>Mum</b> &lt \"Dad\" & 'me' \\ {json} <img src=x onerror=alert(1)>",
     ["<b>Mum</b> &lt \"Dad\" & 'me' \\ {json} <img src=x onerror=alert(1)>"]),
    ("Mae Mam-gu yn helpu bob dydd", ["Mae Mam-gu yn helpu bob dydd"]),
    ("Babcia pomaga mi w lekcjach, źle śpię", ["Babcia pomaga mi w lekcjach, źle śpię"]),
    ("جدتي تساعدني كل يوم", ["جدتي تساعدني كل يوم"]),
    ("Zoë\u0301 e\u0301 ﬁne\u200b ok", ["Zoë\u0301 e\u0301 ﬁne\u200b ok"]),
    ("i dunno  tbh   lol", ["i dunno  tbh   lol"]),
    ("Mum helps\nDad shouts\r\n\nNan bakes", ["Mum helps", "Dad shouts", "Nan bakes"]),
    (" ".join(["we", "went", "to", "the", "park", "again"] * 600),
     [" ".join(["we", "went", "to", "the", "park", "again"] * 600)]),
], ids=["emoji", "script", "html-entities", "welsh", "polish", "arabic", "combining",
        "spaces", "newlines", "very-long"])
async def test_item_text_is_exactly_as_given(portal, alice, case, respond, text, expected):
    question = "Beth sy'n mynd yn dda? / What's going well? <i>really</i> 🙂"
    invitation = await respond({"good": {"kind": "item", "section": "working_well",
                                         "question": question, "text": text}})
    items = (await portal.draft_map(alice, case["id"]))["items"]
    assert [i["text"] for i in items] == expected
    assert [i["original_text"] for i in items] == expected
    for item in items:
        assert item["question"] == question
        assert item["respondent_id"] == invitation["id"]


async def test_network_and_scale_text_is_exactly_as_given(portal, alice, case, respond):
    why = "Achos mae Nain yno 💛 <br> \"always\""
    await respond({
        "network": {"kind": "network", "question": "Who?", "text": "Auntie Zoë 🌸"},
        "network_how": {"kind": "network_how", "question": "How?", "text": why},
        "scale": {"kind": "scale", "question": "0–10?", "text": "sześć", "value": 6},
        "scale_why": {"kind": "scale_why", "question": "Why?", "text": why},
        "scale_higher": {"kind": "scale_higher", "question": "Higher?",
                         "text": "<script>alert(1)</script>"},
    })
    draft = await portal.draft_map(alice, case["id"])
    assert [(p["name"], p["how_they_help"]) for p in draft["network"]] == [
        ("Auntie Zoë", why)]
    [scale] = draft["scales"]
    assert (scale["question"], scale["value"], scale["why"], scale["one_point_higher"]) == (
        "0–10?", 6, why, "<script>alert(1)</script>")


# Network and scales -------------------------------------------------------------------


async def test_network_answer_gives_one_entry_per_person(portal, alice, case, respond):
    invitation = await respond({"network": PARENT_ANSWERS["network"]})
    draft = await portal.draft_map(alice, case["id"])
    assert draft["network"] == [
        {"respondent_id": invitation["id"], "name": "Mum", "relationship": "mum",
         "how_they_help": None},
        {"respondent_id": invitation["id"], "name": "Kelly", "relationship": "sister",
         "how_they_help": None},
    ]
    assert draft["items"] == []  # a network answer is not an item


async def test_scale_without_why_or_higher(portal, alice, case, respond):
    invitation = await respond({"scale": PARENT_ANSWERS["scale"] | {"value": 0}})
    draft = await portal.draft_map(alice, case["id"])
    assert draft["scales"] == [{
        "respondent_id": invitation["id"], "question": PARENT_ANSWERS["scale"]["question"],
        "value": 0, "why": None, "one_point_higher": None}]


async def test_skipped_scale_is_left_out(portal, alice, case, respond):
    await respond({"scale": PARENT_ANSWERS["scale"] | {"value": None, "text": "skip"},
                   "scale_why": PARENT_ANSWERS["scale_why"]})
    assert (await portal.draft_map(alice, case["id"]))["scales"] == []


async def test_each_respondent_has_their_own_scale(portal, alice, case, respond):
    parent = await respond({"scale": PARENT_ANSWERS["scale"] | {"value": 3},
                            "scale_why": PARENT_ANSWERS["scale_why"]})
    child = await respond({"scale": PARENT_ANSWERS["scale"] | {"value": 9}}, role="child",
                          name="Alex")
    scales = (await portal.draft_map(alice, case["id"]))["scales"]
    assert sorted((s["respondent_id"], s["value"], s["why"]) for s in scales) == sorted([
        (parent["id"], 3, "Because Nan is there."), (child["id"], 9, None)])


# PATCH /api/v1/items/{id} ----------------------------------------------------------------


@pytest.fixture
async def item(portal, alice, case, respond) -> dict:
    await respond({"worries": PARENT_ANSWERS["worries"] | {"text": "The flat is damp."}})
    [item] = (await portal.draft_map(alice, case["id"]))["items"]
    return item


async def patch(portal, worker, item_id: str, body):
    _, response = await portal.client.patch(f"/api/v1/items/{item_id}", json=body,
                                            headers=worker.headers)
    return response


@pytest.mark.parametrize("change", [
    {"section": "needs"}, {"category": "danger"}, {"category": None},
    {"status": "accepted"}, {"status": "rejected"}, {"text": "The flat is very damp 😞"},
    {"section": "working_well", "category": "strength", "status": "accepted",
     "text": "Mould was cleaned"},
], ids=repr)
async def test_patch_changes_the_item(portal, alice, case, item, change):
    response = await patch(portal, alice, item["id"], change)
    assert response.status == 200
    assert response.json == item | change
    assert response.json["original_text"] == "The flat is damp."
    [stored] = (await portal.draft_map(alice, case["id"]))["items"]
    assert stored == item | change


async def test_patches_add_up_and_original_text_stays(portal, alice, case, item):
    for change in ({"text": "First edit"}, {"status": "accepted"}, {"text": "Second edit"}):
        assert (await patch(portal, alice, item["id"], change)).status == 200
    [stored] = (await portal.draft_map(alice, case["id"]))["items"]
    assert (stored["text"], stored["original_text"], stored["status"]) == (
        "Second edit", "The flat is damp.", "accepted")


BAD_PATCHES = [
    {}, [], "accepted", None, {"section": "worry"}, {"section": None}, {"section": ""},
    {"category": "risk"}, {"category": ""}, {"status": "done"}, {"status": None},
    {"status": "Accepted"}, {"text": ""}, {"text": "   "}, {"text": None}, {"text": 5},
    {"text": "x" * 4001}, {"text": "a\x00b"}, {"original_text": "rewritten"},
    {"house": "dreams"}, {"id": UNKNOWN_ID}, {"respondent_id": UNKNOWN_ID},
    {"confidence": 0.1}, {"status": "accepted", "question": "Changed?"},
]


async def test_patch_refuses_bad_values(portal, alice, case, item):
    statuses = {}
    for body in BAD_PATCHES:
        statuses[repr(body)[:60]] = (await patch(portal, alice, item["id"], body)).status
    _, response = await portal.client.patch(f"/api/v1/items/{item['id']}",
                                            content=b"status=accepted", headers=alice.headers)
    statuses["form body"] = response.status
    assert {body: status for body, status in statuses.items() if status != 422} == {}
    [stored] = (await portal.draft_map(alice, case["id"]))["items"]
    assert stored == item


async def test_patch_unknown_item_is_404(portal, alice, item):
    response = await patch(portal, alice, UNKNOWN_ID, {"status": "accepted"})
    assert response.status == 404


async def test_patch_item_not_yet_submitted_is_404(portal, alice, respond):
    await respond({"worries": PARENT_ANSWERS["worries"]}, submit=False)
    async with portal.store.sessions() as session:
        item_id = await session.scalar(select(Item.id).limit(1))
    response = await patch(portal, alice, item_id, {"status": "accepted"})
    assert response.status == 404
    assert "Dad shouts" not in response.text


# Sorting (issue 18): a child's words keep their house, with a suggested column ------------


async def test_a_childs_suggested_column_is_in_the_map_and_the_worker_applies_it(
        portal, alice, case, respond):
    text = "my dad shouts at me every night"
    await respond({"good_life": {
        "kind": "item", "house": "good_things", "category": "strength",
        "question": "What is good in your life?", "text": text,
        "parts": [{"text": text, "section": "working_well", "category": None,
                   "house": "good_things", "confidence": 0.2,
                   "suggested_section": "worries", "moved_from": None}]}},
        role="child", name="Alex")
    draft = await portal.draft_map(alice, case["id"])
    assert_map_shape(draft)
    [item] = draft["items"]
    assert (item["text"], item["house"], item["section"], item["category"],
            item["suggested_section"]) == (text, "good_things", "working_well", None, "worries")
    # Never applied by itself: the worker moves it.
    response = await patch(portal, alice, item["id"], {"section": "worries"})
    assert response.status == 200
    assert response.json == item | {"section": "worries", "suggested_section": None}
    [stored] = (await portal.draft_map(alice, case["id"]))["items"]
    assert (stored["section"], stored["house"], stored["suggested_section"]) == (
        "worries", "good_things", None)


async def test_a_moved_adult_item_keeps_its_questions_column_inside_mapbot(
        portal, alice, case, respond):
    text = "his dad hit him last week"
    await respond({"going_well": {
        "kind": "item", "section": "working_well", "category": "strength",
        "question": "What's going well?", "text": text,
        "parts": [{"text": text, "section": "worries", "category": "harm", "house": None,
                   "confidence": 0.99, "moved_from": "working_well",
                   "suggested_section": None}]}})
    draft = await portal.draft_map(alice, case["id"])
    assert_map_shape(draft)  # moved_from is not in the contract's JSON
    [item] = draft["items"]
    assert (item["section"], item["category"]) == ("worries", "harm")
    async with portal.store.sessions() as session:
        stored = await session.get(Item, item["id"])
        assert stored.moved_from == "working_well"
    response = await patch(portal, alice, item["id"], {"section": "needs"})
    assert response.status == 200 and "moved_from" not in response.json
    async with portal.store.sessions() as session:
        assert (await session.get(Item, item["id"])).moved_from is None  # the worker placed it


async def test_parts_with_an_unknown_suggested_column_are_refused(portal, alice, case):
    invitation = await portal.invite(alice, case["id"], "child", "Alex")
    response = await portal.put_answer(
        invitation["conversation_id"], "good_life", kind="item", house="good_things",
        question="What is good?", text="words",
        parts=[{"text": "words", "section": "working_well", "category": None,
                "suggested_section": "good_things"}])
    assert response.status == 422
