"""`mapbot demo`: a made-up family answers through the real conversation.

A parent, a grandparent and a child each talk to the running assistant through the
public chat endpoint, as the chat page does, until their answers are sent. Nothing here
knows the order of the questions: each answer is picked by what is asked (the question's
key in the reply, else words in its text), a button is pressed where one fits, and a
question nobody here has an answer for is skipped. So a newcomer sees a full board,
flags included, whatever the questions are this release.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from dataclasses import dataclass, field

import httpx

from bot.config import Settings

SKIP, NO_MORE, SEND, CARRY_ON, READY = "/skip", "/deny", "/send", "/carry_on", "/affirm"
STOP, KEEP_PRIVATE = "/stop", "/keep_private"
TRY_AGAIN = (429, 503)  # too fast, or a service restarting: the page sends again
MAX_TURNS = 80


@dataclass
class Person:
    """One made-up person: who they are, and what they say to each kind of question."""

    role: str
    name: str
    # Question key -> words; a list is said one a time, for a question asked again.
    answers: dict[str, str | list[str]]
    # Words in a question -> words, for a question whose key is new to this file.
    by_words: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    first_house: str = ""


PARENT = Person("parent", "Sam", {
    "like_child": "Jamie is kind and makes everyone laugh. He loves football.",
    "going_well": "He has been going to school every day this term",
    "before_problem": "We went to the park together every Sunday",
    "near_miss": "Last winter I took the kids to my mum's until things calmed down",
    "child_would_say": "That I make the best pancakes",
    "worried_about": "His dad shouts and throws things when he has been drinking",
    "worker_worried": "That Jamie gets hurt when his dad has been drinking",
    "harder": "Money is tight and the flat is damp",
    "helpers": "my mum Pat and my sister Kelly",
    "how_help": "They have Jamie for tea and pick him up from school",
    "safe_needs": "His dad needs to stop drinking",
    "first_sign": "Jamie sleeping through the night",
    "scale": "6",
    "scale_why": "We have a routine now and my mum helps",
    "scale_higher": "Jamie having his friends round for tea",
}, by_words=[(("worr",), "His dad shouts and throws things when he has been drinking"),
             (("help",), "my mum Pat and my sister Kelly"),
             (("good", "well", "like"), "Jamie is kind and makes everyone laugh")])

GRANDPARENT = Person("network", "Pat", {
    "like_child": "He is a caring boy who helps me with my shopping",
    "going_well": "He comes to me for his tea every Tuesday",
    "before_problem": "Sam and Jamie came to see me every weekend",
    "near_miss": "Sam rang me one night and I went and got them both",
    "child_would_say": "That Nan makes the best chips",
    "worried_about": "I worry Jamie is frightened at home when his dad has been drinking",
    "worker_worried": "That his dad will lose his temper with Jamie",
    "harder": "It takes me an hour on the bus to get to them",
    "helpers": "me and my neighbour Joan",
    "how_help": "We can have Jamie after school any day of the week",
    "safe_needs": "Jamie needs somewhere calm to go when things kick off",
    "first_sign": "Jamie smiling again when he comes round",
    "scale": "5",
    "scale_why": "Sam always calls me when things go wrong",
    "scale_higher": "His dad getting help with his drinking",
}, by_words=[(("worr",), "I worry Jamie is frightened at home"),
             (("help",), "me and my neighbour Joan"),
             (("good", "well", "like"), "He comes to me for his tea every Tuesday")])

CHILD = Person("child", "Jamie", {
    "good_life": "my nan and football",
    "good_people": "nan and mum",
    "good_doing": "playing football with my mates",
    "good_more": ["my dog Biscuit"],
    "worries_what": "wen dad shouts at mum",
    "worries_feelings": "i am scared to go home when dad is drunk",
    "worries_more": ["mum being sad"],
    "dreams_life": "dad would not drink and we would go to the beach",
    "dreams_wish": "a puppy",
    "dreams_more": [],
    "trusted_adults": "my nan and Mr Khan at school",
    "scale": "5",
    "scale_higher": "if dad stopped shouting",
}, by_words=[(("worr", "sad", "scared"), "wen dad shouts at mum"),
             (("trust", "listen"), "my nan and Mr Khan at school"),
             (("good", "happy", "like"), "my nan and football")],
    first_house="good_things")

FAMILY = [PARENT, GRANDPARENT, CHILD]


def _payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def _asked(messages: list[dict]) -> str | None:
    keys = [m["custom"]["question"] for m in messages if "question" in m.get("custom", {})]
    return keys[-1] if keys else None


@dataclass
class Conversation:
    """One person's conversation: what they still have to say to each question."""

    person: Person
    said: set[str] = field(default_factory=set)  # answers by words, each given once
    answered: set[str] = field(default_factory=set)  # question keys answered
    repeats: dict[str, list[str]] = field(default_factory=dict)

    def reply(self, messages: list[dict]) -> str | None:
        """What the person sends next, or None when their answers are sent."""
        if any(m.get("custom", {}).get("status") == "submitted" for m in messages):
            return None
        buttons = _payloads(messages)
        if any(m.get("custom", {}).get("safeguarding") for m in messages):
            return CARRY_ON  # they read the help, and carry on
        question = _asked(messages)
        if question is None:
            for step in (SEND, READY):  # the review, or the welcome
                if step in buttons:
                    return step
            return SKIP if SKIP in buttons else READY
        return self._answer(question, messages, buttons)

    def _answer(self, question: str, messages: list[dict], buttons: list[str]) -> str:
        houses = [b for b in buttons if b.startswith("/choose_house")]
        if houses:
            mine = [b for b in houses if f'"{self.person.first_house}"' in b]
            return (mine or houses)[0]
        known = self.person.answers.get(question)
        if isinstance(known, list):
            left = self.repeats.setdefault(question, list(known))
            if left:
                return left.pop(0)
        elif known is not None and question not in self.answered:
            self.answered.add(question)  # asked again (not understood): skipped
            return known
        text = " ".join(m.get("text", "") for m in messages).lower()
        for words, answer in self.person.by_words:
            if answer not in self.said and any(word in text for word in words):
                self.said.add(answer)
                return answer
        return _pass(buttons)


