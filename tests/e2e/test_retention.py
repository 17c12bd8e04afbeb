"""`mapbot purge` removes a case from both databases and keeps only that it happened."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from bot.config import ROOT
from bot.operations.stack import Stack, service_env
from bot.services.retention import _sync_url
from tests.e2e.conftest import Worker, conversation_id


def _count(url: str, sql: str, **params) -> int:
    engine = sa.create_engine(_sync_url(url.replace("sqlite+aiosqlite", "sqlite")))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar_one()
    finally:
        engine.dispose()


def test_purge_deletes_answers_and_rasas_copy(stack: Stack, worker: Worker) -> None:
    case_id = worker.new_case(reference="PURGE-1")
    family = worker.invite(case_id, "parent", "Noor")
    family.say("hello")
    family.say("yes")
    family.say("She draws beautiful pictures of our cat")
    sender = conversation_id(stack, family)
    # A second case, of the same worker, that must come through the purge untouched: a
    # purge that deleted everything would pass every check on the first case alone.
    kept_case = worker.new_case(reference="PURGE-KEEP")
    kept = worker.invite(kept_case, "parent", "Ines")
    kept.say("hello")
    kept.say("yes")
    kept.say("He builds towers out of old boxes")
    kept_sender = conversation_id(stack, kept)
    settings = stack.settings
    kept_events = _count(settings.tracker_database_url,
                         "select count(*) from events where sender_id = :s", s=kept_sender)
    kept_answers = _count(settings.database_url,
                          "select count(*) from answers where text like '%towers%'")
    kept_messages = _count(settings.database_url,
                           "select count(*) from messages where text like '%towers%'")
    assert kept_events > 0 and kept_answers == 1 and kept_messages >= 1
    assert _count(settings.tracker_database_url,
                  "select count(*) from events where sender_id = :s", s=sender) > 0
    assert _count(settings.database_url, "select count(*) from answers") > 0

    done = subprocess.run([sys.executable, "-m", "bot.operations.cli", "purge", "--case", case_id],
                          cwd=ROOT, env=service_env(settings), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _count(settings.tracker_database_url,
                  "select count(*) from events where sender_id = :s", s=sender) == 0
    assert _count(settings.database_url, "select count(*) from respondents where case_id = :c",
                  c=case_id) == 0
    assert _count(settings.database_url,
                  "select count(*) from answers where text like '%beautiful%'") == 0
    assert _count(settings.database_url,
                  "select count(*) from messages where text like '%beautiful%'") == 0
    assert worker.client.get(f"/api/v1/cases/{case_id}/map",
                             headers=worker.headers).status_code == 404
    audit = _count(settings.database_url, "select count(*) from audit_events where "
                   "action = 'purge' and target_id = :c", c=case_id)
    assert audit == 1
    assert _count(settings.database_url, "select count(*) from audit_events where "
                  "detail like '%beautiful%'") == 0
    # The link is gone with the case.
    assert family.post("hello again").status_code == 404

    # The other case is exactly as it was, and its link still works.
    assert _count(settings.tracker_database_url,
                  "select count(*) from events where sender_id = :s", s=kept_sender
                  ) == kept_events
    assert _count(settings.database_url,
                  "select count(*) from answers where text like '%towers%'") == kept_answers
    assert _count(settings.database_url,
                  "select count(*) from messages where text like '%towers%'") == kept_messages
    assert _count(settings.database_url, "select count(*) from respondents where case_id = :c",
                  c=kept_case) == 1
    assert worker.client.get(f"/api/v1/cases/{kept_case}/map",
                             headers=worker.headers).status_code == 200
    assert _count(settings.database_url, "select count(*) from audit_events where "
                  "action = 'purge' and target_id = :c", c=kept_case) == 0
    assert kept.post("and she likes swimming").status_code == 200
