"""The server-drawn SVG bar charts (bot/core/charts.py): well-formed, named, readable
without colour (every bar says its series and number in words), and escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.core.charts import bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_every_bar_says_its_series_and_number_in_words() -> None:
    svg = ET.fromstring(bar_chart("by-role", "Invitations by role", ["parent", "child"],
                                  ["Sent", "Started"], [[4, 2], [1, 0]]))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Invitations by role"
    assert svg.get("aria-labelledby") == svg.find(f"{SVG}title").get("id") == "by-role-title"
    words = [text.text for text in svg.iter(f"{SVG}text")]
    assert words == ["parent", "Sent: 4", "Started: 2", "child", "Sent: 1", "Started: 0"]
    widths = [int(rect.get("width")) for rect in svg.iter(f"{SVG}rect")
              if rect.get("stroke")]
    assert widths == [400, 200, 100, 0]  # the longest bar is the largest number


def test_each_series_has_its_own_pattern_not_only_a_colour() -> None:
    svg = ET.fromstring(bar_chart("c", "C", ["a"], ["One", "Two", "Three"], [[1, 1, 1]]))
    fills = [rect.get("fill") for rect in svg.iter(f"{SVG}rect") if rect.get("stroke")]
    assert fills == ["#1d4f91", "url(#c-stripes)", "url(#c-dots)"]


def test_words_are_escaped_and_long_names_cut_short() -> None:
    drawn = bar_chart("x", "<b>Title</b> & more", ["<script>alert(1)</script>", "q" * 100],
                      ["Sent"], [[1], [2]], unit="minutes")
    assert "<script>" not in drawn and "<b>" not in drawn
    svg = ET.fromstring(drawn)
    words = [text.text for text in svg.iter(f"{SVG}text")]
    assert words == ["<script>alert(1)</script>", "Sent: 1 minutes", "q" * 79 + "…",
                     "Sent: 2 minutes"]


def test_nothing_to_show_says_so() -> None:
    svg = ET.fromstring(bar_chart("e", "Empty", [], ["Sent"], []))
    assert [text.text for text in svg.iter(f"{SVG}text")] == ["Nothing to show yet."]
