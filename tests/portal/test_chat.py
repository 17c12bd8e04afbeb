"""The family chat endpoint, without the Rasa server: validation, errors, and what the
portal does with Rasa's answers (through a stand-in Rasa)."""

from __future__ import annotations

import pytest

import bot.portal.chat as portal_chat
from bot.database.models import Message
from bot.portal.rasa_client import START_PAYLOAD


def chat_url(invitation: dict) -> str:
    return f"/api/v1/chat/{invitation['token']}/messages"


async def assert_nothing_recorded(portal, invitation) -> None:
    respondent = await portal.respondent(invitation["id"])
    assert respondent.started_at is None
    assert respondent.status == "invited"
    assert await portal.count(Message) == 0


@pytest.fixture
async def other(portal, alice, case) -> dict:
    """A second person in the same case, whose data must never reach the first."""
    return await portal.invite(alice, case["id"], "carer", "Kim Carer")


def assert_no_other_data(response, invitation, other) -> None:
    for secret in ("Alex Example", "CASE-0001", "Kim Carer", other["token"],
                   other["conversation_id"], invitation["conversation_id"]):
        assert secret not in response.text, secret


# Validation --------------------------------------------------------------------------


MALFORMED_MESSAGES = [
    b"", b"hello", b"{text: hi}", b'{"text": "hi"', b"\xff\xfe", b'["hello"]',
    b'[{"text": "hi"}]', b'"hello"', b"3", b"null", b"true", b"{}", b'{"message": "hi"}',
    b'{"Text": "hi"}', b'{"text": 3}', b'{"text": null}', b'{"text": ["hi"]}',
    b'{"text": {"text": "hi"}}', b'{"text": true}', b'{"text": ""}', b'{"text": "   "}',
    b'{"text": "\\n\\t \\r\\n"}', b'{"text": "\\u0000"}', b'{"text": "\\u0000\\u0007 "}',
]


async def test_malformed_message_is_422(portal, invitation, other):
    answers = {}
    for body in MALFORMED_MESSAGES:
        _, response = await portal.client.post(chat_url(invitation), content=body,
                                               headers={"Content-Type": "application/json"})
        answers[body] = (response.status, set(response.json))
        assert_no_other_data(response, invitation, other)
    assert {body: a for body, a in answers.items() if a != (422, {"error"})} == {}
    await assert_nothing_recorded(portal, invitation)


async def test_text_over_the_limit_is_422(portal, invitation, settings):
    for unit in ("x", "é", "😀", "ل"):
        text = unit * (settings.max_message_chars + 1)
        _, response = await portal.client.post(chat_url(invitation), json={"text": text})
        assert response.status == 422, unit
        assert response.json["max_chars"] == settings.max_message_chars
        assert text not in response.text
    await assert_nothing_recorded(portal, invitation)


async def test_the_limit_is_at_least_2000_characters(settings):
    assert settings.max_message_chars >= 2000


@pytest.mark.parametrize("length", [2000, "limit"])
async def test_long_message_within_the_limit_is_not_422(portal, invitation, settings, length):
    size = settings.max_message_chars if length == "limit" else length
    _, response = await portal.client.post(chat_url(invitation), json={"text": "a" * size})
    assert response.status == 503  # valid; only the assistant being down stops it


async def test_extra_fields_are_ignored(portal, invitation, fake_rasa):
    """A body naming another sender (or anything else) cannot steer where the text goes:
    Rasa is sent the invitation's own conversation id and only the typed text."""
    for _ in range(2):  # the first message opens the conversation, the second is as typed
        _, response = await portal.client.post(chat_url(invitation), json={
            "text": "hello", "sender": "someone-else", "metadata": {"turn": 99},
            "message": "/restart"})
        assert response.status == 200
        assert response.json == {"messages": [{"text": "Hello, I am MapBot."}]}
    assert fake_rasa.senders == [invitation["conversation_id"]] * 2
    assert [s["message"] for s in fake_rasa.sent] == [START_PAYLOAD, "hello"]
    assert [s["metadata"] for s in fake_rasa.sent] == [{"text": "hello", "turn": 0},
                                                        {"text": "hello", "turn": 1}]
    assert "someone-else" not in str(fake_rasa.sent)