def _pass(buttons: list[str]) -> str:
    """Skip, or "that's all", or else the first choice offered (never "stop")."""
    for choice in (SKIP, NO_MORE):
        if choice in buttons:
            return choice
    offered = [b for b in buttons if b != STOP and not b.startswith(KEEP_PRIVATE)]
    return offered[0] if offered else SKIP


def play(base_url: str, token: str, person: Person, deadline: float) -> int:
    """The whole conversation, until the answers are sent; how many turns it took."""
    conversation = Conversation(person)
    with httpx.Client(base_url=base_url, timeout=120) as client:
        words: str | None = "Hello"
        turns = 0
        while words is not None:
            turns += 1
            if turns > MAX_TURNS:
                raise RuntimeError(f"{person.name}'s conversation did not end")
            words = conversation.reply(_send(client, token, words, deadline))
    return turns


def _send(client: httpx.Client, token: str, text: str, deadline: float) -> list[dict]:
    """Sent again, word for word, while a service is restarting (as the page does)."""
    while True:
        try:
            response = client.post(f"/api/v1/chat/{token}/messages", json={"text": text})
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            return response.json()["messages"]
        if response is not None and response.status_code not in TRY_AGAIN:
            raise RuntimeError(f"the portal answered {response.status_code}: "
                               f"{response.text[:200]}")
        if time.monotonic() > deadline:
            raise TimeoutError("MapBot did not answer in time")
        time.sleep(2)


# `mapbot demo` and `mapbot demo --remove` -----------------------------------------------


def local_url(settings: Settings) -> str:
    """The portal on this machine, straight (not through a proxy)."""
    host = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


def _running(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _on_store(settings: Settings, work):
    from bot.services.store import Store

    async def run():
        store = Store(settings.database_url)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def make_demo(settings: Settings, deadline_seconds: float = 900) -> int:
    """The demo worker and case, each person's conversation played; 0 when done."""
    from bot.services.demo import DEMO_REFERENCE, DEMO_USERNAME, NameTaken, create_demo
    from bot.services.demo import remove_demo as remove

    url = local_url(settings)
    if not _running(url):
        print(f"MapBot does not answer at {url}. Please start it first (make run, in "
              f"another terminal), then run this again.", file=sys.stderr)
        return 1
    password = secrets.token_urlsafe(12)
    people = [(person.role, person.name) for person in FAMILY]

    async def build(store):
        await remove(store, settings.tracker_database_url)  # an earlier demo, if any
        return await create_demo(store, password, people, settings.invitation_days)

    try:
        _, invited = _on_store(settings, build)
    except NameTaken:
        print(f"A real worker is called {DEMO_USERNAME!r}, so no demo was made.",
              file=sys.stderr)
        return 1
    deadline = time.monotonic() + deadline_seconds
    for person, invitation in zip(FAMILY, invited, strict=True):
        print(f"- {person.name} ({person.role}) is answering the assistant...", flush=True)
        turns = play(url, invitation.token, person, deadline)
        print(f"    sent their answers ({turns} messages)", flush=True)
    print(f"\nThe demo is ready: case {DEMO_REFERENCE}, with answers from a parent, a "
          f"grandparent and a child, and safeguarding flags.\nSign in at "
          f"{settings.base_url}/login as {DEMO_USERNAME} with this password:\n\n"
          f"    {password}\n\nEverything in it is made up and marked as the demo's. "
          f"To delete it all: .venv/bin/mapbot demo --remove")
    return 0


def remove_demo(settings: Settings) -> int:
    from bot.services.demo import remove_demo as remove

    removed = _on_store(settings, lambda store: remove(store, settings.tracker_database_url))
    print(f"Removed the demo: {removed.cases} case(s), {removed.workers} worker(s), "
          f"{removed.tracker_events} conversation event(s) in Rasa's store.")
    return 0
