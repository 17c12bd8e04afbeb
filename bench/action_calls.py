"""What the two patches that change Rasa's calls to the action server save, per call, on
one core: `python -m bench.action_calls` in .venv-rasa (it imports Rasa).

- remote_action: the call body with the whole conversation (Rasa's `_action_call_format`)
  against this turn's events only, for a parent's conversation of N questions: bytes,
  and the time to build the body and turn it into JSON (what Rasa does before sending).
- local_asks: an ask action run as Rasa runs it (`RemoteAction.run`), against an action
  server over loopback HTTP (aiohttp in this process, with rasa-sdk's executor: cheaper
  than the real Sanic server, so the round trip is a lower bound) and in the Rasa server.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from aiohttp import web
from rasa.core.actions import action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from bot import rasa_patches
from bot.config import ROOT

SLOTS = ["like_child", "going_well", "before_problem", "near_miss", "worried_about",
         "worker_worried", "harder", "safe_needs", "first_sign"]


def conversation(domain: Domain, questions: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SlotSet("role", "parent"),
              SlotSet("audience", "adult"), SlotSet("name", "Sam"),
              SlotSet("child_name", "Ellie"), SlotSet("stage", "mapping"),
              ActionExecuted("action_listen"),
              UserUttered("yes", {"name": "affirm", "confidence": 1.0}),
              ActionExecuted("adult_form"), ActiveLoop("adult_form")]
    for number in range(questions):
        slot = SLOTS[number % len(SLOTS)]
        events += [SlotSet("requested_slot", slot), ActionExecuted(f"action_ask_{slot}"),
                   BotUttered(f"Question {number}", {"buttons": [{"title": "Skip"}]}),
                   SlotSet("last_asked", slot), ActionExecuted("action_listen"),
                   UserUttered(f"answer number {number}, in a few words",
                               {"name": "inform_strength", "confidence": 0.9}),
                   ActionExecuted("validate_adult_form"), SlotSet(slot, f"answer {number}"),
                   ActionExecuted("adult_form")]
    events.append(SlotSet("requested_slot", "going_well"))
    return DialogueStateTracker.from_events("bench", events, domain.slots)


def timed(function: Any, repeat: int) -> float:
    """Median milliseconds of `function()`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bodies(domain: Domain) -> None:
    from bot.rasa_patches.remote_action import _action_call_format as trimmed

    stock = STOCK_CALL_FORMAT
    action = rasa_action.RemoteAction("validate_adult_form",
                                      EndpointConfig("http://x", enable_selective_domain=True))
    print("validate_adult_form (gets the domain, ~12 kB of it, and the events):")
    print("| questions | events | Rasa's body | this turn's | Rasa's build + JSON | "
          "this turn's |")
    print("|---:|---:|---:|---:|---:|---:|")
    for questions in (1, 8, 15, 25):
        tracker = conversation(domain, questions)
        theirs = len(json.dumps(stock(action, tracker, domain)))
        ours = len(json.dumps(trimmed(action, tracker, domain)))
        t_theirs = timed(lambda t=tracker: json.dumps(stock(action, t, domain)), 200)
        t_ours = timed(lambda t=tracker: json.dumps(trimmed(action, t, domain)), 200)
        print(f"| {questions} | {len(tracker.events)} | {theirs:,} B | {ours:,} B | "
              f"{t_theirs:.2f} ms | {t_ours:.2f} ms |")


async def asks(domain: Domain) -> None:
    from bot.rasa_patches.local_asks import LocalEndpoint

    executor = ActionExecutor()
    executor.register_package("actions")

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(await executor.run(await request.json()))

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook",
                              enable_selective_domain=True)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = conversation(domain, 15)
    found = {}
    try:
        for label, target in (("over HTTP", endpoint), ("in the Rasa server",
                                                         LocalEndpoint(endpoint))):
            action = rasa_action.RemoteAction("action_ask_going_well", target)
            times = []
            for _ in range(300):
                start = time.perf_counter()
                await action.run(CollectingOutputChannel(), nlg, tracker, domain)
                times.append((time.perf_counter() - start) * 1000)
            found[label] = statistics.median(times[20:])
    finally:
        await runner.cleanup()
    for label, ms in found.items():
        print(f"- action_ask_going_well {label}: {ms:.2f} ms a call (median of 280)")


STOCK_CALL_FORMAT = rasa_action.RemoteAction._action_call_format  # before install()


def main() -> None:
    rasa_patches.install(environ={})  # the other patches as in production
    domain = Domain.load(str(ROOT / "domain.yml"))
    bodies(domain)
    asyncio.run(asks(domain))


if __name__ == "__main__":
    main()
