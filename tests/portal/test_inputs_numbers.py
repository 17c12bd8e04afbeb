"""Whole numbers as JSON Schema reads them: the API document and the checks agree."""

from __future__ import annotations

import pytest

from bot.portal import inputs


@pytest.mark.parametrize("sent, kept", [(3, 3), (3.0, 3), (0.0, 0), (-2.0, -2)])
def test_a_whole_number_may_come_with_a_point_zero(sent, kept) -> None:
    assert inputs.whole_number(sent) == kept


@pytest.mark.parametrize("sent", [3.5, True, False, "3", None, float("nan"), float("inf"), 1e300])
def test_anything_else_is_not_a_whole_number(sent) -> None:
    assert inputs.whole_number(sent) is None


def test_the_analysis_takes_version_and_judgement_written_with_a_point_zero() -> None:
    checked = inputs.analysis({"version": 4.0, "judgement": {"value": 6.0, "why": "Better"}})
    assert checked is not None
    version, content = checked
    assert version == 4 and content["judgement"] == {"value": 6, "why": "Better"}


@pytest.mark.parametrize("body", [{"version": 4.5}, {"version": True}, {"version": 1,
                                  "judgement": {"value": 6.5}}, {"version": 1,
                                  "judgement": {"value": 11.0}}])
def test_the_analysis_refuses_numbers_that_are_not_whole_or_out_of_range(body) -> None:
    assert inputs.analysis(body) is None


@pytest.mark.parametrize("entry_id", ["", "é1", "a" * 33, "a-b"])
def test_an_entry_id_is_one_to_32_plain_letters_or_digits(entry_id) -> None:
    body = {"version": 1, "danger_statements": [{"id": entry_id, "text": "Words"}]}
    assert inputs.analysis(body) is None
