"""Rasa's model graph, run in order without dask's scheduler.

Rasa 3.6 runs its model (the NLU pipeline, and the policies for every action it
predicts, several times a turn) as a dask graph: for each run it works out the part of
the graph it needs, builds a dask graph from it, and lets dask's local scheduler order
and run the tasks. With a small model that bookkeeping was 8% of the Rasa server's busy
time under load (bench/FINDINGS.md). Here the graph for each set of targets is built
once, and its nodes are run in dependency order, each once, in this thread: what dask's
synchronous scheduler does, without its scheduling.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, cast

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

_GRAPHS = "_mapbot_graphs"
stock_run = DaskGraphRunner.run


def _is_task(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and callable(value[0])


def evaluate(graph: dict[Hashable, Any], targets: list[Hashable]) -> list[Any]:
    """The values of `targets` in a dask-style graph: {key: (function, *argument keys)},
    or {key: data}; an argument that is not a key is passed as it is."""
    values: dict[Hashable, Any] = {}

    def value(key: Hashable) -> Any:
        if key not in values:
            task = graph[key]
            if _is_task(task):
                function: Callable[..., Any] = task[0]
                values[key] = function(*(value(argument) if _is_key(argument, graph)
                                         else argument for argument in task[1:]))
            else:
                values[key] = task
        return values[key]

    return [value(target) for target in targets]


def _is_key(argument: Any, graph: dict[Hashable, Any]) -> bool:
    try:
        return argument in graph
    except TypeError:  # unhashable: data, not a key
        return False


def _run(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
         targets: list[str] | None = None) -> dict[str, Any]:
    run_targets = targets if targets else self._graph_schema.target_names
    graphs = self.__dict__.setdefault(_GRAPHS, {})
    key = tuple(run_targets)
    if key not in graphs:
        graphs[key] = self._build_dask_graph(
            self._graph_schema.minimal_graph_schema(run_targets))
    run_graph = dict(graphs[key])
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(evaluate(run_graph, cast("list[Hashable]", run_targets)))
    except RuntimeError as error:  # as dask's runner reports it
        raise GraphRunError("Error running runner.") from error


RASA_VERSIONS = ("3.6.21",)  # checked against: its code and its tests (bot/rasa_patches)
# What it replaces, what else of Rasa it relies on (bot/rasa_patches checks both at start).
TARGETS = {"rasa.engine.runner.dask.DaskGraphRunner.run": _run}
USES = ("rasa.engine.runner.dask.DaskGraphRunner._build_dask_graph",
        "rasa.engine.runner.dask.DaskGraphRunner._add_inputs_to_graph",
        "rasa.engine.graph.GraphSchema.minimal_graph_schema")
