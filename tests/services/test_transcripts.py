"""The chat page's state, read back from the transcript: choices, progress, houses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.database.models import Case, Respondent, Worker
from bot.services.store import Store
from bot.services.transcripts import CARRY_ON, START, Line, Transcript, progress_text, transcript

YES_NO = [{"title": "Yes, I'm ready", "payload": "/affirm"},
          {"title": "Not now", "payload": "/deny"}]
SKIP_STOP = [{"title": "Skip this question", "payload": "/skip"},
             {"title": "Stop for now", "payload": "/stop"}]
REVIEW = [{"title": "Send to my social worker", "payload": "/send"},
          {"title": "Change an answer", "payload": "/change"}]


def bot(text: str, buttons=None, **custom) -> Line:
    return Line("bot", text, buttons or [], custom)


def person(text: str) -> Line:
    return Line("person", text)


def question(key: str, step: int, of: int = 15, house: str | None = None) -> Line:
    custom = {"question": key, "progress": {"step": step, "of": of}}
    if house:
        custom["house"] = house
    return Line("bot", f"The {key} question?", SKIP_STOP, custom)


def test_before_the_first_message_the_page_offers_start() -> None:
    empty = Transcript([])
    assert not empty.started and empty.choices == [START]
    assert empty.progress == "" and empty.latest is None
    assert empty.visited_houses == [] and empty.current_house is None


def test_the_choices_are_the_last_questions_buttons() -> None:
    said = Transcript([person("hi"), bot("Hello."), bot("Ready?", YES_NO)])
    assert said.choices == YES_NO
    said = Transcript([*said.lines, person("/affirm"), question("like_child", 1)])
    assert said.choices == SKIP_STOP
    assert said.progress == "Question 1 of 15"


def test_after_stopping_the_page_offers_to_carry_on_but_not_after_sending() -> None:
    stopped = Transcript([person("hi"), bot("Ready?", YES_NO), person("/deny"),
                          bot("That's fine. Come back any time.")])
    assert stopped.choices == [CARRY_ON]
    sent = Transcript([person("/send"), bot("Thank you.", status="submitted")])
    assert sent.submitted and sent.choices == []
    assert sent.progress == "Sent to your social worker"


def test_progress_through_the_review_and_after_an_aside() -> None:
    lines = [question("scale_higher", 15), person("more time"),
             bot("Here is what you told me."), bot("Shall I send?", REVIEW)]
    assert progress_text(lines) == "Checking your answers"
    # Help messages and other asides keep the last progress.
    assert progress_text([question("going_well", 2), bot("You're welcome.")]) == (
        "Question 2 of 15")


def test_houses_visited_and_the_current_one() -> None:
    lines = [question("first_house", 1, 14), person('/choose_house{"house": "dreams"}'),
             question("dreams_life", 2, 14, "dreams"), person("a beach"),
             question("good_life", 5, 14, "good_things")]
    said = Transcript(lines)
    assert said.visited_houses == ["good_things", "dreams"]
    assert said.current_house == "good_things"
    said = Transcript([*lines, person("my cat"), question("trusted_adults", 12, 14)])
    assert said.current_house is None and len(said.visited_houses) == 2


def test_a_pressed_button_shows_its_title_and_typed_words_stay_as_typed() -> None:
    said = Transcript([bot("Ready?", YES_NO), person("/affirm"), question("like_child", 1),
                       person("/skip"), person("<b>/affirm</b>"), bot("OK"),
                       person("/affirm")])
    shown = [text for line, text in said.shown() if line.sender == "person"]
    # Only the buttons of the message just before count: a later "/affirm" stays as typed.
    assert shown == ["Yes, I'm ready", "Skip this question", "<b>/affirm</b>", "/affirm"]
    assert said.latest == 6


@pytest.fixture
async def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'mapbot.db'}")
    await store.create_schema()
    yield store
    await store.close()


async def test_read_back_from_the_messages_table(store: Store) -> None:
    async with store.sessions.begin() as session:
        worker = Worker(username="w", password_hash="x")
        session.add(worker)
        await session.flush()
        case = Case(reference="C-1", child_name="Tia", created_by=worker.id)
        session.add(case)
        await session.flush()
        respondent = Respondent(case_id=case.id, role="child", name="Tia", token_hash="h",
                                expires_at=datetime.now(timezone.utc) + timedelta(days=1))
        session.add(respondent)
        await session.flush()
        respondent_id = respondent.id
    await store.record_messages(respondent_id, "hi", [
        {"text": "Hello <b>Tia</b>"}, {"text": "Ready?", "buttons": YES_NO}])
    await store.record_messages(respondent_id, "/affirm", [
        {"text": "What is good?", "buttons": SKIP_STOP,
         "custom": {"question": "good_life", "progress": {"step": 2, "of": 14},
                    "house": "good_things"}}])
    await store.record_messages(respondent_id, "old style", ["Just text"])

    said = await transcript(store, respondent_id)
    assert [(line.sender, line.text) for line in said.lines] == [
        ("person", "hi"), ("bot", "Hello <b>Tia</b>"), ("bot", "Ready?"),
        ("person", "/affirm"), ("bot", "What is good?"), ("person", "old style"),
        ("bot", "Just text")]
    assert said.lines[2].buttons == YES_NO
    assert said.visited_houses == ["good_things"] and said.progress == "Question 2 of 14"
    assert said.choices == [CARRY_ON]  # the last reply had no buttons
    assert await transcript(store, "nobody") == Transcript([])