async def test_unknown_token_comes_before_validation(portal, invitation):
    _, response = await portal.client.post("/api/v1/chat/nope/messages", content=b"junk")
    assert response.status == 404


async def test_revoked_token_comes_before_validation(portal, alice, invitation):
    await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                               headers=alice.headers)
    _, response = await portal.client.post(chat_url(invitation), content=b"junk")
    assert response.status == 410


async def test_errors_never_show_another_persons_data(portal, alice, invitation, other):
    responses = [
        (await portal.client.post("/api/v1/chat/unknown-token/messages",
                                  json={"text": "hi"}))[1],
        (await portal.client.get("/chat/unknown-token"))[1],
        (await portal.client.post(chat_url(invitation), json={"text": ""}))[1],
        (await portal.client.post(chat_url(invitation), json={"text": "x" * 10_000}))[1],
        (await portal.client.post(chat_url(invitation), json={"text": "hello"}))[1],
    ]
    await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                               headers=alice.headers)
    responses += [
        (await portal.client.post(chat_url(invitation), json={"text": "hi"}))[1],
        (await portal.client.get(f"/chat/{invitation['token']}"))[1],
    ]
    assert [r.status for r in responses] == [404, 404, 422, 422, 503, 410, 410]
    for response in responses:
        assert_no_other_data(response, invitation, other)
        assert "Jo Parent" not in response.text


# Rasa or the action server down -------------------------------------------------------


def assert_kind_503(response, settings) -> None:
    assert response.status == 503
    assert set(response.json) == {"error"}
    message = response.json["error"]
    assert "again" in message.lower()
    for internal in ("127.0.0.1", str(settings.rasa_port), str(settings.action_port),
                     "Traceback", "httpx", "Exception", "webhook"):
        assert internal not in message


async def test_everything_down_is_503_and_nothing_starts(portal, invitation, other, settings):
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hello"})
    assert_kind_503(response, settings)
    assert_no_other_data(response, invitation, other)
    await assert_nothing_recorded(portal, invitation)


async def test_rasa_up_with_its_actions_down_is_503(portal, invitation, settings, fake_rasa):
    fake_rasa.actions_up = False  # the channel refuses to start a turn it cannot finish
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hello"})
    assert_kind_503(response, settings)
    await assert_nothing_recorded(portal, invitation)


@pytest.mark.parametrize(("status", "reply"), [(500, {"error": "boom"}), (200, [])])
async def test_rasa_failing_is_503_and_nothing_starts(portal, invitation, settings, fake_rasa,
                                                     status, reply):
    fake_rasa.status, fake_rasa.reply = status, reply
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hello"})
    assert_kind_503(response, settings)
    await assert_nothing_recorded(portal, invitation)


async def test_a_failed_first_turn_is_retried_as_the_first_turn(portal, invitation,
                                                                fake_rasa):
    fake_rasa.status = 500
    await portal.client.post(chat_url(invitation), json={"text": "hello"})
    fake_rasa.status = 200
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hello"})
    assert response.status == 200
    assert [m["message"] for m in fake_rasa.sent] == [START_PAYLOAD, START_PAYLOAD]


async def test_too_many_messages_is_429(portal, invitation, other, settings):
    statuses = []
    for _ in range(portal_chat.RATE_LIMIT + 1):
        _, response = await portal.client.post(chat_url(invitation), json={"text": "hi"})
        statuses.append(response.status)
    assert statuses == [503] * portal_chat.RATE_LIMIT + [429]
    assert_no_other_data(response, invitation, other)
    # The limit is per link: the other person can still send.
    _, response = await portal.client.post(chat_url(other), json={"text": "hi"})
    assert response.status == 503


# With a stand-in Rasa ------------------------------------------------------------------


