"""The results as JSON and a short Markdown table; the latest table in the README."""

from __future__ import annotations

import json
from pathlib import Path

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

# The targets (issue 9, "Done when").
TARGETS = {
    "p95_ratio_max": 1.0,
    "errors_max": 0,
    "peak_total_mib_max": 2048,
    "start_to_healthy_seconds_max": 45,
    "training_seconds_max": 180,
}


STOCK_RASA = ", MapBot on stock Rasa (MAPBOT_RASA_PATCHES=off)"


def targets_met(results: dict) -> dict[str, bool | None]:
    mapbot, ratio = results["mapbot"], results.get("p95_ratio")
    return {
        "p95_at_most_stock": None if ratio is None else ratio <= TARGETS["p95_ratio_max"],
        "zero_errors": mapbot["load"]["errors"] == TARGETS["errors_max"],
        "peak_memory_under_2_gib":
            mapbot["memory"]["peak_total_mib"] < TARGETS["peak_total_mib_max"],
        "start_to_healthy_under_45_s":
            mapbot["start_to_healthy_seconds"] < TARGETS["start_to_healthy_seconds_max"],
        "training_under_3_min": None if mapbot["training_seconds"] is None
        else mapbot["training_seconds"] < TARGETS["training_seconds_max"],
    }


def _num(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _mark(ok: bool | None) -> str:
    return {True: "✅", False: "❌", None: "–"}[ok]


def _by_round(side: dict) -> str:
    return " / ".join(_num(r["latency_ms"]["p95"]) for r in side.get("rounds", []))


def markdown(results: dict) -> str:
    mapbot, stock = results["mapbot"], results["stock"]
    met = results["targets_met"]
    m_lat, s_lat = mapbot["load"]["latency_ms"], stock["load"]["latency_ms"]
    m_mem, s_mem = mapbot["memory"]["peak_mib"], stock["memory"]["peak_mib"]
    m_cpu, s_cpu = mapbot["cpu"]["ms_per_turn"], stock["cpu"]["ms_per_turn"]
    load = results["machine"]
    rows = [
        ("turn latency p50 (ms)", _num(m_lat["p50"]), _num(s_lat["p50"]), ""),
        ("turn latency p95 (ms)", _num(m_lat["p95"]), _num(s_lat["p95"]),
         f"MapBot ≤ stock {_mark(met['p95_at_most_stock'])}"),
        ("turn latency p99 (ms)", _num(m_lat["p99"]), _num(s_lat["p99"]), ""),
        ("p95 ratio MapBot / stock", _num(results.get("p95_ratio"), 2), "1.00", "≤ 1"),
        ("p95 of each round (ms)", _by_round(mapbot), _by_round(stock), ""),
        ("turns per second", _num(mapbot["load"]["turns_per_second"], 1),
         _num(stock["load"]["turns_per_second"], 1), ""),
        ("turns (ok / all)", f"{mapbot['load']['turns_ok']} / {mapbot['load']['turns']}",
         f"{stock['load']['turns_ok']} / {stock['load']['turns']}", ""),
        ("conversations completed",
         f"{mapbot['load']['conversations_completed']} / {mapbot['load']['families']}",
         f"{stock['load']['conversations_completed']} / {stock['load']['families']}", ""),
        ("errors", str(mapbot["load"]["errors"]), str(stock["load"]["errors"]),
         f"0 {_mark(met['zero_errors'])}"),
        ("CPU per turn: portal (ms)", _num(m_cpu.get("portal")), "–", ""),
        ("CPU per turn: Rasa server (ms)", _num(m_cpu.get("rasa")), _num(s_cpu.get("rasa")),
         ""),
        ("CPU per turn: action server (ms)", _num(m_cpu.get("actions")), "–", ""),
        ("CPU per turn: total (ms)", _num(mapbot["cpu"]["total_ms_per_turn"]),
         _num(stock["cpu"]["total_ms_per_turn"]), ""),
        ("CPU per turn: load generator (ms)",
         _num(mapbot["cpu"].get("load_generator_ms_per_turn")),
         _num(stock["cpu"].get("load_generator_ms_per_turn")), ""),
        ("peak memory: portal (MiB)", _num(m_mem.get("portal")), "–", ""),
        ("peak memory: Rasa server (MiB)", _num(m_mem.get("rasa")), _num(s_mem.get("rasa")),
         ""),
        ("peak memory: action server (MiB)", _num(m_mem.get("actions")), "–", ""),
        ("peak memory: total (MiB)", _num(mapbot["memory"]["peak_total_mib"]),
         _num(stock["memory"]["peak_total_mib"]),
         f"< 2048 {_mark(met['peak_memory_under_2_gib'])}"),
        ("start to healthy (s)", _num(mapbot["start_to_healthy_seconds"], 1),
         _num(stock["start_to_healthy_seconds"], 1),
         f"< 45 {_mark(met['start_to_healthy_under_45_s'])}"),
        ("full training (s)", _num(mapbot["training_seconds"], 1),
         _num(stock["training_seconds"], 1),
         f"< 180 {_mark(met['training_under_3_min'])}"),
    ]
    lines = [
        f"Run {results['timestamp']} (commit {results['git']['commit'][:10]}"
        f"{', with local changes' if results['git']['dirty'] else ''}): "
        f"{results['families']} concurrent families, {results['turns_per_conversation']} "
        f"turns each, {results.get('rounds', 1)} round(s) a side (interleaved; latencies "
        f"over all rounds), think time {results['settings']['think']} s, "
        f"{load['cpus']} CPUs, load average {load['load_average_start'][0]:.2f} at start "
        f"and {load['load_average_end'][0]:.2f} at end"
        f"{', profiled (py-spy attached)' if results['settings']['profile'] else ''}"
        f"{', models reused' if results['settings'].get('reused_models') else ''}"
        f"{STOCK_RASA if results['settings'].get('rasa_patches') == 'off' else ''}.",
        "",
        "| | MapBot | stock `rasa init` | target |",
        "|---|---:|---:|---|",
        *[f"| {name} | {a} | {b} | {target} |" for name, a, b, target in rows],
    ]
    problems = {side: results[side]["load"]["problems"] for side in ("mapbot", "stock")}
    if any(problems.values()):
        lines += ["", "Problems: " + "; ".join(
            f"{side}: " + ", ".join(f"{kind} ×{count}" for kind, count in found.items())
            for side, found in problems.items() if found)]
    return "\n".join(lines) + "\n"


def write(results: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stamp = results["timestamp"]
    as_json = out / f"{stamp}.json"
    as_md = out / f"{stamp}.md"
    as_json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = f"# MapBot benchmark {stamp}\n\n{markdown(results)}"
    as_md.write_text(table)
    (out / "latest.md").write_text(table)
    return as_json, as_md


def update_readme(readme: Path, results: dict) -> None:
    """Put the latest table between the markers of the README's "Benchmark" section."""
    text = readme.read_text()
    block = f"{README_START}\n{markdown(results)}{README_END}"
    if README_START in text and README_END in text:
        before, rest = text.split(README_START, 1)
        after = rest.split(README_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n## Benchmark\n\n" + block + "\n"
    readme.write_text(text)
