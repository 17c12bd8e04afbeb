"""The model graph runs as dask's synchronous scheduler runs it: the same values, each
node once, inputs and data passed as they are."""

from __future__ import annotations

from collections import Counter

import dask
import pytest

from bot.rasa_patches.graph_runner import evaluate


def graph_like_rasas(calls: Counter) -> dict:
    def node(name: str):
        def run(*inputs):
            calls[name] += 1
            return (name, [value for _, value in inputs] if inputs else name)
        return run

    return {
        "tokens": (node("tokens"), "message"),
        "words": (node("words"), "tokens"),
        "chars": (node("chars"), "tokens"),
        "intent": (node("intent"), "words", "chars"),
        "entities": (node("entities"), "tokens", "intent"),
        "message": ("message", {"text": "hello"}),  # an input, as Rasa adds it
    }


@pytest.mark.parametrize("targets", [["intent"], ["intent", "entities"], ["message"]])
def test_the_same_values_as_dask(targets: list[str]) -> None:
    # (dask runs every node of the graph; Rasa gives it only the nodes the targets need)
    assert evaluate(graph_like_rasas(Counter()), targets) == list(
        dask.get(graph_like_rasas(Counter()), targets))


def test_each_node_runs_once_and_only_what_the_targets_need() -> None:
    calls = Counter()
    evaluate(graph_like_rasas(calls), ["intent", "entities"])
    assert calls == {"tokens": 1, "words": 1, "chars": 1, "intent": 1, "entities": 1}
    calls.clear()
    evaluate(graph_like_rasas(calls), ["words"])
    assert calls == {"tokens": 1, "words": 1}


def test_arguments_that_are_not_keys_are_passed_as_they_are() -> None:
    graph = {"sum": (lambda a, b, c: a + len(b) + c["n"], "one", [1, 2], {"n": 3}),
             "one": 1}
    assert evaluate(graph, ["sum"]) == [6] == list(dask.get(graph, ["sum"]))


def test_an_error_in_a_node_is_raised() -> None:
    def broken():
        raise ValueError("broken component")

    with pytest.raises(ValueError, match="broken component"):
        evaluate({"x": (broken,)}, ["x"])
