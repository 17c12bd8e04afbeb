"""A server's startup objects left out of garbage collection.

What a server loads at start (libraries, the model, texts) lives as long as it does;
frozen, it is no longer walked by every full collection, which otherwise stalled every
conversation on that server for 20 to 200 ms (bench/FINDINGS.md). Used by the portal,
the action server and MapBot's channel in the Rasa server.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Once per process: the tests start many apps in one."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
