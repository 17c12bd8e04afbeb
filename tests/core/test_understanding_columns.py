"""The columns model (bot/core/understanding/columns.py) on the saved weights.

Expected columns are written by hand from the practice brief, on wording that is not in
the training files (bot/core/understanding/training/); clear cases only, since the
model's figures on fresh wording are measured by the blind sorting set.
"""

from __future__ import annotations

import pytest

from bot.core.understanding import columns_train
from bot.core.understanding.columns import column_scores, load_model, move_threshold


def filed(text: str, asked: str, voice: str = "adult") -> str:
    """The column an adult's words go to (a child's: the column suggested, or the house's)."""
    scores = column_scores(text, asked, voice)
    best = max(scores, key=lambda column: scores[column])
    return best if best != asked and scores[best] >= move_threshold(voice) else asked


@pytest.mark.parametrize(("text", "asked", "column"), [
    # The question's own column, whatever the mood.
    ("she sings in the car with her little brother and never gets the words right",
     "working_well", "working_well"),
    ("his stepdad put him in a headlock on friday and he had marks on his neck",
     "worries", "worries"),
    ("we'll ring the school on monday to set up a meeting with the SENCO", "needs", "needs"),
    # Words that clearly answer another column.
    ("nothing is going well, his dad is drinking again and the police came on saturday",
     "working_well", "worries"),
    ("she plays the violin beautifully and she loves her lessons", "needs", "working_well"),
])
def test_an_answer_goes_to_the_column_its_words_say(text: str, asked: str,
                                                    column: str) -> None:
    assert filed(text, asked) == column


@pytest.mark.parametrize("text", ["not sure", "not sure really", "dunno", "   ", "??"])
@pytest.mark.parametrize("asked", ["worries", "working_well", "needs"])
def test_words_that_say_nothing_stay_with_the_question(text: str, asked: str) -> None:
    assert column_scores(text, asked, "adult")[asked] == 1.0


def test_a_childs_worry_written_in_the_good_things_house_is_read_as_a_worry() -> None:
    text = "nothing really. my mums boyfriend shouts at me every night and i hide in my room"
    assert filed(text, "working_well", voice="child") == "worries"


@pytest.mark.parametrize("text", ["things are up and down", "her mum"])
def test_the_question_counts(text: str) -> None:
    """The same unclear words lean to the column of the question they answered."""
    for column in ("worries", "working_well", "needs"):
        others = [c for c in ("worries", "working_well", "needs") if c != column]
        asked_here = column_scores(text, column, "adult")[column]
        assert all(asked_here > column_scores(text, other, "adult")[column]
                   for other in others)


def test_the_saved_weights_match_the_training_data() -> None:
    assert load_model().trained_on == columns_train.current_digest(), (
        "run `make parts-model` after changing bot/core/understanding/training/")