async def test_first_message_opens_the_conversation(portal, invitation, fake_rasa):
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hiya 👋"})
    assert response.status == 200
    assert response.json == {"messages": [{"text": "Hello, I am MapBot."}]}
    [sent] = fake_rasa.sent
    # The sender is the random conversation id, never the token; any first text opens.
    assert sent["sender"] == invitation["conversation_id"] != invitation["token"]
    assert sent["message"] == START_PAYLOAD
    # The turn number lets Rasa replay a turn whose reply never arrived.
    assert sent["metadata"] == {"text": "hiya 👋", "turn": 0}
    respondent = await portal.respondent(invitation["id"])
    assert respondent.status == "in_progress" and respondent.started_at is not None
    assert await portal.count(Message) == 2


async def test_later_messages_go_to_rasa_as_typed(portal, invitation, fake_rasa):
    text = "He shouts 😡 when he's been drinking.\nI'm scared <b>sometimes</b>"
    for message in ("hello", text, "/affirm", '/choose_house{"house": "dreams"}'):
        _, response = await portal.client.post(chat_url(invitation), json={"text": message})
        assert response.status == 200
    assert [s["message"] for s in fake_rasa.sent] == [
        START_PAYLOAD, text, "/affirm", '/choose_house{"house": "dreams"}']
    assert [s["metadata"]["turn"] for s in fake_rasa.sent] == [0, 1, 2, 3]


@pytest.mark.parametrize("command", ["/restart", "/session_start", "/stop{\"x\": \"y\"}",
                                     '/choose_house{"house": "attic"}', "  /restart"])
async def test_commands_a_person_types_are_not_obeyed(portal, invitation, fake_rasa,
                                                     command):
    await portal.client.post(chat_url(invitation), json={"text": "hello"})
    _, response = await portal.client.post(chat_url(invitation), json={"text": command})
    assert response.status == 200
    sent = fake_rasa.sent[-1]["message"]
    assert not sent.startswith("/")
    assert sent.endswith(command.strip())


async def test_buttons_and_custom_reach_the_browser_in_the_contract_shape(
        portal, invitation, fake_rasa):
    fake_rasa.reply = [
        {"recipient_id": "x", "text": "Is that right?",
         "buttons": [{"title": "Yes", "payload": "/affirm", "type": "postback"},
                     {"title": "No", "payload": "/deny"}]},
        {"recipient_id": "x", "text": "Sent to your social worker."},
        {"recipient_id": "x", "custom": {"status": "submitted"}},
    ]
    _, response = await portal.client.post(chat_url(invitation), json={"text": "hello"})
    assert response.status == 200
    assert response.json == {"messages": [
        {"text": "Is that right?", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                               {"title": "No", "payload": "/deny"}]},
        {"text": "Sent to your social worker.", "custom": {"status": "submitted"}},
        # Added by the portal once an adult's answers are sent (bot/portal/portal_steps.py).
        {"text": "One more thing. Your social worker may share the map with your family. "
                 "Can they put your name next to your words in the family's copy?",
         "buttons": [{"title": "Yes, use my name", "payload": "/name_yes"},
                     {"title": "No, leave my name off", "payload": "/name_no"}]},
    ]}


async def test_a_2000_character_message_is_accepted(portal, invitation, fake_rasa):
    text = ("My mum helps me every day and I love her a lot. " * 50)[:2000]
    await portal.client.post(chat_url(invitation), json={"text": "hello"})
    _, response = await portal.client.post(chat_url(invitation), json={"text": text})
    assert response.status == 200
    assert fake_rasa.sent[-1]["message"] == text


async def test_control_characters_are_dropped_but_words_kept(portal, invitation, fake_rasa):
    await portal.client.post(chat_url(invitation), json={"text": "hello"})
    _, response = await portal.client.post(chat_url(invitation),
                                           json={"text": "Nan\x00 helps\x07 me  🙂"})
    assert response.status == 200
    assert fake_rasa.sent[-1]["message"] == "Nan helps me  🙂"


