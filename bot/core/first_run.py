"""The words that help the first person in: how to make the first administrator.

Said by `mapbot run` when the database has no worker yet, and by the sign-in page to
someone on this machine, in the same words, so what they read is what they type.
"""

from __future__ import annotations

FIRST_ADMIN_COMMAND = ".venv/bin/mapbot worker add admin --admin --password-stdin"
FIRST_ADMIN_HOW = ("There is no worker account yet. To make the first administrator, run "
                   "this from the MapBot folder, then type a password of at least 12 "
                   "characters and press Enter:")
FIRST_ADMIN_AFTER = "Then sign in as admin with that password."
DEMO_HINT = ("To see MapBot with a made-up family's answers, run .venv/bin/mapbot demo "
             "(or make demo) while MapBot is running.")
