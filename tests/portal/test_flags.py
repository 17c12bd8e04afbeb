"""Safeguarding flags as the portal shows them: raised from the chat even when the
assistant is down, on the map at once, acknowledged by a worker who may see the case."""

from __future__ import annotations

from bot.database.models import CaseAccess
from tests.portal.portal_support import parse_iso

DISCLOSURE = "my dad hits me when mum is out 😢"
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


async def disclose(portal, invitation, text: str = DISCLOSURE):
    _, response = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                           json={"text": text})
    return response


async def test_disclosure_with_the_assistant_down_still_raises_a_flag(portal, alice, case,
                                                                      invitation):
    response = await disclose(portal, invitation)
    # The person gets help, not an error, although Rasa and the actions are down.
    assert response.status == 200
    messages = response.json["messages"]
    assert messages and all(isinstance(m["text"], str) and m["text"] for m in messages)
    assert any(m.get("buttons") for m in messages)
    for message in messages:
        assert "Alex Example" not in message["text"] and "CASE-0001" not in message["text"]

    draft = await portal.draft_map(alice, case["id"])
    [flag] = draft["flags"]
    # On the map at once, although the person has not sent their answers.
    assert [r["status"] for r in draft["respondents"]] != ["submitted"]
    assert flag["kind"] == "safeguarding"
    assert flag["respondent_id"] == invitation["id"]
    assert flag["text"] == DISCLOSURE
    assert flag["acknowledged_by"] is None and flag["acknowledged_at"] is None
    parse_iso(flag["created_at"])


async def test_a_retried_disclosure_raises_one_flag(portal, alice, case, invitation):
    for _ in range(2):
        assert (await disclose(portal, invitation)).status == 200
    assert len((await portal.draft_map(alice, case["id"]))["flags"]) == 1


async def test_flags_stay_in_their_own_case(portal, alice, bob, invitation):
    await disclose(portal, invitation)
    other_case = await portal.create_case(alice, "CASE-0002", "Other Child")
    assert (await portal.draft_map(alice, other_case["id"]))["flags"] == []
    bobs_case = await portal.create_case(bob, "CASE-0003", "Bob's Child")
    assert (await portal.draft_map(bob, bobs_case["id"]))["flags"] == []


async def test_acknowledge_a_flag(portal, alice, case, invitation):
    await disclose(portal, invitation)
    [flag] = (await portal.draft_map(alice, case["id"]))["flags"]
    _, response = await portal.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                           headers=alice.headers)
    assert response.status == 200
    acknowledged = response.json
    assert acknowledged["acknowledged_by"] == "alice"
    parse_iso(acknowledged["acknowledged_at"])
    assert {k: v for k, v in acknowledged.items() if not k.startswith("acknowledged")} == {
        k: v for k, v in flag.items() if not k.startswith("acknowledged")}
    [on_map] = (await portal.draft_map(alice, case["id"]))["flags"]
    assert on_map == acknowledged


async def test_acknowledging_again_keeps_the_first(portal, alice, bob, case, invitation):
    await disclose(portal, invitation)
    [flag] = (await portal.draft_map(alice, case["id"]))["flags"]
    _, first = await portal.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                        headers=alice.headers)
    async with portal.store.sessions.begin() as session:
        session.add(CaseAccess(case_id=case["id"], worker_id=bob.id))
    _, second = await portal.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                         headers=bob.headers)
    assert second.status == 200
    assert second.json == first.json


async def test_another_worker_cannot_see_or_acknowledge_the_flag(portal, alice, bob, case,
                                                                invitation):
    await disclose(portal, invitation)
    [flag] = (await portal.draft_map(alice, case["id"]))["flags"]
    _, response = await portal.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                           headers=bob.headers)
    assert response.status == 404
    assert "hits me" not in response.text and "Alex Example" not in response.text
    [unchanged] = (await portal.draft_map(alice, case["id"]))["flags"]
    assert unchanged == flag


async def test_unknown_flag_is_404(portal, alice):
    _, response = await portal.client.post(f"/api/v1/flags/{UNKNOWN_ID}/acknowledge",
                                           headers=alice.headers)
    assert response.status == 404


async def test_each_disclosure_is_its_own_flag_oldest_first(portal, alice, case,
                                                             invitation):
    second = "I want to kill myself"
    await disclose(portal, invitation)
    await disclose(portal, invitation, second)
    flags = (await portal.draft_map(alice, case["id"]))["flags"]
    assert [f["text"] for f in flags] == [DISCLOSURE, second]
    assert len({f["id"] for f in flags}) == 2
