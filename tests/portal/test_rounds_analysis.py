"""Rounds (POST /api/v1/cases/{id}/rounds, GET .../map?round=N, history) and the worker's
part of the map (GET and PUT /api/v1/cases/{id}/analysis), through the public API."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.database.models import AuditEvent, Item
from tests.portal.portal_support import parse_iso

MUM = {
    "worried_about": {"kind": "item", "section": "worries", "question": "What worries you?",
                      "text": "Dad shouts when he drinks. The flat is damp."},
    "going_well": {"kind": "item", "section": "working_well", "category": "strength",
                   "question": "What is going well?", "text": "Alex goes to school."},
    "scale": {"kind": "scale", "question": "How safe is Alex, 0 to 10?", "text": "7",
              "value": 7},
}
NAN = {
    "worried_about": {"kind": "item", "section": "worries", "question": "What worries you?",
                      "text": "Nobody checks on Alex at night."},
    "scale": {"kind": "scale", "question": "How safe is Alex, 0 to 10?", "text": "4",
              "value": 4},
}
PROMPTS = ["What has happened, and who is worried about it?",
           "What might happen if nothing changes?", "How would that affect Alex Example?"]


@pytest.fixture
def respond(portal, alice, case):
    async def respond(answers: dict, role: str = "parent", name: str = "Mum") -> dict:
        invitation = await portal.invite(alice, case["id"], role, name)
        for key, body in answers.items():
            await portal.answer(invitation["conversation_id"], key, **body)
        await portal.submit(invitation["conversation_id"])
        return invitation

    return respond


async def _items(portal, worker, case_id) -> dict[str, str]:
    """Item ids by their words."""
    return {item["text"]: item["id"] for item in
            (await portal.draft_map(worker, case_id))["items"]}


async def _analysis(portal, worker, case_id, status: int = 200) -> dict:
    _, response = await portal.client.get(f"/api/v1/cases/{case_id}/analysis",
                                          headers=worker.headers)
    assert response.status == status, response.text
    return response.json


async def _put(portal, worker, case_id, body: dict):
    _, response = await portal.client.put(f"/api/v1/cases/{case_id}/analysis", json=body,
                                          headers=worker.headers)
    return response


async def _start(portal, worker, case_id, label: str = "Review conference, March"):
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/rounds",
                                           json={"label": label}, headers=worker.headers)
    return response


# Rounds -------------------------------------------------------------------------------


async def test_a_new_case_is_in_its_first_round(portal, alice, case):
    draft = await portal.draft_map(alice, case["id"])
    assert draft["round"]["number"] == 1
    assert draft["round"]["label"] == "First mapping"
    assert draft["round"]["started_at"] == case["created_at"]
    assert draft["history"] == {"scales": []}


async def test_a_second_round_keeps_the_first_readable(portal, alice, case, respond):
    mum = await respond(MUM)
    response = await _start(portal, alice, case["id"])
    assert response.status == 201
    started = response.json
    assert set(started) == {"id", "number", "label", "started_at"}
    assert started["number"] == 2 and started["label"] == "Review conference, March"
    parse_iso(started["started_at"])
    later = await respond({"scale": dict(MUM["scale"], text="8", value=8)}, name="Mum again")

    now = await portal.draft_map(alice, case["id"])
    assert now["round"] == started
    assert [r["id"] for r in now["respondents"]] == [later["id"]]
    assert [s["value"] for s in now["scales"]] == [8]
    assert now["items"] == []

    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map?round=1",
                                          headers=alice.headers)
    assert response.status == 200
    first = response.json
    assert first["round"]["number"] == 1 and first["round"]["label"] == "First mapping"
    assert [r["id"] for r in first["respondents"]] == [mum["id"]]
    assert sorted(item["text"] for item in first["items"]) == [
        "Alex goes to school.", "Dad shouts when he drinks.", "The flat is damp."]
    assert now["history"] == first["history"] == {"scales": [
        {"round": 1, "respondent_id": mum["id"], "role": "parent", "name": "Mum", "value": 7},
        {"round": 2, "respondent_id": later["id"], "role": "parent", "name": "Mum again",
         "value": 8}]}


async def test_round_numbers_go_up_one_at_a_time(portal, alice, case):
    assert (await _start(portal, alice, case["id"], "Review 1")).json["number"] == 2
    assert (await _start(portal, alice, case["id"], "Review 2")).json["number"] == 3


async def test_round_errors(portal, alice, bob, case):
    assert (await _start(portal, alice, case["id"], "  ")).status == 422
    assert (await _start(portal, alice, case["id"], "x" * 101)).status == 422
    assert (await _start(portal, bob, case["id"])).status == 404
    _, response = await portal.client.post(f"/api/v1/cases/{case['id']}/rounds",
                                           json={"label": "R"})
    assert response.status == 401
    for query, status in (("round=2", 404), ("round=0", 422), ("round=two", 422)):
        _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map?{query}",
                                              headers=alice.headers)
        assert response.status == status, query
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map?round=1",
                                          headers=bob.headers)
    assert response.status == 404


async def test_a_viewer_cannot_start_a_round(portal, alice, bob, case):
    _, response = await portal.client.post(f"/api/v1/cases/{case['id']}/access",
                                           json={"username": "bob", "role": "viewer"},
                                           headers=alice.headers)
    assert response.status == 201
    assert (await _start(portal, bob, case["id"])).status == 403


async def test_the_common_scale_stands_apart_from_each_role_s_own(portal, alice, case,
                                                                  respond):
    answers = dict(MUM, common_scale={"kind": "scale", "text": "5", "value": 5,
                                      "question": "How safe is Alex at home, 0 to 10?"},
                   common_scale_why={"kind": "scale_why", "text": "Nan is near.",
                                     "question": "Why 5?"})
    mum = await respond(answers)
    draft = await portal.draft_map(alice, case["id"])
    assert sorted((s["question"], s["value"], s["why"]) for s in draft["scales"]) == [
        ("How safe is Alex at home, 0 to 10?", 5, "Nan is near."),
        ("How safe is Alex, 0 to 10?", 7, None)]
    assert draft["history"]["scales"] == [
        {"round": 1, "respondent_id": mum["id"], "role": "parent", "name": "Mum", "value": 7},
        {"round": 1, "respondent_id": mum["id"], "role": "parent", "name": "Mum", "value": 5}]


# The worker's part --------------------------------------------------------------------


async def test_an_untouched_analysis_is_empty_with_scaffolds(portal, alice, case, respond):
    mum = await respond(MUM)
    nan = await respond(NAN, role="network", name="Nan")
    ids = await _items(portal, alice, case["id"])
    assert await _analysis(portal, alice, case["id"]) == {
        "version": 0, "danger_statements": [], "safety_goals": [], "grey_areas": [],
        "next_steps": [], "judgement": {"value": None, "why": None},
        "scaffolds": {"danger_statements": [
            {"who": ["Mum"], "evidence": [ids["Dad shouts when he drinks."],
                                          ids["The flat is damp."]], "prompts": PROMPTS},
            {"who": ["Nan"], "evidence": [ids["Nobody checks on Alex at night."]],
             "prompts": PROMPTS}]},
        "updated_at": None, "updated_by": None}
    assert mum["id"] != nan["id"]


async def test_the_worker_s_part_is_saved_and_read_back(portal, alice, case, respond,
                                                        store):
    await respond(MUM)
    await respond(NAN, role="network", name="Nan")
    ids = await _items(portal, alice, case["id"])
    shouts, night = ids["Dad shouts when he drinks."], ids["Nobody checks on Alex at night."]
    body = {"version": 0,
            "danger_statements": [{"text": "Mum and Nan are worried that Alex is alone at "
                                           "night while Dad drinks.",
                                   "evidence": [shouts, night]}],
            "safety_goals": [{"text": "An adult who is sober is with Alex every night.",
                              "evidence": [night]}],
            "grey_areas": [{"text": "Whether Dad drinks every day.", "evidence": []}],
            "next_steps": [{"text": "Family network meeting", "who": "Sam (social worker)",
                            "by": "2027-01-15"}],
            "judgement": {"value": 4, "why": "The network is willing but not yet in place."}}
    response = await _put(portal, alice, case["id"], body)
    assert response.status == 200, response.text
    saved = response.json
    assert saved["version"] == 1 and saved["updated_by"] == "alice"
    parse_iso(saved["updated_at"])
    statement = saved["danger_statements"][0]
    assert len(statement["id"]) == 32
    assert statement == {"id": statement["id"], "text": "Mum and Nan are worried that Alex "
                         "is alone at night while Dad drinks.", "evidence": [shouts, night]}
    assert [g["text"] for g in saved["safety_goals"]] == [
        "An adult who is sober is with Alex every night."]
    assert saved["next_steps"][0] | {"id": ""} == {
        "id": "", "text": "Family network meeting", "who": "Sam (social worker)",
        "by": "2027-01-15"}
    assert saved["judgement"] == {"value": 4,
                                  "why": "The network is willing but not yet in place."}
    assert await _analysis(portal, alice, case["id"]) == saved

    # An entry keeps its id when it is sent back with it; one left out is gone.
    again = await _put(portal, alice, case["id"], {
        "version": 1, "danger_statements": [statement | {"text": "Changed words."}]})
    assert again.status == 200, again.text
    assert again.json["version"] == 2
    assert again.json["danger_statements"] == [statement | {"text": "Changed words."}]
    assert again.json["safety_goals"] == [] and again.json["next_steps"] == []

    async with store.sessions() as session:
        events = (await session.scalars(select(AuditEvent).where(
            AuditEvent.target_type == "analysis", AuditEvent.action == "edit")
            .order_by(AuditEvent.id))).all()
    assert [(e.username, e.target_id, e.case_id, e.via, e.detail) for e in events] == [
        ("alice", case["id"], case["id"], "api", "saved as version 1"),
        ("alice", case["id"], case["id"], "api", "saved as version 2")]


async def test_a_stale_save_gets_409_and_changes_nothing(portal, alice, case):
    first = await _put(portal, alice, case["id"], {
        "version": 0, "grey_areas": [{"text": "First tab", "evidence": []}]})
    assert first.status == 200
    stale = await _put(portal, alice, case["id"], {
        "version": 0, "grey_areas": [{"text": "Second tab", "evidence": []}]})
    assert stale.status == 409
    assert stale.json == {"error": "Someone saved the worker's part of this map after you "
                                   "opened it, so your changes were not saved. Read it "
                                   "again, then make your changes to that."}
    assert [g["text"] for g in (await _analysis(portal, alice, case["id"]))["grey_areas"]] == [
        "First tab"]


async def test_evidence_from_another_case_is_422(portal, alice, bob, case, respond):
    other = await portal.create_case(alice, "CASE-0002", "Bo")
    invitation = await portal.invite(alice, other["id"], "parent", "Pat")
    await portal.answer(invitation["conversation_id"], "worried_about",
                        **MUM["worried_about"])
    await portal.submit(invitation["conversation_id"])
    elsewhere = next(iter((await _items(portal, alice, other["id"])).values()))
    response = await _put(portal, alice, case["id"], {
        "version": 0, "danger_statements": [{"text": "Words", "evidence": [elsewhere]}]})
    assert response.status == 422
    assert response.json == {"error": "Evidence can only be items of this case's map."}
    unknown = await _put(portal, alice, case["id"], {
        "version": 0, "safety_goals": [{"text": "Words", "evidence": ["0" * 32]}]})
    assert unknown.status == 422
    assert (await _analysis(portal, alice, case["id"]))["version"] == 0


@pytest.mark.parametrize("body", [
    None, [], {}, {"version": "0"}, {"version": -1},
    {"version": 0, "danger_statements": [{"text": ""}]},
    {"version": 0, "danger_statements": [{"text": "Words", "evidence": "abc"}]},
    {"version": 0, "danger_statements": [{"text": "Words", "colour": "red"}]},
    {"version": 0, "next_steps": [{"text": "Meet", "who": "x" * 101}]},
    {"version": 0, "judgement": {"value": 11, "why": None}},
    {"version": 0, "judgement": {"value": True, "why": None}},
    {"version": 0, "grey_areas": [{"text": "Bad \u202e words"}]},
    {"version": 0, "grey_areas": [{"id": "0" * 32, "text": "Not given this id"}]},
    {"version": 0, "statements": []},
])
async def test_malformed_analysis_is_422(portal, alice, case, body):
    response = await _put(portal, alice, case["id"], body)
    assert response.status == 422, body


async def test_another_worker_s_case_is_404(portal, alice, bob, case):
    await _analysis(portal, bob, case["id"], status=404)
    response = await _put(portal, bob, case["id"], {"version": 0})
    assert response.status == 404
    assert (await _analysis(portal, alice, case["id"]))["version"] == 0
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/analysis")
    assert response.status == 401


async def test_a_viewer_reads_but_does_not_save(portal, alice, bob, case):
    await portal.client.post(f"/api/v1/cases/{case['id']}/access",
                             json={"username": "bob", "role": "viewer"}, headers=alice.headers)
    assert (await _put(portal, alice, case["id"], {
        "version": 0, "grey_areas": [{"text": "Owner's words"}]})).status == 200
    read = await _analysis(portal, bob, case["id"])
    assert [g["text"] for g in read["grey_areas"]] == ["Owner's words"]
    response = await _put(portal, bob, case["id"], {"version": 1})
    assert response.status == 403
    assert (await _analysis(portal, alice, case["id"]))["version"] == 1


async def test_a_new_round_starts_from_the_last_round_s_analysis(portal, alice, case,
                                                                 respond):
    await respond(MUM)
    saved = (await _put(portal, alice, case["id"], {
        "version": 0, "danger_statements": [{"text": "Dad's drinking", "evidence": []}],
        "judgement": {"value": 3, "why": "Early days"}})).json
    assert (await _start(portal, alice, case["id"])).status == 201
    carried = await _analysis(portal, alice, case["id"])
    assert carried["version"] == 1
    assert carried["danger_statements"] == saved["danger_statements"]
    assert carried["judgement"] == {"value": 3, "why": "Early days"}
    assert carried["scaffolds"] == {"danger_statements": []}  # nobody answered this round


async def test_evidence_whose_words_are_gone_is_no_longer_shown(portal, alice, case,
                                                                respond, store):
    """An item removed from the store (as erasing a person's words removes it) leaves the
    evidence; the rest of the statement stays, and it can be saved again as read."""
    await respond(MUM)
    ids = await _items(portal, alice, case["id"])
    shouts, damp = ids["Dad shouts when he drinks."], ids["The flat is damp."]
    saved = (await _put(portal, alice, case["id"], {"version": 0, "danger_statements": [
        {"text": "Dad's drinking", "evidence": [shouts, damp]}]})).json
    async with store.sessions.begin() as session:
        await session.delete(await session.get(Item, damp))
    read = await _analysis(portal, alice, case["id"])
    assert read["danger_statements"] == [
        {"id": saved["danger_statements"][0]["id"], "text": "Dad's drinking",
         "evidence": [shouts]}]
    again = await _put(portal, alice, case["id"], {
        "version": 1, "danger_statements": read["danger_statements"]})
    assert again.status == 200 and again.json["version"] == 2


async def test_the_family_s_copy_holds_no_round_s_numbers(portal, alice, case, respond):
    await respond(MUM)
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map?copy=family",
                                          headers=alice.headers)
    assert response.status == 200
    assert response.json["history"] == {"scales": []}
    assert response.json["round"]["label"] == "First mapping"


async def test_the_word_and_print_exports_hold_the_worker_s_part(portal, alice, case,
                                                                 respond):
    await respond(MUM)
    ids = await _items(portal, alice, case["id"])
    assert (await _put(portal, alice, case["id"], {
        "version": 0,
        "danger_statements": [{"text": "Dad may hurt Alex when he drinks.",
                               "evidence": [ids["Dad shouts when he drinks."]]}],
        "next_steps": [{"text": "Meet the family", "who": "Sam", "by": "Friday"}],
        "judgement": {"value": 3, "why": "Nothing in place yet."}})).status == 200
    _, word = await portal.client.get(f"/api/v1/cases/{case['id']}/map.docx",
                                      headers=alice.headers)
    document = Document(io.BytesIO(word.body))
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("The worker's part")
    assert paragraphs[start:start + 14] == [
        "The worker's part", "Danger statements", "Dad may hurt Alex when he drinks.",
        "Resting on: “Dad shouts when he drinks.” – Mum (parent)", "Safety goals",
        "None yet.", "Grey areas", "None yet.", "Next steps", "Meet the family",
        "Who: Sam. By: Friday.", "The worker's judgement",
        "3 out of 10: Nothing in place yet.", "Scales from 0 to 10"]
    _, page = await portal.client.get(f"/api/v1/cases/{case['id']}/map.html",
                                      headers=alice.headers)
    assert "Resting on: “Dad shouts when he drinks.” – Mum (parent)" in page.text
    _, family = await portal.client.get(f"/api/v1/cases/{case['id']}/map.docx?copy=family",
                                        headers=alice.headers)
    family_words = [p.text for p in Document(io.BytesIO(family.body)).paragraphs]
    assert "The worker's part" not in family_words
    assert "Dad may hurt Alex when he drinks." not in family_words
    _, as_json = await portal.client.get(f"/api/v1/cases/{case['id']}/map.json",
                                         headers=alice.headers)
    assert "worker_part" not in as_json.json
    assert as_json.json["analysis"] == {"see": f"GET /api/v1/cases/{case['id']}/analysis"}
