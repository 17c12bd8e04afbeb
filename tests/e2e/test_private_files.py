"""What the three real services leave on disk: files only their user can read, and logs
that hold no invitation link and no secret between the services."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.operations.private_files import sqlite_files
from bot.operations.stack import Stack
from tests.e2e.conftest import Worker

SECRETS = ("action_secret", "internal_secret", "rasa_channel_secret")


def test_logs_hold_no_link_or_secret_and_every_file_is_private(stack: Stack,
                                                                 worker: Worker) -> None:
    family = worker.invite(worker.new_case(reference="LOGS-1"), "parent", "Noor")
    family.say("hello")
    family.say("yes")
    family.say("He likes feeding the ducks at the park")
    assert family.client.get(f"/chat/{family.token}").status_code == 200
    # Requests Sanic answers by itself: a path under the link that does not exist.
    assert family.client.get(f"/api/v1/chat/{family.token}/elsewhere").status_code in (
        404, 405)

    logs = sorted(stack.log_dir.glob("*.log"))
    assert {path.name for path in logs} >= {"portal.log", "rasa.log", "actions.log"}
    for path in logs:
        text = path.read_text(errors="replace")
        assert family.token not in text, f"{path.name} holds an invitation link"
        for name in SECRETS:
            assert getattr(stack.settings, name) not in text, f"{path.name} holds {name}"

    databases = [path for url in (stack.settings.database_url,
                                  stack.settings.tracker_database_url)
                 for path in sqlite_files(url) if path.exists()]  # none on PostgreSQL
    files = [*logs, *databases]
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == {
        path.name: "0o600" for path in files}
    assert oct(stat.S_IMODE(Path(stack.log_dir).stat().st_mode)) == "0o700"
