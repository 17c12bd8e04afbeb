"""Every message of tests/data/safeguarding through the portal's chat endpoint, with the
Rasa server down: each must_flag line gets help at once and a flag on the map with its
exact words; the must_not_flag lines raise (almost) no flag.

The messages are sent in batches, one case and invitation per batch (the chat endpoint
allows 30 messages a minute per invitation); batches alternate between a `child` and a
`parent` invitation, so each audience gets half of the corpus.
"""

from __future__ import annotations

import pytest

from bot.core.safeguarding.detector import reply_text
from tests.services.safeguarding.safeguarding_support import lines, new_family, worker

BATCH = 25  # under the chat endpoint's 30 messages a minute per invitation
MAX_FALSE_FLAG_RATE = 0.05
ROLES = ("child", "parent")
NSPCC = "0808 800 5000"


def batches(messages: list[str]) -> list[tuple[str, list[str]]]:
    chunks = [messages[i:i + BATCH] for i in range(0, len(messages), BATCH)]
    return [(ROLES[n % 2], chunk) for n, chunk in enumerate(chunks)]


@pytest.fixture
async def alice(store):
    return await worker(store, "alice")


async def send_batch(client, store, alice, n: int, role: str, messages: list[str]):
    family = await new_family(store, alice[0], reference=f"CORPUS-{n:03d}", role=role,
                              name=f"Corpus {role} {n}")
    responses = []
    for text in messages:
        _, response = await client.post(f"/api/v1/chat/{family.token}/messages",
                                        json={"text": text})
        responses.append(response)
    _, draft = await client.get(f"/api/v1/cases/{family.case['id']}/map",
                                headers={"Authorization": f"Bearer {alice[1]}"})
    assert draft.status == 200, draft.text
    return family, responses, draft.json["flags"]


def test_the_corpus_files_are_what_the_tests_expect():
    must, must_not = lines("must_flag.txt"), lines("must_not_flag.txt")
    assert len(must) > 500 and len(must_not) > 500
    assert not set(must) & set(must_not)


def test_children_and_adults_get_different_help():
    child, adult = reply_text("child"), reply_text("adult")
    assert child != adult
    assert NSPCC in adult and NSPCC not in child
    for text in (child, adult):
        assert "0800 1111" in text and "999" in text


async def test_every_must_flag_message_gets_help_and_a_flag_on_the_map(client, store, alice):
    messages = lines("must_flag.txt")
    problems: list[str] = []
    per_role = dict.fromkeys(ROLES, 0)
    for n, (role, chunk) in enumerate(batches(messages)):
        family, responses, flags = await send_batch(client, store, alice, n, role, chunk)
        per_role[role] += len(chunk)
        audience = "child" if role == "child" else "adult"
        for text, response in zip(chunk, responses, strict=True):
            problems += check_help(text, response, audience)
        on_map = {(f["text"], f["respondent_id"]) for f in flags}
        problems += [f"no flag on the map: {text!r}" for text in chunk
                     if (text, family.respondent_id) not in on_map]
        assert all(f["kind"] == "safeguarding" for f in flags)
        assert len(flags) == len(set(chunk)), f"batch {n}: one flag per message"
    assert abs(per_role["child"] - per_role["parent"]) <= BATCH
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def check_help(text: str, response, audience: str) -> list[str]:
    if response.status != 200:
        return [f"{response.status} for {text!r}: {response.text[:200]}"]
    messages = response.json["messages"]
    first = messages[0]["text"]
    problems = []
    if "0800 1111" not in first or "999" not in first:
        problems.append(f"no Childline or 999 in the first message for {text!r}")
    if first != reply_text(audience):
        problems.append(f"not the {audience} help for {text!r}")
    if audience == "adult" and NSPCC not in first:
        problems.append(f"no NSPCC helpline for an adult: {text!r}")
    if audience == "child" and NSPCC in first:
        problems.append(f"the adult helpline for a child: {text!r}")
    later = [{b["payload"] for b in m.get("buttons", [])} for m in messages[1:]]
    if not any({"/carry_on", "/stop"} <= payloads for payloads in later):
        problems.append(f"no carry on / stop buttons after the help for {text!r}")
    return problems


async def test_must_not_flag_messages_raise_at_most_five_percent_flags(
        client, store, alice, record_property):
    messages = lines("must_not_flag.txt")
    false_flags: list[str] = []
    problems: list[str] = []
    for n, (role, chunk) in enumerate(batches(messages)):
        family, responses, flags = await send_batch(client, store, alice, 1000 + n, role, chunk)
        flagged_texts = {f["text"] for f in flags}
        urgent = {f["text"] for f in flags if f["level"] == "immediate"}
        false_flags += sorted(flagged_texts)
        for text, response in zip(chunk, responses, strict=True):
            # Rasa is down: only an urgent flag's help reply answers without it (a
            # concern noted for the worker to read goes on to the next question).
            expected = 200 if text in urgent else 503
            if response.status != expected:
                problems.append(f"{response.status} (not {expected}) for {text!r}")
    rate = len(false_flags) / len(messages)
    record_property("false_flag_rate", rate)
    print(f"\nmust_not_flag: {len(false_flags)} of {len(messages)} flagged ({rate:.1%})"
          + "".join(f"\n  flagged: {text!r}" for text in false_flags))
    assert not problems, "\n".join(problems[:40])
    assert rate <= MAX_FALSE_FLAG_RATE, false_flags
