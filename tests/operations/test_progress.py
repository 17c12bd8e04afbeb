"""What `mapbot run` says while it works (bot/operations/progress.py): Rasa's own steps
picked out of its training output, and how long the last start took, kept for the next."""

from __future__ import annotations

import io
import json

from bot.operations.progress import Progress, rasa_step

# Lines as Rasa 3.6 prints them while training (from a real train.log).
RASA_LINES = [
    "2026-12-05 07:18:49 INFO     rasa.cli.train  - Started validating domain and training "
    "data...",
    "/work/main/.venv-rasa/lib/python3.10/site-packages/pkg_resources/__init__.py:3117: "
    "DeprecationWarning: Deprecated call",
    "Processed rules:   0%|          | 0/130 [00:00<?, ?it/s, # trackers=1]",
    "2026-12-05 07:18:57 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'RulePolicy'.",
    "2026-12-05 07:18:59 INFO     rasa.engine.training.hooks  - Finished training component "
    "'RulePolicy'.",
    "Epochs:  47%|████▋     | 47/100 [00:10<00:11,  4.61it/s, t_loss=1.93, i_acc=0.969]",
]


def test_rasa_s_own_steps_are_picked_out_of_its_output() -> None:
    assert [rasa_step(line) for line in RASA_LINES] == [
        "checking the training data", None, None, "training RulePolicy", None, "epochs 40%"]


def test_the_last_start_s_time_is_kept_for_the_next(tmp_path) -> None:
    first = Progress(tmp_path / "logs", out=io.StringIO())
    assert first.last_time() is None
    first.step("Starting the services")
    first.detail("rasa started (process 1)")
    first.finish()
    kept = json.loads((tmp_path / "logs" / "last-run.json").read_text())
    assert set(kept) == {"seconds", "steps", "finished"}
    assert list(kept["steps"]) == ["Starting the services"]
    said = first.out.getvalue()
    assert said == "- Starting the services...\n    rasa started (process 1)\n"
    second = Progress(tmp_path / "logs", out=io.StringIO())
    assert second.last_time() is not None and kept["finished"] in second.last_time()
